"""Names on the Leaflet maps are text, not HTML: an area named like markup shows as those characters in
the tooltip of the admin areas map (/admin/areas) and of the phone page's place map (/m), and no element
is made from it (the CSP would only have stopped the script; the markup must not be there at all)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.fixtures import TIMEOUT_MS
from tests.conftest import PASSWORD

EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture
def evil_community(chromium, live_server) -> Iterator[str]:
    """The test world's one community (C1) renamed to markup on the live server, and back afterwards
    (the session's other browser tests read its real name)."""
    context = chromium.new_context(base_url=live_server)
    r = context.request.post("/api/v1/auth/token", data={"username": "admin", "password": PASSWORD})
    assert r.ok, r.text()
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}

    def rename(name: str) -> None:
        resp = context.request.patch("/api/v1/areas/C1", data={"name": name}, headers=headers)
        assert resp.ok, resp.text()

    rename(EVIL)
    try:
        yield EVIL
    finally:
        rename("一社区")
        context.close()


def test_an_area_named_like_markup_is_text_in_the_admin_map_tooltip(login_as, evil_community, page_errors):
    page = login_as("admin")
    page.goto("/admin/areas?area=S1")
    area_map = page.get_by_role("region", name="一街道下级区域地图")
    outline = area_map.locator("path.leaflet-interactive")
    expect(outline).to_have_count(1)
    outline.first.hover()
    tip = area_map.locator(".leaflet-tooltip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text(EVIL)  # the characters, as typed
    assert tip.first.evaluate("t => t.querySelectorAll('img').length") == 0
    assert page.locator(".leaflet-tooltip img, .leaflet-container img[src='x']").count() == 0


def test_an_area_named_like_markup_is_text_in_the_phone_map_tooltip(
    chromium, live_server, evil_community, page_errors
):
    context = chromium.new_context(
        base_url=live_server, locale="zh-CN", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page_errors.watch(page, "anonymous")
    page.goto("/m")
    outline = page.locator("#map .leaflet-overlay-pane path")
    expect(outline).to_have_count(1)
    outline.first.hover()
    tip = page.locator("#map .leaflet-tooltip")
    expect(tip).to_be_visible()
    expect(tip).to_have_text(EVIL)
    assert tip.first.evaluate("t => t.querySelectorAll('img').length") == 0
    context.close()
    page_errors.check()
