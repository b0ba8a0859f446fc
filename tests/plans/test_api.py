"""The API contract, scoped edits, roll-up, late flags, the dispatch sheet and the micro library."""

from __future__ import annotations

from datetime import timedelta

from huitian.db import utcnow
from huitian.plans import service
from huitian.plans.schemas import ReportCreate


def project(api, user: str, task_id: int, **fields):
    body = {"task_id": task_id, "name": "龙泽园停车场", "type": "new_build", "area": "S1", **fields}
    return api.post(user, "/api/v1/projects", body)


def patch(api, user: str, path: str, body: dict):
    return api.client.patch(path, json=body, headers=api.headers(user))


def test_the_plan_list_and_detail_follow_the_contract(api, plan):
    listed = api.get("planner", "/api/v1/plans").json()
    assert {"id", "title", "period", "tasks_count"} <= set(listed["items"][0])
    periods = {p["period"]: p["tasks_count"] for p in listed["items"]}
    assert periods == {"2021-2025": 23, "2022": 23}
    detail = api.get("planner", f"/api/v1/plans/{plan['id']}").json()
    task = next(t for t in detail["tasks"] if t["number"] == "3")
    assert {"number", "title", "lead_units", "co_units", "targets", "projects"} <= set(task)
    places = next(t for t in task["targets"] if t["indicator"] == "新增学位")
    assert (places["measure"], places["target"], places["due"]) == ("个", 4140, "2022-12-31")


def test_an_unknown_plan_is_a_404(api, plan):
    assert api.get("operator", "/api/v1/plans/99999").status_code == 404


def test_a_planner_creates_a_project_with_units_and_milestones(api, plan):
    r = project(api, "planner", plan["tasks"]["11"], lead_units=["ST1"], co_units=["市交通委"], budget=300)
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["lead_units"] == ["一街道办事处"] and p["co_units"] == ["市交通委"]
    m = api.post(
        "planner", f"/api/v1/projects/{p['id']}/milestones", {"name": "开工", "planned_on": "2022-05-01"}
    )
    assert m.status_code == 201
    assert api.get("planner", f"/api/v1/projects/{p['id']}").json()["milestones"][0]["name"] == "开工"


def test_a_handler_cannot_edit_another_units_project(api, plan):
    p = project(api, "admin", plan["tasks"]["11"], lead_units=["ST2"]).json()
    assert patch(api, "handler1", f"/api/v1/projects/{p['id']}", {"progress": 50}).status_code == 403
    assert patch(api, "handler2", f"/api/v1/projects/{p['id']}", {"progress": 50}).status_code == 200
    assert patch(api, "handler2", f"/api/v1/projects/{p['id']}", {"name": "改名"}).status_code == 403


def test_a_handler_cannot_create_projects_and_a_planner_only_in_its_area(api, plan):
    assert project(api, "handler1", plan["tasks"]["11"]).status_code == 403
    r = project(api, "planner", plan["tasks"]["11"], area="NOPE")
    assert r.status_code == 422 and r.json()["field"] == "area"
    r = project(api, "planner", plan["tasks"]["11"], area=None)
    assert r.status_code == 403 and r.json()["field"] == "area"


def test_a_task_rolls_up_its_projects_weighted_by_budget(api, plan):
    task = plan["tasks"]["11"]
    project(api, "planner", task, name="A", budget=300, progress=100)
    project(api, "planner", task, name="B", budget=100, progress=0)
    detail = api.get("planner", f"/api/v1/plans/{plan['id']}").json()
    assert next(t for t in detail["tasks"] if t["number"] == "11")["progress"] == 75.0


def test_a_parent_project_rolls_up_its_children_equally_without_budgets(api, plan):
    task = plan["tasks"]["15"]
    parent = project(api, "planner", task, name="老旧小区综合整治", type="renovation").json()
    for progress in (20, 40, 90):
        project(api, "planner", task, name=f"小区{progress}", parent_id=parent["id"], progress=progress)
    assert api.get("planner", f"/api/v1/projects/{parent['id']}").json()["progress"] == 50.0
    detail = api.get("planner", f"/api/v1/plans/{plan['id']}").json()
    assert next(t for t in detail["tasks"] if t["number"] == "15")["progress"] == 50.0


