"""One scope for the plan pages, the API and the Excel exports (service.visible_ids): residents read no
plan material, a unit's staff read their own tasks and projects but not the dispatch sheet nor the
plan-wide reports, a supervisor not the projects outside its area; a grid worker reads a task's page."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from tests.plans.test_pages import world  # noqa: F401
from tests.web.conftest import browser, client  # noqa: F401

REFUSED = {403, 404}


def _report_and_note(api, world):  # noqa: F811
    body = {"project_id": world["mine"], "period": "2022-05", "text": "已开工,进度正常"}
    assert api.post("handler1", "/api/v1/plan-reports", body).status_code == 201
    body = {"project_id": world["mine"], "text": "协调征地"}
    assert api.post("planner", "/api/v1/supervision-notes", body).status_code == 201


def test_residents_and_other_units_staff_read_no_internal_plan_material(api, world):  # noqa: F811
    _report_and_note(api, world)
    pid, mine = world["plan"], world["mine"]
    paths = [
        f"/api/v1/plans/{pid}/dispatch-sheet",
        "/api/v1/plan-reports",
        f"/api/v1/plan-reports?project_id={mine}",
        f"/api/v1/plan-reports?task_id={world['tasks']['11']}",
        f"/api/v1/plans/{pid}/tasks.xlsx",
        f"/api/v1/plans/{pid}/projects.xlsx",
        f"/api/v1/plans/{pid}",
        f"/api/v1/projects/{mine}",
    ]
    for user in ("resident1", "bureau"):
        for path in paths:
            assert api.get(user, path).status_code in REFUSED, (user, path)
    # handler2's unit has the other project only: not this one's reports, nor the plan-wide material
    for path in paths[:4]:
        assert api.get("handler2", path).status_code in REFUSED, path


def test_a_units_staff_read_their_own_reports_and_excel_rows_but_not_the_dispatch_sheet(api, world):  # noqa: F811
    _report_and_note(api, world)
    pid = world["plan"]
    assert api.get("handler1", f"/api/v1/plans/{pid}/dispatch-sheet").status_code == 403
    assert api.get("handler1", "/api/v1/plan-reports").status_code == 403
    assert api.get("handler1", f"/api/v1/plan-reports?project_id={world['other']}").status_code == 404
    assert api.get("handler1", f"/api/v1/plan-reports?task_id={world['tasks']['3']}").status_code == 404
    own = api.get("handler1", f"/api/v1/plan-reports?project_id={world['mine']}")
    assert own.status_code == 200 and [r["text"] for r in own.json()] == ["已开工,进度正常"]
    plan = api.get("handler1", f"/api/v1/plans/{pid}").json()
    assert [t["number"] for t in plan["tasks"]] == ["11"]
    for kind in ("tasks", "projects"):
        r = api.get("handler1", f"/api/v1/plans/{pid}/{kind}.xlsx")
        assert r.status_code == 200
        text = " ".join(
            str(c)
            for row in load_workbook(BytesIO(r.content)).active.iter_rows(values_only=True)
            for c in row
        )
        assert "九年一贯制学校" not in text and "稳步促进区域教育高质量发展" not in text, kind
    assert "龙泽园停车场" in text
    listed = api.get("handler1", "/api/v1/plans").json()["items"]
    assert [p["id"] for p in listed] == [pid]


def test_a_supervisor_reads_the_dispatch_sheet_and_reports_of_its_area_only(api, world):  # noqa: F811
    _report_and_note(api, world)
    note = {"project_id": world["other"], "text": "加快进度"}
    assert api.post("planner", "/api/v1/supervision-notes", note).status_code == 201
    pid = world["plan"]
    names = {i["name"] for i in api.get("super2", f"/api/v1/plans/{pid}/dispatch-sheet").json()["items"]}
    assert "九年一贯制学校" in names and "龙泽园停车场" not in names  # S2's project, not S1's
    assert api.get("super2", "/api/v1/plan-reports").json() == []
    assert api.get("super2", f"/api/v1/plan-reports?project_id={world['mine']}").status_code == 404
    names = {i["name"] for i in api.get("super1", f"/api/v1/plans/{pid}/dispatch-sheet").json()["items"]}
    assert "龙泽园停车场" in names and "九年一贯制学校" not in names
    assert len(api.get("super1", "/api/v1/plan-reports").json()) == 1


def test_a_grid_worker_reads_a_task_page(browser, world):  # noqa: F811
    grid = browser("grid1")
    r = grid.get(f"/plans/tasks/{world['tasks']['11']}")
    assert r.status_code == 200 and "龙泽园停车场" not in r.text  # the task, not the projects
    assert grid.get(f"/plans/projects/{world['mine']}").status_code == 404
