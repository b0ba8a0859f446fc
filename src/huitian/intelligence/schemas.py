"""Input and output of the intelligence API (suggestions, model versions, settings)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SuggestedCategory(BaseModel):
    code: str
    name: str
    confidence: float | None


class SuggestedUnit(BaseModel):
    code: str
    name: str
    confidence: float | None
    reason: str | None


class SuggestionsRead(BaseModel):
    category: list[SuggestedCategory]
    unit: list[SuggestedUnit]
    model_version: int | None
    unit_model_version: int | None = None
    dispatch_unit: str | None = Field(default=None, description="the unit auto-dispatch would choose")
    auto_dispatch: bool = Field(description="whether this suggestion clears the admin's threshold")


class ModelTrain(BaseModel):
    activate: bool = True
    target: Literal["category", "unit"] = "category"


class ModelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    target: str
    version: int
    created_at: datetime
    created_by: str
    n_train: int
    evaluation: dict
    path: str
    active: bool


class SettingsRead(BaseModel):
    auto_dispatch_threshold: float | None = Field(
        default=None,
        description="top-category confidence at or above which an order may be dispatched "
        "automatically; null = never",
    )


class CorrectionRead(BaseModel):
    order_id: int
    suggested: str
    final: str
