"""/admin/models: the versions with their evaluation, the active one, roll back, the threshold and
retraining settings, "train now" (the worker's next round), and admins only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from huitian.config import get_settings
from huitian.intelligence import jobs
from huitian.intelligence import service as intelligence_service
from huitian.orders.models import Order
from tests.admin.conftest import admin, field_error, post  # noqa: F401
from tests.helpers import create_at
from tests.web.conftest import browser, client  # noqa: F401

LAMP = ["路灯不亮,晚上出门看不见路", "小区门口的路灯坏了好几天", "楼下路灯一直不亮", "路灯灯泡坏了请维修"]
HEAT = ["暖气不热,屋里只有十五度", "家里暖气片冰凉", "供暖温度不达标,室温太低", "暖气不热老人受不了"]


@pytest.fixture(autouse=True)
def model_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HUITIAN_MODEL_DIR", str(tmp_path / "models"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def closed_history(db) -> None:
    now = datetime.now(UTC)
    with db.write() as session:
        ids = [create_at(session, now, description=t, category_code="010101").id for t in LAMP]
        ids += [create_at(session, now, description=t, category_code="020101").id for t in HEAT]
        session.execute(update(Order).where(Order.id.in_(ids)).values(status="closed", lead_unit_id=None))
        session.commit()


def test_train_now_then_the_versions_with_their_evaluation_and_a_roll_back(admin, app):  # noqa: F811
    db = app.state.db
    closed_history(db)
    page = admin.get("/admin/models").text
    assert "还没有训练过诉求分类模型" in page and "派单模型" in page
    assert '<a href="/admin/models" aria-current="page">派单模型</a>' in page  # the console's menu
    post(admin, "/admin/models/train", {})
    assert "已请求训练" in admin.get("/admin/models").text
    assert jobs.retrain_once(db) == 1  # the category model; no closed order has a lead unit yet
    post(admin, "/admin/models/train", {})
    assert jobs.retrain_once(db) == 1
    page = admin.get("/admin/models").text
    assert "第1版" in page and "第2版" in page and "当前启用" in page and "宏F1" in page
    assert "路灯不亮" in page and "室温不达标" in page  # per-class F1 by category name
    assert "已启用" in page and "失败" in page  # the runs: promoted, and the unit model that had no data
    with db.read() as session:
        first = intelligence_service.list_models(session)[-1]
        assert not first.active
    post(admin, f"/admin/models/{first.id}/activate", {})
    with db.read() as session:
        assert intelligence_service.active_model(session)[0].version == 1
    assert admin.client.post("/admin/models/999/activate", follow_redirects=False).status_code == 404


def test_the_threshold_and_retrain_setting_are_saved_or_refused_beside_their_field(admin, app):  # noqa: F811
    post(admin, "/admin/models/settings", {"threshold": "0.9", "retrain_min_new": "50"})
    with app.state.db.read() as session:
        assert intelligence_service.auto_dispatch_threshold(session) == 0.9
        assert intelligence_service.retrain_min_new(session) == 50
    page = post(admin, "/admin/models/settings", {"threshold": "1.5", "retrain_min_new": "50"}, 422).text
    assert "(0, 1]" in field_error(page, "f-threshold")
    page = post(admin, "/admin/models/settings", {"threshold": "abc", "retrain_min_new": "0"}, 422).text
    assert field_error(page, "f-threshold") and field_error(page, "f-retrain_min_new")
    post(admin, "/admin/models/settings", {"threshold": "", "retrain_min_new": "50"})
    with app.state.db.read() as session:
        assert intelligence_service.auto_dispatch_threshold(session) is None


def test_only_the_admin_sees_the_page(browser):  # noqa: F811
    operator = browser("operator")
    assert operator.get("/admin/models").status_code == 403
    assert operator.client.post("/admin/models/train", follow_redirects=False).status_code in (403, 400)
