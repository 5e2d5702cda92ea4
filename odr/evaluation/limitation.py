"""The limitation-period check: pure functions over dates (docs/evaluation.md).

Rules (design/LEGAL-REFERENCES.md):
- Civil Code Art. 188: three years from when the right-holder knew or should have known of the
  harm and the obligor; no protection after twenty years from the harm.
- Labour Dispute Mediation and Arbitration Law Art. 27: one year for labour arbitration; for unpaid
  wages the period does not run while the employment lasts, and is one year from its end.
- Counting (Civil Code Arts. 201-202): the first day is not counted; a period in years ends on
  the corresponding day of the last year, or on the last day of that month when there is no such
  day (29 February -> 28 February). A holiday at the end (Art. 203) is not modelled.
- Civil Code Art. 195 and the Supreme People's Court's rules on limitation: applying to a
  people's mediation committee interrupts the period; it restarts from the application date.
"""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass
from datetime import date

RUNNING = "running"
EXPIRED = "expired"
NOT_RUNNING = "not_running"  # unpaid wages while still employed

CIVIL = "civil_188"
LABOUR = "labour_27"
LABOUR_WAGES = "labour_27_wages"

PERIOD_YEARS = {CIVIL: 3, LABOUR: 1, LABOUR_WAGES: 1}
LONG_STOP_YEARS = 20


def add_years(start: date, years: int) -> date:
    """The corresponding day `years` later; the last day of the month when there is none."""
    year = start.year + years
    day = min(start.day, calendar.monthrange(year, start.month)[1])
    return date(year, start.month, day)


@dataclass(frozen=True)
class LimitationResult:
    rule: str  # CIVIL, LABOUR or LABOUR_WAGES
    status: str  # RUNNING, EXPIRED or NOT_RUNNING
    start: date | None  # the day the period began to run
    deadline: date | None  # the last day of the period (None while it does not run)
    days_left: int | None  # on `today`; negative when expired
    long_stop: date | None  # Art. 188's twenty-year cap (civil rule only)
    interrupted_on: date | None  # the application date, when it interrupted a running period
    restarted_deadline: date | None  # the new last day after the interruption

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}


def check(*, today: date, knew_on: date | None = None, harm_on: date | None = None,
          labour: bool = False, wage_claim: bool = False, still_employed: bool = False,
          employment_ended_on: date | None = None, applied_on: date | None = None) -> LimitationResult:
    """Which rule applies, when the period ends, and whether it is still running on `today`.

    `knew_on`: when the person knew (or should have known) of the harm and who caused it.
    `harm_on`: when the harm happened (for the twenty-year cap; defaults to `knew_on`).
    `applied_on`: when the case was filed with the service (interrupts a running period).
    """
    if labour and wage_claim:
        rule = LABOUR_WAGES
        if still_employed:
            return LimitationResult(rule, NOT_RUNNING, None, None, None, None, None, None)
        if employment_ended_on is None:
            raise ValueError("employment_ended_on is needed when the employment has ended")
        start = employment_ended_on
    else:
        rule = LABOUR if labour else CIVIL
        if knew_on is None:
            raise ValueError("knew_on is needed")
        start = knew_on
    deadline = add_years(start, PERIOD_YEARS[rule])
    long_stop = None
    if rule == CIVIL:
        long_stop = add_years(harm_on or knew_on, LONG_STOP_YEARS)
        deadline = min(deadline, long_stop)

    interrupted_on = restarted = None
    if applied_on is not None and start <= applied_on <= deadline:
        interrupted_on = applied_on
        restarted = add_years(applied_on, PERIOD_YEARS[rule])
        if long_stop is not None:
            restarted = min(restarted, long_stop)
    effective = restarted or deadline
    status = RUNNING if today <= effective else EXPIRED
    return LimitationResult(rule, status, start, deadline, (effective - today).days, long_stop,
                            interrupted_on, restarted)
