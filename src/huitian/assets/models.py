"""City parts (城市部件): the registry behind 扫码即知、扫码即诉."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text
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
