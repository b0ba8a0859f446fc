from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from huitian.lib.patch import Patch
from huitian.sla.enums import TimeLimitClass


class CategoryCreate(BaseModel):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=100)
    parent: str | None = Field(default=None, description="code of the parent category")
    time_limit_class: TimeLimitClass = TimeLimitClass.ORDINARY
    unit_hint: str | None = Field(default=None, max_length=40)


class CategoryUpdate(Patch):
    nullable: ClassVar[frozenset[str]] = frozenset({"unit_hint"})

    name: str | None = Field(default=None, min_length=1, max_length=100)
    time_limit_class: TimeLimitClass | None = None
    unit_hint: str | None = Field(default=None, max_length=40)
    active: bool | None = None


class CategoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    level: int
    path: str
    time_limit_class: str
    unit_hint: str | None
    active: bool
