"""Request bodies are limited before they are read (issue 14, item 3): 413 on a Content-Length over the
route's limit, and on a streamed body as soon as it passes the limit, without buffering it."""

from __future__ import annotations

import asyncio
import json

from fastapi.testclient import TestClient

from huitian.security.bodylimit import MIB
from tests.helpers import run_async

FIVE_MIB = b"username=" + b"a" * (5 * MIB)


def test_a_5_mib_login_is_refused_with_413_naming_the_limit(client: TestClient):
    r = client.post("/login", content=FIVE_MIB, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    assert r.json() == {
        "detail": f"request body too large: at most {MIB} bytes for POST /login",
        "field": "body",
    }
    page = client.post(
        "/login",
        content=FIVE_MIB,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
    )
    assert page.status_code == 413 and "提交的内容过大" in page.text and "1 MB" in page.text
    assert page.headers["x-content-type-options"] == "nosniff"  # still inside the security headers


def test_the_token_endpoint_and_the_json_api_are_limited_too(client: TestClient):
    big = json.dumps({"username": "x" * (2 * MIB), "password": "p"})
    r = client.post("/api/v1/auth/token", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["field"] == "body"


class Feeder:
    """An ASGI receive that streams a body in 64 KiB chunks with no Content-Length (chunked), counting
    how many bytes the app has pulled."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.left, self.chunk, self.pulled = total, chunk, 0

    async def __call__(self) -> dict:
        if self.left <= 0:
            await asyncio.sleep(3600)  # a client waiting for its answer
        n = min(self.chunk, self.left)
        self.left -= n
        self.pulled += n
        return {"type": "http.request", "body": b"a" * n, "more_body": self.left > 0}


def _asgi_post(app, path: str, feeder: Feeder, content_type: str, accept: str = "*/*") -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", content_type.encode()),
            (b"transfer-encoding", b"chunked"),
            (b"accept", accept.encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    run_async(asyncio.wait_for(app(scope, feeder, send), timeout=30))
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert len(starts) == 1, sent
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return starts[0]["status"], body


def test_a_chunked_body_over_the_limit_is_refused_without_being_read_whole(app):
    form = "application/x-www-form-urlencoded"
    paths = ("/login", "/orders/new", "/api/v1/auth/token", "/api/v1/orders", "/open311/v2/requests.json")
    for path in paths:
        feeder = Feeder(300 * MIB)
        kind = "application/json" if path.startswith("/api/") else form
        status, body = _asgi_post(app, path, feeder, kind)
        assert status == 413, (path, status, body)
        assert json.loads(body)["field"] == "body"
        assert feeder.pulled <= MIB + 64 * 1024, (path, feeder.pulled)  # stopped at the limit


def test_a_chunked_body_under_the_limit_goes_through(app):
    status, _ = _asgi_post(app, "/api/v1/auth/token", Feeder(100 * 1024), "application/json")
    assert status == 422  # reached the route: not JSON


def test_upload_routes_take_files_larger_than_the_default_but_not_unbounded(client: TestClient, api):
    registrar = api.headers("admin")
    two_mib = {"file": ("assets.json", b"[" + b" " * (2 * MIB), "application/json")}
    r = client.post("/api/v1/assets/import", files=two_mib, headers=registrar)
    assert r.status_code == 400 and r.json()["field"] == "file"  # read and judged by the route
    too_big = {"file": ("assets.json", b" " * (33 * MIB), "application/json")}
    r = client.post("/api/v1/assets/import", files=too_big, headers=registrar)
    assert r.status_code == 413 and "33554432 bytes" in r.json()["detail"]


def test_the_limits_are_settings(db_url, monkeypatch):
    from huitian.app import create_app

    monkeypatch.setenv("HUITIAN_MAX_BODY_BYTES", "2048")
    with TestClient(create_app(db_url, run_worker=False)) as client:
        r = client.post("/api/v1/auth/token", json={"username": "u" * 3000, "password": "p"})
        assert r.status_code == 413 and "2048 bytes" in r.json()["detail"]
        r = client.post("/api/v1/auth/token", json={"username": "u", "password": "p"})
        assert r.status_code == 401
