"""Claim calculators: pure functions over Decimal (docs/evaluation.md has every formula).

Each returns {"items": [...], "total": Decimal, ...}; an item is
{"key", "amount", "formula", "source"}: `formula` is the arithmetic with the numbers used,
`source` the key of the legal source (SOURCES; the page and the PDF print its citation).
Amounts are rounded to the fen (0.01) half up, item by item; the total is the sum of the items.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")

# The legal source of each item, as printed (design/LEGAL-REFERENCES.md).
SOURCES = {
    "wages": "劳动合同法第30条 / Labour Contract Law Art. 30",
    "lcl47": "劳动合同法第47条 / Labour Contract Law Art. 47",
    "lcl82": "劳动合同法第82条 / Labour Contract Law Art. 82",
    "lcl85": "劳动合同法第85条 / Labour Contract Law Art. 85",
    "lcl87": "劳动合同法第87条 / Labour Contract Law Art. 87",
    "deposit": "民法典第733条及租赁合同 / Civil Code Art. 733 and the lease",
    "penalty": "民法典第585条及租赁合同 / Civil Code Art. 585 and the lease",
    "injury": "最高人民法院人身损害赔偿司法解释(2022) / SPC interpretation on personal-injury compensation (2022)",
    "rtsl76": "道路交通安全法第76条 / Road Traffic Safety Law Art. 76",
}


def cite(key: str, lang: str) -> str:
    """A source's citation in one language (SOURCES holds "中文 / English")."""
    zh, _sep, en = SOURCES[key].partition(" / ")
    return zh if lang.startswith("zh") else (en or zh)


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _item(key: str, amount, formula: str, source: str) -> dict:
    return {"key": key, "amount": money(amount), "formula": formula, "source": source}


def _fmt(value) -> str:
    return f"{Decimal(value):,.2f}" if isinstance(value, Decimal) else str(value)


def _total(items) -> Decimal:
    return money(sum((i["amount"] for i in items), ZERO))


# ---- (a) unpaid wages and statutory compensation ------------------------------------------------

def service_years(months: int) -> Decimal:
    """Art. 47: one month per full year; a remainder of six months or more counts as a year,
    under six months as half a year."""
    if months < 0:
        raise ValueError("months of service cannot be negative")
    full, rest = divmod(months, 12)
    if rest >= 6:
        return Decimal(full + 1)
    if rest > 0:
        return Decimal(full) + Decimal("0.5")
    return Decimal(full)


def economic_compensation(monthly_wage: Decimal, service_months: int,
                          local_average_wage: Decimal | None = None) -> tuple[Decimal, Decimal, Decimal, bool]:
    """Art. 47: (amount, wage base, years counted, capped). When the wage is above three times
    the local average monthly wage, the base is three times that average and at most twelve
    years count."""
    years = service_years(service_months)
    base = Decimal(monthly_wage)
    capped = False
    if local_average_wage is not None and base > 3 * Decimal(local_average_wage):
        base = 3 * Decimal(local_average_wage)
        years = min(years, Decimal(12))
        capped = True
    return money(base * years), money(base), years, capped


def wages(*, monthly_wage, wages_owed=ZERO, service_months: int = 0, local_average_wage=None,
          months_without_contract: int = 0, termination: str = "none") -> dict:
    """Unpaid wages with statutory compensation.

    termination: "none" (still employed or left of their own accord without grounds),
    "compensation" (the contract ended in a way that entitles to Art. 47 compensation, e.g.
    Art. 46), or "unlawful" (unlawful dismissal: Art. 87, twice the Art. 47 amount).
    months_without_contract: months worked without a written contract after the first month.
    """
    monthly_wage = Decimal(monthly_wage)
    wages_owed = Decimal(wages_owed or 0)
    items = []
    if wages_owed:
        items.append(_item("wages_owed", wages_owed, _fmt(wages_owed), "wages"))
    if termination in ("compensation", "unlawful"):
        amount, base, years, capped = economic_compensation(monthly_wage, service_months, local_average_wage)
        formula = f"{_fmt(base)} × {years}"
        if capped:
            formula += f" (3 × {_fmt(Decimal(local_average_wage))}, ≤ 12)"
        if termination == "compensation":
            items.append(_item("economic_compensation", amount, formula, "lcl47"))
        else:
            items.append(_item("unlawful_dismissal", 2 * amount, f"2 × {formula}", "lcl87"))
    if months_without_contract:
        months = min(int(months_without_contract), 11)
        items.append(_item("double_wages", monthly_wage * months, f"{_fmt(monthly_wage)} × {months}", "lcl82"))
    result = {"items": items, "total": _total(items)}
    if wages_owed:
        # Art. 85 is ordered by the labour administration when wages stay unpaid: a range, not added.
        low, high = money(wages_owed * Decimal("0.5")), money(wages_owed)
        result["additional"] = {
            "key": "additional_compensation", "low": low, "high": high,
            "formula": f"{_fmt(wages_owed)} × 50% – 100%", "source": "lcl85",
        }
        result["total_with_additional"] = {"low": result["total"] + low, "high": result["total"] + high}
    return result


