"""The demo's mixes: how often each type, channel, topic, season, hour and outcome occurs.

Figures are ours, tuned so the generated year looks like the seeds describe (about 58 % consultations,
about 97 % resolved and satisfied); change them here, not in the simulation.
"""

from __future__ import annotations

from datetime import timedelta

from huitian.orders.enums import Channel, OrderType, Outcome, Satisfaction

MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

# --- the mixes -----------------------------------------------------------------------------------------

# Order types (DOMAIN.md: about 58 % of calls are consultations).
TYPE_WEIGHTS = {
    OrderType.CONSULTATION: 0.61,
    OrderType.COMPLAINT: 0.18,
    OrderType.HELP: 0.12,
    OrderType.REPORT: 0.04,
    OrderType.SUGGESTION: 0.03,
    OrderType.PRAISE: 0.02,
}
ANSWERED_AT_ONCE = 0.86  # share of consultations the operator answers from the knowledge base
CHANNEL_WEIGHTS = {
    Channel.HOTLINE: 0.805,
    Channel.WEB: 0.04,
    Channel.APP: 0.04,
    Channel.WECHAT: 0.03,
    Channel.PATROL: 0.08,  # a quarter of it lands on a topic seen on patrol (PATROL_TOPICS): ~2 % in all
    Channel.QR: 0.005,
}
# Second-level categories a grid worker finds on patrol (主动发现): what can be seen in the street and the
# compounds. A patrol order drawn for any other topic (a rent dispute, a school place) comes by phone instead.
PATROL_TOPICS = frozenset(
    {"违法建设", "施工管理", "道路设施", "排水", "垃圾分类", "环境卫生", "街面秩序", "园林绿化", "停车",
     "共享单车", "消防安全"}
)  # fmt: skip
# Second-level category → relative call volume (Huitian's stressed topics weigh more).
TOPIC_WEIGHTS = {
    "物业管理": 10,
    "老旧小区改造": 3,
    "违法建设": 3,
    "房屋质量与维修": 2,
    "施工管理": 3,
    "群租房": 3,
    "房屋租赁": 3,
    "保障性住房": 2,
    "不动产登记": 2.5,
    "供暖": 6,
    "供水": 3,
    "供电": 2,
    "燃气": 1.2,
    "排水": 1.5,
    "道路设施": 2.5,
    "垃圾分类": 4,
    "环境卫生": 2.5,
    "街面秩序": 2.5,
    "园林绿化": 2,
    "停车": 8,
    "交通拥堵": 5,
    "公共交通": 4,
    "道路规划建设": 2.5,
    "共享单车": 2,
    "噪声扰民": 4,
    "电动自行车": 4,
    "治安管理": 2,
    "消防安全": 2,
    "宠物管理": 1.5,
    "消费纠纷": 4,
    "食品安全": 1.5,
    "价格监管": 1,
    "便民商业": 2,
    "医疗服务": 3,
    "医疗保障": 2.5,
    "公共卫生": 1.5,
    "入学入园": 4,
    "校外培训": 1.5,
    "学校周边": 1.5,
    "劳动纠纷": 3,
    "社会保险": 3.5,
    "就业服务": 1.5,
    "养老服务": 2,
    "社会救助": 1.5,
    "社区服务设施": 2,
    "大气污染": 1.5,
    "水环境": 0.8,
    "防控政策": 0.3,
    "就医购药": 0.3,
    "政务服务": 3,
    "文体设施": 1,
    "通信服务": 1.5,
    "表扬感谢": 0,
    "意见建议": 0,
}
# Month multipliers by second-level category: heating in winter, flooding in July, catkins in spring.
SEASON: dict[str, dict[int, float]] = {
    "供暖": {
        10: 1.0,
        11: 4.0,
        12: 3.2,
        1: 3.0,
        2: 2.2,
        3: 1.4,
        4: 0.2,
        5: 0.05,
        6: 0.05,
        7: 0.05,
        8: 0.05,
        9: 0.2,
    },
    "排水": {6: 2.0, 7: 4.5, 8: 3.0, 9: 1.0, 12: 0.3, 1: 0.3, 2: 0.3},
    "园林绿化": {4: 2.5, 5: 2.0, 6: 1.3, 12: 0.4, 1: 0.4, 2: 0.4},
    "噪声扰民": {6: 1.6, 7: 1.8, 8: 1.6, 12: 0.6, 1: 0.6},
    "垃圾分类": {6: 1.4, 7: 1.6, 8: 1.5},
    "供水": {6: 1.3, 7: 1.5, 8: 1.4},
    "供电": {7: 1.8, 8: 1.6, 1: 1.2},
    "入学入园": {4: 1.8, 5: 2.5, 6: 2.2, 7: 1.6, 8: 2.0, 9: 1.3},
    "施工管理": {3: 1.3, 4: 1.4, 5: 1.3, 1: 0.5, 2: 0.4},
    "电动自行车": {6: 1.3, 7: 1.4, 8: 1.3},
    "宠物管理": {4: 1.2, 5: 1.3},
}
THIRD_SEASON: dict[str, dict[int, float]] = {
    "杨柳飞絮": {
        4: 8.0,
        5: 5.0,
        6: 0.3,
        7: 0.05,
        8: 0.05,
        9: 0.05,
        10: 0.05,
        11: 0.05,
        12: 0.05,
        1: 0.05,
        2: 0.05,
        3: 0.5,
    },
    "道路积水": {7: 6.0, 8: 3.0, 6: 1.5},
    "供暖时间": {10: 4.0, 11: 3.0, 3: 3.0},
}
MONTH_VOLUME = {
    1: 1.05,
    2: 0.85,
    3: 0.95,
    4: 0.95,
    5: 1.0,
    6: 1.05,
    7: 1.15,
    8: 1.1,
    9: 0.95,
    10: 0.9,
    11: 1.15,
    12: 1.1,
}
# Share of calls per local hour (the hotline runs 24 h; most calls come in office hours).
HOUR_WEIGHTS = [
    0.4,
    0.25,
    0.15,
    0.1,
    0.1,
    0.2,
    0.8,
    2.5,
    5.5,
    8.0,
    8.5,
    7.5,
    5.0,
    5.5,
    7.5,
    7.5,
    7.0,
    6.0,
    4.5,
    4.5,
    4.0,
    3.0,
    1.8,
    1.0,
]

