"""Vocabularies of the work order: types, channels, states, actions, outcomes, events."""

from enum import StrEnum


class OrderType(StrEnum):
    CONSULTATION = "consultation"
    HELP = "help"
    COMPLAINT = "complaint"
    REPORT = "report"
    SUGGESTION = "suggestion"
    PRAISE = "praise"

    @property
    def label(self) -> str:
        return {
            "consultation": "咨询",
            "help": "求助",
            "complaint": "投诉",
            "report": "举报",
            "suggestion": "建议",
            "praise": "表扬",
        }[self.value]


class Channel(StrEnum):
    HOTLINE = "hotline"
    WEB = "web"
    APP = "app"
    WECHAT = "wechat"
    OPEN311 = "open311"
    QR = "qr"
    PATROL = "patrol"
    IMPORT = "import"
    API = "api"

    @property
    def label(self) -> str:
        return {
            "hotline": "12345热线电话",
            "web": "网上平台",
            "app": "手机应用",
            "wechat": "微信",
            "open311": "Open311接口",
            "qr": "扫码即诉",
            "patrol": "网格巡查(主动发现)",
            "import": "批量导入",
            "api": "系统接口",
        }[self.value]


class Priority(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"

    @property
    def label(self) -> str:
        return {"normal": "一般", "urgent": "紧急"}[self.value]


class OrderStatus(StrEnum):
    RECEIVED = "received"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    CONTACTED = "contacted"
    REPLIED = "replied"
    CALLED_BACK = "called_back"
    DISPUTED = "disputed"
    CLOSED = "closed"
    MERGED = "merged"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self not in (OrderStatus.CLOSED, OrderStatus.MERGED)


STATUS_LABELS = {
    OrderStatus.RECEIVED: "待派单",
    OrderStatus.DISPATCHED: "待签收",
    OrderStatus.ACCEPTED: "办理中",
    OrderStatus.CONTACTED: "已联系",
    OrderStatus.REPLIED: "已答复待回访",
    OrderStatus.CALLED_BACK: "已回访",
    OrderStatus.DISPUTED: "派单争议",
    OrderStatus.CLOSED: "已办结",
    OrderStatus.MERGED: "已合并",
}

OPEN_STATUSES = tuple(s for s in OrderStatus if s.is_open)
# States in which a unit is working the order (deadlines run).
HANDLING_STATUSES = (OrderStatus.DISPATCHED, OrderStatus.ACCEPTED, OrderStatus.CONTACTED)


class Action(StrEnum):
    ANSWER = "answer"
    DISPATCH = "dispatch"
    ADD_CO_UNIT = "add_co_unit"
    ACCEPT = "accept"
    RETURN = "return"
    ARBITRATE = "arbitrate"
    CONTACT = "contact"
    NOTE = "note"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    REPLY = "reply"
    CALLBACK = "callback"
    REOPEN = "reopen"
    MERGE = "merge"
    MARK_UNREASONABLE = "mark_unreasonable"
    CLOSE = "close"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.ANSWER: "直接答复",
    Action.DISPATCH: "派单",
    Action.ADD_CO_UNIT: "吹哨报到(增加协办单位)",
    Action.ACCEPT: "签收",
    Action.RETURN: "退单",
    Action.ARBITRATE: "争议裁定",
    Action.CONTACT: "联系群众",
    Action.NOTE: "办理记录",
    Action.REQUEST_EXTENSION: "申请延期",
    Action.DECIDE_EXTENSION: "审批延期",
    Action.REPLY: "办理答复",
    Action.CALLBACK: "回访",
    Action.REOPEN: "重办",
    Action.MERGE: "合并工单",
    Action.MARK_UNREASONABLE: "认定不合理诉求",
    Action.CLOSE: "办结",
}


