"""Suggestions for operators: a category model trained on closed orders, units from the catalogue,
versions an admin can train, list and roll back, and corrections that change the next model."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from huitian.config import get_settings
from huitian.intelligence import service as intelligence_service
from huitian.orders.models import Order
from tests.helpers import create_at, new_order

LAMP = ["小区门口路灯不亮晚上很黑", "路灯坏了好几天没人修", "楼下路灯一直闪烁不亮", "道路照明灯不亮行人摔倒"]
HEAT = [
    "家里暖气不热室温只有十五度",
    "暖气片冰凉供暖不达标",
    "冬天供暖温度太低屋里冷",
    "暖气管道不热请热力公司来修",
]
ODD = "小区锅炉房夜里噪音很大影响休息"

MODELS = "/api/v1/intelligence/models"


@pytest.fixture(autouse=True)
def model_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HUITIAN_MODEL_DIR", str(tmp_path / "models"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def history(db):
    """Eight closed orders, four per third-level category, as the training history."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    with db.write() as session:
        ids = [create_at(session, now, description=t, category_code="010101").id for t in LAMP]
        ids += [create_at(session, now, description=t, category_code="020101").id for t in HEAT]
        session.execute(update(Order).where(Order.id.in_(ids)).values(status="closed", outcome="resolved"))
        session.commit()


def _train(api) -> dict:
    r = api.post("admin", MODELS)
    assert r.status_code == 201, r.text
    return r.json()


def _close(api, order: dict, unit: str, handler: str, category: str) -> None:
    api.act("operator", order, "dispatch", unit=unit, category_code=category)
    api.act(handler, order, "accept")
    api.act(handler, order, "contact", note="已电话联系")
    api.act(handler, order, "reply", text="已处理")
    api.act("operator", order, "callback", resolved=True, satisfaction="satisfied")
    api.act("operator", order, "close")


def test_suggestions_give_three_categories_and_the_units_they_route_to(api, history):
    model = _train(api)
    assert model["version"] == 1 and model["active"] and model["n_train"] == 8
    assert "macro_f1" in model["evaluation"]
    order = new_order(api, description="路灯不亮了,晚上出门看不见", category_code=None)
    got = api.get("operator", f"/api/v1/orders/{order['id']}/suggestions").json()
    assert got["model_version"] == 1
    assert got["category"][0]["code"] == "010101"
    assert 0 < got["category"][0]["confidence"] <= 1
    assert got["unit"][0] == {
        "code": "ST1",
        "name": "一街道办事处",
        "confidence": got["unit"][0]["confidence"],
        "reason": "territorial",
    }


def test_a_rule_beats_the_model_s_territorial_unit(api, history):
    _train(api)
    assert api.post("admin", "/api/v1/dispatch/rules", {"category": "02", "unit": "UT"}).status_code == 201
    order = new_order(api, description="暖气片不热,屋里很冷", category_code=None)
    units = api.get("operator", f"/api/v1/orders/{order['id']}/suggestions").json()["unit"]
    assert units[0]["code"] == "UT" and units[0]["reason"] == "rule"


def test_a_correction_changes_the_next_model(api, history):
    _train(api)
    order = new_order(api, description=ODD, category_code=None)
    first = api.get("operator", f"/api/v1/orders/{order['id']}/suggestions").json()["category"][0]["code"]
    corrected = "020101" if first == "010101" else "010101"
    _close(api, order, "ST1", "handler1", corrected)
    assert api.get("admin", "/api/v1/intelligence/corrections").json() == [
        {"order_id": order["id"], "suggested": first, "final": corrected}
    ]
    model = _train(api)
    assert model["version"] == 2 and model["n_train"] == 9 and model["evaluation"]["n_corrections"] == 1
    again = new_order(api, description=ODD, category_code=None)
    got = api.get("operator", f"/api/v1/orders/{again['id']}/suggestions").json()
    assert got["model_version"] == 2 and got["category"][0]["code"] == corrected


def test_an_admin_rolls_back_to_an_older_model(api, history):
    first, second = _train(api), _train(api)
    assert [m["active"] for m in api.get("admin", MODELS).json()] == [True, False]
    r = api.post("admin", f"{MODELS}/{first['id']}/activate")
    assert r.status_code == 200 and r.json()["active"]
    assert {m["id"]: m["active"] for m in api.get("admin", MODELS).json()} == {
        first["id"]: True,
        second["id"]: False,
    }


def test_training_without_two_categories_of_closed_orders_is_refused(api):
    r = api.post("admin", MODELS)
    assert r.status_code == 422 and r.json()["field"] == "orders"


def test_only_the_hotline_centre_sees_suggestions_and_only_admins_train(api, history):
    order = new_order(api)
    assert api.get("handler1", f"/api/v1/orders/{order['id']}/suggestions").status_code == 403
    assert api.get("super1", f"/api/v1/orders/{order['id']}/suggestions").status_code == 403
    assert api.post("operator", MODELS).status_code == 403
    assert api.get("operator", MODELS).status_code == 403


def test_without_a_model_the_order_s_own_category_is_routed(api):
    order = new_order(api)  # category 010101, in G1
    got = api.get("operator", f"/api/v1/orders/{order['id']}/suggestions").json()
    assert got["model_version"] is None and got["auto_dispatch"] is False
    assert [c["code"] for c in got["category"]] == ["010101"]
    assert got["unit"][0]["code"] == "ST1"


def test_auto_dispatch_needs_a_threshold_and_a_sure_enough_routed_suggestion(api, history):
    S = intelligence_service.Suggestions
    C = intelligence_service.Suggested
    sure = S(
        category=[C("010101", "路灯不亮", 0.9)],
        model_version=1,
        dispatch_category="010101",
        dispatch_unit="ST1",
        dispatch_confidence=0.85,
    )
    assert intelligence_service.should_auto_dispatch(sure, 0.8)
    assert not intelligence_service.should_auto_dispatch(sure, 0.88)  # the unit is not sure enough
    assert not intelligence_service.should_auto_dispatch(sure, 0.95)
    assert not intelligence_service.should_auto_dispatch(sure, None)
    unrouted = S(category=[C("010101", "路灯不亮", 0.9)], model_version=1)
    assert not intelligence_service.should_auto_dispatch(unrouted, 0.5)
    no_model = S(category=[C("010101", "路灯不亮", None)], dispatch_category="010101", dispatch_unit="ST1")
    assert not intelligence_service.should_auto_dispatch(no_model, 0.5)


def test_an_admin_sets_the_threshold_and_a_bad_one_is_refused(api, db):
    put = api.client.put
    h = api.headers("admin")
    assert put("/api/v1/intelligence/settings", json={"auto_dispatch_threshold": 0.9}, headers=h).json() == {
        "auto_dispatch_threshold": 0.9
    }
    r = put("/api/v1/intelligence/settings", json={"auto_dispatch_threshold": 1.5}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "threshold"
    with db.read() as session:
        assert intelligence_service.auto_dispatch_threshold(session) == 0.9
    h2 = api.headers("operator")
    assert (
        put("/api/v1/intelligence/settings", json={"auto_dispatch_threshold": 0.5}, headers=h2).status_code
        == 403
    )
