"""Test fixtures: a real database per test (SQLite file, or PostgreSQL when
HUITIAN_TEST_DATABASE_URL names a server), a real app, a small world of areas, units and users.

Each test gets a fresh copy of a template database that was migrated and seeded once per run:
a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from huitian import migrate
from huitian.app import create_app
from huitian.config import get_settings
from huitian.db import Database
from tests import factories

# The browser fixtures (one live server and one Chromium per session, for every folder's browser tests).
pytest_plugins = ["tests.browser.fixtures"]

PASSWORD = "correct-horse-1"


@dataclass
class Databases:
    kind: str
    template_url: str
    admin_url: str | None = None
    template_path: Path | None = None


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """Settings are read from the environment once per process; a test that sets HUITIAN_* variables
    (monkeypatch.setenv in its fixtures) gets them read afresh."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    server = os.environ.get("HUITIAN_TEST_DATABASE_URL")
    if server and server.startswith("postgresql"):
        admin = make_url(server)
        name = f"huitian_tpl_{uuid.uuid4().hex[:8]}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin.set(database=name).render_as_string(hide_password=False)
        _build_template(url)
        yield Databases(kind="postgresql", template_url=url, admin_url=server)
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
        return
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    url = f"sqlite:///{path}"
    _build_template(url)
    yield Databases(kind="sqlite", template_url=url, template_path=path)


def _build_template(url: str) -> None:
    migrate.upgrade(url)
    db = Database(url)
    with db.write() as session:
        factories.build_world(session, password=PASSWORD)
        session.commit()
    db.dispose()


@contextlib.contextmanager
def template_copy(databases: Databases, folder: Path, prefix: str) -> Iterator[str]:
    """A fresh copy of the migrated, seeded template database; dropped afterwards on PostgreSQL."""
    if databases.kind == "sqlite":
        path = folder / f"{prefix}.db"
        shutil.copyfile(databases.template_path, path)
        yield f"sqlite:///{path}"
        return
    admin = make_url(databases.admin_url)
    tpl = make_url(databases.template_url).database
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{tpl}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture
def db_url(databases: Databases, tmp_path: Path) -> Iterator[str]:
    with template_copy(databases, tmp_path, "huitian_t") as url:
        yield url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def app(db_url: str):
    return create_app(db_url, run_worker=False)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


class Api:
    """A thin helper: log in as a user and call the API as them."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self._tokens: dict[str, str] = {}

    def headers(self, username: str) -> dict[str, str]:
        if username not in self._tokens:
            r = self.client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self._tokens[username] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[username]}"}

    def get(self, username: str, path: str, **kw):
        return self.client.get(path, headers=self.headers(username), **kw)

    def post(self, username: str, path: str, json: dict | None = None, **kw):
        return self.client.post(path, headers=self.headers(username), json=json, **kw)

    def create(self, username: str = "operator", **fields) -> dict:
        body = {"type": "complaint", "description": "小区门口路灯不亮,晚上行人看不清路", **fields}
        r = self.post(username, "/api/v1/orders", body)
        assert r.status_code == 201, r.text
        return r.json()

    def act(self, username: str, order: dict, action: str, expect: int = 200, **params) -> dict:
        current = self.client.get(f"/api/v1/orders/{order['id']}", headers=self.headers("operator")).json()
        body = {"action": action, "version": current["version"], **params}
        r = self.post(username, f"/api/v1/orders/{order['id']}/actions", body)
        assert r.status_code == expect, f"{action} by {username}: {r.status_code} {r.text}"
        return r.json()


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)
