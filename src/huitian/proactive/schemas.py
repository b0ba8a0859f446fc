"""Input and output of warnings (未诉先办) and monthly topics (每月一题)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator


class WarningRead(BaseModel):
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    area_code: str | None
    area_name: str | None
    area_path: str | None
    category_code: str | None
    category_name: str | None
    asset_id: int | None
    lat: float | None
    lon: float | None
    period_start: datetime
    period_end: datetime
    observed: int
    expected: float
    threshold: float
    detail: dict
    created_at: datetime
    decided_at: datetime | None
    note: str | None
    order_id: int | None
    order_number: str | None


class WarningPage(BaseModel):
    items: list[WarningRead]
    total: int


class WarningDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: str = Field(description="acknowledge or dismiss")
    note: str | None = Field(default=None, max_length=2000)


class WarningToOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(default=None, max_length=4000)


class ComputeRead(BaseModel):
    created: int
    items: list[WarningRead]


class CandidateRead(BaseModel):
    month: str
    area_code: str
    area_name: str
    category_code: str
    category_name: str
    volume: int
    previous_volume: int
    growth: float | None  # (volume − previous) ÷ previous; None when the previous month had none
    repeat_rate: float  # reopened or merged duplicates ÷ volume
    dissatisfied_rate: float  # 不满意 ÷ called back
    score: float
    key_phrases: list[str]
    representative: list[dict]


class CandidatePage(BaseModel):
    month: str
    level: str
    items: list[CandidateRead]


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: str = Field(min_length=1, max_length=40, description="unit code")
    title: str = Field(min_length=1, max_length=300)

    @field_validator("title")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("title must not be blank")
        return value.strip()


class TopicCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    month: str = Field(description="YYYY-MM")
    area: str = Field(min_length=1, max_length=32, description="area code (community, grid or street)")
    category: str = Field(min_length=1, max_length=32, description="category code (its level-2 group counts)")
    title: str | None = Field(default=None, max_length=200)
    tasks: list[TaskCreate] = Field(default_factory=list, max_length=20)


class TopicRead(BaseModel):
    id: int
    month: str
    title: str
    status: str
    status_label: str
    area_code: str
    area_name: str
    category_code: str
    category_name: str
    key_phrases: list[str]
    figures: dict
    tasks: list[dict]
    units: list[str]
    created_at: datetime


class TopicPage(BaseModel):
    items: list[TopicRead]


class EffectRead(BaseModel):
    topic_id: int
    area_code: str
    category_code: str
    months_before: int
    months_after: int  # complete months after the topic's month so far
    treated_before: float  # monthly mean of complaints in scope
    treated_after: float | None
    comparison_before: float  # monthly mean over the areas of the same level
    comparison_after: float | None
    comparison_areas: list[str]
    did: float | None  # (treated after − before) − (comparison after − before), per month
    summary: str
