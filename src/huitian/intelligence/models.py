"""Trained models and their evaluation, the suggestions shown to operators, and the admin's settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from huitian.db import Base, UTCDateTime, utcnow


class ModelVersion(Base):
    """One trained classifier: where its file lies, what it was trained on, how well it did on a
    held-out split. Exactly one per target is active; activating an older one is a roll-back."""

    __tablename__ = "intelligence_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(16))  # "category"
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 … per target
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    n_train: Mapped[int] = mapped_column(Integer)
    evaluation: Mapped[dict] = mapped_column(JSON, default=dict)
    path: Mapped[str] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        # The active model of a target (every suggestion) and the list of versions.
        Index("ix_intelligence_models_target_active", "target", "active"),
    )


class Suggestion(Base):
    """What the operator was shown for an order. When the order's category ends up different from
    the top suggestion, that is a correction; the next training learns the final category."""

    __tablename__ = "intelligence_suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    model_id: Mapped[int | None] = mapped_column(ForeignKey("intelligence_models.id"))
    category_code: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[float | None] = mapped_column(Float)
    unit_code: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # "Was this order already suggested by this model?" and an order's latest suggestion.
        Index("ix_intelligence_suggestions_order", "order_id", "model_id"),
    )


class IntelligenceSetting(Base):
    """Admin-set values of this domain (e.g. the auto-dispatch threshold)."""

    __tablename__ = "intelligence_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
