"""Backup and restore of the whole database.

SQLite: the online backup API (a consistent copy while the app keeps writing; restore copies the file's
pages back the same way). PostgreSQL: pg_dump in custom format and pg_restore (--clean --if-exists, in a
single transaction), both found on PATH or in /usr/lib/postgresql/*/bin."""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from huitian.config import normalise_db_url


class BackupError(Exception):
    pass


def _sqlite_path(url: str) -> str:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return path


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string (driver suffix dropped) and the environment with the password."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    dsn = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return dsn, env


def _tool(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if not found:
        raise BackupError(f"{name} not found on PATH (install the PostgreSQL client tools)")
    return found


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()[-2000:]}")


def backup(url: str, out: str | Path) -> Path:
    """Write a backup of the database at `url` to `out` (an SQLite file, or a pg_dump custom archive)."""
    url, out = normalise_db_url(url), Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        source = _sqlite_path(url)
        if not Path(source).exists():
            raise BackupError(f"no database at {source}")
        partial = out.with_name(out.name + ".partial")
        partial.unlink(missing_ok=True)
        src, dst = sqlite3.connect(source), sqlite3.connect(partial)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        partial.replace(out)  # a half-written backup never carries the final name
        return out
    dsn, env = _libpq(url)
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={out}", dsn], env)
    return out


def restore(url: str, backup_file: str | Path) -> None:
    """Replace the contents of the database at `url` with those of `backup_file`."""
    url, backup_file = normalise_db_url(url), Path(backup_file)
    if not backup_file.is_file():
        raise BackupError(f"no backup file at {backup_file}")
    if url.startswith("sqlite"):
        with backup_file.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise BackupError(f"{backup_file} is not an SQLite database (a PostgreSQL archive?)")
        src, dst = sqlite3.connect(backup_file), sqlite3.connect(_sqlite_path(url), timeout=30)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return
    with backup_file.open("rb") as fh:
        if fh.read(5) != b"PGDMP":
            raise BackupError(f"{backup_file} is not a pg_dump custom-format archive")
    dsn, env = _libpq(url)
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            f"--dbname={dsn}",
            str(backup_file),
        ],
        env,
    )
