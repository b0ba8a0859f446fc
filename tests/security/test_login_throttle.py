"""The login throttle (issue 14, item 4): an attempt is counted before its password is checked, so
parallel guesses cannot all pass; the limits are per (username, address), per address and, as a
slow-down only, per username, so an attacker on one address does not lock the owner out elsewhere."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import select

from huitian.db import Database
from huitian.security.login import PER_USERNAME, LoginThrottleMiddleware
from huitian.security.models import RateHit
from huitian.security.ratelimit import DbWindow
from tests.conftest import PASSWORD
from tests.helpers import run_async

TOKEN = "/api/v1/auth/token"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf(client: TestClient, path: str) -> dict:
    return {"csrf_token": CSRF_RE.search(client.get(path).text).group(1)}


def at(app, address: str) -> TestClient:
    """A client of the same app from another address (no lifespan of its own: the login needs none)."""
    return TestClient(app, client=(address, 50000))


def sign_in(client: TestClient, username: str, password: str) -> httpx.Response:
    return client.post(TOKEN, json={"username": username, "password": password})


def test_sixty_parallel_wrong_passwords_get_at_most_the_limit_of_401s(app):
    async def attack() -> list[int]:
        transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            body = {"username": "handler1", "password": "wrong"}
            answers = await asyncio.gather(*(c.post(TOKEN, json=body) for _ in range(60)))
        return [r.status_code for r in answers]

    statuses = run_async(attack())
    assert statuses.count(401) == 5 and statuses.count(429) == 55, statuses


def test_after_an_attack_from_one_address_the_owner_signs_in_from_another(app):
    attacker, owner = at(app, "198.51.100.7"), at(app, "203.0.113.9")
    statuses = [sign_in(attacker, "handler1", f"guess{i}").status_code for i in range(20)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    refused = sign_in(attacker, "handler1", PASSWORD)  # this pair is held up, even with the password
    assert refused.status_code == 429 and "from this address" in refused.json()["detail"]
    assert int(refused.headers["retry-after"]) > 0
    assert sign_in(owner, "handler1", PASSWORD).status_code == 200
    assert sign_in(attacker, "operator", PASSWORD).status_code == 200  # other users behind that address


def username_window(app) -> DbWindow:
    return DbWindow.of(app.state.db, "login:username", PER_USERNAME, app.state.secret)


def test_failures_spread_over_addresses_slow_the_username_down_without_locking_it(app, db: Database):
    for n in range(10):  # ten failures from five addresses: none of them reaches the pair limit
        assert sign_in(at(app, f"192.0.2.{n // 2}"), "super1", "wrong").status_code == 401
    username_window(app).hit("super1")  # two more (from anywhere): the next waits 4 s
    username_window(app).hit("super1")
    r = sign_in(at(app, "192.0.2.100"), "super1", PASSWORD)
    assert r.status_code == 429 and "slowing down" in r.json()["detail"]
    assert 1 <= int(r.headers["retry-after"]) <= 4  # seconds, not minutes
    with db.write() as s:  # the seconds pass
        for hit in s.scalars(select(RateHit)):
            hit.at -= timedelta(seconds=5)
        s.commit()
    assert sign_in(at(app, "192.0.2.100"), "super1", PASSWORD).status_code == 200


def test_the_slow_down_never_asks_more_than_a_minute(app):
    for _ in range(40):
        username_window(app).hit("super1")
    r = sign_in(at(app, "192.0.2.100"), "super1", PASSWORD)
    assert r.status_code == 429 and 50 <= int(r.headers["retry-after"]) <= 60


def test_an_address_the_owner_signed_in_from_is_not_slowed_down_by_others(app):
    home = at(app, "203.0.113.9")
    assert sign_in(home, "grid1", PASSWORD).status_code == 200
    for _ in range(20):  # failures of grid1 from everywhere else
        username_window(app).hit("grid1")
    assert sign_in(at(app, "192.0.2.200"), "grid1", PASSWORD).status_code == 429
    assert sign_in(home, "grid1", PASSWORD).status_code == 200


def test_a_success_gives_its_attempt_back_and_clears_the_pair(client: TestClient):
    for _ in range(4):
        assert sign_in(client, "grid1", "wrong").status_code == 401
    assert sign_in(client, "grid1", PASSWORD).status_code == 200
    for _ in range(5):  # 4 + 5 > 5: the pair's earlier failures were forgotten
        assert sign_in(client, "grid1", "wrong").status_code == 401
    assert sign_in(client, "grid1", "wrong").status_code == 429


def test_an_attempt_that_checks_no_password_does_not_count(client: TestClient):
    for _ in range(8):  # a body the route refuses (422) is not a failed sign-in
        assert client.post(TOKEN, json={"username": "grid1"}).status_code == 422
    assert sign_in(client, "grid1", PASSWORD).status_code == 200


def test_the_page_and_the_api_share_the_count_and_the_page_speaks_chinese(client: TestClient):
    for _ in range(3):
        assert sign_in(client, "super1", "wrong").status_code == 401
    for _ in range(2):
        form = {"username": "super1", "password": "wrong"} | csrf(client, "/login")
        page = client.post("/login", data=form, headers={"Accept": "text/html"})
        assert page.status_code == 401 and "用户名或密码错误" in page.text
    form = {"username": "super1", "password": PASSWORD} | csrf(client, "/login")
    r = client.post("/login", data=form, headers={"Accept": "text/html"})
    assert r.status_code == 429 and "登录失败次数过多" in r.text and "retry-after" in r.headers
    assert sign_in(client, "super1", PASSWORD).status_code == 429


def test_an_app_without_a_database_counts_in_process_alike():
    bare = FastAPI()

    @bare.post(TOKEN)
    def token(body: dict) -> JSONResponse:
        ok = body.get("password") == "right"
        return JSONResponse({"ok": ok}, status_code=200 if ok else 401)

    bare.add_middleware(LoginThrottleMiddleware)
    c = TestClient(bare)
    assert [sign_in(c, "u", "x").status_code for _ in range(7)] == [401] * 5 + [429] * 2
    assert sign_in(c, "v", "right").status_code == 200
