"""The `huitian` command line: schema upgrade, users, API keys, one sweep of the worker."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from huitian.auth import service as auth_service
from huitian.cli import app
from huitian.db import Database, utcnow
from huitian.sla.models import CalendarDay, SlaPolicy
from tests.helpers import act_at, create_at


@pytest.fixture
def cli():
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args))

    return run


def test_db_upgrade_creates_the_schema_with_policies_and_the_calendar(cli, tmp_path):
    path = tmp_path / "fresh.db"
    result = cli("db", "upgrade", "--db", str(path))
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    db = Database(str(path))
    try:
        with db.read() as s:
            assert len(s.scalars(select(SlaPolicy)).all()) == 6
            assert s.get(CalendarDay, date(2026, 10, 10)).is_workday is True
            assert s.get(CalendarDay, date(2026, 10, 1)).is_workday is False
    finally:
        db.dispose()
    assert cli("db", "upgrade", "--db", str(path)).exit_code == 0  # idempotent


def test_users_create_makes_a_user_who_can_sign_in(cli, db, db_url):
    result = cli(
        "users",
        "create",
        "alice",
        "--role",
        "handler",
        "--password",
        "long-enough-1",
        "--unit",
        "ST1",
        "--db",
        db_url,
    )
    assert result.exit_code == 0, result.output
    assert "created user alice" in result.output
    with db.read() as s:
        user = auth_service.authenticate(s, username="alice", password="long-enough-1")
        principal = auth_service.principal_for_user(s, user=user)
    assert principal.role == "handler"
    assert principal.unit_id is not None


def test_users_create_with_a_bad_role_exits_2_naming_the_roles(cli, db, db_url):
    result = cli("users", "create", "bob", "--role", "mayor", "--password", "long-enough-1", "--db", db_url)
    assert result.exit_code == 2
    assert "role" in result.output
    assert "unit_lead" in result.output
    with db.read() as s:
        assert auth_service.get_user_by_username(s, username="bob") is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--role", "handler"], "needs a unit"),
        (["--role", "handler", "--unit", "NOPE"], "unit 'NOPE' not found"),
        (["--role", "supervisor"], "needs an area"),
    ],
)
def test_users_create_with_a_missing_or_unknown_scope_exits_2(cli, db_url, extra, message):
    result = cli("users", "create", "carol", "--password", "long-enough-1", *extra, "--db", db_url)
    assert result.exit_code == 2
    assert message in result.output


def test_users_create_refuses_a_taken_username(cli, db_url):
    result = cli(
        "users", "create", "operator", "--role", "operator", "--password", "long-enough-1", "--db", db_url
    )
    assert result.exit_code == 2
    assert "taken" in result.output


def test_apikeys_create_prints_a_key_that_authenticates(cli, client, db_url):
    result = cli("apikeys", "create", "st1-system", "--unit", "ST1", "--db", db_url)
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert key.startswith("ht_")
    me = client.get("/api/v1/me", headers={"X-API-Key": key})
    assert me.status_code == 200
    assert (me.json()["role"], me.json()["name"]) == ("handler", "apikey:st1-system")
    assert client.get("/api/v1/me", headers={"X-API-Key": key + "x"}).status_code == 401


def test_apikeys_create_with_a_bad_role_exits_2(cli, db_url):
    result = cli("apikeys", "create", "x", "--role", "mayor", "--db", db_url)
    assert result.exit_code == 2
    assert "mayor" in result.output


def test_worker_once_runs_one_sweep(cli, db, db_url):
    three_hours_ago = utcnow() - timedelta(hours=3)
    with db.write() as s:
        order = create_at(s, three_hours_ago)
        act_at(s, order, "operator", "dispatch", three_hours_ago, unit="ST1")
        s.commit()
    result = cli("worker", "--once", "--db", db_url)
    assert result.exit_code == 0, result.output
    assert "sla.sweep=1" in result.output
    assert "sla.sweep=0" in cli("worker", "--once", "--db", db_url).output
