"""Vocabularies of plans and projects, each value with its Chinese label."""

from enum import StrEnum


class PlanKind(StrEnum):
    MULTI_YEAR = "multi_year"
    ANNUAL = "annual"

    @property
    def label(self) -> str:
        return {"multi_year": "多年行动计划", "annual": "年度工作计划"}[self.value]


class UnitRole(StrEnum):
    LEAD = "lead"
    CO = "co"

    @property
    def label(self) -> str:
        return {"lead": "牵头单位", "co": "责任单位"}[self.value]


class Comparator(StrEnum):
    """How a target reads: exactly, at least (以上/余/不少于), about (近/万亩)."""

    EQ = "="
    GE = ">="
    ABOUT = "~"

    @property
    def label(self) -> str:
        return {"=": "", ">=": "以上", "~": "左右"}[self.value]


class ProjectType(StrEnum):
    NEW_BUILD = "new_build"
    RENOVATION = "renovation"
    MICRO = "micro"

    @property
    def label(self) -> str:
        return {"new_build": "新建", "renovation": "改造", "micro": "微项目"}[self.value]


class ProjectStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"

    @property
    def label(self) -> str:
        return {"planned": "未开工", "in_progress": "实施中", "blocked": "受阻", "done": "已完成"}[self.value]


class ReportCycle(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"

    @property
    def label(self) -> str:
        return {"weekly": "周报告", "monthly": "月报告"}[self.value]

    @property
    def days(self) -> int:
        return {"weekly": 7, "monthly": 31}[self.value]


class ReportStatus(StrEnum):
    """The reporter's own reading of where the item stands."""

    ON_TRACK = "on_track"
    OFF_TRACK = "off_track"
    BLOCKED = "blocked"

    @property
    def label(self) -> str:
        return {"on_track": "按计划推进", "off_track": "进度滞后", "blocked": "遇到阻碍"}[self.value]


class MicroSource(StrEnum):
    HOTSPOT = "hotspot"
    TOPIC = "topic"
    MANUAL = "manual"

    @property
    def label(self) -> str:
        return {"hotspot": "诉求热点", "topic": "每月一题", "manual": "人工录入"}[self.value]


class MicroStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    @property
    def label(self) -> str:
        return {"proposed": "待审核", "approved": "已入库", "in_progress": "实施中", "done": "已完成"}[
            self.value
        ]


# The micro-livelihood project library aims at about 100 projects a year (DOMAIN.md).
MICRO_YEARLY_TARGET = 100
