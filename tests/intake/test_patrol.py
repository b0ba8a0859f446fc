"""Grid worker patrol reports (主动发现): photo + place + category → a proactive order in the grid."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from huitian.intake.models import OrderAttachment
from huitian.orders.models import Order
from tests.conftest import PASSWORD
from tests.intake.test_phone_page import csrf
from tests.intake.test_photos import jpeg, png


@pytest.fixture(autouse=True)
def upload_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HUITIAN_UPLOAD_DIR", str(tmp_path / "uploads"))


def signed_in(app, username: str) -> TestClient:
    client = TestClient(app)
    data = {"username": username, "password": PASSWORD} | csrf(client, "/login")
    r = client.post("/login", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    return client


def report(client: TestClient, files=None, **fields):
    data = {"category_code": "010101", "description": "", "address": ""} | csrf(client, "/login") | fields
    files = files if files is not None else [("photos", ("p.jpg", jpeg(), "image/jpeg"))]
    return client.post("/patrol", data=data, files=files, follow_redirects=False)


def test_a_patrol_report_creates_a_proactive_patrol_order_in_the_workers_grid(app, db):
    client = signed_in(app, "grid1")
    page = client.get("/patrol")
    assert page.status_code == 200 and 'value="010101"' in page.text
    r = report(client)  # the place comes from the photo's EXIF GPS (grid G1)
    assert r.status_code == 200, r.text
    with db.read() as session:
        order = session.scalar(select(Order).order_by(Order.id.desc()))
        photos = session.scalars(select(OrderAttachment).where(OrderAttachment.order_id == order.id)).all()
    assert f"{order.id:08d}" in r.text
    assert order.channel == "patrol" and order.proactive is True
    assert order.area_path is not None and order.area_path.endswith("/G1/")
    assert order.description.startswith("网格巡查发现") and len(photos) == 1


def test_a_typed_place_and_a_png_are_accepted_too(app, db):
    client = signed_in(app, "grid1")
    files = [("photos", ("p.png", png(), "image/png"))]
    r = report(client, files=files, lat="40.07", lon="116.33", description="垃圾桶满溢")
    assert r.status_code == 200, r.text
    with db.read() as session:
        order = session.scalar(select(Order).order_by(Order.id.desc()))
    assert order.area_path.endswith("/G2/") and order.description == "垃圾桶满溢"


def test_a_report_without_a_photo_or_with_an_unknown_category_is_refused(app):
    client = signed_in(app, "grid1")
    assert report(client, files=[]).status_code == 422
    assert report(client, category_code="999999").status_code == 422


def test_a_handler_cannot_use_the_patrol_report_and_a_stranger_is_sent_to_login(app):
    handler = signed_in(app, "handler1")
    assert handler.get("/patrol").status_code == 403
    assert report(handler).status_code == 403
    stranger = TestClient(app).get("/patrol", follow_redirects=False)
    assert stranger.status_code == 303 and stranger.headers["location"].startswith("/login")
