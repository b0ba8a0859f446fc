"""The lead unit is learned from closed orders (text + place); an operator's dispatch to another unit is
a correction the next model learns; a catalogue rule still beats the models; auto-dispatch uses it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from huitian.config import get_settings
from huitian.intelligence import service as intelligence_service
from huitian.orders.models import Order
from tests.helpers import act_at, create_at, principal

LAMP = ["路灯不亮,晚上出门看不见路", "小区门口的路灯坏了好几天", "楼下路灯一直不亮", "路灯灯泡坏了请维修"]
HEAT = ["暖气不热,屋里只有十五度", "家里暖气片冰凉", "供暖温度不达标,室温太低", "暖气不热老人受不了"]
G1 = {"lat": 40.07, "lon": 116.31}


@pytest.fixture(autouse=True)
def model_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HUITIAN_MODEL_DIR", str(tmp_path / "models"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def closed_history(session, texts: list[str], unit: str, category: str) -> list[int]:
    now = datetime.now(UTC)
    ids = []
    for text in texts:
        order = create_at(session, now, description=text, category_code=category, **G1)
        act_at(session, order, "operator", "dispatch", now, unit=unit)
        ids.append(order.id)
    session.execute(update(Order).where(Order.id.in_(ids)).values(status="closed", outcome="resolved"))
    session.flush()
    return ids


def unit_proba(session, text: str) -> dict[str, float]:
    _row, model = intelligence_service.active_model(session, target="unit")
    place = ["测试区", "一街道", "一社区", "一社区第1网格"]
    proba = model.predict_proba([intelligence_service.unit_text(None, text, place)])[0]
    return dict(zip(model.classes_, proba, strict=True))


def test_a_correction_to_another_unit_changes_the_next_unit_model(db):
    with db.write() as session:
        closed_history(session, LAMP, "ST1", "010101")
        closed_history(session, HEAT, "UT", "020101")
        admin = principal(session, "admin")
        first = intelligence_service.train(session, principal=admin, target="unit")
        intelligence_service.train(session, principal=admin, target="category")
        assert first.evaluation["n"] == 8 and "per_class_f1" in first.evaluation
        before = unit_proba(session, "路灯不亮了")
        assert "BUR" not in before and max(before, key=before.get) == "ST1"

        # The operator is shown ST1 for new lamp orders but sends them to the city bureau.
        now = datetime.now(UTC)
        corrected = []
        for text in LAMP + LAMP:
            order = create_at(session, now, description=text, category_code=None, **G1)
            shown = intelligence_service.suggest(session, order=order)
            assert shown.dispatch_unit == "ST1" and shown.unit[0].code == "ST1"
            intelligence_service.record(session, order=order, suggestions=shown, model_id=None)
            act_at(session, order, "operator", "dispatch", now, unit="BUR", category_code="010101")
            corrected.append(order.id)
        session.execute(update(Order).where(Order.id.in_(corrected)).values(status="closed"))
        session.flush()
        assert {(s, f) for _, s, f in intelligence_service.unit_corrections(session)} == {("ST1", "BUR")}

        second = intelligence_service.train(session, principal=admin, target="unit")
        assert second.version == 2 and second.active and second.evaluation["n_corrections"] == 8
        after = unit_proba(session, "路灯不亮了")
        assert max(after, key=after.get) == "BUR"
        order = create_at(session, now, description="路灯不亮了", category_code=None, **G1)
        shown = intelligence_service.suggest(session, order=order)
        assert shown.unit_model_version == 2 and shown.dispatch_unit == "BUR"
        assert shown.unit[0].code == "BUR" and shown.unit[0].reason == "model"
        session.commit()


def test_a_catalogue_rule_beats_the_unit_model_and_auto_dispatch_follows_the_unit(api, db):
    with db.write() as session:
        closed_history(session, LAMP * 2, "BUR", "010101")
        closed_history(session, HEAT, "UT", "020101")
        admin = principal(session, "admin")
        intelligence_service.train(session, principal=admin, target="unit")
        intelligence_service.train(session, principal=admin, target="category")
        intelligence_service.set_auto_dispatch_threshold(session, threshold=0.05)
        session.commit()
    order = api.create("operator", description="路灯不亮了,晚上出门看不见", **G1)
    assert order["status"] == "dispatched" and order["lead_unit"] == "BUR"  # the model, not 属地 ST1
    got = api.get("operator", f"/api/v1/orders/{order['id']}/suggestions").json()
    assert got["unit_model_version"] == 1 and got["dispatch_unit"] == "BUR"

    assert api.post("admin", "/api/v1/dispatch/rules", {"category": "01", "unit": "UT"}).status_code == 201
    ruled = api.create("operator", description="路灯不亮了,晚上出门看不见", **G1)
    assert ruled["status"] == "dispatched" and ruled["lead_unit"] == "UT"
    got = api.get("operator", f"/api/v1/orders/{ruled['id']}/suggestions").json()
    assert got["dispatch_unit"] == "UT" and got["unit"][0] == {
        **got["unit"][0],
        "code": "UT",
        "reason": "rule",
    }


def test_training_a_unit_model_needs_two_units(api, db):
    with db.write() as session:
        closed_history(session, LAMP, "ST1", "010101")
        session.commit()
    r = api.post("admin", "/api/v1/intelligence/models", {"target": "unit"})
    assert r.status_code == 422 and "lead units" in r.text
    r = api.post("admin", "/api/v1/intelligence/models", {"target": "street"})
    assert r.status_code == 422
