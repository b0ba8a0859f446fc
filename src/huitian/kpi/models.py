"""Assessment data: the weights and tier thresholds (data, not code) and the monthly rollup cube."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from huitian.db import Base, UTCDateTime


class KpiSetting(Base):
    """One tunable figure of the assessment (score weights, tier thresholds); absent = the default in
    kpi.enums.DEFAULTS."""

    __tablename__ = "kpi_settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[float] = mapped_column(Float)


class KpiRollup(Base):
    """Counters of one month for one cell. The cube is kept in three projections (`grain`) of the cell
    lead unit × finest area × category: "up" (unit × area; category_id null), "uc" (unit × category;
    area_path null) and "pc" (area × category; lead_unit_id 0). Every group kind (street, community,
    unit, category) in every scope is a sum over the cells of one projection, so reads never rescan
    orders and read at most units × areas cells. Written only by kpi.rollup.refresh_month (delete +
    insert of the month)."""

    __tablename__ = "kpi_rollups"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # "YYYY-MM", local time
    grain: Mapped[str] = mapped_column(String(2))
    lead_unit_id: Mapped[int] = mapped_column(Integer)
    area_path: Mapped[str | None] = mapped_column(String(255))
    category_id: Mapped[int | None] = mapped_column(Integer)
    assessed: Mapped[int] = mapped_column(Integer, default=0)
    dispatched: Mapped[int] = mapped_column(Integer, default=0)
    responded: Mapped[int] = mapped_column(Integer, default=0)
    called_back: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    basic: Mapped[int] = mapped_column(Integer, default=0)
    excluded: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        # Rates and ranking of a month: "all cells of month M" (then scope on unit or area path).
        Index("ix_kpi_rollups_month_unit", "month", "lead_unit_id"),
        Index("ix_kpi_rollups_month_grain", "month", "grain"),
    )


class KpiRollupMonth(Base):
    """A month that has been rolled up, and when: reads use the cube for these months."""

    __tablename__ = "kpi_rollup_months"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KpiOpenCell(Base):
    """Open orders now, counted per cell: what the dashboard shows as live counts and on the map, without
    reading orders. Two projections (`grain`): "ps" (finest area × state, for the centre and area roles;
    lead_unit_id null) and "ups" (lead unit × finest area × state, read by a unit's members through the
    index on the unit); category_id is not used (null). Replaced as a whole by kpi.dashboard.refresh_open
    (a job, every minute)."""

    __tablename__ = "kpi_open_cells"

    id: Mapped[int] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(String(3))
    lead_unit_id: Mapped[int | None] = mapped_column(Integer)
    area_path: Mapped[str | None] = mapped_column(String(255))
    category_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    orders: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)  # escalated at least once
    escalated: Mapped[int] = mapped_column(Integer, default=0)  # escalated twice or more (督办)

    __table_args__ = (Index("ix_kpi_open_cells_grain_unit", "grain", "lead_unit_id"),)


class KpiOpenSnapshot(Base):
    """When kpi_open_cells was last rebuilt (one row, id 1); absent = never: reads scan orders."""

    __tablename__ = "kpi_open_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)
