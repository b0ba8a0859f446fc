"""Filing limits at every door (issue 14, item 9): one phone number however it is written, filings
without a phone number, signed-in residents per user, API keys per key (the phone page /m, the QR form
/p/{code}, POST /api/v1/orders, /orders/new, Open311)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from huitian.orders.models import Order
from huitian.security import ratelimit
from huitian.security.ratelimit import API_KEY_FILING, DbWindow
from tests.assets.test_public import CODE, _form, make_part
from tests.intake.conftest import BASE, IN_G1
from tests.intake.test_phone_page import csrf, file


@pytest.fixture(autouse=True)
def upload_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HUITIAN_UPLOAD_DIR", str(tmp_path / "uploads"))


SPELLINGS = ["13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "8613812345678", "(138)1234-5678"]


def phones(db) -> list[str | None]:
    with db.read() as s:
        return list(s.scalars(select(Order.citizen_phone).order_by(Order.id)))


def test_plus_86_and_0086_spellings_of_one_number_share_its_limit_and_are_stored_alike(client, db):
    for spelling in SPELLINGS:
        assert file(client, citizen_phone=spelling).status_code == 200, spelling
    r = file(client, citizen_phone="+8613812345678")
    assert r.status_code == 429 and "phone number" in r.json()["detail"] and r.headers["retry-after"]
    assert phones(db) == ["13812345678"] * 5
    assert file(client, citizen_phone="13900000000").status_code == 200  # another number still files


def test_filings_without_a_phone_number_are_limited_by_address(client, db):
    for _ in range(5):
        assert file(client).status_code == 200
    r = file(client, citizen_phone="")
    assert r.status_code == 429 and "without a phone number" in r.json()["detail"]
    assert len(phones(db)) == 5
    page = client.post(  # a person's browser is told in Chinese
        "/m",
        data={"description": "井盖松动", "address": "3号楼"} | csrf(client),
        headers={"Accept": "text/html"},
    )
    assert page.status_code == 429 and "提交过于频繁" in page.text and page.headers["retry-after"]


def test_filings_without_a_phone_number_are_limited_by_device_across_addresses(client, app):
    for _ in range(3):
        assert file(client).status_code == 200
    elsewhere = TestClient(app, client=("203.0.113.9", 50000), cookies=client.cookies)
    for _ in range(2):
        assert file(elsewhere).status_code == 200
    r = file(elsewhere)
    assert r.status_code == 429 and "from this device" in r.json()["detail"]
    assert file(TestClient(app, client=("203.0.113.10", 50000))).status_code == 200  # another device


def test_the_qr_form_counts_the_same_phone_number(client, db):
    make_part(db)
    for spelling in SPELLINGS:
        form = _form(client, CODE) | {"description": "路灯不亮", "citizen_phone": spelling}
        assert client.post(f"/p/{CODE}", data=form, follow_redirects=False).status_code == 303
    form = _form(client, CODE) | {"description": "路灯不亮", "citizen_phone": "+86 13812345678"}
    assert client.post(f"/p/{CODE}", data=form, follow_redirects=False).status_code == 429


def test_a_signed_in_resident_files_at_most_ten_an_hour_staff_are_not_limited(api, db):
    body = {"type": "complaint", "description": "楼道灯不亮", "address": "一社区3号楼"}
    for _ in range(10):
        assert api.post("resident1", "/api/v1/orders", body).status_code == 201
    r = api.post("resident1", "/api/v1/orders", body)
    assert r.status_code == 429 and "for this resident" in r.json()["detail"] and r.headers["retry-after"]
    assert api.post("resident2", "/api/v1/orders", body).status_code == 201  # per user
    for _ in range(11):
        assert api.post("operator", "/api/v1/orders", body).status_code == 201


def test_the_residents_count_covers_the_new_order_page_too(api, client, db):
    body = {"type": "complaint", "description": "楼道灯不亮", "address": "一社区3号楼"}
    for _ in range(10):
        assert api.post("resident1", "/api/v1/orders", body).status_code == 201
    client.post(
        "/login", data={"username": "resident1", "password": "correct-horse-1"} | csrf(client, "/login")
    )
    form = {"type": "complaint", "description": "楼道灯不亮", "address": "一社区3号楼"}
    r = client.post("/orders/new", data=form | csrf(client, "/orders/new"), headers={"Accept": "text/html"})
    assert r.status_code == 429 and "提交过于频繁" in r.text


def test_an_api_key_is_limited_per_key_on_open311_and_the_json_api_alike(client, app, db, api_key):
    # An API key is counted in process (ratelimit.IN_PROCESS_KINDS); it has filed all but one of its
    # hour's requests.
    window = ratelimit.window(app, "principal_filing", "api_key", API_KEY_FILING)
    assert not isinstance(window, DbWindow)
    for _ in range(API_KEY_FILING[0] - 1):
        window.hit(api_key)
    data = {"api_key": api_key, "service_code": "010101", **IN_G1, "description": "路灯不亮"}
    assert client.post(f"{BASE}/requests.json", data=data).status_code == 200
    r = client.post(f"{BASE}/requests.json", data=data)
    assert r.status_code == 429 and r.headers["retry-after"]
    assert r.json()[0]["code"] == 429 and "API key" in r.json()[0]["description"]  # the spec's errors
    body = {"type": "complaint", "description": "路灯不亮", "address": "一社区"}
    r = client.post("/api/v1/orders", json=body, headers={"X-API-Key": api_key})
    assert r.status_code == 429
