"""`huitian backup` and `huitian restore`: a round trip gives back every row of every table."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select
from typer.testing import CliRunner

from huitian import backup
from huitian.cli import app as cli

runner = CliRunner()


def snapshot(url: str) -> dict[str, list[str]]:
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return {
                name: sorted(repr(tuple(row)) for row in conn.execute(select(table)))
                for name, table in sorted(meta.tables.items())
            }
    finally:
        engine.dispose()


def needs_tools(db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        try:
            backup._tool("pg_dump")
        except backup.BackupError:
            pytest.fail("pg_dump is not installed (scripts/pg-start.sh installs postgresql)")


def test_a_backup_restored_over_later_changes_gives_back_every_row(db_url: str, api, tmp_path: Path):
    needs_tools(db_url)
    first = api.create(citizen_name="张三丰", citizen_phone="13812345678")
    api.act("operator", first, "dispatch", unit="ST1")
    api.client.app.state.db.dispose()
    before = snapshot(db_url)
    assert len(before["order_events"]) >= 2 and len(before) > 10

    out = tmp_path / "huitian.backup"
    r = runner.invoke(cli, ["backup", "--db", db_url, "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.stat().st_size > 0

    api.create(description="备份之后的新工单")
    api.act("handler1", first, "accept")
    api.client.app.state.db.dispose()
    assert snapshot(db_url) != before

    r = runner.invoke(cli, ["restore", "--db", db_url, str(out)])
    assert r.exit_code == 0, r.output
    assert snapshot(db_url) == before


def test_restore_refuses_a_file_that_is_not_a_backup(db_url: str, tmp_path: Path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a backup at all")
    r = runner.invoke(cli, ["restore", "--db", db_url, str(junk)])
    assert r.exit_code == 2 and "not a" in r.output
    r = runner.invoke(cli, ["restore", "--db", db_url, str(tmp_path / "missing")])
    assert r.exit_code == 2 and "no backup file" in r.output
