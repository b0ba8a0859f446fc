"""Recurring SLA work: the overdue sweep. Safe to run in several processes at once
(see orders.flows.sweep_overdue)."""

from __future__ import annotations

import logging

from huitian.db import Database
from huitian.orders import flows as orders_flows
from huitian.scheduler import Job

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


JOBS = [Job(name="sla.sweep", run=sweep_once)]
