"""The baseline for bench/intake.py: a bare FastAPI endpoint that inserts one row into SQLite (WAL)."""

from __future__ import annotations

import os
import sqlite3
import threading
from datetime import UTC, datetime

from fastapi import FastAPI
from pydantic import BaseModel

DB = os.environ["BARE_DB"]
_local = threading.local()


def _conn() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(DB, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=10000")
        _local.conn = conn
    return conn


with sqlite3.connect(DB) as c:
    c.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, description TEXT, created_at TEXT)")

app = FastAPI()


class Item(BaseModel):
    type: str
    description: str


@app.post("/items", status_code=201)
def create(item: Item) -> dict:
    conn = _conn()
    cur = conn.execute(
        "INSERT INTO items (description, created_at) VALUES (?, ?)",
        (item.description, datetime.now(UTC).isoformat()),
    )
    return {"id": cur.lastrowid, "type": item.type, "description": item.description}
