"""Recurring learning work: retrain the category and unit models from closed orders and the operators'
corrections when enough new data came in (or an admin asked), record each new version with its
evaluation, and promote it only when it is not worse than the active one (see service.finish_run).

Training runs outside any database transaction (it can take minutes on a big history): read the rows,
fit, then record in a short write transaction. Safe in several processes at once: a run claims its
target (service.claim_run) and a second process finds the claim taken and skips."""

from __future__ import annotations

import logging

from huitian.db import Database
from huitian.errors import DomainError
from huitian.intelligence import service as intelligence_service
from huitian.scheduler import Job

log = logging.getLogger("huitian.intelligence")

CHECK_INTERVAL_S = 300.0
SYSTEM_NAME = "system"


def retrain_once(db: Database, *, force: bool = False) -> int:
    """Retrain each target that is due (or every target when `force`); the number of versions made."""
    made = 0
    with db.read() as session:
        requested = intelligence_service.training_requested(session) is not None
    for target in intelligence_service.TARGETS:
        with db.read() as session:
            why = "forced" if force else intelligence_service.retrain_due(session, target=target)
        if why is None:
            continue
        with db.write() as session:
            run = intelligence_service.claim_run(session, target=target, trigger="schedule", note=why)
            session.commit()
        if run is None:
            continue  # another process is training this target
        made += _train(db, target=target, run_id=run.id)
    if requested:
        with db.write() as session:
            intelligence_service.clear_training_request(session)
            session.commit()
    return made


def _train(db: Database, *, target: str, run_id: int) -> int:
    try:
        with db.read() as session:
            texts, labels = intelligence_service.training_rows(session, target=target)
        model, evaluation = intelligence_service.fit_candidate(texts, labels, target=target)
        with db.write() as session:
            row = intelligence_service.record_version(
                session, target=target, model=model, evaluation=evaluation, created_by=SYSTEM_NAME
            )
            run = intelligence_service.finish_run(session, run_id=run_id, model=row)
            session.commit()
        log.info(
            "retrained %s model v%d on %d orders (macro-F1 %s): %s",
            target,
            row.version,
            row.n_train,
            evaluation.get("macro_f1"),
            run.status,
        )
        return 1
    except Exception as exc:
        if not isinstance(exc, DomainError):
            log.exception("retraining the %s model failed", target)
        with db.write() as session:
            intelligence_service.finish_run(session, run_id=run_id, note=str(exc))
            session.commit()
        return 0


JOBS = [Job(name="intelligence.retrain", run=retrain_once, interval_s=lambda: CHECK_INTERVAL_S)]
