from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from huitian.assets.enums import AssetStatus


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
