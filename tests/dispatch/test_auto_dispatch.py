"""Triage at intake: above the admin's threshold the system dispatches by itself; below it, or with
auto-dispatch off, the order waits for an operator. Without a named unit, the catalogue decides."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from huitian.config import get_settings
from huitian.orders.models import Order
from tests.helpers import create_at, new_order

LAMP = ["路灯不亮,晚上出门看不见路", "小区门口的路灯坏了好几天", "楼下路灯一直不亮", "路灯灯泡坏了请维修"]
HEAT = ["暖气不热,屋里只有十五度", "家里暖气片冰凉", "供暖温度不达标,室温太低", "暖气不热老人受不了"]


@pytest.fixture(autouse=True)
def model_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HUITIAN_MODEL_DIR", str(tmp_path / "models"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def trained(api, db):
    now = datetime.now(UTC)
    with db.write() as session:
        ids = [create_at(session, now, description=t, category_code="010101").id for t in LAMP]
        ids += [create_at(session, now, description=t, category_code="020101").id for t in HEAT]
        session.execute(update(Order).where(Order.id.in_(ids)).values(status="closed", outcome="resolved"))
        session.commit()
    assert api.post("admin", "/api/v1/intelligence/models").status_code == 201


def set_threshold(api, value):
    r = api.client.put(
        "/api/v1/intelligence/settings", headers=api.headers("admin"), json={"auto_dispatch_threshold": value}
    )
    assert r.status_code == 200, r.text


def test_a_sure_order_is_dispatched_by_the_system_to_the_routed_unit(api, trained):
    set_threshold(api, 0.01)
    order = new_order(api, description="路灯不亮了,晚上出门看不见", category_code=None)
    assert order["status"] == "dispatched" and order["lead_unit"] == "ST1"
    dispatch = [e for e in order["events"] if e["kind"] == "dispatch"][0]
    assert dispatch["actor"] == "system" and "自动派单" in dispatch["payload"]["reason"]
    assert order["category_code"] == "010101"


def test_below_the_threshold_the_order_waits_for_an_operator(api, trained):
    set_threshold(api, 1.0)
    order = new_order(api, description="路灯不亮了,晚上出门看不见", category_code=None)
    assert order["status"] == "received"


def test_with_auto_dispatch_off_nothing_is_dispatched(api, trained):
    order = new_order(api, description="路灯不亮了,晚上出门看不见", category_code=None)
    assert order["status"] == "received"


def test_a_consultation_is_never_auto_dispatched(api, trained):
    set_threshold(api, 0.01)
    order = new_order(api, type="consultation", description="路灯坏了找哪个部门", category_code=None)
    assert order["status"] == "received"


def test_dispatch_without_a_unit_follows_the_catalogue(api):
    assert api.post("admin", "/api/v1/dispatch/rules", {"category": "02", "unit": "UT"}).status_code == 201
    heating = new_order(api, description="暖气不热", category_code="020101")
    done = api.act("operator", heating, "dispatch")
    assert done["lead_unit"] == "UT"
    assert done["events"][-1]["payload"]["route"]["reason"] == "rule"
    lamp = new_order(api, category_code="010101")
    assert api.act("operator", lamp, "dispatch")["lead_unit"] == "ST1"  # 属地: the street of the place
