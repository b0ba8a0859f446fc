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
    """Counters of one month for one cell (lead unit × finest area × category). Every group kind
    (street, community, unit, category) and every scope is a sum over these cells, so reads never
    rescan orders. Written only by kpi.service.refresh_month (delete + insert of the month)."""

    __tablename__ = "kpi_rollups"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # "YYYY-MM", local time
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
    )


class KpiRollupMonth(Base):
    """A month that has been rolled up, and when: reads use the cube for these months."""

    __tablename__ = "kpi_rollup_months"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)
