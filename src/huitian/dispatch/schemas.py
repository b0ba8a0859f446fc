"""Input and output of the routing catalogue."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class RuleCreate(BaseModel):
    category: str | None = Field(default=None, description="category code (any level); empty = any")
    area: str | None = Field(default=None, description="area code (any level); empty = any area")
    unit: str = Field(min_length=1, max_length=40, description="code of the unit that handles")
    note: str | None = Field(default=None, max_length=500, description="why: the law or duty behind it")


class RuleUpdate(BaseModel):
    unit: str | None = Field(default=None, min_length=1, max_length=40)
    note: str | None = Field(default=None, max_length=500)
    active: bool | None = None


class RuleRead(BaseModel):
    id: int
    category: str | None
    area: str | None
    unit: str
    unit_name: str
    note: str | None
    active: bool
    created_at: datetime
    updated_at: datetime


class RuleChangeRead(BaseModel):
    id: int
    rule_id: int
    change: str
    actor: str
    created_at: datetime
    before: dict | None
    after: dict


class RouteRead(BaseModel):
    unit: str | None
    unit_name: str | None
    reason: str
    reason_label: str
    rule_id: int | None
