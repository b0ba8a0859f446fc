"""Proactive governance: early warnings (未诉先办) and the monthly topics (每月一题) with their tasks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huitian.db import Base, UTCDateTime, utcnow


class EarlyWarning(Base):
    """One early warning: a spike of a category in a grid, or a problem repeated at one place or part."""

    __tablename__ = "proactive_warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What fired, once: kind + subject + period. Several workers computing at once insert it once.
    key: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    area_path: Mapped[str | None] = mapped_column(String(255))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    asset_id: Mapped[int | None] = mapped_column(Integer)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    observed: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Float, default=0.0)
    threshold: Mapped[float] = mapped_column(Float, default=0.0)
    # How the figures were found (baselines, p-value) and a sample of the orders behind them.
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))

    __table_args__ = (
        UniqueConstraint("key", name="uq_proactive_warnings_key"),
        # The warnings page: "open warnings, newest first" (then scope on area_path).
        Index("ix_proactive_warnings_status_created", "status", "created_at"),
    )


class Topic(Base):
    """A chosen monthly topic: a category in a place, with the phrases that described it when chosen."""

    __tablename__ = "proactive_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active")
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    area_path: Mapped[str] = mapped_column(String(255))
    key_phrases: Mapped[list] = mapped_column(JSON, default=list)
    figures: Mapped[dict] = mapped_column(JSON, default=dict)  # the candidate's figures when chosen
    chosen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # Topics of a month; one topic per category × place × month.
        UniqueConstraint("month", "category_id", "area_id", name="uq_proactive_topics_scope"),
    )


class TopicTask(Base):
    """A task of a topic and the unit responsible for it."""

    __tablename__ = "proactive_topic_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("proactive_topics.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open / done
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # A topic's tasks on its page.
        Index("ix_proactive_topic_tasks_topic", "topic_id"),
    )
