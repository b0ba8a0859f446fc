"""Recurring SLA work: the overdue sweep. Runs in `huitian worker`, and inside `huitian serve` for the
embedded default. Safe to run in several processes at once (see orders.flows.sweep_overdue)."""

from __future__ import annotations

import asyncio
import logging

from huitian.db import Database
from huitian.orders import flows as orders_flows

log = logging.getLogger("huitian.sla")


def sweep_once(db: Database, *, max_batches: int = 100) -> int:
    """Escalate every missed deadline, a batch per transaction so that writers are never held long."""
    total = 0
    for _ in range(max_batches):
        with db.write() as session:
            n = orders_flows.sweep_overdue(session)
            session.commit()
        total += n
        if n == 0:
            break
    if total:
        log.info("sla sweep escalated %d missed deadlines", total)
    return total


async def run_forever(db: Database, interval_s: float) -> None:
    while True:
        try:
            await asyncio.to_thread(sweep_once, db)
        except Exception:  # keep the loop alive; the next sweep retries
            log.exception("sla sweep failed")
        await asyncio.sleep(interval_s)
