"""The Open311 public-reading setting on the API keys page (issue 14, item 1): shown, and only an admin
turns it on or off."""

from __future__ import annotations

from huitian.intake import service as intake_service
from tests.admin.conftest import post


def _public_read(app) -> bool:
    with app.state.db.read() as session:
        return intake_service.public_read(session)


def test_the_admin_sees_and_turns_open311_public_reading(admin, app):
    page = admin.get("/admin/apikeys").text
    assert 'data-open311-public-read="off"' in page and "开放公众查询" in page
    post(admin, "/admin/apikeys/open311", {"public_read": "on"})
    assert _public_read(app) is True
    assert 'data-open311-public-read="on"' in admin.get("/admin/apikeys").text
    post(admin, "/admin/apikeys/open311", {"public_read": "off"})
    assert _public_read(app) is False


def test_no_one_else_turns_it(browser, app):
    operator = browser("operator")
    r = operator.client.post("/admin/apikeys/open311", data={"public_read": "on"}, follow_redirects=False)
    assert r.status_code == 403 and "仅供系统管理员使用" in r.text  # the admin guard, not the CSRF check
    assert _public_read(app) is False
