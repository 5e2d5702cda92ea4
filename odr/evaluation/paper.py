"""The evaluation report as a case paper (odr/documents: `evaluation_report`).

A paper's words belong to the paper (docs/documents.md): the item names and statuses are here
in both languages, not in the interface's catalogue. build() returns plain JSON, stored with the
issued document.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from .calculators import cite
from .checklists import checklist
from .operations import latest_report

WORDS = {
    "zh_CN": {
        "wages_owed": "拖欠工资", "economic_compensation": "经济补偿", "unlawful_dismissal": "违法解除赔偿金（经济补偿的二倍）",
        "double_wages": "未签书面劳动合同的二倍工资差额", "additional_compensation": "加付赔偿金",
        "deposit": "押金", "rent_arrears": "扣除：欠付租金", "damage": "扣除：损坏", "agreed_penalty": "约定违约金",
        "medical_costs": "医疗费", "lost_income": "误工费", "nursing": "护理费", "transport": "交通费",
        "hospital_food": "住院伙食补助费", "nutrition": "营养费", "property_damage": "财产损失",
        "medical": "医疗费用赔偿限额", "disability": "死亡伤残赔偿限额", "property": "财产损失赔偿限额",
        "civil_188": "民法典第188条：三年，自知道或者应当知道权利受到损害以及义务人之日起计算；自权利受到损害之日起超过二十年的，不予保护。",
        "labour_27": "劳动争议调解仲裁法第27条：仲裁时效一年，自知道或者应当知道权利被侵害之日起计算。",
        "labour_27_wages": "劳动争议调解仲裁法第27条：劳动关系存续期间因拖欠劳动报酬发生争议的，不受一年限制；劳动关系终止的，自终止之日起一年内提出。",
        "running": "正在计算", "expired": "已届满", "not_running": "劳动关系存续期间不计算",
    },
    "en": {
        "wages_owed": "Wages owed", "economic_compensation": "Economic compensation",
        "unlawful_dismissal": "Damages for unlawful dismissal (twice the compensation)",
        "double_wages": "Second wage for months without a written contract",
        "additional_compensation": "Additional compensation",
        "deposit": "Deposit", "rent_arrears": "Less: rent owed", "damage": "Less: damage", "agreed_penalty": "Agreed penalty",
        "medical_costs": "Medical costs", "lost_income": "Lost income", "nursing": "Nursing", "transport": "Transport",
        "hospital_food": "Hospital food allowance", "nutrition": "Nutrition", "property_damage": "Damage to property",
        "medical": "Medical limit", "disability": "Death and disability limit", "property": "Property limit",
        "civil_188": "Civil Code Art. 188: three years from when the right-holder knew or should have known of the harm and the obligor; no protection after twenty years from the harm.",
        "labour_27": "Labour Dispute Mediation and Arbitration Law Art. 27: one year from when the worker knew or should have known of the infringement.",
        "labour_27_wages": "Labour Dispute Mediation and Arbitration Law Art. 27: unpaid wages during the employment are not subject to the one-year limit; after the employment ends, one year from its end.",
        "running": "Running", "expired": "Expired", "not_running": "Not running while employed",
    },
}


def _money(value, currency: str, lang: str) -> str:
    from ..documents.wording import money

    return money(Decimal(value), currency, lang)


def not_ready(case):
    if latest_report(case) is None:
        return _l("There is no evaluation report yet.")
    return None


def build(case, lang: str) -> dict:
    """What the paper shows of the latest report: every number as printed text."""
    report = latest_report(case)
    words = WORDS[lang]
    r = report.results

    def m(value):
        return _money(value, case.currency, lang)

    def lines(result):
        return [{"label": words[i["key"]], "formula": i["formula"], "source": cite(i["source"], lang),
                 "amount": m(i["amount"])} for i in result["items"]]

    out: dict = {"version": report.version, "calculations": [], "limitation": None}
    if "limitation" in r:
        lim = r["limitation"]
        out["limitation"] = {**{k: v or "" for k, v in lim.items() if k not in ("rule", "status")},
                             "rule": words[lim["rule"]], "status": words[lim["status"]]}
    if "wages" in r:
        w = r["wages"]
        block = {"kind": "wages", "lines": lines(w), "total": m(w["total"]), "range": None}
        if "additional" in w:
            a = w["additional"]
            block["range"] = {"label": words["additional_compensation"], "low": m(a["low"]), "high": m(a["high"]),
                              "source": cite(a["source"], lang),
                              "total_low": m(w["total_with_additional"]["low"]),
                              "total_high": m(w["total_with_additional"]["high"])}
        out["calculations"].append(block)
    if "tenancy" in r:
        out["calculations"].append({"kind": "tenancy", "lines": lines(r["tenancy"]), "total": m(r["tenancy"]["total"]),
                                    "range": None})
    if "traffic" in r:
        t = r["traffic"]
        out["calculations"].append({
            "kind": "traffic", "lines": lines(t), "total": m(t["total"]), "losses": m(t["losses"]), "range": None,
            "insurance": [{"label": words[g["group"]], "limit": m(g["limit"]), "paid": m(g["paid"])} for g in t["insurance"]],
            "insurance_paid": m(t["insurance_paid"]), "by_fault": m(t["by_fault"]), "by_fault_formula": t["by_fault_formula"],
            "source": cite("rtsl76", lang),
        })
    present = {c["key"]: c["present"] for c in r.get("checklist", [])}
    out["checklist"] = [{"text": item.text(lang)[0], "present": bool(present.get(item.key))}
                        for item in checklist(case.category.value)]
    s = r.get("similar") or {"enough": False, "k_min": 3}
    out["similar"] = {"enough": bool(s.get("enough")), "k_min": s.get("k_min", 3),
                      "count": s.get("count", 0), "settled": s.get("settled", 0),
                      "median_ratio": f"{Decimal(s['median_ratio']) * 100:.0f}%" if s.get("median_ratio") else "",
                      "median_days": s.get("median_days") if s.get("median_days") is not None else ""}
    return {"evaluation": out}
