"""Vocabularies of the work order: types, channels, states, actions, outcomes, events."""

from huitian.lib.vocab import Vocabulary


class OrderType(Vocabulary):
    CONSULTATION = ("consultation", "咨询")
    HELP = ("help", "求助")
    COMPLAINT = ("complaint", "投诉")
    REPORT = ("report", "举报")
    SUGGESTION = ("suggestion", "建议")
    PRAISE = ("praise", "表扬")


class Channel(Vocabulary):
    HOTLINE = ("hotline", "12345热线电话")
    WEB = ("web", "网上平台")
    APP = ("app", "手机应用")
    WECHAT = ("wechat", "微信")
    OPEN311 = ("open311", "Open311接口")
    QR = ("qr", "扫码即诉")
    PATROL = ("patrol", "网格巡查(主动发现)")
    IMPORT = ("import", "批量导入")
    API = ("api", "系统接口")


class Priority(Vocabulary):
    NORMAL = ("normal", "一般")
    URGENT = ("urgent", "紧急")


class OrderStatus(Vocabulary):
    RECEIVED = ("received", "待派单")
    DISPATCHED = ("dispatched", "待签收")
    ACCEPTED = ("accepted", "办理中")
    CONTACTED = ("contacted", "已联系")
    REPLIED = ("replied", "已答复待回访")
    CALLED_BACK = ("called_back", "已回访")
    DISPUTED = ("disputed", "派单争议")
    CLOSED = ("closed", "已办结")
    MERGED = ("merged", "已合并")

    @property
    def is_open(self) -> bool:
        return self not in (OrderStatus.CLOSED, OrderStatus.MERGED)


OPEN_STATUSES = tuple(s for s in OrderStatus if s.is_open)
# States in which a unit is working the order (deadlines run).
HANDLING_STATUSES = (OrderStatus.DISPATCHED, OrderStatus.ACCEPTED, OrderStatus.CONTACTED)


class Action(Vocabulary):
    ANSWER = ("answer", "直接答复")
    DISPATCH = ("dispatch", "派单")
    ADD_CO_UNIT = ("add_co_unit", "吹哨报到(增加协办单位)")
    ACCEPT = ("accept", "签收")
    RETURN = ("return", "退单")
    ARBITRATE = ("arbitrate", "争议裁定")
    CONTACT = ("contact", "联系群众")
    NOTE = ("note", "办理记录")
    REQUEST_EXTENSION = ("request_extension", "申请延期")
    DECIDE_EXTENSION = ("decide_extension", "审批延期")
    REPLY = ("reply", "办理答复")
    CALLBACK = ("callback", "回访")
    REOPEN = ("reopen", "重办")
    MERGE = ("merge", "合并工单")
    MARK_UNREASONABLE = ("mark_unreasonable", "认定不合理诉求")
    CLOSE = ("close", "办结")


class Outcome(Vocabulary):
    """How an order ended. The first group are Art. 11 outcomes that close without dispatch."""

    ANSWERED = ("answered", "咨询已直接答复")
    TRANSFERRED_EMERGENCY = ("transferred_emergency", "转110/119/120/122紧急热线")
    REFERRED_LEGAL = ("referred_legal", "告知通过诉讼、仲裁、信访等途径解决")
    REPEAT = ("repeat", "重复诉求(已告知办理进展)")
    PRIVATE_MATTER = ("private_matter", "涉及国家秘密、商业秘密、个人隐私")
    OUT_OF_SCOPE = ("out_of_scope", "不属于职责范围(引导至市场或社会渠道)")
    UNLAWFUL = ("unlawful", "违反法律法规的诉求")
    RESOLVED = ("resolved", "已解决")
    UNRESOLVED = ("unresolved", "未解决")
    MERGED = ("merged", "并入其他工单")


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


class Satisfaction(Vocabulary):
    SATISFIED = ("satisfied", "满意")
    BASICALLY_SATISFIED = ("basically_satisfied", "基本满意")
    DISSATISFIED = ("dissatisfied", "不满意")


class CallbackVia(Vocabulary):
    """How a callback (回访) was made (Art. 23: phone, SMS or online)."""

    PHONE = ("phone", "电话回访")
    SMS = ("sms", "短信回访")
    ONLINE = ("online", "网上评价")


class AssignmentRole(Vocabulary):
    LEAD = ("lead", "主办")
    CO = ("co", "协办")
    SUPERVISE = ("supervise", "督办")


class AssignmentStatus(Vocabulary):
    ASSIGNED = ("assigned", "待签收")
    ACCEPTED = ("accepted", "已签收")
    REPLIED = ("replied", "已答复")
    RETURNED = ("returned", "已退单")
    FORWARDED = ("forwarded", "已转派")
    CLOSED = ("closed", "已结束")


ACTIVE_ASSIGNMENT = (AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED, AssignmentStatus.REPLIED)


class EventKind(Vocabulary):
    """Every entry of an order's history. Actions are events (with the action's label); so are the
    system's own acts."""

    CREATED = ("created", "受理登记")
    ANSWER = ("answer", Action.ANSWER.label)
    DISPATCH = ("dispatch", Action.DISPATCH.label)
    ADD_CO_UNIT = ("add_co_unit", Action.ADD_CO_UNIT.label)
    ACCEPT = ("accept", Action.ACCEPT.label)
    RETURN = ("return", Action.RETURN.label)
    DISPUTE = ("dispute", "转为派单争议")
    ARBITRATE = ("arbitrate", Action.ARBITRATE.label)
    CONTACT = ("contact", Action.CONTACT.label)
    NOTE = ("note", Action.NOTE.label)
    REQUEST_EXTENSION = ("request_extension", Action.REQUEST_EXTENSION.label)
    DECIDE_EXTENSION = ("decide_extension", Action.DECIDE_EXTENSION.label)
    REPLY = ("reply", Action.REPLY.label)
    CALLBACK = ("callback", Action.CALLBACK.label)
    REOPEN = ("reopen", Action.REOPEN.label)
    MERGE = ("merge", Action.MERGE.label)
    MERGED_IN = ("merged_in", "合并入本单")
    REPLY_FORWARDED = ("reply_forwarded", "主单答复已转告来电人")
    MARK_UNREASONABLE = ("mark_unreasonable", Action.MARK_UNREASONABLE.label)
    CLOSE = ("close", Action.CLOSE.label)
    OVERDUE = ("overdue", "超时预警升级")
    ASSET_LINKED = ("asset_linked", "关联城市部件")
