"""A small demo build: counts, places, histories consistent with the state machine, plausible rates,
and the live code working on what the demo wrote."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point, shape
from sqlalchemy import func, select

from huitian.app import create_app
from huitian.areas.models import Area
from huitian.auth import service as auth_service
from huitian.categories.models import Category
from huitian.demo import catalog
from huitian.demo.mixes import PATROL_TOPICS
from huitian.orders.enums import Action, OrderStatus
from huitian.orders.flows import RULES, STATELESS
from huitian.orders.models import Assignment, Order, OrderEvent
from huitian.units.models import Unit, UnitArea
from tests.demo.conftest import NOW, ORDERS, DemoBuild

ACTIONS = {a.value for a in Action}


def test_it_inserts_the_reference_data(demo_db):
    with demo_db.read() as s:
        assert s.scalar(select(func.count()).select_from(Area)) == len(catalog.area_properties())
        assert s.scalar(select(func.count()).select_from(Unit)) == len(catalog.UNITS)
        assert s.scalar(select(func.count()).select_from(Category)) == len(catalog.CATEGORIES)
        served = sum(len(u["area_codes"]) for u in catalog.UNITS)
        assert s.scalar(select(func.count()).select_from(UnitArea)) == served
        assert s.scalar(select(Area.path).where(Area.code == "110-01")) == "/110114/110114011/110/110-01/"
        assert s.scalar(select(Category.path).where(Category.code == "010101")) == "/01/0101/010101/"


def test_every_demo_user_logs_in_with_the_readme_password(demo_db):
    with demo_db.read() as s:
        for u in catalog.USERS:
            user = auth_service.authenticate(s, username=u["username"], password=u["password"])
            assert user.role == u["role"]


def test_it_builds_the_number_of_orders_asked_for(demo_build: DemoBuild, demo_db):
    with demo_db.read() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == ORDERS
        assert demo_build.stats["orders"] == ORDERS
        first, last = s.execute(select(func.min(Order.created_at), func.max(Order.created_at))).one()
    assert (NOW - first).days >= 360
    assert last <= NOW


def test_every_order_lies_in_its_grid(demo_db):
    with demo_db.read() as s:
        grids = {a.id: (a.level, a.path, shape(a.geometry)) for a in s.scalars(select(Area))}
        for o in s.scalars(select(Order)):
            level, path, geom = grids[o.area_id]
            assert level == "grid"
            assert o.area_path == path
            assert geom.contains(Point(o.lon, o.lat)), o.id


def _histories(s) -> dict[int, list[OrderEvent]]:
    out: dict[int, list[OrderEvent]] = defaultdict(list)
    for e in s.scalars(select(OrderEvent).order_by(OrderEvent.id)):
        out[e.order_id].append(e)
    return out


def test_every_history_replays_to_the_order_status(demo_db):
    with demo_db.read() as s:
        histories = _histories(s)
        for o in s.scalars(select(Order)):
            events = histories[o.id]
            assert events[0].kind == "created" and events[0].to_status == "received"
            state = "received"
            last = events[0].created_at
            for e in events[1:]:
                assert e.created_at >= last, (o.id, e.kind)
                last = e.created_at
                if e.kind == "merged_in":
                    continue
                if e.kind == "dispute":  # written with the return that caused it, as orders.flows does
                    assert e.to_status == state == "disputed"
                    continue
                assert e.from_status == state, (o.id, e.kind, e.from_status, state)
                if e.kind in ACTIONS:
                    action = Action(e.kind)
                    assert OrderStatus(state) in RULES[action].sources, (o.id, e.kind, state)
                    if action in STATELESS:
                        assert e.to_status == state
                state = e.to_status
            assert state == o.status, o.id
            assert o.version == 1 + sum(
                1 for e in events if e.kind not in ("created", "merged_in", "dispute")
            )


def test_closed_and_merged_orders_carry_their_outcome(demo_db):
    with demo_db.read() as s:
        for o in s.scalars(select(Order).where(Order.status.in_(["closed", "merged"]))):
            assert o.outcome and o.closed_at
            if o.status == "merged":
                target = s.get(Order, o.merged_into_id)
                assert target.id < o.id
                assert any(e.kind == "merged_in" for e in _events(s, target.id))
            if o.outcome in ("resolved", "unresolved"):
                assert o.satisfaction is not None and o.resolved is (o.outcome == "resolved")


def _events(s, order_id: int) -> list[OrderEvent]:
    return list(s.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id)))


def test_open_orders_have_their_lead_unit_and_deadlines(demo_db):
    with demo_db.read() as s:
        for o in s.scalars(select(Order).where(Order.status.in_(["dispatched", "accepted", "contacted"]))):
            lead = s.scalars(
                select(Assignment).where(
                    Assignment.order_id == o.id,
                    Assignment.role == "lead",
                    Assignment.status.in_(["assigned", "accepted"]),
                )
            ).all()
            assert len(lead) == 1 and lead[0].unit_id == o.lead_unit_id
            assert o.accept_due and o.contact_due and o.reply_due


def test_the_mixes_look_like_the_hotline(demo_build: DemoBuild):
    st = demo_build.stats
    assert 0.50 <= st["consultation_share"] <= 0.66
    assert 0.94 <= st["resolution_rate"] <= 0.995
    assert 0.93 <= st["satisfaction_rate"] <= 0.995
    assert 0.93 <= st["response_rate"] <= 0.995
    assert st["returned"] > 0 and st["reopened"] > 0 and st["extended"] > 0 and st["unreasonable"] > 0
    assert len(st["open_by_status"]) >= 3


def test_grid_patrols_report_what_can_be_seen_in_the_street(demo_db):
    with demo_db.read() as s:
        names = dict(s.execute(select(Category.id, Category.name)).tuples().all())
        parents = dict(s.execute(select(Category.id, Category.parent_id)).tuples().all())
        patrol = s.execute(
            select(
                Order.type, Order.category_id, Order.description, Order.citizen_phone, Order.proactive
            ).where(Order.channel == "patrol")
        ).all()
    assert 0.01 * ORDERS <= len(patrol) <= 0.04 * ORDERS
    for otype, category_id, description, phone, proactive in patrol:
        assert otype == "complaint" and proactive and phone is None
        assert names[parents[category_id]] in PATROL_TOPICS
        assert description.startswith("网格巡查发现") and "来电" not in description


def test_heating_calls_come_in_winter(demo_db):
    with demo_db.read() as s:
        heating = s.scalars(
            select(Order.created_at)
            .join(Category, Category.id == Order.category_id)
            .where(Category.path.like("/03/0301/%"))
        ).all()
    months = Counter(t.month for t in heating)
    winter = sum(months[m] for m in (11, 12, 1, 2, 3))
    assert winter > 0.75 * len(heating)


def test_the_same_seed_builds_the_same_history(demo_build: DemoBuild, tmp_path):
    from huitian import migrate
    from huitian.db import Database
    from huitian.demo.build import build_demo

    url = f"sqlite:///{tmp_path / 'again.db'}"  # the same seed gives the same rows on any database
    migrate.upgrade(url)
    db = Database(url)
    try:
        stats = build_demo(db.engine, orders=ORDERS, seed=7, now=NOW)
    finally:
        db.dispose()
    assert {k: v for k, v in stats.items() if k != "seconds"} == {
        k: v for k, v in demo_build.stats.items() if k != "seconds"
    }


@pytest.fixture
def demo_client(demo_copy_url: str):
    with TestClient(create_app(demo_copy_url, run_worker=False)) as client:
        yield client


def _token(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", json={"username": username, "password": catalog.DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_the_live_api_reads_and_acts_on_demo_orders(demo_client: TestClient):
    operator = _token(demo_client, "operator")
    r = demo_client.get("/api/v1/orders", params={"status": "replied", "limit": 5}, headers=operator)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items, "the demo should leave some orders waiting for their callback"
    order = demo_client.get(f"/api/v1/orders/{items[0]['id']}", headers=operator).json()
    assert "callback" in order["allowed_actions"]
    body = {"action": "callback", "version": order["version"], "resolved": True, "satisfaction": "satisfied"}
    r = demo_client.post(f"/api/v1/orders/{order['id']}/actions", json=body, headers=operator)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "called_back"


def test_the_street_handler_sees_only_its_units_orders(demo_client: TestClient, demo_db):
    handler = _token(demo_client, "handler")
    r = demo_client.get("/api/v1/orders", params={"limit": 200}, headers=handler)
    assert r.status_code == 200, r.text
    assert r.json()["total"] > 0
    with demo_db.read() as s:
        unit = s.scalar(select(Unit.id).where(Unit.code == "ST-110114011"))
        for item in r.json()["items"]:
            units = s.scalars(select(Assignment.unit_id).where(Assignment.order_id == item["id"])).all()
            assert unit in units


def test_a_new_order_after_the_build_gets_the_next_id_and_a_demo_grid(demo_client: TestClient):
    operator = _token(demo_client, "operator")
    body = {
        "type": "complaint",
        "description": "小区门口路灯不亮,晚上行人看不清路",
        "lat": 40.0745,
        "lon": 116.3205,
    }
    r = demo_client.post("/api/v1/orders", json=body, headers=operator)
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["id"] == ORDERS + 1
    detail = demo_client.get(f"/api/v1/orders/{order['id']}", headers=operator).json()
    assert detail["events"][0]["id"] > ORDERS


def test_it_carries_the_two_seed_plans_with_their_tasks(demo_build: DemoBuild, demo_db):
    from huitian.plans.models import Plan, PlanTask

    assert demo_build.stats["plans"] == 2
    with demo_db.read() as s:
        assert s.scalar(select(func.count()).select_from(Plan)) == 2
        assert s.scalar(select(func.count()).select_from(PlanTask)) == 46
