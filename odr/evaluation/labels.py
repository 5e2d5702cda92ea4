"""What the evaluation's codes say, in the user's language (items, rules, statuses)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def calculator_labels() -> dict:
    return {
        "wages_owed": _l("Wages owed"),
        "economic_compensation": _l("Economic compensation"),
        "unlawful_dismissal": _l("Compensation for unlawful dismissal (2 × Art. 47)"),
        "double_wages": _l("Double wages without a written contract (the second wage)"),
        "additional_compensation": _l("Additional compensation if still unpaid after an order"),
        "deposit": _l("Deposit"),
        "rent_arrears": _l("Less: rent owed"),
        "damage": _l("Less: damage"),
        "agreed_penalty": _l("Agreed penalty"),
        "medical_costs": _l("Medical costs"),
        "lost_income": _l("Lost income (daily income × days)"),
        "nursing": _l("Nursing (daily rate × days × carers)"),
        "transport": _l("Transport costs"),
        "hospital_food": _l("Hospital food allowance (days × daily allowance)"),
        "nutrition": _l("Nutrition costs"),
        "property_damage": _l("Damage to property"),
        "medical": _l("Medical limit"),
        "disability": _l("Death and disability limit"),
        "property": _l("Property limit"),
        # limitation
        "civil_188": _l("Three years from when you knew of the harm and who caused it; "
                        "never more than twenty years from the harm (Civil Code Art. 188)."),
        "labour_27": _l("One year for labour arbitration from when you knew of the infringement "
                        "(Labour Dispute Mediation and Arbitration Law Art. 27)."),
        "labour_27_wages": _l("Unpaid wages: the period does not run while you are employed; one year "
                              "from the end of the employment (Labour Dispute Mediation and Arbitration Law Art. 27)."),
        "running": _l("Running"),
        "expired": _l("Expired"),
        "not_running": _l("Not running while you are employed"),
    }
