"""The 任务清单 / 项目清单 Excel exports: every task of the seed plan with its units and targets (checked
against the plan's data file, not against what the service reads back), the header layout, filters."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from huitian.plans import export, service

DATA = Path(service.__file__).parent / "data" / "huitian-2022.json"


def workbook(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == export.XLSX_TYPE
    assert "attachment" in response.headers["content-disposition"]
    return load_workbook(BytesIO(response.content))


def rows(ws) -> list[tuple]:
    return [r for r in ws.iter_rows(min_row=export.FIRST_DATA_ROW, values_only=True)]


@pytest.mark.parametrize(
    ("data_file", "period"), [("huitian-2022.json", "2022"), ("huitian-2021-2025.json", "2021-2025")]
)
def test_the_task_list_holds_every_task_with_its_units_and_targets(api, plan, data_file, period):
    doc = json.loads((DATA.parent / data_file).read_text(encoding="utf-8"))
    plan_id = next(
        p["id"] for p in api.get("planner", "/api/v1/plans").json()["items"] if p["period"] == period
    )
    ws = workbook(api.get("planner", f"/api/v1/plans/{plan_id}/tasks.xlsx"))["任务清单"]
    assert ws["A1"].value == f"{doc['title']}任务清单"
    tasks = {r[0]: r for r in rows(ws) if r[1] is not None}
    sections = [r[0] for r in rows(ws) if r[1] is None]
    expected = [t for sec in doc["sections"] for t in sec["tasks"]]
    assert len(expected) == 23 and len(tasks) == 23 and set(tasks) == {t["number"] for t in expected}
    assert sections == [f"({sec['number']}){sec['title']}" for sec in doc["sections"]]
    for t in expected:
        number, title, text, lead, co, due, targets, _ = tasks[t["number"]]
        assert (title, text) == (t["title"], t["text"])
        assert lead == "、".join(t["lead_units"]) and (co or "") == "、".join(t["co_units"])
        for tg in t["targets"]:
            value = str(int(tg["target"])) if float(tg["target"]).is_integer() else f"{tg['target']:g}"
            assert f"{tg['indicator']} {value}{tg['measure']}" in targets
        if t["targets"]:
            assert len(targets.split("\n")) == len(t["targets"])


def test_the_task_list_shows_the_school_places_target_and_its_deadline(api, plan):
    ws = workbook(api.get("planner", f"/api/v1/plans/{plan['id']}/tasks.xlsx")).active
    places = next(r for r in rows(ws) if r[0] == "3")
    assert "新增学位 4140个" in places[6] and places[5] == "2022年12月"


def test_the_task_list_header_is_merged_frozen_and_printed_a4_landscape(api, plan):
    ws = workbook(api.get("planner", f"/api/v1/plans/{plan['id']}/tasks.xlsx")).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:H1", "A3:A4", "B3:B4", "C3:C4", "D3:E3", "F3:F4", "G3:G4", "H3:H4"} <= merged
    header = [ws.cell(3, c).value for c in range(1, 9)]
    assert header == ["序号", "任务名称", "主要内容", "责任单位", None, "完成时限", "目标", "进展"]
    assert (ws["D4"].value, ws["E4"].value) == ("牵头单位", "配合单位")
    assert "任务清单" in ws["A1"].value
    assert ws.freeze_panes == "A5"
    assert ws.print_title_rows == "$3:$4"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.column_dimensions["C"].width > ws.column_dimensions["A"].width
    section_row = rows(ws)[0]
    assert section_row[0].startswith("(一)") and "A5:H5" in merged


def test_the_task_list_filters_by_section_and_unit(api, plan):
    doc = json.loads(DATA.read_text(encoding="utf-8"))
    ws = workbook(api.get("planner", f"/api/v1/plans/{plan['id']}/tasks.xlsx?section=一")).active
    listed = [r[0] for r in rows(ws) if r[1] is not None]
    assert listed == [t["number"] for t in doc["sections"][0]["tasks"]]
    assert len([r for r in rows(ws) if r[1] is None]) == 1
    ws = workbook(api.get("planner", f"/api/v1/plans/{plan['id']}/tasks.xlsx?unit=市教委")).active
    listed = [r for r in rows(ws) if r[1] is not None]
    assert listed and all("市教委" in (r[3] or "") + (r[4] or "") for r in listed)
    r = api.get("planner", f"/api/v1/plans/{plan['id']}/tasks.xlsx?section=九十")
    assert r.status_code == 422 and r.json()["field"] == "section"


def test_the_project_list_holds_projects_under_their_tasks_with_sub_projects_numbered(api, plan):
    task = plan["tasks"]["11"]
    body = {"task_id": task, "name": "龙泽园停车场", "type": "new_build", "area": "S1", "budget": 300}
    parent = api.post(
        "planner", "/api/v1/projects", body | {"lead_units": ["ST1"], "co_units": ["BUR"]}
    ).json()
    api.post("planner", "/api/v1/projects", body | {"name": "地下一层", "parent_id": parent["id"]})
    api.post(
        "planner", f"/api/v1/projects/{parent['id']}/milestones", {"name": "开工", "planned_on": "2022-05-01"}
    )
    api.post("planner", "/api/v1/projects", body | {"task_id": plan["tasks"]["3"], "name": "九年一贯制学校"})
    ws = workbook(api.get("planner", f"/api/v1/plans/{plan['id']}/projects.xlsx"))["项目清单"]
    assert [ws.cell(3, c).value for c in (1, 2, 3, 4, 6, 7, 8)] == [
        "序号", "项目名称", "建设内容", "责任单位", "完成时限", "主要节点", "进展"
    ]  # fmt: skip
    data = rows(ws)
    assert [r[0] for r in data] == [
        next(r[0] for r in data if r[0].startswith("任务3")),
        "1",
        next(r[0] for r in data if r[0].startswith("任务11")),
        "2",
        "2.1",
    ]
    lzy = next(r for r in data if r[1] == "龙泽园停车场")
    assert lzy[3] == "一街道办事处" and lzy[4] == "区城管委" and "开工:计划 2022-05-01" in lzy[6]
    assert "投资 300万元" in lzy[2] and lzy[5] == "2022年5月"
    only = workbook(api.get("planner", f"/api/v1/plans/{plan['id']}/projects.xlsx?task=3")).active
    assert [r[1] for r in rows(only) if r[1]] == ["九年一贯制学校"]
    r = api.get("planner", f"/api/v1/plans/{plan['id']}/projects.xlsx?task=99")
    assert r.status_code == 422 and r.json()["field"] == "task"


def test_an_export_needs_a_signed_in_user_and_a_known_plan(client, api, plan):
    assert client.get(f"/api/v1/plans/{plan['id']}/tasks.xlsx").status_code == 401
    assert api.get("planner", "/api/v1/plans/99999/projects.xlsx").status_code == 404


def test_both_plan_lists_write_formula_like_text_as_text(api, plan, db):
    """A task's title and text, a project's and a milestone's names and a unit not in the system, typed
    as formulas, are text cells in the 任务清单 and the 项目清单."""
    from huitian.plans.models import PlanTask
    from tests.formulas import HYPERLINK, assert_written_as_text, cells

    task_id = plan["tasks"]["11"]
    with db.write() as s:
        task = s.get(PlanTask, task_id)
        task.title, task.text = "+1+1", "-2+3"
        s.commit()
    body = {
        "task_id": task_id,
        "name": HYPERLINK,
        "type": "new_build",
        "area": "S1",
        "co_units": ["@SUM(A1)"],
    }
    r = api.post("planner", "/api/v1/projects", body)
    assert r.status_code == 201, r.text
    m = {"name": "\t=1", "planned_on": "2022-05-01"}
    assert api.post("planner", f"/api/v1/projects/{r.json()['id']}/milestones", m).status_code == 201
    tasks = workbook(api.get("planner", f"/api/v1/plans/{plan['id']}/tasks.xlsx"))
    assert next(r for r in rows(tasks.active) if r[0] == "11")[1:3] == ("+1+1", "-2+3")
    response = api.get("planner", f"/api/v1/plans/{plan['id']}/projects.xlsx")
    workbook(response)
    assert_written_as_text(
        api.get("planner", f"/api/v1/plans/{plan['id']}/tasks.xlsx").content, ["+1+1", "-2+3"]
    )
    assert_written_as_text(response.content, [HYPERLINK, "@SUM(A1)", "任务11 +1+1", "\t=1:计划 2022-05-01"])
    assert [c.value for c in cells(response.content) if c.value == HYPERLINK]  # the project's row
