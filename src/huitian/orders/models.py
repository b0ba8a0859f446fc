"""The work order (工单), its unit assignments and its append-only event history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from huitian.db import Base, UTCDateTime, utcnow


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    proactive: Mapped[bool] = mapped_column(Boolean, default=False)  # 主动发现 / 未诉先办

    lat: Mapped[float | None] = mapped_column(Float)  # WGS-84
    lon: Mapped[float | None] = mapped_column(Float)
    source_crs: Mapped[str | None] = mapped_column(String(8))
    address: Mapped[str | None] = mapped_column(String(300))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    area_path: Mapped[str | None] = mapped_column(String(255))
    asset_id: Mapped[int | None] = mapped_column(Integer)  # city part (assets domain, later)

    citizen_name: Mapped[str | None] = mapped_column(String(60))
    citizen_phone: Mapped[str | None] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The caller asked that the matter not be published (涉及隐私): never in Open311's public reading.
    private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    status: Mapped[str] = mapped_column(String(16), default="received")
    outcome: Mapped[str | None] = mapped_column(String(24))
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    time_limit_class: Mapped[str] = mapped_column(String(16), default="ordinary")

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    called_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    accept_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_days: Mapped[int] = mapped_column(Integer, default=0)  # granted, in working days
    pending_extension: Mapped[dict | None] = mapped_column(JSON)  # {"days", "reason"} awaiting decision
    # Deadlines missed in this handling round, as Deadline bits; the sweep sets them with a conditional
    # UPDATE so that several workers never escalate the same miss twice.
    escalated: Mapped[int] = mapped_column(Integer, default=0)

    resolved: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    unreasonable: Mapped[bool] = mapped_column(Boolean, default=False)  # excluded from assessment
    unreasonable_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    # Hash of the newest event: the head of the order's event chain (tamper evidence, `huitian audit`).
    history_hash: Mapped[str | None] = mapped_column(String(64))

    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # The queue and list filters: "open orders in state X, newest first".
        Index("ix_orders_status_created", "status", "created_at"),
        # A unit's inbox sorted by deadline.
        Index("ix_orders_lead_unit_status", "lead_unit_id", "status"),
        # Area scope (`area_path LIKE '/…/%'`) for supervisors and area rankings.
        Index("ix_orders_area_path", "area_path"),
        # Period reports and the created range filter.
        Index("ix_orders_created_at", "created_at"),
        # Assessment by month: 响应率 counts orders by dispatch, 解决率/满意率 by callback (kpi).
        Index("ix_orders_dispatched_at", "dispatched_at"),
        Index("ix_orders_called_back_at", "called_back_at"),
        # Category filter and category statistics.
        Index("ix_orders_category", "category_id"),
        # The SLA sweep: open orders by reply deadline.
        Index("ix_orders_reply_due", "reply_due"),
        # A resident's own orders.
        Index("ix_orders_created_by", "created_by_id"),
        # Caller look-up (hotline entry) and "same caller" links.
        Index("ix_orders_citizen_phone", "citizen_phone"),
    )


class Assignment(Base):
    """A unit on an order: the lead (主办), a co-handler (协办, 吹哨报到) or a supervisor (督办)."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="assigned")
    task: Mapped[str | None] = mapped_column(Text)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_text: Mapped[str | None] = mapped_column(Text)
    return_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # An order's assignments (detail page, permission checks).
        Index("ix_assignments_order", "order_id"),
        # A unit's scope: "orders with an assignment to my unit" (EXISTS subquery).
        Index("ix_assignments_unit_order", "unit_id", "order_id"),
    )


class OrderEvent(Base):
    """One entry of an order's history. Append-only: never updated, never deleted."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    kind: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100), default="system")
    actor_role: Mapped[str | None] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    # The digest of the order's governed fields and assignments after this event (huitian.lib.chain,
    # orders.service.STATE_FIELDS); NULL on events written before digests existed.
    state_digest: Mapped[str | None] = mapped_column(String(160))
    # sha256 over the previous event's hash and this event's fields, state digest included (lib.chain).
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        # An order's timeline in order.
        Index("ix_order_events_order", "order_id", "id"),
        # Escalation and activity feeds by kind and time.
        Index("ix_order_events_kind_created", "kind", "created_at"),
    )