class Outcome(StrEnum):
    """How an order ended. The first group are Art. 11 outcomes that close without dispatch."""

    ANSWERED = "answered"
    TRANSFERRED_EMERGENCY = "transferred_emergency"
    REFERRED_LEGAL = "referred_legal"
    REPEAT = "repeat"
    PRIVATE_MATTER = "private_matter"
    OUT_OF_SCOPE = "out_of_scope"
    UNLAWFUL = "unlawful"
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    MERGED = "merged"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.ANSWERED: "咨询已直接答复",
    Outcome.TRANSFERRED_EMERGENCY: "转110/119/120/122紧急热线",
    Outcome.REFERRED_LEGAL: "告知通过诉讼、仲裁、信访等途径解决",
    Outcome.REPEAT: "重复诉求(已告知办理进展)",
    Outcome.PRIVATE_MATTER: "涉及国家秘密、商业秘密、个人隐私",
    Outcome.OUT_OF_SCOPE: "不属于职责范围(引导至市场或社会渠道)",
    Outcome.UNLAWFUL: "违反法律法规的诉求",
    Outcome.RESOLVED: "已解决",
    Outcome.UNRESOLVED: "未解决",
    Outcome.MERGED: "并入其他工单",
}

# Art. 11: outcomes that close an order at intake, without dispatch.
INTAKE_OUTCOMES = frozenset(
    {
        Outcome.TRANSFERRED_EMERGENCY,
        Outcome.REFERRED_LEGAL,
        Outcome.REPEAT,
        Outcome.PRIVATE_MATTER,
        Outcome.OUT_OF_SCOPE,
        Outcome.UNLAWFUL,
    }
)


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"

    @property
    def label(self) -> str:
        return {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}[self.value]


class CallbackVia(StrEnum):
    """How a callback (回访) was made (Art. 23: phone, SMS or online)."""

    PHONE = "phone"
    SMS = "sms"
    ONLINE = "online"

    @property
    def label(self) -> str:
        return {"phone": "电话回访", "sms": "短信回访", "online": "网上评价"}[self.value]


class AssignmentRole(StrEnum):
    LEAD = "lead"
    CO = "co"
    SUPERVISE = "supervise"

    @property
    def label(self) -> str:
        return {"lead": "主办", "co": "协办", "supervise": "督办"}[self.value]


class AssignmentStatus(StrEnum):
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    REPLIED = "replied"
    RETURNED = "returned"
    FORWARDED = "forwarded"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "assigned": "待签收",
            "accepted": "已签收",
            "replied": "已答复",
            "returned": "已退单",
            "forwarded": "已转派",
            "closed": "已结束",
        }[self.value]


ACTIVE_ASSIGNMENT = (AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED, AssignmentStatus.REPLIED)


class EventKind(StrEnum):
    """Every entry of an order's history. Actions are events; so are the system's own acts."""

    CREATED = "created"
    ANSWER = "answer"
    DISPATCH = "dispatch"
    ADD_CO_UNIT = "add_co_unit"
    ACCEPT = "accept"
    RETURN = "return"
    DISPUTE = "dispute"
    ARBITRATE = "arbitrate"
    CONTACT = "contact"
    NOTE = "note"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    REPLY = "reply"
    CALLBACK = "callback"
    REOPEN = "reopen"
    MERGE = "merge"
    MERGED_IN = "merged_in"
    REPLY_FORWARDED = "reply_forwarded"
    MARK_UNREASONABLE = "mark_unreasonable"
    CLOSE = "close"
    OVERDUE = "overdue"
    ASSET_LINKED = "asset_linked"

    @property
    def label(self) -> str:
        return EVENT_LABELS.get(self.value, self.value)


EVENT_LABELS = {a.value: a.label for a in Action} | {
    "created": "受理登记",
    "dispute": "转为派单争议",
    "merged_in": "合并入本单",
    "reply_forwarded": "主单答复已转告来电人",
    "overdue": "超时预警升级",
    "asset_linked": "关联城市部件",
}
