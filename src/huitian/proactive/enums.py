"""Vocabularies of proactive governance: warning kinds and states (未诉先办), topic states (每月一题)."""

from enum import StrEnum


class WarningKind(StrEnum):
    SPIKE = "spike"  # a grid × category week well above its seasonal baseline
    REPEAT_PLACE = "repeat_place"  # the same problem again and again at one spot
    REPEAT_ASSET = "repeat_asset"  # the same city part (部件) again and again

    @property
    def label(self) -> str:
        return {"spike": "诉求激增", "repeat_place": "同一地点反复诉求", "repeat_asset": "同一部件反复诉求"}[
            self.value
        ]


class WarningStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    DISMISSED = "dismissed"
    ORDERED = "ordered"  # turned into a proactive order

    @property
    def label(self) -> str:
        return {"open": "待处理", "acknowledged": "已知悉", "dismissed": "已排除", "ordered": "已转主动工单"}[
            self.value
        ]


# The states a warning can still leave.
ACTIVE_WARNING = (WarningStatus.OPEN, WarningStatus.ACKNOWLEDGED)


class TopicStatus(StrEnum):
    ACTIVE = "active"
    DONE = "done"

    @property
    def label(self) -> str:
        return {"active": "推进中", "done": "已完成"}[self.value]
