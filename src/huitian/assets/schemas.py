from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from huitian.assets.enums import AssetStatus
from huitian.lib.patch import Patch


class AssetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(default=None, description="16-digit code; generated when left out")
    class_code: str | None = Field(
        default=None, description="major + minor class, 4 digits (required when code is left out)"
    )
    name: str = Field(min_length=1, max_length=120)
    lat: float = Field(ge=-90, le=90, description="WGS-84")
    lon: float = Field(ge=-180, le=180, description="WGS-84")
    unit: str | None = Field(default=None, description="code of the maintaining unit")
    status: AssetStatus = AssetStatus.IN_SERVICE
    notes: str | None = Field(default=None, max_length=2000)


AttributeValue = str | int | float | bool


class AssetUpdate(Patch):
    """A PATCH of a part: only the fields given change. `unit: null` clears the maintaining unit; lat and
    lon move the part together (it is placed again); in `attributes` a key set to null is removed."""

    model_config = ConfigDict(extra="forbid")

    nullable: ClassVar[frozenset[str]] = frozenset({"unit", "notes", "lat", "lon", "attributes"})

    name: str | None = Field(default=None, min_length=1, max_length=120)
    status: AssetStatus | None = None
    unit: str | None = Field(default=None, description="code of the maintaining unit; null clears it")
    lat: float | None = Field(default=None, ge=-90, le=90, description="WGS-84")
    lon: float | None = Field(default=None, ge=-180, le=180, description="WGS-84")
    notes: str | None = Field(default=None, max_length=2000)
    attributes: dict[str, AttributeValue | None] | None = Field(
        default=None, description="keys to set (scalar values) or remove (null)", max_length=50
    )


class AssetChangeRead(BaseModel):
    id: int
    actor: str
    actor_role: str
    changes: dict[str, list]
    created_at: datetime


class AssetRead(BaseModel):
    id: int
    code: str
    class_code: str
    class_label: str
    major_label: str
    name: str
    lat: float
    lon: float
    area: str | None
    area_path: str | None
    unit: str | None
    unit_name: str | None
    status: str
    status_label: str
    notes: str | None
    attributes: dict[str, AttributeValue] = {}
    created_at: datetime
    updated_at: datetime


class AssetPage(BaseModel):
    items: list[AssetRead]
    total: int
    limit: int
    offset: int


class RowError(BaseModel):
    row: int  # 1-based: the Excel row number, or the feature's index + 1
    field: str | None
    reason: str


class ImportReport(BaseModel):
    created: int
    updated: int
    codes: list[str]