def test_a_unit_reports_on_its_project_and_the_figure_moves_the_target(api, plan):
    p = project(api, "planner", plan["tasks"]["11"], lead_units=["ST1"]).json()
    detail = api.get("planner", f"/api/v1/plans/{plan['id']}").json()
    spaces = next(t for t in detail["tasks"] if t["number"] == "11")["targets"][1]
    body = {
        "project_id": p["id"],
        "period": "2022-05",
        "text": "完成基础施工",
        "progress": 40,
        "figures": {str(spaces["id"]): 1200},
    }
    assert api.post("handler2", "/api/v1/plan-reports", body).status_code == 403
    r = api.post("handler1", "/api/v1/plan-reports", body)
    assert r.status_code == 201, r.text
    assert api.get("planner", f"/api/v1/projects/{p['id']}").json()["progress"] == 40
    detail = api.get("planner", f"/api/v1/plans/{plan['id']}").json()
    assert next(t for t in detail["tasks"] if t["number"] == "11")["targets"][1]["current"] == 1200


def test_a_report_with_a_bad_period_names_the_field(api, plan):
    r = api.post(
        "admin", "/api/v1/plan-reports", {"task_id": plan["tasks"]["1"], "period": "May", "text": "x"}
    )
    assert r.status_code == 422
    assert "period" in r.text


def test_a_late_report_is_flagged(db, plan):
    task_id = plan["tasks"]["8"]
    now = utcnow()
    with db.write() as s:
        from huitian.auth.service import SYSTEM

        service.submit_report(
            s,
            principal=SYSTEM,
            data=ReportCreate(task_id=task_id, period="2022-03", text="进展"),
            now=now - timedelta(days=40),
        )
        service.submit_report(
            s,
            principal=SYSTEM,
            data=ReportCreate(task_id=plan["tasks"]["9"], period="2022-04", text="进展"),
            now=now - timedelta(days=3),
        )
        s.commit()
        tasks = {t.number: t for t in service.read_plan(s, plan_id=plan["id"], now=now).tasks}
        assert tasks["8"].flags.late and not tasks["8"].flags.missing
        assert not tasks["9"].flags.late
        # Never reported, and created more than a month ago: late and missing.
        later = {
            t.number: t for t in service.read_plan(s, plan_id=plan["id"], now=now + timedelta(days=32)).tasks
        }
        assert later["1"].flags.late and later["1"].flags.missing
        sheet = service.dispatch_sheet(s, plan_id=plan["id"], now=now)
        assert [i.task_number for i in sheet.items if i.kind == "task"] == ["8"]
        assert sheet.items[0].labels == ["未按期报告"]


def test_the_dispatch_sheet_lists_blocked_and_overdue_projects_with_their_notes(api, plan):
    p = project(api, "planner", plan["tasks"]["11"], status="blocked").json()
    q = project(api, "planner", plan["tasks"]["11"], name="育新学校东侧停车场").json()
    api.post(
        "planner", f"/api/v1/projects/{q['id']}/milestones", {"name": "开工", "planned_on": "2020-01-01"}
    )
    note = api.post(
        "planner", "/api/v1/supervision-notes", {"project_id": p["id"], "text": "协调征地"}
    ).json()
    sheet = api.get("planner", f"/api/v1/plans/{plan['id']}/dispatch-sheet").json()
    items = {i["id"]: i for i in sheet["items"] if i["kind"] == "project"}
    assert items[p["id"]]["reasons"] == ["blocked"]
    assert items[p["id"]]["notes"][0]["text"] == "协调征地"
    assert items[q["id"]]["reasons"] == ["milestone_overdue"]
    assert (sheet["blocked"], sheet["off_track"]) == (1, 1)
    r = api.post("admin", f"/api/v1/supervision-notes/{note['id']}/follow-up", {"follow_up": "已协调"})
    assert r.json()["resolved_at"] is not None


def test_the_micro_library_counts_the_year_against_100(api, plan):
    ids = [
        api.post(
            "planner", "/api/v1/micro-projects", {"year": 2022, "title": f"微项目{i}", "area": "S1"}
        ).json()["id"]
        for i in range(3)
    ]
    for micro_id in ids[:2]:
        r = patch(api, "planner", f"/api/v1/micro-projects/{micro_id}", {"status": "approved"})
        assert r.status_code == 200
    assert (
        patch(api, "handler1", f"/api/v1/micro-projects/{ids[2]}", {"status": "approved"}).status_code == 403
    )
    page = api.get("planner", "/api/v1/micro-projects?year=2022").json()
    assert (page["count"], page["target"]) == (2, 100)
    assert page["by_status"] == {"approved": 2, "proposed": 1}
