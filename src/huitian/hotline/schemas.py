from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from huitian.lib.patch import Patch
from huitian.orders.schemas import OrderSummary


class KbEntryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    keywords: str = Field(default="", max_length=500)
    answer: str = Field(min_length=1, max_length=4000)
    category_code: str | None = Field(default=None, max_length=32)
    active: bool = True


class KbEntryUpdate(Patch):
    model_config = ConfigDict(extra="forbid")

    nullable: ClassVar[frozenset[str]] = frozenset({"category_code"})

    title: str | None = Field(default=None, min_length=1, max_length=200)
    keywords: str | None = Field(default=None, max_length=500)
    answer: str | None = Field(default=None, min_length=1, max_length=4000)
    category_code: str | None = Field(default=None, max_length=32)
    active: bool | None = None


class KbEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    keywords: str
    answer: str
    category_code: str | None
    active: bool
    updated_at: datetime


class KbHit(KbEntryRead):
    score: int


class CallerRead(BaseModel):
    phone: str
    orders: list[OrderSummary]
    open_orders: int


class LinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order: str = Field(description="id or number of the order")
    other: str = Field(description="id or number of the other order of the same caller")
    kind: str = Field(default="same_caller", pattern="^same_caller$")


class LinkRead(BaseModel):
    id: int
    order: str
    other: str
    kind: str


class AnswerAtOnce(BaseModel):
    """A consultation answered at once from a knowledge-base entry (Art. 11)."""

    model_config = ConfigDict(extra="forbid")

    kb_entry: int
    description: str = Field(min_length=1, max_length=4000)
    citizen_name: str | None = Field(default=None, max_length=60)
    citizen_phone: str | None = Field(default=None, max_length=20)
    category_code: str | None = Field(default=None, max_length=32)
