"""Users, API keys, time limits and the calendar through their admin forms."""

from __future__ import annotations

import re
from datetime import date

from huitian.auth import deps
from huitian.auth import service as auth_service
from huitian.sla import service as sla_service
from tests.admin.conftest import field_error, post
from tests.conftest import PASSWORD
from tests.web.conftest import FormClient


def _user(app, username):
    with app.state.db.read() as session:
        user = auth_service.get_user_by_username(session, username=username)
        session.expunge(user)
        return user


def _can_sign_in(app, username, password) -> bool:
    with FormClient(app) as c:
        r = c.post("/login", data={"username": username, "password": password}, follow_redirects=False)
        return r.status_code == 303


# --- users ---------------------------------------------------------------------------------------------


def test_the_admin_creates_a_handler_then_moves_them_to_an_area_role(admin, app):
    post(
        admin,
        "/admin/users",
        {
            "username": "handler3",
            "display_name": "孙承办",
            "password": "long-enough-1",
            "role": "handler",
            "unit": "ST2",
        },
    )
    user = _user(app, "handler3")
    assert (user.display_name, user.role, user.unit_id is not None, user.area_id) == (
        "孙承办",
        "handler",
        True,
        None,
    )
    assert _can_sign_in(app, "handler3", "long-enough-1")
    r = post(
        admin,
        f"/admin/users/{user.id}",
        {"display_name": "孙督办", "role": "supervisor", "unit": "", "area": "S2", "active": "1"},
    )
    assert r.headers["location"] == f"/admin/users/{user.id}"
    moved = _user(app, "handler3")
    assert (moved.display_name, moved.role, moved.unit_id, moved.area_id is not None) == (
        "孙督办",
        "supervisor",
        None,
        True,
    )
    listing = admin.get("/admin/users").text
    assert "孙督办" in listing and "二街道(S2)" in listing


def test_a_role_without_its_scope_is_refused_beside_the_field(admin, app):
    page = post(
        admin, "/admin/users", {"username": "h4", "password": "long-enough-1", "role": "handler"}, expect=422
    ).text
    assert "needs a unit" in field_error(page, "nu-unit")
    page = post(
        admin, "/admin/users", {"username": "h5", "password": "short", "role": "operator"}, expect=422
    ).text
    assert field_error(page, "nu-password") == "至少 8 个字符"
    page = post(
        admin, "/admin/users", {"username": "admin", "password": "long-enough-1", "role": "operator"}, 409
    ).text
    assert "taken" in field_error(page, "nu-username")
    for name in ("h4", "h5"):
        assert _user_missing(app, name)
    handler1 = _user(app, "handler1")
    page = post(
        admin, f"/admin/users/{handler1.id}", {"role": "grid_worker", "area": "", "active": "1"}, 422
    ).text
    assert "needs an area" in field_error(page, "eu-area")
    assert _user(app, "handler1").role == "handler"


def _user_missing(app, username) -> bool:
    with app.state.db.read() as session:
        return auth_service.get_user_by_username(session, username=username) is None


def test_disabling_a_user_stops_their_sign_in_and_a_reset_password_works(admin, app):
    handler2 = _user(app, "handler2")
    post(admin, f"/admin/users/{handler2.id}", {"role": "handler", "unit": "ST2", "active": "0"})
    assert _user(app, "handler2").active is False
    assert not _can_sign_in(app, "handler2", PASSWORD)
    post(admin, f"/admin/users/{handler2.id}", {"role": "handler", "unit": "ST2", "active": "1"})
    page = post(
        admin, f"/admin/users/{handler2.id}/password", {"password": "brand-new-pass"}, expect=200
    ).text
    assert "密码已重置" in page
    assert _can_sign_in(app, "handler2", "brand-new-pass") and not _can_sign_in(app, "handler2", PASSWORD)
    page = post(admin, f"/admin/users/{handler2.id}/password", {"password": "short"}, expect=422).text
    assert field_error(page, "pw-password") == "至少 8 个字符"


def test_the_admin_cannot_disable_themself(admin, app):
    me = _user(app, "admin")
    page = post(admin, f"/admin/users/{me.id}", {"role": "admin", "active": "0"}, expect=422).text
    assert "不能停用自己的账号" in field_error(page, "eu-active")
    assert _user(app, "admin").active is True


# --- API keys ------------------------------------------------------------------------------------------


def test_an_api_key_is_shown_once_works_and_stops_working_when_revoked(admin, client):
    page = post(
        admin, "/admin/apikeys", {"name": "城管委业务系统", "unit": "BUR", "role": ""}, expect=200
    ).text
    key = re.search(r'id="new-key-value" class="key" readonly value="(ht_[^"]+)"', page).group(1)
    assert client.get("/api/v1/me", headers={"X-API-Key": key}).json()["role"] == "handler"
    listing = admin.get("/admin/apikeys").text
    assert key not in listing and key[:10] in listing and "城管委业务系统" in listing
    key_id = re.search(r'action="/admin/apikeys/(\d+)/revoke"', listing).group(1)
    post(admin, f"/admin/apikeys/{key_id}/revoke", {})
    assert "已吊销" in admin.get("/admin/apikeys").text
    deps._key_principals.clear()  # a verified key is cached for 10 s per process (auth/deps.py)
    assert client.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 401


def test_an_api_key_without_a_name_is_refused(admin):
    page = post(admin, "/admin/apikeys", {"name": "", "role": "handler"}, expect=422).text
    assert field_error(page, "nk-name")
    assert "ht_" not in page


# --- time limits and the calendar -----------------------------------------------------------------------


def test_the_admin_edits_a_time_limit(admin, app):
    post(admin, "/admin/sla/policies/contact", {"amount": "4", "unit": "hours", "label": "联系群众"})
    with app.state.db.read() as session:
        row = {p.code: p for p in sla_service.list_policies(session)}["contact"]
        assert (row.amount, row.unit, row.label) == (4, "hours", "联系群众")
    page = post(admin, "/admin/sla/policies/contact", {"amount": "0", "unit": "hours"}, expect=422).text
    assert field_error(page, "p-contact-amount") == "不能小于 1"
    with app.state.db.read() as session:
        assert {p.code: p.amount for p in sla_service.list_policies(session)}["contact"] == 4


def test_the_admin_adds_a_holiday_and_a_make_up_workday(admin, app):
    post(admin, "/admin/sla/calendar", {"day": "2031-10-08", "kind": "holiday", "note": "国庆节"})
    r = post(
        admin, "/admin/sla/calendar", {"day": "2031-10-11", "kind": "workday", "note": "调休上班:国庆节"}
    )
    assert r.headers["location"] == "/admin/sla?year=2031"
    with app.state.db.read() as session:
        days = {d.day: (d.is_workday, d.note) for d in sla_service.list_calendar(session, year=2031)}
    assert days[date(2031, 10, 8)] == (False, "国庆节") and days[date(2031, 10, 11)] == (
        True,
        "调休上班:国庆节",
    )
    page = admin.get("/admin/sla", params={"year": "2031"}).text
    assert "2031-10-08" in page and "调休上班" in page
    page = post(admin, "/admin/sla/calendar", {"day": "2031-13-40", "kind": "holiday"}, expect=422).text
    assert field_error(page, "cal-day") == "日期格式应为 YYYY-MM-DD"
