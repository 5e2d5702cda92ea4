"""Evidence checklists per category (data, bilingual, versioned with the code).

Each item: a key (stable: ticks are stored by it), what to bring, and why it matters. A category
without its own list uses GENERAL.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    key: str
    zh: str
    en: str
    why_zh: str
    why_en: str

    def text(self, lang: str) -> tuple[str, str]:
        return (self.zh, self.why_zh) if lang.startswith("zh") else (self.en, self.why_en)


_I = Item
GENERAL = (
    _I("identity", "身份证明", "Proof of identity",
       "证明您是适格的当事人。", "Shows you are the person entitled to claim."),
    _I("agreement", "合同或约定（书面、聊天记录）", "The contract or agreement (written or in chat messages)",
       "确定双方的权利义务。", "Sets out what each side owed the other."),
    _I("payments", "付款凭证", "Proof of payments", "证明已付或未付的金额。", "Shows what was or was not paid."),
    _I("messages", "与对方的沟通记录", "Messages with the other side",
       "证明您曾主张权利，也可能中断诉讼时效。", "Shows you demanded your right, which may also interrupt the limitation period."),
)

CHECKLISTS: dict[str, tuple[Item, ...]] = {
    "labour": (
        _I("labour_contract", "劳动合同", "Labour contract",
           "证明劳动关系和约定工资；没有书面合同时可主张二倍工资（劳动合同法第82条）。",
           "Proves the employment and the agreed wage; without a written contract double wages may be due (Labour Contract Law Art. 82)."),
        _I("pay_records", "工资条或银行流水", "Pay slips or bank records",
           "证明工资标准和欠付金额。", "Show the wage and how much is unpaid."),
        _I("attendance", "考勤记录", "Attendance records",
           "证明实际出勤的天数和加班。", "Show the days actually worked and overtime."),
        _I("employer_chats", "与用人单位的聊天记录", "Chat records with the employer",
           "证明欠薪的承认和催要。", "Show the employer admitting the debt and your demands."),
        _I("termination_notice", "解除或终止劳动合同通知", "Termination notice",
           "确定离职日期（仲裁时效起算）和解除理由（经济补偿或赔偿金）。",
           "Fixes the end date (the limitation period starts there) and the reason (compensation or damages)."),
        _I("work_badge", "工牌、工作服或社保记录", "Work badge, uniform or social-insurance records",
           "没有合同时证明劳动关系。", "Prove the employment when there is no contract."),
    ),
    "tenancy": (
        _I("lease", "租赁合同", "Lease", "约定押金、租金和退还条件。", "Sets the deposit, the rent and when the deposit comes back."),
        _I("deposit_receipt", "押金收据或转账记录", "Deposit receipt or transfer record",
           "证明押金金额。", "Proves the amount of the deposit."),
        _I("rent_payments", "租金支付记录", "Rent payment records", "证明没有欠租。", "Show that no rent is owed."),
        _I("handover_photos", "入住和退房时的照片、交接单", "Photos and handover list at moving in and out",
           "证明房屋状况，反驳损坏扣款。", "Show the condition of the flat, against deductions for damage."),
        _I("landlord_chats", "与房东的沟通记录", "Messages with the landlord",
           "证明退租通知和退押金的要求。", "Show notice of leaving and the demand for the deposit."),
    ),
    "traffic": (
        _I("accident_certificate", "交通事故认定书", "Traffic accident liability certificate",
           "确定各方责任比例。", "Sets each side's share of fault."),
        _I("medical_records", "病历、诊断证明", "Medical records and diagnosis",
           "证明伤情和治疗的必要性。", "Show the injury and that the treatment was needed."),
        _I("medical_invoices", "医疗费发票", "Medical invoices", "证明医疗费金额。", "Prove the medical costs."),
        _I("income_proof", "收入证明和误工证明", "Proof of income and of time off work",
           "计算误工费。", "Needed to compute lost income."),
        _I("nursing_proof", "护理证明", "Proof of nursing care", "计算护理费。", "Needed to compute nursing costs."),
        _I("transport_receipts", "交通费票据", "Transport receipts", "证明交通费。", "Prove transport costs."),
        _I("insurance_policy", "对方的交强险、商业险保单", "The other vehicle's insurance policies",
           "交强险先行赔付（道路交通安全法第76条）。", "Compulsory insurance pays first (Road Traffic Safety Law Art. 76)."),
    ),
    "consumer": (
        _I("order", "订单或购物凭证", "Order or receipt", "证明买卖关系和价款。", "Proves the purchase and the price."),
        _I("product_photos", "商品及问题的照片、视频", "Photos or video of the goods and the defect",
           "证明质量问题。", "Show the defect."),
        _I("seller_chats", "与商家的沟通记录", "Messages with the seller",
           "证明已主张退换或赔偿。", "Show you asked for a return or compensation."),
        _I("advertising", "商品宣传页面截图", "Screenshots of the product page",
           "证明商家的承诺，可能构成欺诈（消费者权益保护法第55条）。",
           "Show what the seller promised; may show fraud (Consumer Rights Protection Law Art. 55)."),
    ),
    "neighbourhood": (
        _I("photos_video", "照片、视频或录音", "Photos, video or sound recordings",
           "证明噪音、漏水或占用的情况。", "Show the noise, leak or obstruction."),
        _I("measurements", "检测报告（如噪音分贝）", "Measurements (e.g. noise levels)",
           "对照国家标准（民法典第294条）。", "Compared with national standards (Civil Code Art. 294)."),
        _I("repair_invoices", "维修费用票据", "Repair invoices", "证明损失金额。", "Prove the loss."),
        _I("property_records", "物业或社区的记录", "Records of the property manager or community",
           "证明此前反映过问题。", "Show the problem was reported before."),
    ),
    "private_lending": (
        _I("iou", "借条或借款合同", "IOU or loan agreement", "证明借贷关系、金额和利率。",
           "Proves the loan, the amount and the interest rate."),
        _I("transfer_records", "转账记录", "Transfer records", "证明款项实际交付。", "Prove the money was handed over."),
        _I("repayments", "还款记录", "Repayment records", "计算尚欠金额。", "Needed to compute what is still owed."),
        _I("demand_messages", "催款记录", "Demands for repayment",
           "可能中断诉讼时效（民法典第195条）。", "May interrupt the limitation period (Civil Code Art. 195)."),
    ),
}


def checklist(category: str) -> tuple[Item, ...]:
    return CHECKLISTS.get(category, GENERAL)


def item_keys(category: str) -> set[str]:
    return {item.key for item in checklist(category)}
