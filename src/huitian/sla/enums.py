"""Vocabularies of time limits."""

from enum import StrEnum


class TimeLimitClass(StrEnum):
    EMERGENCY = "emergency"
    UTILITY = "utility"
    ORDINARY = "ordinary"
    COMPLEX = "complex"

    @property
    def label(self) -> str:
        return {
            "emergency": "紧急(2小时)",
            "utility": "水电气热(24小时)",
            "ordinary": "一般(7个工作日)",
            "complex": "疑难复杂(15个工作日)",
        }[self.value]


class PolicyCode(StrEnum):
    """Every time limit the platform counts; the four reply classes plus accept and contact."""

    EMERGENCY = "emergency"
    UTILITY = "utility"
    ORDINARY = "ordinary"
    COMPLEX = "complex"
    ACCEPT = "accept"
    CONTACT = "contact"


class LimitUnit(StrEnum):
    HOURS = "hours"
    WORKING_DAYS = "working_days"

    @property
    def label(self) -> str:
        return {"hours": "小时", "working_days": "工作日"}[self.value]


class Deadline(StrEnum):
    """Deadlines an order carries; each can be missed once per handling round."""

    ACCEPT = "accept"
    CONTACT = "contact"
    REPLY = "reply"

    @property
    def bit(self) -> int:
        return {"accept": 1, "contact": 2, "reply": 4}[self.value]

    @property
    def label(self) -> str:
        return {"accept": "签收", "contact": "联系群众", "reply": "办理答复"}[self.value]
