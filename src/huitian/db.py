"""Engine, session factory, declarative Base and shared column types."""

from __future__ import annotations

import fcntl
import os
import threading
import weakref
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, create_engine, event, make_url
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


_cache_keys: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def cache_key(session) -> str:
    """The name of the session's database, for per-database caches of reference data (TTLCache keys).
    Rendering an engine's URL costs microseconds and the intake path asks several times per order."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    key = _cache_keys.get(engine)
    if key is None:
        key = _cache_keys[engine] = str(engine.url)
    return key


def make_engine(url: str) -> Engine:
    url = normalise_db_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=16, max_overflow=48
        )
        writer = WriterQueue(make_url(url).database)
        engine.huitian_writer = writer  # closed by Database.dispose, or when the engine is collected
        weakref.finalize(engine, writer.close)
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


class WriterQueue:
    """Where SQLite writers wait their turn: on a thread lock within the process and on an flock of a
    file beside the database across processes (`huitian serve --workers N`, `huitian worker`). SQLite's
    own busy handler sleeps and backs off, which wastes most of the time under contention; a lock wakes
    the next writer at once. A process that dies releases its flock with it. Writers that do not use
    this queue (another tool) are still waited for through busy_timeout."""

    def __init__(self, database: str | None) -> None:
        self._thread = threading.Lock()
        self._fd: int | None = None
        if database and database != ":memory:" and not database.startswith("file:"):
            self._fd = os.open(f"{database}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)

    def acquire(self) -> None:
        self._thread.acquire()
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            except BaseException:
                self._thread.release()
                raise

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread.release()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _sqlite_begin(conn, writer: WriterQueue) -> None:
    # Writers take the write lock up front (BEGIN IMMEDIATE) so they queue instead of failing when a
    # read transaction is upgraded; readers stay deferred and run in parallel under WAL. Before that they
    # queue in the WriterQueue.
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


def _sqlite_end(conn, writer: WriterQueue) -> None:
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
        writer = getattr(self.engine, "huitian_writer", None)
        if writer is not None:
            writer.close()
