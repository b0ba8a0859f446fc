"""Recurring auth work: forgetting browser sessions that ended long ago (table auth_sessions)."""

from __future__ import annotations

from huitian.auth import service as auth_service
from huitian.db import Database
from huitian.scheduler import Job


def purge_sessions(db: Database) -> int:
    with db.write() as session:
        n = auth_service.purge_sessions(session)
        session.commit()
    return n


JOBS = [Job(name="auth.purge_sessions", run=purge_sessions, interval_s=lambda: 6 * 3600.0)]
