"""Recurring assessment work: keep the rollup cube up to date. Safe in several processes at once (each
month is refreshed under a lock on its kpi_rollup_months row; see kpi.rollup.refresh_month)."""

from __future__ import annotations

import logging

from huitian.config import get_settings
from huitian.db import Database
from huitian.kpi import service as kpi_service
from huitian.scheduler import Job

log = logging.getLogger("huitian.kpi")


def refresh_once(db: Database) -> int:
    """Refresh the months that changed; the number of rollup cells written."""
    with db.write() as session:
        out = kpi_service.refresh(session)
        session.commit()
    if out:
        log.info("kpi rollups refreshed: %s", ", ".join(f"{m} ({n} cells)" for m, n in out.items()))
    return sum(out.values())


def refresh_open_once(db: Database) -> int:
    """Rebuild the snapshot of open orders the dashboard reads; the number of cells."""
    with db.write() as session:
        n = kpi_service.refresh_open(session)
        session.commit()
    return n


JOBS = [
    Job(
        name="kpi.rollups", run=refresh_once, interval_s=lambda: float(get_settings().kpi_refresh_interval_s)
    ),
    # Open orders change all day: the dashboard's counts and map are at most a minute old.
    Job(name="kpi.open", run=refresh_open_once, interval_s=lambda: 60.0),
]
