"""Limitation check and calculators, recomputed by hand (docs/evaluation.md).

Every expected number is a literal with the arithmetic beside it: if a formula in the code
changes, these fail.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from odr.evaluation import calculators, limitation
from odr.evaluation.limitation import (
    CIVIL,
    EXPIRED,
    LABOUR,
    LABOUR_WAGES,
    NOT_RUNNING,
    RUNNING,
    check,
)

# ---- limitation ---------------------------------------------------------------------------------

def test_exactly_three_years_is_the_last_day():
    # Knew on 2020-03-10: the first day is not counted, the period ends on 2023-03-10 (Art. 202).
    on_last_day = check(today=date(2023, 3, 10), knew_on=date(2020, 3, 10))
    assert (on_last_day.rule, on_last_day.status, on_last_day.deadline) == (CIVIL, RUNNING, date(2023, 3, 10))
    assert on_last_day.days_left == 0
    day_after = check(today=date(2023, 3, 11), knew_on=date(2020, 3, 10))
    assert (day_after.status, day_after.days_left) == (EXPIRED, -1)


def test_leap_day_start_ends_on_the_last_day_of_february():
    # 2020-02-29 + 3 years: 2023 has no 29 February -> 28 February.
    assert check(today=date(2021, 1, 1), knew_on=date(2020, 2, 29)).deadline == date(2023, 2, 28)
    # + 4 years lands on a leap year again.
    assert limitation.add_years(date(2020, 2, 29), 4) == date(2024, 2, 29)
    # Labour wages: employment ended 2024-02-29 -> one year -> 2025-02-28.
    wages = check(today=date(2025, 2, 28), labour=True, wage_claim=True, employment_ended_on=date(2024, 2, 29))
    assert (wages.rule, wages.deadline, wages.status) == (LABOUR_WAGES, date(2025, 2, 28), RUNNING)


def test_twenty_year_cap():
    # Harm 2004-06-01, learnt of it 2023-01-01: 3 years would be 2026-01-01, but 20 years from
    # the harm end on 2024-06-01, which is earlier.
    result = check(today=date(2024, 6, 2), knew_on=date(2023, 1, 1), harm_on=date(2004, 6, 1))
    assert (result.deadline, result.long_stop, result.status) == (date(2024, 6, 1), date(2024, 6, 1), EXPIRED)


def test_unpaid_wages_do_not_run_while_employed():
    result = check(today=date(2030, 1, 1), labour=True, wage_claim=True, still_employed=True)
    assert (result.status, result.deadline, result.rule) == (NOT_RUNNING, None, LABOUR_WAGES)


def test_other_labour_claims_one_year_from_knowing():
    result = check(today=date(2024, 5, 2), labour=True, knew_on=date(2023, 5, 1))
    # 2023-05-01 + 1 year = 2024-05-01; on 2024-05-02 it has expired.
    assert (result.rule, result.deadline, result.status) == (LABOUR, date(2024, 5, 1), EXPIRED)


def test_application_interrupts_a_running_period():
    # Knew 2021-01-10 (ends 2024-01-10); applied 2023-12-01 -> restarts: 2026-12-01.
    result = check(today=date(2025, 6, 1), knew_on=date(2021, 1, 10), applied_on=date(2023, 12, 1))
    assert (result.deadline, result.interrupted_on, result.restarted_deadline) == (
        date(2024, 1, 10), date(2023, 12, 1), date(2026, 12, 1))
    assert result.status == RUNNING
    assert result.days_left == (date(2026, 12, 1) - date(2025, 6, 1)).days == 548


def test_an_application_after_expiry_revives_nothing():
    result = check(today=date(2023, 2, 1), knew_on=date(2019, 1, 1), applied_on=date(2023, 1, 1))
    assert (result.interrupted_on, result.restarted_deadline, result.status) == (None, None, EXPIRED)


def test_missing_start_date_is_refused():
    with pytest.raises(ValueError):
        check(today=date(2024, 1, 1))
    with pytest.raises(ValueError):
        check(today=date(2024, 1, 1), labour=True, wage_claim=True)


# ---- (a) wages ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("months", "years"), [
    (0, D("0")), (5, D("0.5")), (6, D("1")), (12, D("1")), (17, D("1.5")), (18, D("2")), (30, D("3")),
])
def test_service_years(months, years):
    assert calculators.service_years(months) == years


def test_wages_with_compensation_and_double_wages():
    result = calculators.wages(monthly_wage=D("8000"), wages_owed=D("24000"), service_months=30,
                               months_without_contract=3, termination="compensation")
    amounts = {i["key"]: i["amount"] for i in result["items"]}
    assert amounts == {
        "wages_owed": D("24000.00"),
        "economic_compensation": D("24000.00"),  # 30 months = 2 years 6 months -> 3; 8,000 x 3
        "double_wages": D("24000.00"),  # 8,000 x 3 months
    }
    assert result["total"] == D("72000.00")  # 24,000 + 24,000 + 24,000
    # Art. 85: 50% and 100% of 24,000, shown as a range, not added to the total.
    assert (result["additional"]["low"], result["additional"]["high"]) == (D("12000.00"), D("24000.00"))
    assert result["total_with_additional"] == {"low": D("84000.00"), "high": D("96000.00")}  # 72,000 + 12,000 / 24,000
    assert {i["source"] for i in result["items"]} == {"wages", "lcl47", "lcl82"}


def test_high_earner_cap_unlawful_dismissal_and_eleven_months():
    result = calculators.wages(monthly_wage=D("30000"), service_months=200, local_average_wage=D("8000"),
                               months_without_contract=14, termination="unlawful")
    amounts = {i["key"]: i["amount"] for i in result["items"]}
    # Base capped at 3 x 8,000 = 24,000; 200 months = 16 y 8 m -> 17 years, capped at 12;
    # Art. 47: 24,000 x 12 = 288,000; Art. 87 doubles it: 576,000.
    assert amounts["unlawful_dismissal"] == D("576000.00")
    # Art. 82: at most 11 months: 30,000 x 11 = 330,000.
    assert amounts["double_wages"] == D("330000.00")
    assert result["total"] == D("906000.00")  # 576,000 + 330,000
    assert "additional" not in result  # nothing owed, no Art. 85 range


def test_half_month_for_under_six_months_and_rounding():
    result = calculators.wages(monthly_wage=D("5000.55"), service_months=5, termination="compensation")
    # 5,000.55 x 0.5 = 2,500.275 -> 2,500.28 (half up)
    assert result["total"] == D("2500.28")


# ---- (b) tenancy --------------------------------------------------------------------------------

def test_tenancy_deposit():
    result = calculators.tenancy(deposit=D("6000"), rent_arrears=D("1500"), damage=D("800.50"),
                                 agreed_penalty=D("2000"))
    assert result["total"] == D("5699.50")  # 6,000 - 1,500 - 800.50 + 2,000
    assert calculators.tenancy(deposit=D("1000"), rent_arrears=D("3000"))["total"] == D("-2000.00")  # 1,000 - 3,000


# ---- (c) traffic --------------------------------------------------------------------------------

TRAFFIC = {
    "medical_costs": D("25000"), "daily_income": D("300"), "lost_days": 40, "nursing_daily": D("200"),
    "nursing_days": 20, "carers": 2, "transport": D("600"), "hospital_days": 20,
    "food_allowance_daily": D("100"), "nutrition": D("1500"), "property_damage": D("5000"),
    "fault_percent": D("70"),
}


def test_traffic_with_fault_limits():
    result = calculators.traffic(**TRAFFIC, other_at_fault=True)
    amounts = {i["key"]: i["amount"] for i in result["items"]}
    assert amounts["lost_income"] == D("12000.00")  # 300 x 40
    assert amounts["nursing"] == D("8000.00")  # 200 x 20 x 2
    assert amounts["hospital_food"] == D("2000.00")  # 100 x 20
    assert result["losses"] == D("54100.00")  # 25,000 + 12,000 + 8,000 + 600 + 2,000 + 1,500 + 5,000
    paid = {g["group"]: g["paid"] for g in result["insurance"]}
    assert paid == {
        "medical": D("18000.00"),  # 25,000 + 2,000 + 1,500 = 28,500 > 18,000
        "disability": D("20600.00"),  # 12,000 + 8,000 + 600 = 20,600 < 180,000
        "property": D("2000.00"),  # 5,000 > 2,000
    }
    assert result["insurance_paid"] == D("40600.00")  # 18,000 + 20,600 + 2,000
    assert result["remainder"] == D("13500.00")  # 54,100 - 40,600
    assert result["by_fault"] == D("9450.00")  # 13,500 x 70%
    assert result["total"] == D("50050.00")  # 40,600 + 9,450


def test_traffic_without_fault_limits():
    result = calculators.traffic(**TRAFFIC, other_at_fault=False)
    # Limits 1,800 / 18,000 / 100: 1,800 + 18,000 + 100 = 19,900 paid.
    assert result["insurance_paid"] == D("19900.00")
    assert result["by_fault"] == D("23940.00")  # (54,100 - 19,900) = 34,200 x 70%
    assert result["total"] == D("43840.00")  # 19,900 + 23,940
