"""The plan pages: they render for the planner, are scoped for unit staff, take reports, 督办 notes and
their follow-up, and approve micro-projects; the roadmap's JSON holds planned vs actual dates."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from huitian.plans import service
from tests.web.conftest import browser, client  # noqa: F401

TODAY = service.today()  # the installation's local date, as the plans read it


def project(api, user: str, task_id: int, **fields) -> dict:
    body = {"task_id": task_id, "name": "龙泽园停车场", "type": "new_build", "area": "S1", **fields}
    r = api.post(user, "/api/v1/projects", body)
    assert r.status_code == 201, r.text
    return r.json()


def milestone(api, project_id: int, name: str, planned: date, actual: date | None = None) -> dict:
    body = {
        "name": name,
        "planned_on": planned.isoformat(),
        "actual_on": actual.isoformat() if actual else None,
    }
    r = api.post("planner", f"/api/v1/projects/{project_id}/milestones", body)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def world(api, plan) -> dict:
    """Two projects of the 2022 plan: one of 一街道办事处 (ST1) with a late milestone, one of 二街道办事处."""
    mine = project(api, "planner", plan["tasks"]["11"], lead_units=["ST1"], lat=40.07, lon=116.31)
    milestone(api, mine["id"], "开工", TODAY - timedelta(days=60), TODAY - timedelta(days=62))
    milestone(api, mine["id"], "主体完工", TODAY - timedelta(days=5))
    milestone(api, mine["id"], "竣工", TODAY + timedelta(days=7))
    other = project(
        api,
        "planner",
        plan["tasks"]["3"],
        name="九年一贯制学校",
        area="S2",
        lead_units=["ST2"],
        report_cycle="weekly",
    )
    return {"plan": plan["id"], "tasks": plan["tasks"], "mine": mine["id"], "other": other["id"]}


def test_every_page_renders_for_the_planner(api, browser, world):  # noqa: F811
    b = browser("planner")
    pid = world["plan"]
    listing = b.get("/plans")
    assert listing.status_code == 200 and "深入推进回龙观天通苑地区提升发展2022年工作计划" in listing.text
    page = b.get(f"/plans/{pid}").text
    assert "稳步促进区域教育高质量发展" in page and "新增学位 4140" in page and 'id="target-chart"' in page
    assert "昌平区政府" in page and "市教委" in page
    for path in ("roadmap", "map", "dispatch"):
        r = b.get(f"/plans/{pid}/{path}")
        assert r.status_code == 200, (path, r.text[:500])
    assert "龙泽园停车场" in b.get(f"/plans/{pid}/roadmap").text
    assert f'data-src="/api/v1/plans/{pid}/map.geojson"' in b.get(f"/plans/{pid}/map").text
    assert b.get(f"/plans/projects/{world['mine']}").status_code == 200
    assert b.get(f"/plans/tasks/{world['tasks']['3']}").status_code == 200
    assert b.get("/plans/micro").status_code == 200
    assert b.get("/plans/99999").status_code == 404
    multi = next(
        p["id"] for p in api.get("planner", "/api/v1/plans").json()["items"] if p["period"] == "2021-2025"
    )
    page = b.get(f"/plans/{multi}").text
    assert (
        "新增医疗床位 1800张" in page and "新增各类停车位 18000个" in page and "建设道路里程 70公里" in page
    )


def test_the_nav_shows_plans_to_planners_and_unit_staff_but_not_residents(browser):  # noqa: F811
    assert 'href="/plans"' in browser("planner").get("/orders").text
    assert 'href="/plans/todo"' in browser("handler1").get("/orders").text
    assert "计划项目" not in browser("resident1").get("/orders").text


def test_unit_staff_see_their_own_projects_and_tasks_only(browser, world):  # noqa: F811
    h1 = browser("handler1")
    assert h1.get(f"/plans/projects/{world['mine']}").status_code == 200
    assert h1.get(f"/plans/projects/{world['other']}").status_code == 404
    assert h1.get(f"/plans/tasks/{world['tasks']['11']}").status_code == 200  # it has a project there
    assert h1.get(f"/plans/tasks/{world['tasks']['3']}").status_code == 404
    plan_page = h1.get(f"/plans/{world['plan']}").text
    assert "龙泽园停车场" in plan_page and "九年一贯制学校" not in plan_page
    assert "稳步促进区域教育高质量发展" not in plan_page
    assert "九年一贯制学校" not in h1.get(f"/plans/{world['plan']}/roadmap").text
    assert browser("handler2").get(f"/plans/projects/{world['mine']}").status_code == 404
    assert browser("resident1").get("/plans").status_code == 404
    assert browser("super2").get(f"/plans/projects/{world['mine']}").status_code == 404  # S1 is not S2


def test_a_signed_out_visitor_is_sent_to_the_login_page(client):  # noqa: F811
    r = client.get("/plans/todo", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


def test_a_report_submitted_through_the_form_lands(api, browser, world):  # noqa: F811
    h1 = browser("handler1")
    form = {"project_id": str(world["mine"]), "period": "2022-05", "status": "off_track", "progress": "40",
            "text": "地下结构施工中,雨季影响工期"}  # fmt: skip
    r = h1.client.post("/plans/reports", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith(f"/plans/projects/{world['mine']}")
    reports = api.get("planner", f"/api/v1/plan-reports?project_id={world['mine']}").json()
    assert [(x["period"], x["status"], x["progress"], x["submitted_by"]) for x in reports] == [
        ("2022-05", "off_track", 40.0, "handler1")
    ]
    assert api.get("planner", f"/api/v1/projects/{world['mine']}").json()["progress"] == 40.0
    assert "地下结构施工中" in h1.get(f"/plans/projects/{world['mine']}").text


def test_a_task_report_carries_figures_toward_its_targets(api, browser, plan):  # noqa: F811
    task = api.get("planner", f"/api/v1/plans/{plan['id']}").json()["tasks"][2]
    target = next(t for t in task["targets"] if t["indicator"] == "新增学位")
    form = {
        "task_id": str(task["id"]),
        "period": "2022-06",
        "text": "新增学位进展",
        f"figure_{target['id']}": "1200",
    }
    r = browser("planner").client.post("/plans/reports", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    task = api.get("planner", f"/api/v1/plans/{plan['id']}").json()["tasks"][2]
    assert next(t for t in task["targets"] if t["id"] == target["id"])["current"] == 1200


def test_a_bad_report_shows_the_error_next_to_the_field_and_writes_nothing(api, browser, world):  # noqa: F811
    form = {"project_id": str(world["mine"]), "period": "五月", "text": "内容", "progress": "40"}
    r = browser("handler1").client.post("/plans/reports", data=form, follow_redirects=False)
    assert r.status_code == 422
    assert re.search(r'id="e-period">[^<]*YYYY-MM', r.text)
    assert 'value="五月"' in r.text and "内容</textarea>" in r.text
    assert api.get("planner", f"/api/v1/plan-reports?project_id={world['mine']}").json() == []


def test_another_units_project_cannot_be_reported_on(api, browser, world):  # noqa: F811
    form = {"project_id": str(world["other"]), "period": "2022-05", "text": "越权"}
    r = browser("handler1").client.post("/plans/reports", data=form, follow_redirects=False)
    assert r.status_code == 404
    assert api.get("planner", f"/api/v1/plan-reports?project_id={world['other']}").json() == []


def test_a_supervision_note_is_raised_on_the_dispatch_sheet_and_followed_up_by_the_unit(api, browser, world):  # noqa: F811
    planner, h1 = browser("planner"), browser("handler1")
    sheet = planner.get(f"/plans/{world['plan']}/dispatch").text
    assert "龙泽园停车场" in sheet and "节点逾期" in sheet
    data = {"project_id": str(world["mine"]), "text": "请于月底前追回工期", "due": "2022-06-30",
            "next": f"/plans/{world['plan']}/dispatch"}  # fmt: skip
    r = planner.client.post("/plans/notes", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/plans/{world['plan']}/dispatch")
    assert "请于月底前追回工期" in planner.get(f"/plans/{world['plan']}/dispatch").text
    todo = h1.get("/plans/todo").text
    assert "请于月底前追回工期" in todo and "主体完工" in todo and "竣工" in todo
    note_id = int(
        re.search(r"/plans/notes/(\d+)/follow-up", h1.get(f"/plans/projects/{world['mine']}").text)[1]
    )
    r = h1.client.post(f"/plans/notes/{note_id}/follow-up", data={"follow_up": ""})
    assert r.status_code == 422 and re.search(rf'id="f-{note_id}"[^>]*aria-invalid="true"', r.text)
    r = h1.client.post(
        f"/plans/notes/{note_id}/follow-up",
        data={"follow_up": "已增加夜间施工", "resolved": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "请于月底前追回工期" not in h1.get("/plans/todo").text
    assert "已增加夜间施工" in h1.get(f"/plans/projects/{world['mine']}").text


def test_unit_staff_cannot_raise_supervision_notes(api, browser, world):  # noqa: F811
    data = {"project_id": str(world["mine"]), "text": "自己督办自己"}
    r = browser("handler1").client.post("/plans/notes", data=data, follow_redirects=False)
    assert r.status_code == 403 and "督办未提交" in r.text
    with api.client.app.state.db.read() as s:
        assert service.notes_of(s, project_id=world["mine"]) == []


def test_the_unit_to_do_lists_reports_due_milestones_and_is_its_own(browser, world):  # noqa: F811
    todo = browser("handler1").get("/plans/todo").text
    assert "龙泽园停车场" in todo and "九年一贯制学校" not in todo
    assert "主体完工" in todo and "逾期" in todo
    other = browser("handler2").get("/plans/todo").text
    assert "龙泽园停车场" not in other
    due = (TODAY + timedelta(days=7)).isoformat()  # a weekly report, due a week after creation
    assert re.search(rf"九年一贯制学校</a>\s*· 周报告 · {due} 前报告", other)


def test_a_micro_project_is_approved_from_the_library_page(api, browser):  # noqa: F811
    year = TODAY.year
    micro = api.post(
        "planner", "/api/v1/micro-projects", {"year": year, "title": "小区加装座椅", "area": "S1"}
    ).json()
    page = browser("planner").get(f"/plans/micro?year={year}").text
    assert "小区加装座椅" in page and "本年入库 <strong>0</strong>" in page and "审核入库" in page
    r = browser("planner").client.post(
        f"/plans/micro/{micro['id']}", data={"status": "approved"}, follow_redirects=False
    )
    assert r.status_code == 303
    assert (
        "本年入库 <strong>1</strong> 个 / 目标 100 个"
        in browser("planner").get(f"/plans/micro?year={year}").text
    )
    r = browser("handler1").client.post(f"/plans/micro/{micro['id']}", data={"status": "done"})
    assert r.status_code == 403
    r = browser("planner").client.post(f"/plans/micro/{micro['id']}", data={"status": "nonsense"})
    assert r.status_code == 422 and 'class="error"' in r.text


def test_the_roadmap_json_holds_planned_and_actual_dates_and_flags_late(api, world):
    road = api.get("planner", f"/api/v1/plans/{world['plan']}/roadmap").json()
    assert road["today"] == service.today().isoformat()
    assert road["axis_start"] == "2022-01-01" and road["axis_end"] == (TODAY + timedelta(days=7)).isoformat()
    row = next(r for r in road["rows"] if r["id"] == world["mine"])
    assert row["planned_start"] == (TODAY - timedelta(days=60)).isoformat()
    assert row["planned_end"] == (TODAY + timedelta(days=7)).isoformat()
    assert row["actual_start"] == (TODAY - timedelta(days=62)).isoformat()  # began two days early
    assert row["actual_end"] == road["today"]  # under way: the actual bar runs to today
    assert row["late"] is True
    late = {m["name"]: m["late"] for m in row["milestones"]}
    assert late == {"开工": False, "主体完工": True, "竣工": False}
    school = next(r for r in road["rows"] if r["id"] == world["other"])
    assert (school["planned_start"], school["planned_end"]) == ("2022-01-01", "2022-12-31")
    assert school["actual_start"] is None and school["late"] is True  # 2022 is over, nothing begun


def test_the_map_json_holds_placed_projects_and_their_areas(api, world):
    fc = api.get("planner", f"/api/v1/plans/{world['plan']}/map.geojson").json()
    points = [f for f in fc["features"] if f["properties"]["kind"] == "project"]
    assert points[0]["properties"]["late"] is True  # its 主体完工 milestone is overdue
    assert [(p["properties"]["id"], p["geometry"]["coordinates"]) for p in points] == [
        (world["mine"], [116.31, 40.07])
    ]
    assert {f["properties"]["code"] for f in fc["features"] if f["properties"]["kind"] == "area"} == {
        "S1",
        "S2",
    }
