"""Input and output shapes of plans, projects, reports and the micro-project library."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from huitian.lib.patch import Patch
from huitian.plans.enums import (
    MicroSource,
    MicroStatus,
    ProjectStatus,
    ProjectType,
    ReportCycle,
    ReportStatus,
)

ROW_ID_MAX = 2**63 - 1  # the largest row id SQLite (and a PostgreSQL bigint) can hold; ids start at 1
RowId = Annotated[int, Field(ge=1, le=ROW_ID_MAX, description="a row id")]
"""An id in a request: below 1 or beyond what a database integer holds is a 422 naming the field (a
number that large was an OverflowError, a 500, in SQLite)."""

PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2]|W(0[1-9]|[1-4]\d|5[0-3]))$")


class PlanSummary(BaseModel):
    id: int
    code: str
    title: str
    kind: str
    period: str
    parent_id: int | None
    tasks_count: int


class PlanList(BaseModel):
    items: list[PlanSummary]


class TargetRead(BaseModel):
    id: int
    indicator: str
    measure: str
    comparator: str
    baseline: float | None
    target: float
    due: date | None
    current: float | None
    quote: str | None


class FlagRead(BaseModel):
    late: bool
    missing: bool
    last_report_at: datetime | None


class MilestoneRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    planned_on: date
    actual_on: date | None


class ProjectRead(BaseModel):
    id: int
    task_id: int
    parent_id: int | None
    name: str
    type: str
    status: str
    progress: float  # rolled up from sub-projects when it has any
    budget: float | None
    area_code: str | None
    lat: float | None
    lon: float | None
    category_codes: list[str]
    report_cycle: str
    completed_on: date | None
    lead_units: list[str]
    co_units: list[str]
    milestones: list[MilestoneRead]
    flags: FlagRead


class TaskRead(BaseModel):
    id: int
    section: str | None
    number: str
    title: str
    text: str
    responsible_as_written: str | None
    lead_units: list[str]
    co_units: list[str]
    targets: list[TargetRead]
    projects: list[ProjectRead]
    progress: float | None
    flags: FlagRead


class PlanRead(PlanSummary):
    issuer: str | None
    issued_on: date | None
    document_no: str | None
    progress: float | None
    tasks: list[TaskRead]


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task_id: RowId
    parent_id: RowId | None = None
    name: str = Field(min_length=1, max_length=200)
    type: ProjectType
    status: ProjectStatus = ProjectStatus.PLANNED
    progress: float = Field(default=0, ge=0, le=100)
    budget: float | None = Field(default=None, ge=0, description="万元")
    area: str | None = Field(default=None, description="area code")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    category_codes: list[str] = Field(default_factory=list)
    report_cycle: ReportCycle = ReportCycle.MONTHLY
    lead_units: list[str] = Field(
        default_factory=list, description="unit codes, or names of units not yet in the system"
    )
    co_units: list[str] = Field(default_factory=list)
    completed_on: date | None = None

    @model_validator(mode="after")
    def _both_coordinates(self) -> ProjectCreate:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together")
        return self


class ProjectUpdate(Patch):
    model_config = ConfigDict(extra="forbid")

    nullable: ClassVar[frozenset[str]] = frozenset({"budget", "area", "lat", "lon", "completed_on"})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    status: ProjectStatus | None = None
    progress: float | None = Field(default=None, ge=0, le=100)
    budget: float | None = Field(default=None, ge=0)
    area: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    category_codes: list[str] | None = None
    report_cycle: ReportCycle | None = None
    completed_on: date | None = None


class MilestoneCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    planned_on: date
    actual_on: date | None = None


class MilestoneUpdate(Patch):
    model_config = ConfigDict(extra="forbid")

    nullable: ClassVar[frozenset[str]] = frozenset({"actual_on"})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    planned_on: date | None = None
    actual_on: date | None = None


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task_id: RowId | None = None
    project_id: RowId | None = None
    period: str = Field(description="YYYY-MM (monthly) or YYYY-Www (weekly)")
    text: str = Field(min_length=1, max_length=8000)
    status: ReportStatus = ReportStatus.ON_TRACK
    progress: float | None = Field(default=None, ge=0, le=100)
    figures: dict[int, float] = Field(default_factory=dict, description="target id → value reached")
    photos: list[str] = Field(default_factory=list)

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        if not PERIOD_RE.match(value):
            raise ValueError("period must be YYYY-MM or YYYY-Www")
        return value

    @model_validator(mode="after")
    def _one_subject(self) -> ReportCreate:
        if (self.task_id is None) == (self.project_id is None):
            raise ValueError("give exactly one of task_id and project_id")
        return self


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    task_id: int | None
    project_id: int | None
    period: str
    text: str
    status: str
    progress: float | None
    figures: dict
    photos: list
    submitted_by: str
    submitted_at: datetime


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task_id: RowId | None = None
    project_id: RowId | None = None
    text: str = Field(min_length=1, max_length=4000)
    due: date | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> NoteCreate:
        if (self.task_id is None) == (self.project_id is None):
            raise ValueError("give exactly one of task_id and project_id")
        return self


class NoteFollowUp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    follow_up: str = Field(min_length=1, max_length=4000)
    resolved: bool = True


class NoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    task_id: int | None
    project_id: int | None
    text: str
    due: date | None
    created_by: str
    created_at: datetime
    follow_up: str | None
    resolved_at: datetime | None


class SheetItem(BaseModel):
    kind: str  # task / project
    id: int
    task_number: str
    name: str
    reasons: list[str]  # late, missing, off_track, blocked, milestone_overdue
    labels: list[str]
    last_report_at: datetime | None
    notes: list[NoteRead]


class DispatchSheet(BaseModel):
    plan_id: int
    as_of: date
    late: int
    off_track: int
    blocked: int
    items: list[SheetItem]


class MicroCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2000, le=2100)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    source: MicroSource = MicroSource.MANUAL
    source_ref: str | None = Field(default=None, max_length=100)
    area: str | None = None
    unit: str | None = None


class MicroUpdate(Patch):
    model_config = ConfigDict(extra="forbid")

    nullable: ClassVar[frozenset[str]] = frozenset({"project_id"})

    status: MicroStatus | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    project_id: RowId | None = None


class MicroRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    year: int
    title: str
    description: str
    source: str
    source_ref: str | None
    status: str
    area_path: str | None
    unit_id: int | None
    project_id: int | None


class MicroPage(BaseModel):
    year: int
    items: list[MicroRead]
    count: int  # approved, in progress or done: the year's library
    target: int
    by_status: dict[str, int]


class EffectSide(BaseModel):
    before: float
    after: float
    change: float


class EffectRead(BaseModel):
    project_id: int
    area_code: str
    completed_on: date
    months: int
    categories: list[str]
    treated: EffectSide
    comparison: EffectSide  # mean over the comparable areas
    comparison_areas: list[str]
    did: float  # difference in differences: treated change − comparison change
    summary: str
