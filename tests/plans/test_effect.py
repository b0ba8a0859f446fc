"""Did it work? Complaints before vs after a finished project, against comparable areas."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from huitian.auth.service import SYSTEM
from huitian.orders import service as orders_service
from huitian.orders.enums import OrderType
from huitian.orders.schemas import OrderCreate
from huitian.plans import service
from huitian.plans.enums import ProjectStatus, ProjectType
from huitian.plans.schemas import ProjectCreate
from tests.factories import IN_G1, IN_G2

DONE = date(2025, 6, 1)


def _orders(session, point, n: int, day: date, category: str = "010101") -> None:
    lon, lat = point
    items = [
        (
            OrderCreate(
                type=OrderType.COMPLAINT, description="路灯不亮", lon=lon, lat=lat, category_code=category
            ),
            SYSTEM,
        )
        for _ in range(n)
    ]
    at = datetime(day.year, day.month, day.day, 4, tzinfo=UTC)
    orders_service.create_orders(session, items=items, now=at)


def _finished_project(session, plan_id: int, task_id: int) -> int:
    data = ProjectCreate(
        task_id=task_id,
        name="一网格路灯改造",
        type=ProjectType.RENOVATION,
        area="G1",
        category_codes=["0101"],
        status=ProjectStatus.DONE,
        completed_on=DONE,
    )
    return service.create_project(session, principal=SYSTEM, data=data).id


def test_a_project_that_cut_complaints_shows_a_negative_difference_in_differences(db, plan):
    with db.write() as s:
        pid = _finished_project(s, plan["id"], plan["tasks"]["15"])
        before, after = DONE - timedelta(days=60), DONE + timedelta(days=60)
        _orders(s, IN_G1, 10, before)
        _orders(s, IN_G1, 4, after)  # the project's grid: 10 → 4
        _orders(s, IN_G2, 8, before)
        _orders(s, IN_G2, 10, after)  # the comparable grid: 8 → 10
        _orders(s, IN_G1, 5, after, category="020101")  # heating: not the project's category
        _orders(s, IN_G1, 7, DONE - timedelta(days=400))  # outside the window
        s.commit()
        out = service.effect(s, project_id=pid, months=6)
    assert (out.treated.before, out.treated.after) == (10, 4)
    assert (out.comparison.before, out.comparison.after) == (8, 10)
    assert out.comparison_areas == ["G2"]
    assert out.did == -8  # (4 − 10) − (10 − 8)


def test_an_unfinished_project_has_no_effect_yet(api, plan):
    r = api.post(
        "planner",
        "/api/v1/projects",
        {"task_id": plan["tasks"]["15"], "name": "x", "type": "micro", "area": "G1"},
    )
    r = api.get("planner", f"/api/v1/projects/{r.json()['id']}/effect")
    assert r.status_code == 422 and r.json()["field"] == "project_id"
