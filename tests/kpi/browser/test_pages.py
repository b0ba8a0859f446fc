"""The command centre, the area page and a monthly report in Chromium: the map draws our own grids
(Leaflet), the charts draw (ECharts), the big screen and the report load, and no page logs an error."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_a_supervisor_opens_the_command_centre_the_area_page_and_a_report(login_as, page_errors, screenshot):
    page = login_as("super1")
    page.get_by_role("link", name="指挥中心").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("指挥中心")
    expect(page.get_by_role("heading", level=1)).to_contain_text("一街道")  # the supervisor's own street
    grids = page.get_by_role("region", name="地图:各网格在办工单")
    # G1 and G2 from our GeoJSON (with a circle per open order: other browser tests share the server)
    expect(grids.locator("path.leaflet-interactive").first).to_be_visible()
    assert grids.locator("path.leaflet-interactive").count() >= 2
    expect(page.locator("#chart-intake canvas")).to_have_count(1)
    expect(page.locator("#chart-trend canvas")).to_have_count(1)
    screenshot(page, "dashboard")

    page.get_by_role("link", name="一社区", exact=True).click()  # drill down a level
    expect(page).to_have_url(re.compile(r"/dashboard\?area=C1$"))
    expect(page.get_by_role("link", name="一社区第1网格")).to_have_count(0)  # grids: the last level
    expect(page.get_by_role("table").filter(has_text="一社区第1网格")).to_have_count(1)

    page.get_by_role("link", name="大屏版").click()
    expect(page.locator(".kpi-big")).to_have_count(1)
    screenshot(page, "dashboard-big")

    page.get_by_role("link", name="辖区概况").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("辖区概况")
    expect(page.get_by_role("heading", name=re.compile("待仲裁的退单争议"))).to_be_visible()
    screenshot(page, "area")

    page.goto("/reports/street/S1?month=2026-03")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026-03 接诉即办月度报告")
    expect(page.locator("#chart-rates canvas")).to_have_count(1)
    expect(page.get_by_role("link", name="下载 Excel")).to_have_attribute(
        "href", "/api/v1/kpi/reports/street/S1.xlsx?month=2026-03"
    )
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    screenshot(page, "report-print")
    page_errors.check()
