"""What the demo seed (odr/demo.py) is made of: places, bodies, people and dispute stories.

Everything here is invented. Region codes follow the shape of the national administrative
division codes (district 6 digits, street 9, community 12) with a grid suffix; companies and
people are made up.
"""

from __future__ import annotations

from .core.enums import Category as C
from .core.enums import OrgType, Role

# (code, name, English name, children) — district > street > community > grid.
REGION_TREE = (
    "330106", "西湖区", "Xihu District", (
        ("330106001", "北山街道", "Beishan Subdistrict", (
            ("330106001001", "宝石社区", "Baoshi Community", (
                ("330106001001G01", "宝石一网格", "Baoshi Grid 1", ()),
                ("330106001001G02", "宝石二网格", "Baoshi Grid 2", ()),
            )),
            ("330106001002", "葛岭社区", "Geling Community", (
                ("330106001002G01", "葛岭一网格", "Geling Grid 1", ()),
            )),
        )),
        ("330106004", "西溪街道", "Xixi Subdistrict", (
            ("330106004001", "文三街社区", "Wensan Street Community", (
                ("330106004001G01", "文三一网格", "Wensan Grid 1", ()),
                ("330106004001G02", "文三二网格", "Wensan Grid 2", ()),
            )),
            ("330106004003", "求是社区", "Qiushi Community", (
                ("330106004003G01", "求是一网格", "Qiushi Grid 1", ()),
            )),
        )),
    ),
)

LOCAL = (C.NEIGHBOURHOOD, C.FAMILY, C.PROPERTY_MANAGEMENT, C.TENANCY, C.PRIVATE_LENDING, C.LABOUR,
         C.TRAFFIC, C.OTHER)

# key: (name, English name, type, parent key, region code served, categories, phone)
ORGANISATIONS = {
    "district": ("西湖区人民调解委员会", "Xihu District People's Mediation Committee",
                 OrgType.PEOPLES_MEDIATION_COMMITTEE, None, "330106", tuple(C), "0571-87000100"),
    "beishan": ("北山街道人民调解委员会", "Beishan Subdistrict People's Mediation Committee",
                OrgType.PEOPLES_MEDIATION_COMMITTEE, "district", "330106001", LOCAL, "0571-87000210"),
    "xixi": ("西溪街道人民调解委员会", "Xixi Subdistrict People's Mediation Committee",
             OrgType.PEOPLES_MEDIATION_COMMITTEE, "district", "330106004", LOCAL, "0571-87000240"),
    "labour": ("西湖区劳动争议人民调解委员会", "Xihu District Labour Dispute Mediation Committee",
               OrgType.PROFESSIONAL_MEDIATION_COMMITTEE, "district", "330106", (C.LABOUR,), "0571-87000300"),
    "studio": ("老杨调解工作室", "Lao Yang Mediation Studio", OrgType.MEDIATOR_STUDIO, "beishan",
               "330106001", (C.NEIGHBOURHOOD, C.FAMILY, C.PROPERTY_MANAGEMENT, C.TENANCY), "0571-87000388"),
    "market": ("西湖区市场监督管理局", "Xihu District Administration for Market Regulation",
               OrgType.ADMINISTRATIVE_BODY, None, "330106", (C.CONSUMER, C.ECOMMERCE), "0571-12315"),
    "court": ("西湖区人民法院", "Xihu District People's Court", OrgType.COURT, None, "330106", tuple(C),
              "0571-87000500"),
    "arbitration": ("西湖区劳动人事争议仲裁委员会", "Xihu District Labour and Personnel Dispute Arbitration Commission",
                    OrgType.ARBITRATION_COMMISSION, None, "330106", (C.LABOUR,), "0571-87000600"),
}

