from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from huitian.auth.enums import Role
from huitian.lib.patch import Patch


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: Role
    display_name: str | None = Field(default=None, max_length=100)
    unit: str | None = Field(default=None, description="unit code (handler, unit_lead)")
    area: str | None = Field(default=None, description="area code (supervisor, grid_worker, planner)")
    phone: str | None = Field(default=None, max_length=20)


class UserUpdate(Patch):
    model_config = ConfigDict(extra="forbid")

    nullable: ClassVar[frozenset[str]] = frozenset({"unit", "area", "phone"})

    password: str | None = Field(default=None, min_length=8, max_length=200)
    role: Role | None = None
    display_name: str | None = Field(default=None, max_length=100)
    unit: str | None = None
    area: str | None = None
    phone: str | None = Field(default=None, max_length=20)
    active: bool | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str
    unit_id: int | None
    area_id: int | None
    active: bool
    created_at: datetime


class Me(BaseModel):
    name: str
    role: str
    role_label: str
    user_id: int | None
    unit_id: int | None
    area_path: str | None


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    unit: str | None = None
    role: Role | None = None


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    role: str
    unit_id: int | None
    active: bool
    created_at: datetime


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="shown once; only its hash is kept")
