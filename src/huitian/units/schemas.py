from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from huitian.lib.patch import Patch
from huitian.units.enums import UnitKind


class UnitCreate(BaseModel):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=120)
    kind: UnitKind
    parent: str | None = Field(default=None, description="code of the parent unit")
    phone: str | None = Field(default=None, max_length=40)
    areas: list[str] = Field(default_factory=list, description="codes of the areas the unit serves")


class UnitUpdate(Patch):
    nullable: ClassVar[frozenset[str]] = frozenset({"phone", "areas"})

    name: str | None = Field(default=None, min_length=1, max_length=120)
    phone: str | None = Field(default=None, max_length=40)
    areas: list[str] | None = None
    active: bool | None = None


class UnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    kind: str
    phone: str | None
    active: bool
    areas: list[str] = []
