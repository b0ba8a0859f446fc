"""Recurring background work. Each domain lists its jobs in its jobs.py as `JOBS`; the worker
(`huitian worker`) and, for the embedded default, `huitian serve` run them all. Every job must be safe to
run in several processes at once (claim work with a conditional UPDATE or SKIP LOCKED)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from huitian import domains
from huitian.config import get_settings
from huitian.db import Database

log = logging.getLogger("huitian.scheduler")


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Database], int]  # returns how many items it handled
    interval_s: Callable[[], float] = lambda: float(get_settings().sweep_interval_s)


def all_jobs() -> list[Job]:
    return [job for module in domains.modules("jobs") for job in getattr(module, "JOBS", [])]


def run_due(db: Database, jobs: list[Job], last_run: dict[str, float]) -> dict[str, int]:
    """Run every job whose interval has passed; a failing job is logged and retried next time."""
    done: dict[str, int] = {}
    for job in jobs:
        now = time.monotonic()
        if now - last_run.get(job.name, float("-inf")) < job.interval_s():
            continue
        last_run[job.name] = now
        try:
            done[job.name] = job.run(db)
        except Exception:
            log.exception("job %s failed", job.name)
    return done


async def run_forever(db: Database, tick_s: float = 1.0) -> None:
    jobs, last_run = all_jobs(), {}
    while True:
        await asyncio.to_thread(run_due, db, jobs, last_run)
        await asyncio.sleep(tick_s)