# ---- (b) tenancy deposit ------------------------------------------------------------------------

def tenancy(*, deposit, rent_arrears=ZERO, damage=ZERO, agreed_penalty=ZERO) -> dict:
    """The deposit back less proven deductions, plus an agreed penalty the lease provides for.
    Interest is not assumed. A negative total means the deductions exceed the deposit."""
    deposit = Decimal(deposit)
    items = [_item("deposit", deposit, _fmt(deposit), "deposit")]
    if rent_arrears:
        items.append(_item("rent_arrears", -Decimal(rent_arrears), f"− {_fmt(Decimal(rent_arrears))}", "deposit"))
    if damage:
        items.append(_item("damage", -Decimal(damage), f"− {_fmt(Decimal(damage))}", "deposit"))
    if agreed_penalty:
        items.append(_item("agreed_penalty", agreed_penalty, _fmt(Decimal(agreed_penalty)), "penalty"))
    return {"items": items, "total": _total(items)}


# ---- (c) traffic accident -----------------------------------------------------------------------

# Compulsory insurance (交强险) limits from 2020: (insured driver at fault, not at fault).
INSURANCE_LIMITS = {
    "medical": (Decimal("18000"), Decimal("1800")),
    "disability": (Decimal("180000"), Decimal("18000")),
    "property": (Decimal("2000"), Decimal("100")),
}
# Which limit each item falls under (the compulsory-insurance clauses).
INSURANCE_GROUP = {
    "medical_costs": "medical", "hospital_food": "medical", "nutrition": "medical",
    "lost_income": "disability", "nursing": "disability", "transport": "disability",
    "property_damage": "property",
}


def traffic(*, medical_costs=ZERO, daily_income=ZERO, lost_days: int = 0, nursing_daily=ZERO,
            nursing_days: int = 0, carers: int = 1, transport=ZERO, hospital_days: int = 0,
            food_allowance_daily=ZERO, nutrition=ZERO, property_damage=ZERO,
            other_at_fault: bool = True, fault_percent=Decimal("100")) -> dict:
    """Personal-injury items; compulsory insurance pays first within its limits (Road Traffic
    Safety Law Art. 76); the rest is shared by the other side's share of fault (percent)."""
    d = Decimal
    items = []
    if medical_costs:
        items.append(_item("medical_costs", medical_costs, _fmt(d(medical_costs)), "injury"))
    if daily_income and lost_days:
        items.append(_item("lost_income", d(daily_income) * lost_days,
                           f"{_fmt(d(daily_income))} × {lost_days}", "injury"))
    if nursing_daily and nursing_days:
        items.append(_item("nursing", d(nursing_daily) * nursing_days * carers,
                           f"{_fmt(d(nursing_daily))} × {nursing_days} × {carers}", "injury"))
    if transport:
        items.append(_item("transport", transport, _fmt(d(transport)), "injury"))
    if food_allowance_daily and hospital_days:
        items.append(_item("hospital_food", d(food_allowance_daily) * hospital_days,
                           f"{_fmt(d(food_allowance_daily))} × {hospital_days}", "injury"))
    if nutrition:
        items.append(_item("nutrition", nutrition, _fmt(d(nutrition)), "injury"))
    if property_damage:
        items.append(_item("property_damage", property_damage, _fmt(d(property_damage)), "rtsl76"))
    losses = _total(items)

    which = 0 if other_at_fault else 1
    insurance = []
    for group, limits in INSURANCE_LIMITS.items():
        claimed = sum((i["amount"] for i in items if INSURANCE_GROUP[i["key"]] == group), ZERO)
        if claimed:
            paid = min(claimed, limits[which])
            insurance.append({"group": group, "claimed": money(claimed), "limit": money(limits[which]),
                              "paid": money(paid)})
    insured = money(sum((g["paid"] for g in insurance), ZERO))
    remainder = losses - insured
    share = d(fault_percent)
    by_fault = money(remainder * share / 100)
    return {
        "items": items,
        "losses": losses,
        "insurance": insurance,
        "insurance_paid": insured,
        "remainder": money(remainder),
        "fault_percent": share,
        "by_fault": by_fault,
        "by_fault_formula": f"{_fmt(money(remainder))} × {share}%",
        "total": money(insured + by_fault),
    }
