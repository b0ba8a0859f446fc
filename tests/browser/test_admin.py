"""The admin console in Chromium: the admin creates a unit and a routing rule through the pages, and
sees the areas on the map (drawn by Leaflet from our own GeoJSON); no console errors on any page."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_the_admin_creates_a_unit_and_a_routing_rule_and_sees_the_areas_map(login_as, screenshot):
    page = login_as("admin")
    page.get_by_role("link", name="系统管理").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("系统管理")
    screenshot(page, "admin-home")

    # a unit, with the areas it serves, typed from the keyboard
    page.get_by_role("navigation", name="系统管理").get_by_role("link", name="承办单位").click()
    page.get_by_role("link", name="新建单位").click()
    form = page.get_by_role("form", name="新建单位")
    form.get_by_label("单位代码").fill("WATER")
    form.get_by_label("单位类型").select_option(label="公共服务企业")
    form.get_by_label("单位名称").fill("自来水公司")
    form.get_by_label("联系电话").fill("96116")
    form.get_by_label("管辖区域(区域代码,以空格或逗号分隔)").fill("S1 S2")
    form.get_by_label("单位名称").press("Enter")
    expect(page).to_have_url(f"{page.url.split('/admin')[0]}/admin/units/WATER")
    expect(page.get_by_role("heading", level=1)).to_have_text("自来水公司")
    expect(page.get_by_label("管辖区域(区域代码,以空格或逗号分隔)")).to_have_value("S1 S2")

    # a routing rule sending 市政设施 in 一街道 to it (a clash's error beside the field: tests/admin)
    page.get_by_role("navigation", name="系统管理").get_by_role("link", name="派单目录").click()
    form = page.get_by_role("form", name="新增规则")
    form.get_by_label("分类代码").fill("0101")
    form.get_by_label("区域代码").fill("S1")
    form.get_by_label("承办单位").select_option(label="自来水公司(WATER)")
    form.get_by_label("依据(法规或职责)").fill("供水设施")
    form.get_by_role("button", name="新增规则").click()
    rules = page.locator("table.rules tbody tr")
    expect(rules).to_have_count(1)
    expect(rules.first).to_contain_text("自来水公司")
    expect(page.locator("table.changes tbody tr").first).to_contain_text("新增")
    screenshot(page, "admin-routing")

    # the areas: the district's two streets drawn on the map; clicking one goes down a level
    page.get_by_role("navigation", name="系统管理").get_by_role("link", name="区域").click()
    expect(page.get_by_role("heading", level=2, name="测试区 D1 区")).to_be_visible()
    area_map = page.get_by_role("region", name="测试区下级区域地图")
    expect(area_map).to_be_visible()
    expect(area_map).to_have_attribute("data-features", "2")
    expect(area_map.locator("path.leaflet-interactive")).to_have_count(2)
    expect(page.locator("[data-map-status]")).to_have_text("地图显示 2 个区域;点击区域进入下级。")
    screenshot(page, "admin-areas-map")
    with page.expect_navigation():
        area_map.locator("path.leaflet-interactive").first.click()  # 一街道
    expect(page).to_have_url(re.compile(r"/admin/areas\?area=S1$"))
    street_map = page.get_by_role("region", name="一街道下级区域地图")
    expect(street_map.locator("path.leaflet-interactive")).to_have_count(1)  # its one community
    page.get_by_role("table").get_by_role("link", name="一社区").click()
    expect(
        page.get_by_role("region", name="一社区下级区域地图").locator("path.leaflet-interactive")
    ).to_have_count(2)
