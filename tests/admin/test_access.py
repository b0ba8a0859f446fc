"""Only admins use the console: every page renders for them, others are refused and change nothing."""

from __future__ import annotations

import pytest

from tests.admin.conftest import post

PAGES = [
    "/admin",
    "/admin/areas",
    "/admin/areas?area=C1",
    "/admin/units",
    "/admin/units/new",
    "/admin/units/ST1",
    "/admin/categories",
    "/admin/categories/0101",
    "/admin/routing",
    "/admin/sla",
    "/admin/users",
    "/admin/users/1",
    "/admin/apikeys",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_admin_page_renders_for_the_admin(admin, path):
    r = admin.get(path)
    assert r.status_code == 200, r.text[:2000]
    assert '<nav class="admin-menu" aria-label="系统管理">' in r.text
    assert '<a href="/admin" aria-current="page">系统管理</a>' in r.text  # the main nav's link


@pytest.mark.parametrize(
    "username", ["operator", "handler1", "lead1", "super1", "grid1", "planner", "resident1"]
)
def test_other_roles_are_refused_every_page_and_see_no_admin_link(browser, username):
    b = browser(username)
    for path in PAGES:
        r = b.get(path)
        assert r.status_code == 403, f"{username} {path}: {r.status_code}"
        assert "系统管理页面仅供系统管理员使用" in r.text
    assert 'href="/admin"' not in b.get("/orders").text


def test_the_admin_sees_the_nav_link(admin):
    assert '<a href="/admin">系统管理</a>' in admin.get("/orders").text


def test_anonymous_visitors_are_sent_to_the_login(client):
    r = client.get("/admin/units", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    assert client.get("/admin/areas/map.geojson?area=D1").status_code == 401


def test_a_non_admin_post_writes_nothing(browser, admin):
    handler = browser("handler1")
    post(handler, "/admin/units/new", {"code": "HACK", "name": "黑单位", "kind": "utility"}, expect=403)
    post(handler, "/admin/users/1", {"role": "resident", "active": "0"}, expect=403)
    post(handler, "/admin/apikeys", {"name": "偷偷的"}, expect=403)
    assert admin.get("/admin/units/HACK").status_code == 404
    assert "偷偷的" not in admin.get("/admin/apikeys").text
    assert browser("admin").get("/admin").status_code == 200  # the admin was not demoted


def test_the_map_data_is_refused_to_other_roles(browser):
    assert browser("super1").get("/admin/areas/map.geojson?area=D1").status_code == 403


def test_a_form_without_the_csrf_token_is_refused(admin):
    r = admin.client.post(
        "/admin/units/new", data={"code": "X1", "name": "x", "kind": "utility", "csrf_token": "forged"}
    )
    assert r.status_code == 403
    assert admin.get("/admin/units/X1").status_code == 404
