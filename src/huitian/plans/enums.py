"""Vocabularies of plans and projects, each value with its Chinese label."""

from huitian.lib.vocab import Vocabulary


class PlanKind(Vocabulary):
    MULTI_YEAR = ("multi_year", "多年行动计划")
    ANNUAL = ("annual", "年度工作计划")


class UnitRole(Vocabulary):
    LEAD = ("lead", "牵头单位")
    CO = ("co", "责任单位")


class Comparator(Vocabulary):
    """How a target reads: exactly, at least (以上/余/不少于), about (近/万亩)."""

    EQ = ("=", "")
    GE = (">=", "以上")
    ABOUT = ("~", "左右")


class ProjectType(Vocabulary):
    NEW_BUILD = ("new_build", "新建")
    RENOVATION = ("renovation", "改造")
    MICRO = ("micro", "微项目")


class ProjectStatus(Vocabulary):
    PLANNED = ("planned", "未开工")
    IN_PROGRESS = ("in_progress", "实施中")
    BLOCKED = ("blocked", "受阻")
    DONE = ("done", "已完成")


class ReportCycle(Vocabulary):
    WEEKLY = ("weekly", "周报告")
    MONTHLY = ("monthly", "月报告")

    @property
    def days(self) -> int:
        return {"weekly": 7, "monthly": 31}[self.value]


class ReportStatus(Vocabulary):
    """The reporter's own reading of where the item stands."""

    ON_TRACK = ("on_track", "按计划推进")
    OFF_TRACK = ("off_track", "进度滞后")
    BLOCKED = ("blocked", "遇到阻碍")


class MicroSource(Vocabulary):
    HOTSPOT = ("hotspot", "诉求热点")
    TOPIC = ("topic", "每月一题")
    MANUAL = ("manual", "人工录入")


class MicroStatus(Vocabulary):
    PROPOSED = ("proposed", "待审核")
    APPROVED = ("approved", "已入库")
    IN_PROGRESS = ("in_progress", "实施中")
    DONE = ("done", "已完成")


# The micro-livelihood project library aims at about 100 projects a year (DOMAIN.md).
MICRO_YEARLY_TARGET = 100
