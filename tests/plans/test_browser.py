"""The plan pages in Chromium: the target chart and the roadmap gantt drawn by ECharts, the project map
by Leaflet from our own GeoJSON (no tiles configured), a report typed into the form; no console errors."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from huitian.auth.service import SYSTEM
from huitian.db import Database
from huitian.plans import service
from huitian.plans.schemas import MilestoneCreate, ProjectCreate


def test_the_planner_sees_charts_gantt_and_map_and_a_unit_reports(server_db_url, login_as, screenshot):  # noqa: F811
    db = Database(server_db_url)
    today = service.today()
    with db.write() as s:
        _, annual = service.load_seed_plans(s)
        task = next(t for t in service.read_plan(s, plan_id=annual.id).tasks if t.number == "11")
        data = ProjectCreate(
            task_id=task.id,
            name="浏览器停车场",
            type="new_build",
            area="S1",
            lat=40.07,
            lon=116.31,
            lead_units=["ST1"],
        )
        project = service.create_project(s, principal=SYSTEM, data=data)
        for name, days in (("开工", -30), ("竣工", 30)):
            m = MilestoneCreate(name=name, planned_on=today + timedelta(days=days))
            service.add_milestone(s, principal=SYSTEM, project_id=project.id, data=m)
        s.commit()
        plan_id, project_id = annual.id, project.id
    db.dispose()

    page = login_as("planner")
    page.get_by_role("link", name="计划项目").click()
    page.get_by_role("link", name=annual.title).click()
    expect(page.locator("#target-chart canvas")).to_have_count(1)
    screenshot(page, "plan-targets")
    page.get_by_role("link", name="时间表、路线图").click()
    expect(page.locator("#gantt canvas")).to_have_count(1)
    expect(page.locator("table.roadmap tr.late")).to_contain_text("浏览器停车场")  # 开工 is overdue
    screenshot(page, "roadmap")
    page.get_by_role("link", name="项目地图").click()
    area_map = page.get_by_role("region", name="项目分布地图")
    expect(area_map.locator("path.leaflet-interactive")).to_have_count(2)  # 一街道 and the project
    screenshot(page, "project-map")

    unit = login_as("handler1")
    unit.get_by_role("link", name="计划项目").click()
    overdue = unit.locator("#todo-milestones li.late")  # its 开工 milestone is overdue
    expect(overdue).to_contain_text("开工")
    overdue.get_by_role("link", name="浏览器停车场").click()
    expect(unit).to_have_url(f"{unit.url.split('/plans')[0]}/plans/projects/{project_id}")
    unit.get_by_label("进度(%)").fill("25")
    unit.get_by_label("进展情况").fill("围挡已完成")
    unit.get_by_role("button", name="提交报告").click()
    expect(unit.get_by_role("status")).to_have_text("报告已提交。")
    expect(unit.locator("ol.reports")).to_contain_text("围挡已完成")
    assert plan_id


def test_the_gantt_tooltip_shows_a_name_like_markup_as_text(server_db_url, login_as):  # noqa: F811
    """ECharts tooltips are HTML: a project's or milestone's name goes in escaped."""
    markup = '<img src=x id="injected">'
    db = Database(server_db_url)
    today = service.today()
    with db.write() as s:
        _, annual = service.load_seed_plans(s)
        task = next(t for t in service.read_plan(s, plan_id=annual.id).tasks if t.number == "12")
        data = ProjectCreate(task_id=task.id, name=markup, type="new_build", area="S1", lead_units=["ST1"])
        project = service.create_project(s, principal=SYSTEM, data=data)
        m = MilestoneCreate(name=markup, planned_on=today + timedelta(days=10))
        service.add_milestone(s, principal=SYSTEM, project_id=project.id, data=m)
        s.commit()
    db.dispose()

    page = login_as("planner")
    page.get_by_role("link", name="计划项目").click()
    page.get_by_role("link", name=annual.title).click()
    page.get_by_role("link", name="时间表、路线图").click()
    expect(page.locator("#gantt canvas")).to_have_count(1)
    shown = page.evaluate(
        """() => {
            const chart = echarts.getInstanceByDom(document.getElementById("gantt"));
            const fmt = chart.getOption().tooltip[0].formatter;
            const bar = chart.getOption().series[0].data.find((d) => d.row.name.startsWith("<img"));
            return [fmt({seriesType: "custom", data: bar}), fmt({seriesType: "scatter", name: bar.row.name})];
        }"""
    )
    for html in shown:
        assert "<img" not in html and "&lt;img" in html