# Which body takes a category first (the demo spreads cases over several where it can).
HANDLERS = {
    C.LABOUR: ("labour", "labour", "beishan", "xixi"),
    C.CONSUMER: ("market",),
    C.ECOMMERCE: ("market", "district"),
    C.MEDICAL: ("district",),
    C.NEIGHBOURHOOD: ("beishan", "xixi", "studio"),
    C.FAMILY: ("studio", "xixi", "beishan"),
    C.PROPERTY_MANAGEMENT: ("beishan", "xixi", "studio"),
    C.TENANCY: ("xixi", "beishan", "studio"),
    C.PRIVATE_LENDING: ("xixi", "beishan", "district"),
    C.TRAFFIC: ("district", "beishan"),
    C.CONSTRUCTION: ("district",),
    C.LAND_CONTRACT: ("district",),
    C.OTHER: ("beishan", "xixi"),
}

# key: (login, name, role, locale, phone, {organisation key: membership role})
USERS = {
    "applicant": ("applicant@demo.odr", "张伟", Role.APPLICANT, "zh_CN", "13900000001", {}),
    "respondent": ("respondent@demo.odr", "刘芳", Role.RESPONDENT, "zh_CN", "13900000002", {}),
    "representative": ("representative@demo.odr", "陈静", Role.REPRESENTATIVE, "en", "13900000003", {}),
    "grid_worker": ("grid_worker@demo.odr", "赵丽", Role.GRID_WORKER, "zh_CN", "13900000004", {}),
    "consultant": ("consultant@demo.odr", "孙敏", Role.CONSULTANT, "zh_CN", None, {"district": Role.CONSULTANT}),
    "mediator": ("mediator@demo.odr", "杨建国", Role.MEDIATOR, "zh_CN", None,
                 {k: Role.MEDIATOR for k in ("district", "studio", "market")}),
    "clerk": ("clerk@demo.odr", "周婷", Role.CLERK, "zh_CN", None, {k: Role.CLERK for k in ("district", "market")}),
    "supervisor": ("supervisor@demo.odr", "吴强", Role.SUPERVISOR, "zh_CN", None,
                   {"district": Role.SUPERVISOR, "market": Role.SUPERVISOR}),
    "admin": ("admin@demo.odr", "郑磊", Role.ADMIN, "en", None, {}),
    "court_clerk": ("court.clerk@demo.odr", "何雪", Role.CLERK, "zh_CN", None, {"court": Role.CLERK}),
    "arbitration_clerk": ("arbitration.clerk@demo.odr", "马骏", Role.CLERK, "zh_CN", None,
                          {"arbitration": Role.CLERK}),
}
LOGIN_LABELS = {
    "applicant": "applicant", "respondent": "respondent", "representative": "representative",
    "grid_worker": "grid worker", "consultant": "consultant", "mediator": "mediator", "clerk": "clerk",
    "supervisor": "supervisor", "admin": "admin", "court_clerk": "court clerk",
    "arbitration_clerk": "arbitration clerk",
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢钟姜崔谭陆范汪廖石金贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万钱覃武戴孔汤庞樊兰殷施陈翟"
GIVEN = ("建华", "秀英", "志强", "丽娟", "海燕", "国平", "晓东", "文静", "明", "敏", "磊", "婷婷", "俊杰",
         "桂兰", "永福", "红梅", "伟", "欣怡", "子涵", "浩然", "建军", "玉兰", "春生", "雪梅", "立新", "佳琪")
EN_NAMES = ("Tom Harris", "Emily Clarke", "Lucas Moreau", "Anna Schmidt", "Daniel Kim", "Sofia Rossi",
            "James O'Neill", "Priya Nair")
# Companies by the kind of dispute they turn up in (stories say "company").
COMPANIES = {
    C.LABOUR: ("杭州云帆网络科技有限公司", "杭州味道餐饮管理有限公司", "杭州捷达物流有限公司"),
    C.TENANCY: ("杭州安居房产经纪有限公司",),
    C.PROPERTY_MANAGEMENT: ("杭州绿城物业服务有限公司西溪分公司", "杭州金苑物业管理有限公司"),
    C.CONSUMER: ("杭州乐动健身服务有限公司", "杭州恒信装饰工程有限公司"),
    C.ECOMMERCE: ("杭州优品电子商务有限公司", "杭州小溪直播电商有限公司"),
    C.MEDICAL: ("杭州康美口腔门诊部有限公司",),
    C.CONSTRUCTION: ("浙江新远建设有限公司",),
    C.LAND_CONTRACT: ("西湖区龙坞村股份经济合作社",),
}
EN_COMPANIES = {
    C.TENANCY: ("West Lake Apartments Leasing Co., Ltd.",),
    C.LABOUR: ("Hangzhou Bright Future Language School Co., Ltd.",),
    C.ECOMMERCE: ("Hangzhou QuickBuy E-commerce Co., Ltd.",),
    C.CONSUMER: ("Hangzhou PowerFit Gym Co., Ltd.",),
}
ALL_COMPANIES = tuple(name for group in (COMPANIES, EN_COMPANIES) for names in group.values() for name in names)

# Dispute stories. {amount} is filled in; `respondent` says who the other side is:
# "person" or "company" (one of COMPANIES / EN_COMPANIES for its category). Amount ranges are in CNY.
STORIES_ZH = (
    (C.LABOUR, "拖欠工资", "申请人于去年三月入职{company}，担任{job}。自今年{m}月起公司以资金周转困难为由拖欠工资，至今累计欠薪{amount}元，多次找负责人催要未果。", "支付拖欠工资{amount}元", (6000, 48000), "company"),
    (C.LABOUR, "未支付加班费", "申请人在{company}从事{job}工作，长期每周工作六天、每天十小时以上，公司从未支付加班费。离职时要求结算被拒，经计算加班费约{amount}元。", "支付加班费{amount}元", (3000, 30000), "company"),
    (C.LABOUR, "解除劳动合同经济补偿", "{company}以业务调整为由口头通知申请人次日起不用上班，未提前通知也未支付经济补偿。申请人已工作四年，要求按法律规定支付经济补偿{amount}元。", "支付经济补偿{amount}元", (12000, 60000), "company"),
    (C.LABOUR, "农民工工程款及工资结算", "申请人等六名工人跟随包工头在{company}承建的工地做木工，工程完工后包工头失联，尚欠六人工资合计{amount}元。", "总包单位先行支付工资{amount}元", (40000, 150000), "company"),
    (C.TENANCY, "房东拒不退还押金", "申请人租住被申请人位于{place}的住房，租期届满后已按约退租并交还钥匙，但房东以墙面有污渍、家电老化为由拒绝退还押金{amount}元。", "退还押金{amount}元", (2000, 9000), "person"),
    (C.TENANCY, "提前退租违约金争议", "申请人因工作调动需提前两个月退租，已提前一个月告知房东。房东要求扣除全部押金并另付两个月租金作为违约金，合计{amount}元，申请人认为过高。", "依法减少违约金，退还押金", (3000, 12000), "company"),
    (C.NEIGHBOURHOOD, "楼上邻居夜间噪音扰民", "申请人居住在{place}，楼上住户近半年来经常在晚上十一点后拖动家具、孩子跑跳，申请人家中老人失眠，多次上门沟通无果，双方曾发生口角。", "停止夜间噪音，赔礼道歉", None, "person"),
    (C.NEIGHBOURHOOD, "楼上漏水致天花板受损", "被申请人家卫生间防水层老化，漏水导致申请人家卫生间及走廊吊顶发霉脱落，维修报价{amount}元，被申请人只同意承担一半。", "赔偿维修费用{amount}元", (1500, 12000), "person"),
    (C.NEIGHBOURHOOD, "宠物犬咬伤赔偿", "申请人在{place}小区散步时被被申请人未拴绳的宠物犬咬伤小腿，已接种狂犬疫苗并门诊治疗，医疗费、误工费等共计{amount}元。", "赔偿医疗费、误工费{amount}元", (800, 6000), "person"),
    (C.PROPERTY_MANAGEMENT, "物业服务不到位及物业费争议", "申请人认为小区电梯频繁故障、地下车库积水无人处理，物业公司服务不到位，因此拒交一年物业费{amount}元；物业公司多次催缴并张贴欠费名单。", "物业公司整改并适当减免物业费", (2400, 8000), "company"),
    (C.PROPERTY_MANAGEMENT, "车位被占用纠纷", "申请人购买的固定车位长期被其他车辆占用，物业公司未予处理，申请人要求物业公司履行管理职责并赔偿停车损失{amount}元。", "物业公司清理占用车辆并赔偿{amount}元", (500, 5000), "company"),
    (C.FAMILY, "子女赡养费纠纷", "申请人现年七十八岁，老伴去世后独居，患有高血压和糖尿病。三个子女对赡养费分担有争议，被申请人已一年未支付赡养费。", "每月支付赡养费{amount}元", (600, 2000), "person"),
    (C.FAMILY, "离婚后子女探望纠纷", "双方于前年协议离婚，孩子随被申请人生活，协议约定申请人每月可探望两次。近半年来被申请人以各种理由阻挠探望。", "按离婚协议保障探望权", None, "person"),
    (C.TRAFFIC, "电动自行车与轿车刮擦事故", "申请人骑电动自行车在{place}路口直行时，被申请人驾驶的轿车右转与其发生刮擦，申请人摔伤手臂。交警认定被申请人负主要责任，双方对赔偿金额有争议。", "赔偿医疗费、误工费、车辆维修费共{amount}元", (3000, 40000), "person"),
    (C.PRIVATE_LENDING, "借款到期未还", "被申请人以装修房屋为由向申请人借款{amount}元，出具借条约定一年内归还。到期后被申请人以生意亏损为由一再拖延，微信催讨也不回复。", "归还借款{amount}元及利息", (10000, 200000), "person"),
    (C.PRIVATE_LENDING, "亲戚间借款纠纷", "申请人与被申请人系表兄弟，被申请人三年前购车时向申请人借款{amount}元，未写借条，有银行转账记录。现被申请人否认是借款，称是赠与。", "确认借款并归还{amount}元", (20000, 80000), "person"),
    (C.CONSUMER, "健身房闭店预付卡退费", "申请人在{company}办理两年期会员卡，已付{amount}元，使用四个月后门店突然停业，商家称将转至其他门店但距离过远。", "退还剩余会员费{amount}元", (2000, 9000), "company"),
    (C.CONSUMER, "装修工程质量纠纷", "申请人委托{company}装修新房，入住后发现卫生间渗水、地板起拱，多次要求返修未果。申请人已支付工程款{amount}元。", "返修并赔偿损失", (15000, 90000), "company"),
    (C.ECOMMERCE, "网购商品质量问题退货遭拒", "申请人在网店购买一台扫地机器人，价格{amount}元，使用一周后无法充电。商家以已拆封影响二次销售为由拒绝退货，只同意维修。", "退货退款{amount}元", (800, 6000), "company"),
    (C.ECOMMERCE, "直播间购买商品与描述不符", "申请人在直播间购买的羊绒大衣，收货后检测羊绒含量不足百分之十，与直播宣传的纯羊绒不符。", "退一赔三，共计{amount}元", (1200, 8000), "company"),
    (C.MEDICAL, "种植牙术后纠纷", "申请人在{company}种植两颗牙齿，花费{amount}元，术后三个月种植体松动脱落，诊所认为是申请人护理不当。", "退还治疗费用{amount}元", (8000, 30000), "company"),
    (C.CONSTRUCTION, "厂房维修工程款结算纠纷", "申请人为被申请人的厂房屋面防水进行维修，工程已验收并使用，尚有尾款{amount}元未付，被申请人称存在质量问题。", "支付工程尾款{amount}元", (30000, 200000), "company"),
    (C.LAND_CONTRACT, "茶园承包费纠纷", "申请人承包村集体茶园五亩，合同约定承包费每年递增。今年村经济合作社要求一次性上调承包费至{amount}元，申请人认为违反合同约定。", "按原合同标准执行承包费", (10000, 50000), "company"),
    (C.OTHER, "装修噪音及公共区域损坏赔偿", "被申请人装修期间多次在周末施工，并损坏楼道墙面和电梯轿厢，业主委员会要求其修复，被申请人拒绝。", "修复公共区域并赔偿{amount}元", (1000, 6000), "person"),
)

STORIES_EN = (
    (C.TENANCY, "Landlord refuses to return the deposit", "The applicant rented a flat near {place} for one year and moved out at the end of the lease, returning the keys. The landlord keeps the deposit of CNY {amount}, citing normal wear and tear.", "Return the deposit of CNY {amount}", (3000, 10000), "company"),
    (C.LABOUR, "Final month's salary not paid", "The applicant taught English at a training school for two years. After the contract ended the school did not pay the last month's salary of CNY {amount} and has not issued the separation certificate.", "Pay CNY {amount} and issue the separation certificate", (12000, 25000), "company"),
    (C.ECOMMERCE, "Refund refused for a faulty laptop", "The applicant bought a laptop online for CNY {amount}. The screen flickered from the first day; the seller refuses a refund and offers only a repair.", "Refund CNY {amount}", (4000, 12000), "company"),
    (C.CONSUMER, "Gym membership refund after the gym closed", "The applicant paid CNY {amount} for a two-year membership. The gym closed after five months without notice.", "Refund the unused part of CNY {amount}", (3000, 8000), "company"),
    (C.TRAFFIC, "Scooter hit by a delivery tricycle", "The applicant was riding an e-scooter near {place} when a delivery tricycle ran a red light and hit him. Medical costs and lost income come to CNY {amount}.", "Pay CNY {amount} in damages", (2000, 15000), "person"),
)

JOBS = ("仓库管理员", "厨师", "快递分拣员", "前台文员", "软件测试工程师", "保洁员", "门店店长", "木工")
PLACES = ("文三路", "保俶路", "教工路", "曙光路", "天目山路", "学院路", "玉古路", "西溪路")
EN_PLACES = ("Wensan Road", "Baochu Road", "Jiaogong Road", "Shuguang Road", "Tianmushan Road")

REASONS = {
    "reject": ("该纠纷已由人民法院受理，依法不再受理调解申请。", "The dispute is already before a court."),
    "fail": ("双方对赔偿金额分歧过大，经三次调解仍未达成一致。", "The parties remain far apart on the amount after three sessions."),
    "decline": ("被申请人表示不同意调解，要求通过诉讼解决。", "The respondent does not agree to mediation and prefers to go to court."),
    "refuse_confirmation": ("协议部分内容涉及案外人权益，法院裁定不予确认。", "Part of the agreement affects a third party; the court refused to confirm it."),
    "withdraw": ("双方已自行和解，申请人撤回申请。", "The parties settled between themselves; the applicant withdraws."),
}
RISK_REASONS = {
    "high": ("涉及多名务工人员，存在群体性上访风险。", "Several workers involved; risk of a collective petition."),
    "major": ("当事人情绪激动，扬言采取过激行为，已报告社区民警。", "A party threatened violence; the community police officer has been told."),
}


# What parties wrote when rating a closed case (odr/satisfaction), [Chinese, English].
RATING_COMMENTS = {
    False: ("", "", "调解员很耐心，谢谢。", "全程网上办理，不用跑腿，很方便。", "处理得比较慢，等了很久才有回音。",
            "结果还算公平。"),
    True: ("", "", "The mediator was patient, thank you.", "All online, no trips needed.",
           "It took a long time to hear back.", "A fair result."),
}
