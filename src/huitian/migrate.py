"""Schema migrations (Alembic) and first-run data every installation needs."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from huitian.config import normalise_db_url
from huitian.db import Database
from huitian.sla import service as sla_service

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_db_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    """Bring the schema to the newest revision of every branch (each later domain keeps its migrations
    on a branch of its own, starting from 0001), then make sure the default policies and the State
    Council calendar are present."""
    command.upgrade(alembic_config(url), "heads")
    db = Database(url)
    try:
        with db.write() as session:
            sla_service.ensure_default_policies(session)
            sla_service.seed_calendar(session)
            session.commit()
    finally:
        db.dispose()
