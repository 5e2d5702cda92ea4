"""Mainland China resident identity card numbers (居民身份证号码), GB 11643-1999.

18 characters: a 6-digit administrative division code, the birth date as YYYYMMDD, a 3-digit
sequence number (odd for men, even for women) and a check character computed with ISO 7064
MOD 11-2 over the first 17 digits ("X" stands for 10).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"  # indexed by (weighted sum mod 11)
# The first two digits name a province-level division (GB/T 2260); 71 Taiwan, 81/82 Hong Kong and
# Macao residence permits, 83 residence permits for Taiwan residents.
PROVINCES = frozenset({
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
    50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
})
SHAPE = re.compile(r"^\d{17}[\dX]\Z")


class InvalidResidentId(ValueError):
    """The number is not a valid resident ID number; `message` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: date
    sex: str  # "male" or "female", from the parity of the sequence number

    @property
    def masked(self) -> str:
        return mask(self.number)


def check_character(first17: str) -> str:
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise(text: str) -> str:
    """What people type: blanks and a lower-case x are fine."""
    return re.sub(r"\s+", "", text or "").upper()


def parse(text: str, today: date | None = None) -> ResidentId:
    number = normalise(text)
    if len(number) != 18:
        raise InvalidResidentId(_l("A resident ID number has 18 characters."))
    if not SHAPE.match(number):
        raise InvalidResidentId(_l("A resident ID number is 17 digits followed by a digit or X."))
    if int(number[:2]) not in PROVINCES:
        raise InvalidResidentId(_l("The first two digits are not a province code."))
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidResidentId(_l("Digits 7 to 14 are not a valid date of birth.")) from None
    if born.year < 1900 or born > (today or date.today()):
        raise InvalidResidentId(_l("Digits 7 to 14 are not a possible date of birth."))
    if check_character(number[:17]) != number[17]:
        raise InvalidResidentId(_l("The last character does not match the others: please check the number."))
    return ResidentId(number, born, "male" if int(number[16]) % 2 else "female")


def mask(number: str) -> str:
    """3301**********1234: the region's first four and the last four characters only."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
