"""Vocabularies of proactive governance: warning kinds and states (未诉先办), topic states (每月一题)."""

from huitian.lib.vocab import Vocabulary


class WarningKind(Vocabulary):
    SPIKE = ("spike", "诉求激增")  # a grid × category week well above its seasonal baseline
    REPEAT_PLACE = ("repeat_place", "同一地点反复诉求")  # the same problem again and again at one spot
    REPEAT_ASSET = ("repeat_asset", "同一部件反复诉求")  # the same city part (部件) again and again


class WarningStatus(Vocabulary):
    OPEN = ("open", "待处理")
    ACKNOWLEDGED = ("acknowledged", "已知悉")
    DISMISSED = ("dismissed", "已排除")
    ORDERED = ("ordered", "已转主动工单")  # turned into a proactive order


# The states a warning can still leave.
ACTIVE_WARNING = (WarningStatus.OPEN, WarningStatus.ACKNOWLEDGED)


class TopicStatus(Vocabulary):
    ACTIVE = ("active", "推进中")
    DONE = ("done", "已完成")
