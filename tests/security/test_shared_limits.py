"""Rate-limit counters live in the database: two app instances on one database enforce one limit."""

from __future__ import annotations

import threading
from datetime import timedelta

from fastapi import Depends, FastAPI, Form
from fastapi.testclient import TestClient
from sqlalchemy import select

from huitian.app import create_app
from huitian.db import Database, utcnow
from huitian.security.models import RateHit
from huitian.security.ratelimit import DbWindow, rate_limit
from tests.conftest import PASSWORD


def test_two_app_instances_share_the_login_throttle(db_url: str):
    with (
        TestClient(create_app(db_url, run_worker=False)) as a,
        TestClient(create_app(db_url, run_worker=False)) as b,
    ):
        for i in range(5):  # failures on both nodes: five for the (username, address) pair in all
            r = (a if i % 2 else b).post("/api/v1/auth/token", json={"username": "handler1", "password": "x"})
            assert r.status_code == 401
        for node in (a, b):
            r = node.post("/api/v1/auth/token", json={"username": "handler1", "password": PASSWORD})
            assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        assert (
            b.post("/api/v1/auth/token", json={"username": "operator", "password": PASSWORD}).status_code
            == 200
        )


def filing_app(db_url: str) -> FastAPI:
    app = FastAPI()
    app.state.db, app.state.secret = Database(db_url), "one secret for the installation"
    limit = rate_limit("public_filing", per_ip=(6, 3600), per_phone=(3, 3600))

    @app.post("/file", dependencies=[Depends(limit)])
    def file(description: str = Form(...), phone: str | None = Form(None)) -> dict:
        return {"ok": True}

    return app


def test_two_nodes_count_one_phone_and_one_address_together(db_url: str, db: Database):
    a, b = TestClient(filing_app(db_url)), TestClient(filing_app(db_url))
    assert a.post("/file", data={"description": "x", "phone": "138 1234 5678"}).status_code == 200
    assert b.post("/file", data={"description": "x", "phone": "13812345678"}).status_code == 200
    assert a.post("/file", data={"description": "x", "phone": "138-1234-5678"}).status_code == 200
    r = b.post("/file", data={"description": "x", "phone": "13812345678"})
    assert r.status_code == 429 and "phone number" in r.json()["detail"]
    for node in (a, b, a):  # the address: 3 counted above (the refused one is not), 3 more to 6
        assert node.post("/file", data={"description": "x"}).status_code == 200
    r = b.post("/file", data={"description": "x"})
    assert r.status_code == 429 and "from this address" in r.json()["detail"]
    with db.read() as s:  # the phone number itself is never stored, only a keyed hash of it
        keys = s.scalars(select(RateHit.key)).all()
    assert keys and not any("13812345678" in k or "testclient" in k for k in keys)


def test_processes_racing_on_one_key_let_exactly_the_limit_through(db_url: str):
    nodes = [Database(db_url) for _ in range(2)]
    windows = [DbWindow(d, "race:phone", 5, 3600, "s") for d in nodes]
    results: list[int] = []
    lock = threading.Lock()

    def actor(i: int) -> None:
        wait = windows[i % 2].take("13800000000")
        with lock:
            results.append(wait)

    threads = [threading.Thread(target=actor, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(0) == 5 and all(w > 0 for w in results if w)
    assert windows[0].count("13800000000") == 5
    for d in nodes:
        d.dispose()


def test_the_database_window_slides_and_clears(db: Database):
    now = [utcnow()]
    w = DbWindow(db, "slide:ip", 2, 60, "s", clock=lambda: now[0])
    assert w.take("a") == 0 and w.take("a") == 0
    assert w.take("a") == 60 and w.retry_after("b") == 0
    now[0] += timedelta(seconds=30)
    assert w.retry_after("a") == 30
    now[0] += timedelta(seconds=30)
    assert w.take("a") == 0 and w.count("a") == 1
    w.clear("a")
    assert w.count("a") == 0 and w.take("a") == 0
