"""One small demo build per test run, shared by the demo tests (they only read it, or copy it)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from huitian import migrate
from huitian.db import Database
from huitian.demo.build import build_demo

ORDERS = 2000
NOW = datetime(2026, 6, 15, 10, 30, tzinfo=UTC)  # fixed, so the mixes (season, open orders) are stable


@dataclass
class DemoBuild:
    path: Path
    stats: dict[str, Any]

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> DemoBuild:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    database = Database(url)
    try:
        stats = build_demo(database.engine, orders=ORDERS, seed=7, now=NOW)
    finally:
        database.dispose()
    return DemoBuild(path=path, stats=stats)


@pytest.fixture
def demo_db(demo_build: DemoBuild) -> Iterator[Database]:
    database = Database(demo_build.url)
    yield database
    database.dispose()


@pytest.fixture
def demo_copy_url(demo_build: DemoBuild, tmp_path: Path) -> str:
    """A private copy of the demo database, for tests that write."""
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_build.path, path)
    return f"sqlite:///{path}"
