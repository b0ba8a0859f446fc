"""The staff parts registry pages: /assets (list, filters, map) and /assets/{code} (detail, orders,
history, edit form), in each user's scope; edits only by the hotline centre."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from huitian.assets import service as assets_service
from huitian.assets.models import Asset
from huitian.assets.schemas import AssetCreate
from huitian.orders.models import Order
from tests.factories import IN_G1, IN_S2
from tests.web.conftest import CSRF_RE, FormClient, login


def make(db, **fields) -> str:
    body = {"class_code": "0106", "name": "路灯", "lon": IN_G1[0], "lat": IN_G1[1], "unit": "UT"} | fields
    with db.write() as s:
        asset = assets_service.create_asset(s, data=AssetCreate(**body))
        s.commit()
        return asset.code


@pytest.fixture
def client(app):
    with FormClient(app) as c:
        yield c


@pytest.fixture
def as_user(client):
    """as_user("operator") → the test's client, signed in afresh as that user (one user at a time)."""

    def sign_in(username: str) -> FormClient:
        client.cookies.clear()
        login(client, username)
        return client

    return sign_in


def test_the_list_filters_pages_and_maps_only_the_parts_in_scope(db, as_user):
    lamp = make(db, name="龙锦苑路灯")
    bin_s2 = make(db, class_code="0301", name="垃圾桶站", lon=IN_S2[0], lat=IN_S2[1], unit="ST2")
    page = as_user("operator").get("/assets")
    assert page.status_code == 200 and lamp in page.text and bin_s2 in page.text
    assert 'data-src="/api/v1/assets/export.geojson?"' in page.text and "/static/assets.js" in page.text
    assert "style=" not in page.text and "<script>" not in page.text
    filtered = as_user("operator").get("/assets", params={"class": "0301"}).text
    assert bin_s2 in filtered and lamp not in filtered
    assert "export.geojson?class=0301" in filtered
    searched = as_user("operator").get("/assets", params={"q": "龙锦苑"}).text
    assert lamp in searched and bin_s2 not in searched
    super1 = as_user("super1").get("/assets").text
    assert '<a href="/assets" aria-current="page">城市部件</a>' in super1  # the main nav's link
    assert lamp in super1 and bin_s2 not in super1
    bad = as_user("operator").get("/assets", params={"class": "0999"})
    assert bad.status_code == 400 and "筛选条件有误" in bad.text
    assert as_user("resident1").get("/assets").status_code == 404


def test_the_part_page_shows_facts_orders_history_and_the_qr_label(db, as_user, api):
    code = make(db, unit="ST1")
    order = api.create("operator", description="路灯不亮")
    with db.write() as s:  # as 扫码即诉 links it (intake.qr.file_request)
        s.get(Order, order["id"]).asset_id = s.scalar(select(Asset.id).where(Asset.code == code))
        s.commit()
    page = as_user("operator").get(f"/assets/{code}")
    assert page.status_code == 200
    assert f"/api/v1/assets/{code}/qr.svg" in page.text and f"/assets/labels?codes={code}" in page.text
    assert order["number"] in page.text and "相关工单(1 件)" in page.text
    assert 'action="/assets/' in page.text  # the edit form
    handler = as_user("handler1").get(f"/assets/{code}")
    assert handler.status_code == 200 and 'action="/assets/' not in handler.text
    assert order["number"] not in handler.text  # the order is not the unit's: not listed
    assert as_user("super2").get(f"/assets/{code}").status_code == 404


def _form(client: FormClient, code: str, **fields) -> dict:
    page = client.get(f"/assets/{code}").text
    values = {
        "csrf_token": CSRF_RE.findall(page)[0],
        "name": re.search(r'id="e-name" name="name" value="([^"]*)"', page).group(1),
        "status": "in_service",
        "unit": "UT",
        "lat": re.search(r'id="e-lat" name="lat" value="([^"]*)"', page).group(1),
        "lon": re.search(r'id="e-lon" name="lon" value="([^"]*)"', page).group(1),
        "notes": "",
        "attributes": "",
    }
    return values | fields


def test_the_edit_form_saves_logs_and_refuses_bad_input_naming_the_field(db, as_user, api):
    code = make(db)
    operator = as_user("operator")
    r = operator.post(
        f"/assets/{code}",
        data=_form(operator, code, status="damaged", unit="BUR", attributes="灯杆高度=8米\n功率=150"),
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/assets/{code}?saved=1"
    part = api.get("operator", f"/api/v1/assets/{code}").json()
    assert (part["status"], part["unit"], part["attributes"]) == (
        "damaged",
        "BUR",
        {"灯杆高度": "8米", "功率": 150},
    )
    page = operator.get(f"/assets/{code}?saved=1").text
    assert "已保存" in page and "status in_service → damaged" in page and "unit UT → BUR" in page
    history = api.get("operator", f"/api/v1/assets/{code}/history").json()
    assert len(history) == 1
    # bad input: one clear message naming the field, nothing changed
    for fields, label in (
        ({"lat": "91"}, "纬度"),
        ({"attributes": "没有等号"}, "属性"),
        ({"unit": "NOPE"}, "养护单位"),
        ({"lon": ""}, "纬度"),
    ):
        r = operator.post(f"/assets/{code}", data=_form(operator, code, name="新名字", **fields))
        assert r.status_code == 422 and label in r.text, (fields, r.text[:500])
    assert api.get("operator", f"/api/v1/assets/{code}").json()["name"] == "路灯"
    assert len(api.get("operator", f"/api/v1/assets/{code}/history").json()) == 1
    # an attribute left out of the form is removed
    operator.post(
        f"/assets/{code}", data=_form(operator, code, status="damaged", unit="BUR", attributes="功率=150")
    )
    assert api.get("operator", f"/api/v1/assets/{code}").json()["attributes"] == {"功率": 150}


def test_a_user_who_may_only_read_cannot_post_the_edit_form(db, as_user, api):
    code = make(db, unit="ST1")
    handler = as_user("handler1")
    token = CSRF_RE.findall(handler.get("/login").text)[0]
    data = {"csrf_token": token, "name": "改", "status": "retired", "unit": "ST1"}
    r = handler.post(f"/assets/{code}", data=data)
    assert r.status_code == 422 and "只有 12345 热线中心" in r.text
    assert api.get("operator", f"/api/v1/assets/{code}").json()["status"] == "in_service"
    outsider = as_user("handler2")
    assert (
        outsider.post(
            f"/assets/{code}", data=data | {"csrf_token": CSRF_RE.findall(outsider.get("/login").text)[0]}
        ).status_code
        == 404
    )
