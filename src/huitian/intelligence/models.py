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


class TrainingRun(Base):
    """One (re)training of a target, by the worker job or an admin: what it trained on, the version it
    made, and whether that version was promoted (made active) or kept aside because it scored worse.

    `claim` holds the target's name while the run is going and is cleared when it ends: being unique, it
    lets one process at a time train a target (a second insert fails), on SQLite and PostgreSQL alike."""

    __tablename__ = "intelligence_training_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(16))  # "schedule" | "admin"
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # running | promoted | kept | failed
    claim: Mapped[str | None] = mapped_column(String(16), unique=True)
    n_train: Mapped[int | None] = mapped_column(Integer)
    model_id: Mapped[int | None] = mapped_column(ForeignKey("intelligence_models.id"))
    note: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        # The admin page's latest runs of a target.
        Index("ix_intelligence_training_runs_target", "target", "id"),
    )
