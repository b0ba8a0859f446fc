"""What an intake channel knows about an order beyond the order itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String
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


class OrderAttachment(Base):
    """A photo attached to an order (phone page, patrol report): stored under HUITIAN_UPLOAD_DIR by its
    content hash, re-encoded without metadata; the EXIF place and time read before stripping are kept here."""

    __tablename__ = "order_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    stored_name: Mapped[str] = mapped_column(String(100))  # "<sha256>.<ext>" inside the upload folder
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)  # bytes of the stored (stripped) file
    sha256: Mapped[str] = mapped_column(String(64))  # of the stored file
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lat: Mapped[float | None] = mapped_column(Float)  # WGS-84, from EXIF GPS
    lon: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # attachments_of(order_id): the photos of one order, in upload order
        Index("ix_order_attachments_order", "order_id", "id"),
    )


class PublicFiling(Base):
    """An order filed anonymously on the resident phone page: the hash of its follow-up link's secret
    (the link itself is shown once and never stored) and when the resident rated it online."""

    __tablename__ = "public_filings"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the link's secret
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
