"""The admin pages' tests: browser-like clients per user (tests/web/conftest.py: forms post with the
page's CSRF token), an admin signed in, and reading a field's error back from the page."""

from __future__ import annotations

import html
import re

import pytest

from tests.web.conftest import CSRF_RE, Browser, browser, client  # noqa: F401


@pytest.fixture
def admin(browser) -> Browser:  # noqa: F811
    return browser("admin")


def csrf_of(b: Browser) -> str:
    """The CSRF token the pages give this user's forms."""
    return CSRF_RE.findall(b.get("/admin").text)[0]


def field_error(page: str, field_id: str) -> str:
    """The error shown beside the field with this id ("" when there is none); the field must point at it."""
    m = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', page, re.S)
    if not m:
        return ""
    assert re.search(rf'id="{re.escape(field_id)}"[^>]*aria-invalid="true"', page), "field not marked invalid"
    return html.unescape(m.group(1)).strip()


def post(b: Browser, url: str, data: dict, expect: int = 303):
    r = b.client.post(url, data=data, follow_redirects=False)
    assert r.status_code == expect, f"{url}: {r.status_code} {r.text[:3000]}"
    return r
