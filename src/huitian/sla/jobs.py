"""Recurring SLA work: the overdue sweep. Runs in `huitian worker`, and inside `huitian serve` for the
embedded default. Safe to run in several processes at once (see orders.flows.sweep_overdue)."""

from __future__ import annotations

import asyncio
import logging

from huitian.db import Database
from huitian.orders import flows as orders_flows

log = logging.getLogger("huitian.sla")


def sweep_once(db: Database) -> int:
    with db.write() as session:
        n = orders_flows.sweep_overdue(session)
        session.commit()
    if n:
        log.info("sla sweep escalated %d missed deadlines", n)
    return n


async def run_forever(db: Database, interval_s: float) -> None:
    while True:
        try:
            await asyncio.to_thread(sweep_once, db)
        except Exception:  # keep the loop alive; the next sweep retries
            log.exception("sla sweep failed")
        await asyncio.sleep(interval_s)
