from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from huitian.areas.enums import AreaLevel
from huitian.lib.patch import Patch


class AreaCreate(BaseModel):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=100)
    level: AreaLevel
    parent: str | None = Field(default=None, description="code of the parent area")
    population: int = Field(default=0, ge=0)
    geometry: dict | None = Field(default=None, description="GeoJSON Polygon or MultiPolygon, WGS-84")


class AreaUpdate(Patch):
    nullable: ClassVar[frozenset[str]] = frozenset({"geometry"})

    name: str | None = Field(default=None, min_length=1, max_length=100)
    population: int | None = Field(default=None, ge=0)
    geometry: dict | None = None
    active: bool | None = None


class AreaRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    level: str
    path: str
    population: int
    active: bool