INTAKE_OUTCOME_RATE = 0.025
INTAKE_OUTCOMES = [
    (Outcome.REPEAT, 0.45, "重复来电,已告知此前工单办理进展"),
    (Outcome.OUT_OF_SCOPE, 0.2, "不属于政府职责范围,已引导通过市场渠道解决"),
    (Outcome.REFERRED_LEGAL, 0.15, "属于民事纠纷,已告知通过诉讼、仲裁途径解决"),
    (Outcome.TRANSFERRED_EMERGENCY, 0.1, "涉及人身安全,已转110处置"),
    (Outcome.UNLAWFUL, 0.05, "诉求违反法律法规,已向来电人解释"),
    (Outcome.PRIVATE_MATTER, 0.05, "涉及个人隐私,不予派单"),
]
MERGE_RATE = 0.012
COORDINATE_RATE = 0.03  # dispatched to the district government to coordinate (Art. 12)
RETURN_RATE = 0.04
DISPUTE_SHARE = 0.2  # of returned orders: sent back to the same unit, returned again → dispute
WHISTLE_RATE = 0.035  # 吹哨报到 on street-office orders
EXTENSION_RATE = 0.03
NOTE_RATE = 0.3
LATE_ACCEPT, LATE_CONTACT, LATE_REPLY = 0.015, 0.025, 0.02
RESOLVED_RATE = 0.945
SATISFACTION = [
    (Satisfaction.SATISFIED, 0.935),
    (Satisfaction.BASICALLY_SATISFIED, 0.04),
    (Satisfaction.DISSATISFIED, 0.025),
]
REOPEN_SHARE = 0.4  # of unresolved or dissatisfied callbacks
UNREASONABLE_SHARE = 0.35  # of the bad callbacks that are not reopened

RETURN_REASONS = (
    "该事项不属于本单位职责,建议派至属地街道",
    "经核实地址不在本单位辖区",
    "诉求涉及产权单位,应由产权单位处理",
    "该事项属市级部门事权",
)
CONTACT_NOTES = (
    "已电话联系来电人,了解具体情况",
    "已与来电人取得联系,约定上门时间",
    "已联系来电人,说明办理安排",
    "电话联系来电人,来电人表示认可处理方案",
)
PROGRESS_NOTES = (
    "已派工作人员到现场核实",
    "已协调相关单位共同处置",
    "已约谈物业负责人,责令限期整改",
    "已制定处置方案,正在推进",
    "现场查看情况属实,已安排整改",
)
REPLY_TEXTS = (
    "经现场核实,问题已处理完毕,已向来电人反馈。",
    "已协调相关单位完成整改,来电人表示认可。",
    "已按政策向来电人解释说明,并协助办理。",
    "问题已解决,后续将加强日常巡查。",
    "已督促责任单位落实整改,并电话告知来电人处理结果。",
)
EXTENSION_REASONS = (
    "需协调多个部门联合处置",
    "涉及工程施工,需等待施工窗口期",
    "需履行招标采购程序",
    "需征求业主意见",
)
ANSWER_TEXTS = ("已根据知识库答复来电人", "已告知相关政策和办理渠道", "已解答,来电人表示清楚")
CALLBACK_COMMENTS = ("", "", "", "处理及时", "工作人员态度很好", "希望以后加强巡查")
UNREASONABLE_REASONS = (
    "诉求超出政策规定,经多次解释仍坚持",
    "重复诉求且无新情况",
    "诉求涉及个人利益,不符合相关规定",
)
WHISTLE_TASKS = {
    "CP-CGZFJ": "对违法行为依法查处",
    "CP-JTZD": "加强路段交通秩序管理",
    "CP-ZJW": "督促责任单位整改",
    "CP-CGW": "协调市政设施维修",
    "CP-GAFJ": "配合做好现场秩序维护",
    "CP-SCJGJ": "对涉事商户开展检查",
}
