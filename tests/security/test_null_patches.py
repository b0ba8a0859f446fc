"""PATCH with JSON null (issue #8): a null for a field whose column may not be empty is a 422 naming the
field and writes nothing; a null for a field that may be cleared still clears it. And ids too large for
the database (the fuzzer's plan id on tasks.xlsx) are 422s naming them, not overflows."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from huitian.plans import service as plans_service
from tests.conftest import Api
from tests.factories import IN_G1


def patch(api: Api, user: str, path: str, body: dict):
    return api.client.patch(path, json=body, headers=api.headers(user))


def refused(api: Api, user: str, path: str, field: str, read: str | None = None) -> None:
    """PATCH {field: null} is a 422 naming the field, and the row read back is unchanged."""
    before = api.get(user, read or path).json()
    r = patch(api, user, path, {field: None})
    assert r.status_code == 422, f"{path} {field}: {r.status_code} {r.text}"
    errors = r.json()["detail"]
    assert [e["loc"][-1] for e in errors] == [field], errors
    assert errors[0]["type"] == "null_not_allowed" and field in errors[0]["msg"]
    assert api.get(user, read or path).json() == before


@pytest.mark.parametrize("field", ["name", "population", "active"])
def test_area(api: Api, field: str):
    refused(api, "admin", "/api/v1/areas/S1", field)


@pytest.mark.parametrize("field", ["name", "time_limit_class", "active"])
def test_category(api: Api, field: str):
    refused(api, "admin", "/api/v1/categories/0101", field)


@pytest.mark.parametrize("field", ["name", "active"])
def test_unit(api: Api, field: str):
    refused(api, "admin", "/api/v1/units/ST1", field)


def user_id(api: Api, username: str) -> int:
    return next(u["id"] for u in api.get("admin", "/api/v1/users").json() if u["username"] == username)


@pytest.mark.parametrize("field", ["password", "role", "display_name", "active"])
def test_user(api: Api, field: str):
    refused(api, "admin", f"/api/v1/users/{user_id(api, 'handler1')}", field)
    api._tokens.pop("handler1", None)
    assert api.get("handler1", "/api/v1/me").status_code == 200  # password and token still good


def test_a_users_phone_may_still_be_cleared(api: Api):
    uid = user_id(api, "handler1")
    assert patch(api, "admin", f"/api/v1/users/{uid}", {"phone": "13800000000"}).status_code == 200
    assert patch(api, "admin", f"/api/v1/users/{uid}", {"phone": None}).status_code == 200


@pytest.mark.parametrize("field", ["title", "keywords", "answer", "active"])
def test_kb_entry(api: Api, field: str):
    body = {"title": "暖气", "keywords": "暖气 供暖", "answer": "11月15日开始供暖", "category_code": "02"}
    entry = api.post("admin", "/api/v1/hotline/kb", body).json()
    path = f"/api/v1/hotline/kb/{entry['id']}"
    refused(api, "admin", path, field)
    cleared = patch(api, "admin", path, {"category_code": None})
    assert cleared.status_code == 200 and cleared.json()["category_code"] is None


@pytest.fixture
def plan(db) -> dict:
    with db.write() as s:
        _, annual = plans_service.load_seed_plans(s)
        s.commit()
        read = plans_service.read_plan(s, plan_id=annual.id)
    return {"id": annual.id, "tasks": {t.number: t.id for t in read.tasks}}


@pytest.fixture
def project(api: Api, plan: dict) -> dict:
    body = {"task_id": plan["tasks"]["11"], "name": "龙泽园停车场", "type": "new_build", "area": "S1"}
    r = api.post("planner", "/api/v1/projects", body | {"budget": 300})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.parametrize("field", ["name", "status", "progress", "category_codes", "report_cycle"])
def test_project(api: Api, project: dict, field: str):
    refused(api, "planner", f"/api/v1/projects/{project['id']}", field)


def test_a_projects_budget_may_still_be_cleared(api: Api, project: dict):
    r = patch(api, "planner", f"/api/v1/projects/{project['id']}", {"budget": None})
    assert r.status_code == 200 and r.json()["budget"] is None


@pytest.mark.parametrize("field", ["name", "planned_on"])
def test_milestone(api: Api, project: dict, field: str):
    path = f"/api/v1/projects/{project['id']}/milestones"
    m = api.post("planner", path, {"name": "开工", "planned_on": "2022-05-01", "actual_on": "2022-05-03"})
    assert m.status_code == 201, m.text
    refused(
        api,
        "planner",
        f"/api/v1/milestones/{m.json()['id']}",
        field,
        read=f"/api/v1/projects/{project['id']}",
    )
    r = patch(api, "planner", f"/api/v1/milestones/{m.json()['id']}", {"actual_on": None})
    assert r.status_code == 200 and r.json()["actual_on"] is None


@pytest.mark.parametrize("field", ["status", "title", "description"])
def test_micro_project(api: Api, field: str):
    m = api.post("planner", "/api/v1/micro-projects", {"year": 2022, "title": "微项目", "area": "S1"})
    assert m.status_code == 201, m.text
    path = f"/api/v1/micro-projects/{m.json()['id']}"
    before = api.get("planner", "/api/v1/micro-projects?year=2022").json()
    r = patch(api, "planner", path, {field: None})
    assert r.status_code == 422 and [e["loc"][-1] for e in r.json()["detail"]] == [field], r.text
    assert api.get("planner", "/api/v1/micro-projects?year=2022").json() == before


@pytest.mark.parametrize("field", ["name", "status"])
def test_asset(api: Api, field: str):
    body = {"class_code": "0106", "name": "路灯", "lon": IN_G1[0], "lat": IN_G1[1], "unit": "UT"}
    r = api.post("admin", "/api/v1/assets", body)
    assert r.status_code == 201, r.text
    path = f"/api/v1/assets/{r.json()['code']}"
    refused(api, "admin", path, field)
    cleared = patch(api, "admin", path, {"unit": None})
    assert cleared.status_code == 200 and cleared.json()["unit"] is None


def test_the_openapi_schema_offers_null_only_where_it_clears(api: Api):
    schemas = api.client.get("/openapi.json").json()["components"]["schemas"]
    unit = schemas["UnitUpdate"]["properties"]
    assert unit["name"]["type"] == "string" and "anyOf" not in unit["name"]
    assert {"type": "null"} in unit["phone"]["anyOf"]


BIG = 146083468599962147582115840  # what the fuzzer sent: more than a database integer holds


@pytest.mark.parametrize(
    "path",
    ["", "/tasks.xlsx", "/projects.xlsx", "/roadmap", "/map.geojson", "/dispatch-sheet"],
)
def test_a_plan_id_too_large_for_the_database_is_a_422_not_a_500(api: Api, plan: dict, path: str):
    for bad in (BIG, -BIG, 0):
        r = api.get("admin", f"/api/v1/plans/{bad}{path}")
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["path", "plan_id"], r.text
    assert api.get("admin", f"/api/v1/plans/{plan['id']}{path}").status_code == 200


def test_ids_too_large_in_queries_and_bodies_are_422s_naming_them(api: Api, plan: dict):
    calls = [
        ("GET", f"/api/v1/projects/{BIG}", None, "project_id"),
        ("PATCH", "/api/v1/milestones/-9994307396698910720", {}, "milestone_id"),
        ("GET", f"/api/v1/plan-reports?task_id={BIG}", None, "task_id"),
        ("POST", "/api/v1/plan-reports", {"task_id": BIG, "period": "2022-04", "text": "进展"}, "task_id"),
        ("POST", "/api/v1/supervision-notes", {"project_id": -BIG, "text": "督办"}, "project_id"),
        ("POST", "/api/v1/projects", {"task_id": BIG, "name": "停车场", "type": "new_build"}, "task_id"),
    ]
    micro = api.post("planner", "/api/v1/micro-projects", {"year": 2022, "title": "微项目"}).json()
    calls.append(("PATCH", f"/api/v1/micro-projects/{micro['id']}", {"project_id": BIG}, "project_id"))
    for method, path, body, field in calls:
        kw = {"json": body} if body is not None else {}
        r = api.client.request(method, path, headers=api.headers("planner"), **kw)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == field, f"{path}: {r.text}"


def test_the_fuzzers_project_with_unpaired_surrogates_in_a_category_code_is_a_4xx(api: Api, plan: dict):
    task_id = plan["tasks"]["11"]
    body = (
        '{"category_codes": ["\\uda53\\udf0c\\udb42\\udc57\\u0098:"], "type": "micro", "name": "x", '
        f'"parent_id": 2100543.0, "task_id": {task_id}}}'
    )
    headers = api.headers("planner") | {"Content-Type": "application/json"}
    r = api.client.post("/api/v1/projects", content=body.encode(), headers=headers)
    assert 400 <= r.status_code < 500, r.text


def test_a_control_character_in_a_project_name_does_not_break_the_excel_exports(api: Api, plan: dict):
    body = {"task_id": plan["tasks"]["11"], "name": "停车\x10场", "type": "new_build", "area": "S1"}
    assert api.post("planner", "/api/v1/projects", body).status_code == 201
    r = api.get("planner", f"/api/v1/plans/{plan['id']}/projects.xlsx")
    assert r.status_code == 200
    names = [row[1] for row in load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True)]
    assert "停车场" in names
    assert api.get("planner", f"/api/v1/plans/{plan['id']}/tasks.xlsx").status_code == 200
