"""Verification codes: 12 symbols of Crockford's base32, printed as XXXX-XXXX-XXXX.

60 random bits: guessing one is hopeless at the rate the verify page allows. The alphabet has no
I, L, O or U, and reading a code back forgives the usual slips (O for 0, I or L for 1, lower
case, spaces, missing dashes), so a code typed from paper finds its document.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
_SLIPS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_NOISE = re.compile(r"[\s\-_.]")


def new_code() -> str:
    """A fresh code in its stored form (12 symbols, no dashes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str) -> str | None:
    """The stored form of a code as a person typed it, or None if it cannot be one."""
    code = _NOISE.sub("", text or "").upper().translate(_SLIPS)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def grouped(code: str) -> str:
    """XXXX-XXXX-XXXX: how a code is printed and shown."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
