"""One small demo build per test run, shared by the demo tests (they only read it, or copy it).

On SQLite (default) the build is a file; when HUITIAN_TEST_DATABASE_URL names a PostgreSQL server,
it is a database there, and tests that write get a copy made with CREATE DATABASE … TEMPLATE."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from huitian import migrate
from huitian.db import Database
from huitian.demo.build import build_demo

ORDERS = 2000
NOW = datetime(2026, 6, 15, 10, 30, tzinfo=UTC)  # fixed, so the mixes (season, open orders) are stable


@dataclass
class DemoBuild:
    url: str
    stats: dict[str, Any]
    path: Path | None = None  # SQLite file
    server: str | None = None  # PostgreSQL server URL


def _pg_server() -> str | None:
    server = os.environ.get("HUITIAN_TEST_DATABASE_URL")
    return server if server and server.startswith("postgresql") else None


def _pg(server: str, sql: str) -> None:
    engine = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoBuild]:
    server = _pg_server()
    path = None
    if server:
        name = f"huitian_demo_{uuid.uuid4().hex[:8]}"
        _pg(server, f'CREATE DATABASE "{name}"')
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
    else:
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        url = f"sqlite:///{path}"
    migrate.upgrade(url)
    database = Database(url)
    try:
        stats = build_demo(database.engine, orders=ORDERS, seed=7, now=NOW)
    finally:
        database.dispose()
    yield DemoBuild(url=url, stats=stats, path=path, server=server)
    if server:
        _pg(server, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@pytest.fixture
def demo_db(demo_build: DemoBuild) -> Iterator[Database]:
    database = Database(demo_build.url)
    yield database
    database.dispose()


@pytest.fixture
def demo_copy_url(demo_build: DemoBuild, tmp_path: Path) -> Iterator[str]:
    """A private copy of the demo database, for tests that write."""
    if demo_build.server:
        name = f"huitian_democ_{uuid.uuid4().hex[:8]}"
        _pg(demo_build.server, f'CREATE DATABASE "{name}" TEMPLATE "{make_url(demo_build.url).database}"')
        yield make_url(demo_build.server).set(database=name).render_as_string(hide_password=False)
        _pg(demo_build.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    assert demo_build.path is not None
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_build.path, path)
    yield f"sqlite:///{path}"
