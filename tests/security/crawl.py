"""The route crawl's world and its requests, shared by test_crawl.py (no 5xx for anyone anywhere) and
test_scope_twins.py (a page and its API twin give every role the same verdict).

`build(db, api)` adds to the test world at least one object of each kind a GET route names (an order
with a photo-less history, the seed plans with a project, a milestone, a report and a 督办 note, an asset,
an early warning, a monthly topic, a knowledge-base entry, a routing rule) through the real services and
API; `requests(app, ids)` turns every GET route of the app's route table into concrete paths filled with
those ids."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.routing import APIRoute

from huitian.assets import service as assets_service
from huitian.assets.schemas import AssetCreate
from huitian.auth import service as auth_service
from huitian.db import utcnow
from huitian.plans import service as plans_service
from huitian.proactive import service as proactive_service
from tests.factories import IN_G1
from tests.helpers import create_at
from tests.security.test_route_guards import flat_routes

# One user of every role (the crawl's callers), besides the anonymous visitor.
ROLE_USERS = ["operator", "admin", "handler1", "lead1", "super1", "grid1", "planner", "resident1"]
PHONE = "13812345678"
SKIP = re.compile(r"^/(static|docs|redoc|openapi\.json)(/|$)")


def build(db, api) -> dict[str, object]:
    """The objects' ids and codes, by the name the routes give their path parameters."""
    order = api.create("resident1", lat=IN_G1[1], lon=IN_G1[0], citizen_phone=PHONE)
    api.act("operator", order, "dispatch", unit="ST1")
    rule = api.post("admin", "/api/v1/dispatch/rules", {"category": "0201", "unit": "UT"})
    assert rule.status_code == 201, rule.text
    entry = api.post("admin", "/api/v1/hotline/kb", {"title": "供暖时间", "answer": "11月15日起供暖"})
    assert entry.status_code == 201, entry.text
    now = utcnow()
    with db.write() as s:
        _, annual = plans_service.load_seed_plans(s)
        task_id = plans_service.read_plan(s, plan_id=annual.id).tasks[0].id
        asset = assets_service.create_asset(
            s, data=AssetCreate(class_code="0106", name="路灯", lon=IN_G1[0], lat=IN_G1[1], unit="UT")
        )
        for i in range(3):  # a place complained about three times: a repeat warning
            create_at(s, now - timedelta(hours=20 + 6 * i), lat=IN_G1[1], lon=IN_G1[0])
        warnings = proactive_service.compute_warnings(s, now=now)
        assert warnings, "the crawl needs an early warning"
        handler1 = auth_service.get_user_by_username(s, username="handler1")
        ids: dict[str, object] = {
            "plan_id": annual.id,
            "task_id": task_id,
            "asset": asset.code,
            "warning_id": warnings[0].id,
            "user_id": handler1.id,
        }
        s.commit()
    project = api.post(
        "planner",
        "/api/v1/projects",
        {"task_id": task_id, "name": "停车场", "type": "new_build", "area": "S1", "lead_units": ["ST1"]},
    )
    assert project.status_code == 201, project.text
    pid = project.json()["id"]
    for user, path, body in (
        ("planner", f"/api/v1/projects/{pid}/milestones", {"name": "开工", "planned_on": "2022-03-01"}),
        ("handler1", "/api/v1/plan-reports", {"project_id": pid, "period": "2022-05", "text": "已开工"}),
        ("planner", "/api/v1/supervision-notes", {"project_id": pid, "text": "协调征地"}),
    ):
        r = api.post(user, path, body)
        assert r.status_code == 201, (path, r.text)
    month = (now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    topic = api.post(
        "super1",
        "/api/v1/topics",
        {"month": month, "area": "G1", "category": "010101", "tasks": [{"unit": "ST1", "title": "排查路灯"}]},
    )
    assert topic.status_code == 201, topic.text
    return ids | {
        "ref": order["number"],
        "number": order["number"],
        "order_id": order["id"],
        "project_id": pid,
        "rule_id": rule.json()["id"],
        "entry_id": entry.json()["id"],
        "topic_id": topic.json()["id"],
        "month": month,
    }


def _code(path: str, ids: dict) -> list[str]:
    """The {code} of a path: an area, an asset, a category, a unit — by the route's prefix."""
    if path.startswith(("/api/v1/areas", "/admin/areas")):
        return ["G1"]
    if path.startswith(("/api/v1/assets", "/assets", "/p/")):
        return [str(ids["asset"])]
    if path.startswith(("/api/v1/categories", "/admin/categories", "/open311")):
        return ["010101"]
    return ["ST1"]


def fill(path: str, ids: dict) -> list[str]:
    """Every concrete path for a route path (a route with {kind}/{code} gives one per kind)."""
    if "{kind}" in path:
        return [
            path.replace("{kind}", k).replace("{code}", c) + f"?month={ids['month']}"
            for k, c in (("street", "S1"), ("unit", "ST1"))
        ]
    out = path
    for code in _code(path, ids):
        out = out.replace("{code}", code)
    values = {
        "fmt": "json",
        "phone": PHONE,
        "photo_id": "1",
        "token": "no-such-token",
        **{k: str(v) for k, v in ids.items()},
    }

    def value(m: re.Match) -> str:
        name = m.group(1).split(":")[0]
        if name not in values:
            raise AssertionError(f"the crawl has no value for {{{name}}} in {path}: add one to build()")
        return values[name]

    return [re.sub(r"\{([^}]+)\}", value, out)]


# Query parameters a route needs to answer more than 422.
QUERY = {
    "/api/v1/micro-projects": "?year=2022",
    "/api/v1/hotline/kb": "?q=供暖",
}


def get_routes(app) -> list[str]:
    """The path of every GET route (API and page), less the static files and the API docs."""
    out = []
    for path, route in flat_routes(app.routes):
        methods = getattr(route, "methods", None)
        if not isinstance(route, APIRoute) and methods is None:
            continue  # a mount
        if "GET" not in (methods or set()) or SKIP.search(path):
            continue
        out.append(path)
    return out


def requests(app, ids: dict) -> list[tuple[str, str]]:
    """(route path, concrete URL) for every GET route."""
    return [(p, url + QUERY.get(p, "")) for p in get_routes(app) for url in fill(p, ids)]
