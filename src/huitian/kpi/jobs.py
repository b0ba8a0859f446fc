"""Recurring assessment work: keep the rollup cube up to date. Safe in several processes at once (each
month is refreshed under a lock on its kpi_rollup_months row; see kpi.service.refresh_month)."""

from __future__ import annotations

import asyncio
import logging

from huitian.db import Database
from huitian.kpi import service as kpi_service

log = logging.getLogger("huitian.kpi")


def refresh_once(db: Database) -> dict[str, int]:
    with db.write() as session:
        out = kpi_service.refresh(session)
        session.commit()
    log.info("kpi rollups refreshed: %s", ", ".join(f"{m} ({n} cells)" for m, n in out.items()))
    return out


async def run_forever(db: Database, interval_s: float) -> None:
    while True:
        try:
            await asyncio.to_thread(refresh_once, db)
        except Exception:  # keep the loop alive; the next round retries
            log.exception("kpi rollup refresh failed")
        await asyncio.sleep(interval_s)
