"""Helpers for the HTML pages: a browser-like client per user, and reading the pages back."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import PASSWORD

ACTION_RE = re.compile(r'<input type="hidden" name="action" value="([a-z_]+)">')
VERSION_RE = re.compile(r'<input type="hidden" name="version" value="(\d+)">')
CSRF_RE = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')


class FormClient(TestClient):
    """A TestClient that posts forms the way a browser does: with the CSRF token that the page's form
    carries (read from the login page when a test posts a form without one)."""

    def post(self, url, *args, data=None, **kw):
        if (
            kw.get("json") is None
            and (data is None or isinstance(data, dict))
            and "csrf_token" not in (data or {})
        ):
            data = {**(data or {}), "csrf_token": CSRF_RE.findall(self.get("/login").text)[0]}
        return super().post(url, *args, data=data, **kw)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with FormClient(app) as c:
        yield c


class Browser:
    """One signed-in user, with their own cookie jar, driving the pages through plain form posts."""

    def __init__(self, client: TestClient, username: str) -> None:
        self.client = client
        self.username = username

    def get(self, path: str, **kw):
        return self.client.get(path, **kw)

    def detail(self, number: str) -> str:
        r = self.client.get(f"/orders/{number}")
        assert r.status_code == 200, r.text
        return r.text

    def actions(self, number: str) -> list[str]:
        return ACTION_RE.findall(self.detail(number))

    def version(self, number: str) -> int:
        return int(VERSION_RE.findall(self.detail(number))[0])

    def act(self, number: str, action: str, expect: int = 303, **fields):
        """Post one action's form as the page offers it (its version read from the page)."""
        data = {"action": action, "version": str(self.version(number)), **fields}
        r = self.client.post(f"/orders/{number}/actions", data=data, follow_redirects=False)
        assert r.status_code == expect, f"{action} by {self.username}: {r.status_code} {r.text[:2000]}"
        if expect == 303:
            assert r.headers["location"] == f"/orders/{number}"
        return r


def login(client: TestClient, username: str) -> None:
    r = client.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "huitian_session" in client.cookies


@pytest.fixture
def browser(app) -> Callable[[str], Browser]:
    """browser("handler1") → a fresh client signed in as handler1 (each has its own cookies)."""

    def make(username: str) -> Browser:
        client = FormClient(app)
        login(client, username)
        return Browser(client, username)

    return make
