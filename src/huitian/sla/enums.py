"""Vocabularies of time limits."""

from enum import StrEnum

from huitian.lib.vocab import Vocabulary


class TimeLimitClass(Vocabulary):
    EMERGENCY = ("emergency", "紧急(2小时)")
    UTILITY = ("utility", "水电气热(24小时)")
    ORDINARY = ("ordinary", "一般(7个工作日)")
    COMPLEX = ("complex", "疑难复杂(15个工作日)")


class PolicyCode(StrEnum):
    """Every time limit the platform counts; the four reply classes plus accept and contact."""

    EMERGENCY = "emergency"
    UTILITY = "utility"
    ORDINARY = "ordinary"
    COMPLEX = "complex"
    ACCEPT = "accept"
    CONTACT = "contact"


class LimitUnit(Vocabulary):
    HOURS = ("hours", "小时")
    WORKING_DAYS = ("working_days", "工作日")


class Deadline(Vocabulary):
    """Deadlines an order carries; each can be missed once per handling round."""

    ACCEPT = ("accept", "签收")
    CONTACT = ("contact", "联系群众")
    REPLY = ("reply", "办理答复")

    @property
    def bit(self) -> int:
        return {"accept": 1, "contact": 2, "reply": 4}[self.value]
