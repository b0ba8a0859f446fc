"""The resident phone page in Chromium: with no tile server the place map shows the community outlines, and
a tap on it gives the filing its point."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.fixtures import TIMEOUT_MS


def test_a_resident_picks_the_place_on_the_outline_map_and_files(
    chromium, live_server, page_errors, screenshot
):
    context = chromium.new_context(
        base_url=live_server, locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page_errors.watch(page, "anonymous")
    page.goto("/m")
    expect(page.locator("#map")).to_be_visible()
    outlines = page.locator("#map .leaflet-overlay-pane path")
    expect(outlines).to_have_count(1)  # the one community of the test world
    outlines.first.click()
    expect(page.locator("[data-locate-status]")).to_contain_text("已选点(一社区)")
    lat = float(page.locator("input[name=lat]").input_value())
    lon = float(page.locator("input[name=lon]").input_value())
    assert 40.05 <= lat <= 40.10 and 116.30 <= lon <= 116.35
    screenshot(page, "phone-place-map")
    page.get_by_label("问题描述").fill("小区东门口的路灯坏了,晚上很黑")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("您的诉求已受理")).to_be_visible()
    context.close()
    page_errors.check()
