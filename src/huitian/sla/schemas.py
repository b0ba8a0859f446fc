from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from huitian.sla.enums import LimitUnit


class PolicyUpdate(BaseModel):
    amount: int = Field(ge=1, le=1000)
    unit: LimitUnit
    label: str | None = Field(default=None, max_length=60)


class PolicyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    label: str
    amount: int
    unit: str


class CalendarDayWrite(BaseModel):
    day: date
    is_workday: bool
    note: str = Field(default="", max_length=60)


class CalendarDayRead(CalendarDayWrite):
    model_config = ConfigDict(from_attributes=True)
