"""The /warnings and /topics pages, signed in through the login form, posting forms as a browser does."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from huitian.db import utcnow
from huitian.proactive import service as proactive_service
from huitian.sla import service as sla_service
from tests.proactive.conftest import G1, orders
from tests.web.conftest import FormClient, login


@pytest.fixture
def as_user(app):
    def make(username: str) -> FormClient:
        c = FormClient(app)
        login(c, username)
        return c

    return make


def _warning_and_month(db) -> tuple[int, str]:
    now = utcnow()
    with db.write() as session:
        made = orders(
            session, n=4, at=now - timedelta(hours=1), where=G1, text="路灯不亮,晚上漆黑", spread_h=0.01
        )
        (w,) = proactive_service.compute_warnings(session, now=now)
        session.commit()
        month = made[-1].created_at.astimezone(sla_service.local_tz())
        return w.id, month.strftime("%Y-%m")


def test_a_supervisor_turns_a_warning_into_an_order_from_the_page(db, as_user):
    wid, _ = _warning_and_month(db)
    page = as_user("super1")
    r = page.get("/warnings")
    assert r.status_code == 200 and f'action="/warnings/{wid}/order"' in r.text
    assert 'href="/warnings"' in r.text and 'href="/topics"' in r.text  # the nav links
    r = page.post(f"/warnings/{wid}/order", data={}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/orders/")
    assert "未诉先办预警" in page.get(r.headers["location"]).text
    assert f'action="/warnings/{wid}/order"' not in page.get("/warnings?status=").text


def test_choosing_a_topic_from_the_page(db, as_user):
    _, month = _warning_and_month(db)
    page = as_user("super1")
    r = page.get(f"/topics?month={month}&level=grid")
    assert r.status_code == 200 and "一社区第1网格" in r.text and "漆黑" in r.text
    data = {"month": month, "area": "G1", "category": "0101", "title": "路灯整治"}
    r = page.post("/topics", data=data, follow_redirects=False)
    assert r.status_code == 303
    topic_url = r.headers["location"]
    r = page.get(topic_url)
    assert r.status_code == 200 and "路灯整治" in r.text and "双重差分" in r.text
    r = page.post(f"{topic_url}/tasks", data={"unit": "ST1", "title": "全面排查路灯"}, follow_redirects=False)
    assert r.status_code == 303 and "全面排查路灯" in page.get(topic_url).text
    assert as_user("super2").get(topic_url).status_code == 404
    bad = page.post("/topics", data=data | {"month": "2026-13"}, follow_redirects=False)
    assert bad.status_code == 422


def test_the_pages_are_for_staff_with_an_area_or_the_centre(app, as_user):
    assert as_user("handler1").get("/warnings").status_code == 403
    assert "未诉先办" not in as_user("handler1").get("/orders").text
    anonymous = FormClient(app)
    r = anonymous.get("/topics", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert re.search(r"<h1>每月一题</h1>", as_user("planner").get("/topics").text)


def test_a_refused_form_keeps_nothing_and_says_why(db, as_user):
    wid, month = _warning_and_month(db)
    page = as_user("super1")
    r = page.post(f"/warnings/{wid}/decision", data={"action": "dismiss"}, follow_redirects=False)
    assert r.status_code == 422 and "note" in r.text  # a dismissal needs its reason
    assert f'action="/warnings/{wid}/order"' in page.get("/warnings").text  # still open
    outsider = as_user("super2").post(f"/warnings/{wid}/decision", data={"action": "acknowledge"})
    assert outsider.status_code == 404

    data = {"month": month, "area": "G1", "category": "0101", "title": "路灯整治"}
    topic_url = page.post("/topics", data=data, follow_redirects=False).headers["location"]
    r = page.post(f"{topic_url}/tasks", data={"unit": "ST1", "title": ""}, follow_redirects=False)
    assert r.status_code == 422
    r = page.post(f"{topic_url}/tasks", data={"unit": "NOPE", "title": "排查"}, follow_redirects=False)
    assert r.status_code in (404, 422) and "NOPE" in r.text
    assert "排查" not in page.get(topic_url).text
