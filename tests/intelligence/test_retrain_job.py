"""The worker's retraining job: it trains when enough new closed orders came in (or an admin asked),
records each version with its evaluation, promotes it only when it is not worse, and never lets two
processes train the same target at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from huitian.config import get_settings
from huitian.intelligence import jobs
from huitian.intelligence import service as intelligence_service
from huitian.intelligence.models import ModelVersion, TrainingRun
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


def close_orders(db, pairs: list[tuple[str, str, str]]) -> None:
    now = datetime.now(UTC)
    with db.write() as session:
        ids = []
        for text, category, unit in pairs:
            order = create_at(session, now, description=text, category_code=category, **G1)
            act_at(session, order, "operator", "dispatch", now, unit=unit)
            ids.append(order.id)
        session.execute(update(Order).where(Order.id.in_(ids)).values(status="closed", outcome="resolved"))
        session.commit()


def history(n: int = 1) -> list[tuple[str, str, str]]:
    return [(t, "010101", "ST1") for t in LAMP * n] + [(t, "020101", "UT") for t in HEAT * n]


def runs(db) -> list[TrainingRun]:
    with db.read() as session:
        return list(session.scalars(select(TrainingRun).order_by(TrainingRun.id)))


def test_enough_new_closed_orders_retrain_and_promote_both_models_once(db):
    with db.write() as session:
        intelligence_service.set_retrain_min_new(session, value=8)
        session.commit()
    close_orders(db, history()[:6])
    assert jobs.retrain_once(db) == 0  # 6 < 8 new
    close_orders(db, history()[6:])
    assert jobs.retrain_once(db) == 2
    assert [(r.target, r.status, r.claim, r.n_train) for r in runs(db)] == [
        ("category", "promoted", None, 8),
        ("unit", "promoted", None, 8),
    ]
    with db.read() as session:
        for target in ("category", "unit"):
            row, _ = intelligence_service.active_model(session, target=target)
            assert row.created_by == "system" and row.evaluation["n"] == 8
            assert set(row.evaluation) >= {"macro_f1", "accuracy", "per_class_f1", "n_corrections"}
    assert jobs.retrain_once(db) == 0  # nothing new since


def test_a_worse_new_version_is_recorded_but_not_promoted_and_can_still_be_activated(db):
    with db.write() as session:
        intelligence_service.set_retrain_min_new(session, value=8)
        session.commit()
    close_orders(db, history())
    assert jobs.retrain_once(db) == 2
    with db.write() as session:
        # The active category model claims a score no new version can reach.
        session.execute(
            update(ModelVersion)
            .where(ModelVersion.target == "category")
            .values(evaluation={"macro_f1": 1.01, "accuracy": 1.0})
        )
        session.commit()
    close_orders(db, history())
    assert jobs.retrain_once(db) == 2
    last = {r.target: r for r in runs(db)[2:]}
    assert last["category"].status == "kept" and "低于当前第1版" in last["category"].note
    assert last["unit"].status == "promoted"
    with db.write() as session:
        assert intelligence_service.active_model(session)[0].version == 1
        intelligence_service.activate_model(session, model_id=last["category"].model_id)  # the admin's call
        assert intelligence_service.active_model(session)[0].version == 2


def test_an_admin_request_trains_at_the_next_round_and_is_then_cleared(db):
    close_orders(db, history())  # 8 < the default 200 new orders
    assert jobs.retrain_once(db) == 0
    with db.write() as session:
        intelligence_service.request_training(session, principal=principal(session, "admin"))
        session.commit()
    assert jobs.retrain_once(db) == 2
    with db.read() as session:
        assert intelligence_service.training_requested(session) is None
    assert jobs.retrain_once(db) == 0


def test_one_process_at_a_time_trains_a_target_and_a_failed_run_releases_its_claim(db):
    with db.write() as session:
        first = intelligence_service.claim_run(session, target="unit", trigger="schedule")
        assert first is not None
        assert intelligence_service.claim_run(session, target="unit", trigger="schedule") is None
        assert intelligence_service.claim_run(session, target="category", trigger="schedule") is not None
        session.commit()
    close_orders(db, [(t, "010101", "ST1") for t in LAMP])  # a single unit: nothing to learn
    assert jobs.retrain_once(db, force=True) == 0  # both targets are claimed: skipped
    with db.write() as session:
        for run in session.scalars(select(TrainingRun).where(TrainingRun.claim.is_not(None))):
            intelligence_service.finish_run(session, run_id=run.id, note="test")
        session.commit()
    assert jobs.retrain_once(db, force=True) == 0
    failed = runs(db)[-2:]
    assert [(r.status, r.claim) for r in failed] == [("failed", None), ("failed", None)]
    assert "at least two" in failed[0].note


def test_retrain_min_new_must_be_positive(db):
    with db.write() as session, pytest.raises(Exception, match="positive"):
        intelligence_service.set_retrain_min_new(session, value=0)
