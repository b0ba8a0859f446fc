"""The reusable public-filing limiter and its windows (the login throttle: test_login_throttle.py)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Depends, FastAPI, Form
from fastapi.testclient import TestClient

from huitian.db import utcnow
from huitian.security.ratelimit import (
    Backoff,
    MemoryWindow,
    SlidingWindow,
    Window,
    rate_limit,
    release,
    reserve,
)


def test_the_sliding_window_frees_a_key_once_its_oldest_hit_leaves_the_window():
    now = [1000.0]
    w = SlidingWindow(limit=2, window_s=60, clock=lambda: now[0])
    assert w.take("a") == 0 and w.take("a") == 0
    assert w.take("a") == 60
    now[0] += 30
    assert w.retry_after("a") == 30 and w.retry_after("b") == 0
    now[0] += 30
    assert w.take("a") == 0


def small_app() -> FastAPI:
    app = FastAPI()
    limit = rate_limit("public_filing", per_ip=(5, 3600), per_phone=(2, 3600))

    @app.post("/file", dependencies=[Depends(limit)])
    def file(description: str = Form(...), phone: str | None = Form(None)) -> dict:
        return {"ok": True}

    return app


def test_public_filing_is_limited_per_phone_number_whatever_its_spelling():
    client = TestClient(small_app())
    assert client.post("/file", data={"description": "x", "phone": "138 1234 5678"}).status_code == 200
    assert client.post("/file", data={"description": "x", "phone": "138-1234-5678"}).status_code == 200
    r = client.post("/file", data={"description": "x", "phone": "13812345678"})
    assert r.status_code == 429 and "phone number" in r.json()["detail"] and r.headers["retry-after"]
    assert client.post("/file", data={"description": "x", "phone": "13900000000"}).status_code == 200


def test_public_filing_is_limited_per_client_address():
    client = TestClient(small_app())
    for _ in range(5):
        assert client.post("/file", data={"description": "x"}).status_code == 200
    r = client.post("/file", data={"description": "x"})
    assert r.status_code == 429 and "from this address" in r.json()["detail"]


def test_a_backoff_doubles_the_wait_after_its_free_hits_and_stops_at_its_cap():
    p = Backoff(free=3, window_s=3600, base_s=1, cap_s=60)
    assert [p.delay(n) for n in (0, 2, 3, 4, 5, 8, 9, 20)] == [0, 0, 1, 2, 4, 32, 60, 60]
    now = utcnow()
    assert p.wait([now] * 2, now) == 0 and p.wait([now] * 4, now) == 2
    assert p.wait([now - timedelta(seconds=3)] * 4, now) == 0


def test_memory_windows_reserve_all_or_nothing_and_give_back():
    now = [utcnow()]
    a = MemoryWindow("a", Window(2, 60), clock=lambda: now[0])
    b = MemoryWindow("b", Window(3, 60), clock=lambda: now[0])
    first = reserve([(a, "k"), (b, "k")])
    assert first.wait == 0 and reserve([(a, "k"), (b, "k")]).wait == 0
    refused = reserve([(b, "k"), (a, "k")])
    assert (refused.index, refused.wait) == (1, 60) and b.count("k") == 2  # nothing counted
    release(first)
    assert a.count("k") == 1 and b.count("k") == 1
    now[0] += timedelta(seconds=61)
    assert a.count("k") == 0 and reserve([(a, "k")]).wait == 0
