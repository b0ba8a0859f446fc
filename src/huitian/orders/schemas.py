from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from huitian.areas.enums import Crs
from huitian.lib.phone import is_phone, normalise_phone
from huitian.orders.enums import Action, CallbackVia, Channel, OrderType, Outcome, Priority, Satisfaction

PHONE_RE = re.compile(r"^\+?[0-9][0-9-]{4,19}$")


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: OrderType
    description: str = Field(min_length=1, max_length=4000)
    title: str | None = Field(default=None, max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    crs: Crs = Crs.WGS84
    address: str | None = Field(default=None, max_length=300)
    category_code: str | None = Field(default=None, max_length=32)
    citizen_name: str | None = Field(default=None, max_length=60)
    citizen_phone: str | None = Field(default=None, max_length=20)
    channel: Channel = Channel.API
    priority: Priority = Priority.NORMAL
    private: bool = Field(default=False, description="the caller asks that the matter not be published")

    @field_validator("description")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("description must not be blank")
        return value.strip()

    @field_validator("citizen_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        value = normalise_phone(value)  # one written form, as the filing limits count it (lib/phone.py)
        if value is None:
            return None
        if not is_phone(value):
            raise ValueError("citizen_phone must be a phone number (digits, optional + and -)")
        return value

    @model_validator(mode="after")
    def _both_coordinates(self) -> OrderCreate:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together")
        return self


class ActionRequest(BaseModel):
    """One action on an order. Which parameters are required depends on the action."""

    model_config = ConfigDict(extra="forbid")

    action: Action
    version: int = Field(ge=1, description="the order's version as last read (optimistic locking)")
    unit: str | None = Field(default=None, description="unit code (dispatch, add_co_unit, arbitrate)")
    task: str | None = Field(default=None, max_length=2000, description="the co-unit's task (add_co_unit)")
    category_code: str | None = Field(default=None, description="set or correct the category (dispatch)")
    priority: Priority | None = Field(default=None, description="set or correct the priority (dispatch)")
    reason: str | None = Field(default=None, max_length=2000)
    note: str | None = Field(default=None, max_length=4000)
    text: str | None = Field(default=None, max_length=4000)
    days: int | None = Field(default=None, ge=1, le=60, description="working days (request_extension)")
    approve: bool | None = None
    resolved: bool | None = None
    satisfaction: Satisfaction | None = None
    comment: str | None = Field(default=None, max_length=2000)
    via: CallbackVia | None = Field(default=None, description="how the callback was made (callback)")
    into: str | None = Field(default=None, description="id or number of the order merged into")
    outcome: Outcome | None = Field(default=None, description="Art. 11 outcome (close at intake)")


class EventRead(BaseModel):
    id: int
    kind: str
    label: str
    from_status: str | None
    to_status: str | None
    actor: str
    actor_role: str | None
    unit: str | None
    created_at: datetime
    payload: dict


class AssignmentRead(BaseModel):
    id: int
    unit: str
    unit_name: str
    role: str
    status: str
    task: str | None
    assigned_at: datetime
    accepted_at: datetime | None
    replied_at: datetime | None
    reply_text: str | None
    return_reason: str | None


class MergedRead(BaseModel):
    """An order merged into this one: its caller is told the reply and called back on it."""

    number: str
    replied_at: datetime | None
    called_back_at: datetime | None
    resolved: bool | None
    satisfaction: str | None


class DeadlineRead(BaseModel):
    due: datetime | None
    met_at: datetime | None
    overdue: bool


class OrderSummary(BaseModel):
    id: int
    number: str
    type: str
    channel: str
    priority: str
    proactive: bool
    status: str
    status_label: str
    title: str
    category_code: str | None
    lead_unit: str | None
    area_path: str | None
    address: str | None
    citizen_name: str | None
    citizen_phone: str | None
    created_at: datetime
    reply_due: datetime | None
    overdue: bool
    unreasonable: bool


class OrderRead(OrderSummary):
    description: str
    lat: float | None
    lon: float | None
    source_crs: str | None
    category: list[str]
    area: list[str]
    time_limit_class: str
    outcome: str | None
    resolved: bool | None
    satisfaction: str | None
    reopen_count: int
    unreasonable_reason: str | None
    merged_into: str | None
    merged_from: list[MergedRead]
    pending_extension: dict | None
    extension_days: int
    version: int
    deadlines: dict[str, DeadlineRead]
    assignments: list[AssignmentRead]
    events: list[EventRead]
    allowed_actions: list[str]


class OrderPage(BaseModel):
    items: list[OrderSummary]
    total: int
    limit: int
    offset: int
