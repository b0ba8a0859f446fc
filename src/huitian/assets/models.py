"""City parts (城市部件): the registry behind 扫码即知、扫码即诉."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from huitian.db import Base, UTCDateTime, utcnow


class Asset(Base):
    __tablename__ = "assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    # 16 digits: county + major + minor + serial. The unique index also serves get-by-code (the QR page)
    # and the next-serial look-up (`max(code) WHERE code LIKE 'county+class%'`, a range on the index).
    code: Mapped[str] = mapped_column(String(16), unique=True)
    class_code: Mapped[str] = mapped_column(String(4))  # major + minor (enums.PART_CLASSES)
    name: Mapped[str] = mapped_column(String(120))
    lat: Mapped[float] = mapped_column(Float)  # WGS-84
    lon: Mapped[float] = mapped_column(Float)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    area_path: Mapped[str | None] = mapped_column(String(255))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # the maintaining unit
    status: Mapped[str] = mapped_column(String(16), default="in_service")
    notes: Mapped[str | None] = mapped_column(Text)
    # The part's own facts beyond its class (e.g. {"灯杆高度": "8米", "功率": 150}): keys and scalar values.
    attributes: Mapped[dict] = mapped_column(JSON, default=dict, server_default=text("'{}'"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # The list filter "parts of class X" (and counts by class).
        Index("ix_assets_class_code", "class_code"),
        # The list filter "parts in area X" (`area_path LIKE '/…/%'`).
        Index("ix_assets_area_path", "area_path"),
        # The list filter "parts a unit maintains".
        Index("ix_assets_unit", "unit_id"),
    )


class AssetChange(Base):
    """One edit of a part in the registry: who, when, and each changed field's old and new value
    ({field: [old, new]}). Appended by assets.service.update_asset; never updated or deleted."""

    __tablename__ = "asset_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(120))
    actor_role: Mapped[str] = mapped_column(String(24))
    changes: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # history(asset): the changes of one part, newest first
        Index("ix_asset_changes_asset", "asset_id", "id"),
    )
