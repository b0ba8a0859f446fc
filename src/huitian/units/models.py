"""Responsible units (承办单位) and the areas they serve."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from huitian.db import Base


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    phone: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class UnitArea(Base):
    """Jurisdiction: a unit serves an area (and everything under it)."""

    __tablename__ = "unit_areas"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    # Serves "which units serve this area?" lookups for routing.
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True, index=True)
