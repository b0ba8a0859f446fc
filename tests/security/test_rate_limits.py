"""Login throttle (per username, per address) and the reusable public-filing limiter."""

from __future__ import annotations

from fastapi import Depends, FastAPI, Form
from fastapi.testclient import TestClient

from huitian.security.ratelimit import SlidingWindow, rate_limit
from tests.conftest import PASSWORD


def test_ten_failed_sign_ins_for_one_username_answer_429_with_retry_after(client: TestClient):
    for _ in range(10):
        r = client.post("/api/v1/auth/token", json={"username": "handler1", "password": "wrong"})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/token", json={"username": "handler1", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "too many failed sign-ins" in r.json()["detail"] and r.json()["field"] == "username"
    # another username from the same address still signs in (the address limit is higher)
    ok = client.post("/api/v1/auth/token", json={"username": "operator", "password": PASSWORD})
    assert ok.status_code == 200


def test_the_login_page_shares_the_count_and_tells_people_in_chinese(client: TestClient):
    for _ in range(10):
        client.post("/api/v1/auth/token", json={"username": "super1", "password": "wrong"})
    r = client.post(
        "/login", data={"username": "super1", "password": PASSWORD}, headers={"Accept": "text/html"}
    )
    assert r.status_code == 429 and "登录失败次数过多" in r.text and "retry-after" in r.headers


def test_a_success_clears_the_usernames_failures(client: TestClient):
    for _ in range(9):
        client.post("/api/v1/auth/token", json={"username": "grid1", "password": "wrong"})
    assert (
        client.post("/api/v1/auth/token", json={"username": "grid1", "password": PASSWORD}).status_code == 200
    )
    for _ in range(9):
        assert (
            client.post("/api/v1/auth/token", json={"username": "grid1", "password": "x"}).status_code == 401
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
