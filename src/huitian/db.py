"""Engine, session factory, declarative Base and shared column types."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.types import TypeDecorator

from huitian.config import normalise_db_url

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str) -> Engine:
    url = normalise_db_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=16, max_overflow=48
        )
        writer = threading.Lock()
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", lambda conn: _sqlite_begin(conn, writer))
        event.listen(engine, "commit", lambda conn: _sqlite_end(conn, writer))
        event.listen(engine, "rollback", lambda conn: _sqlite_end(conn, writer))
        return engine
    return create_engine(url, pool_size=16, max_overflow=16, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def _sqlite_begin(conn, writer: threading.Lock) -> None:
    # Writers take the write lock up front (BEGIN IMMEDIATE) so they queue instead of failing when a
    # read transaction is upgraded; readers stay deferred and run in parallel under WAL. Within one
    # process, writers first queue on a Python lock: SQLite's own busy handler sleeps and backs off,
    # which wastes most of the time under contention. Across processes, busy_timeout still applies.
    if conn.get_execution_options().get("huitian_write"):
        writer.acquire()
        conn.info["huitian_writer"] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _sqlite_end(conn, writer)
            raise
    else:
        conn.exec_driver_sql("BEGIN")


def _sqlite_end(conn, writer: threading.Lock) -> None:
    if conn.info.pop("huitian_writer", False):
        writer.release()


class Database:
    """One engine and two session factories: read (deferred) and write (immediate on SQLite)."""

    def __init__(self, url: str) -> None:
        self.url = normalise_db_url(url)
        self.engine = make_engine(self.url)
        self.read = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.write = sessionmaker(
            bind=self.engine.execution_options(huitian_write=True), expire_on_commit=False
        )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()
