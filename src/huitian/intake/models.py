"""What an intake channel knows about an order beyond the order itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from huitian.db import Base, UTCDateTime, utcnow


class Open311Request(Base):
    """An order filed through Open311 GeoReport v2: the fields the spec carries and the order has no
    column for (media_url, address_id, the service's attributes), and the API key that filed it."""

    __tablename__ = "open311_requests"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    service_code: Mapped[str] = mapped_column(String(32))
    media_url: Mapped[str | None] = mapped_column(String(1000))
    address_id: Mapped[str | None] = mapped_column(String(100))
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    jurisdiction_id: Mapped[str | None] = mapped_column(String(100))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
