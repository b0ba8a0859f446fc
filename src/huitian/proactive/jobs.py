"""Recurring 未诉先办 work: look for spikes and repeated problems every hour. Safe in several processes
at once (a warning's key is unique; see proactive.detectors.compute_warnings)."""

from __future__ import annotations

import logging

from huitian.db import Database
from huitian.proactive import service as proactive_service
from huitian.scheduler import Job

log = logging.getLogger("huitian.proactive")

INTERVAL_S = 3600.0


def warnings_once(db: Database) -> int:
    """Compute the warnings of the current hour; the number of new warnings."""
    with db.write() as session:
        made = proactive_service.compute_warnings(session)
        session.commit()
    if made:
        log.info("early warnings: %d new (%s)", len(made), ", ".join(sorted({w.kind for w in made})))
    return len(made)


JOBS = [Job(name="proactive.warnings", run=warnings_once, interval_s=lambda: INTERVAL_S)]
