"""The routing catalogue (派单目录): category × area → unit rules, and every change made to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huitian.db import Base, UTCDateTime, utcnow


class DispatchRule(Base):
    """Orders of this category (or any under it) in this area (or any under it) go to this unit.

    A missing category or area means "any". The paths are copied from the category and the area
    (codes never change), so matching an order is a plain comparison with the prefixes of its paths."""

    __tablename__ = "dispatch_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    category_path: Mapped[str | None] = mapped_column(String(120))  # "/01/0101/", None = any
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    area_path: Mapped[str | None] = mapped_column(String(255))  # "/110114/110114011/", None = any
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    note: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # route(): active rules whose category path is one of the order's category's ancestors.
        Index("ix_dispatch_rules_active_category", "active", "category_path"),
    )


class DispatchRuleChange(Base):
    """One change to a rule (who, when, before and after). Append-only, like FixMyStreet's
    contacts_history."""

    __tablename__ = "dispatch_rule_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("dispatch_rules.id"))
    change: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (
        # A rule's history in order (GET /api/v1/dispatch/rules/{id}/history).
        Index("ix_dispatch_rule_history_rule", "rule_id", "id"),
    )
