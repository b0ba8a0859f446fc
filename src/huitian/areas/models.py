"""Areas: district → street/town → community → grid."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from huitian.db import Base


class Area(Base):
    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    # Materialised path of codes, "/110114/110114011/…/": scope filters use `path LIKE prefix%`.
    path: Mapped[str] = mapped_column(String(255), index=True)
    population: Mapped[int] = mapped_column(Integer, default=0)
    geometry: Mapped[dict | None] = mapped_column(JSON)  # GeoJSON geometry in WGS-84
    min_lon: Mapped[float | None] = mapped_column(Float)
    min_lat: Mapped[float | None] = mapped_column(Float)
    max_lon: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
