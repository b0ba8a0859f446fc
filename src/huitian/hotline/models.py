"""Hotline entry: the policy knowledge base (政策知识库) and links between orders of the same caller."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huitian.db import Base, UTCDateTime, utcnow


class KbEntry(Base):
    """One answer of the knowledge base, given at once to a consultation (Art. 11)."""

    __tablename__ = "hotline_kb_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    keywords: Mapped[str] = mapped_column(String(500), default="")  # space-separated question keywords
    answer: Mapped[str] = mapped_column(Text)
    category_code: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # Keyword search scans the active entries (a few thousand at most) with LIKE.
        Index("ix_hotline_kb_entries_active", "active"),
    )


class OrderLink(Base):
    """Two orders linked by the operator, e.g. the same caller about the same matter."""

    __tablename__ = "hotline_order_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    linked_order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    kind: Mapped[str] = mapped_column(String(16), default="same_caller")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # The links of an order, from either side.
        Index("ix_hotline_order_links_order", "order_id", "linked_order_id"),
        Index("ix_hotline_order_links_linked", "linked_order_id"),
    )


class CallerLookup(Base):
    """One look-up of a caller's orders by phone number (audit, PIPL): who, when, through which door,
    and a keyed hash of the number (HMAC-SHA256 with the installation secret), never the number: the
    same number gives the same hash, so an inquiry can ask "who looked this number up", and a leaked
    table gives no numbers."""

    __tablename__ = "hotline_caller_lookups"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    actor: Mapped[str] = mapped_column(String(100))  # the principal's name, as order events write it
    phone_hash: Mapped[str] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(16))  # api, same_matter, page
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_hotline_caller_lookups_user_at", "user_id", "at"),
        Index("ix_hotline_caller_lookups_phone_hash", "phone_hash"),
    )
