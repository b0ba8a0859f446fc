"""The resident phone page /m: anonymous filing, the follow-up link, and rating after the reply."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from huitian.intake.models import OrderAttachment, PublicFiling
from huitian.orders.models import Order, OrderEvent
from tests.helpers import PHONE
from tests.intake.test_photos import jpeg

NAME = "李四光"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf(client, path: str = "/m") -> dict:
    """The form's CSRF field as a browser would post it back (empty where no CSRF middleware runs)."""
    found = CSRF_RE.search(client.get(path).text)
    return {"csrf_token": found.group(1)} if found and found.group(1) else {}


@pytest.fixture(autouse=True)
def upload_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HUITIAN_UPLOAD_DIR", str(tmp_path / "uploads"))


def file(client, files=None, **fields):
    data = {"description": "楼下井盖松动,踩上去晃", "address": "一社区3号楼南侧"} | csrf(client) | fields
    return client.post("/m", data=data, files=files)


def filed(client, **fields) -> tuple[str, str]:
    r = file(client, **fields)
    assert r.status_code == 200, r.text
    link = re.search(r'href="(/m/t/(\d+)\?k=([\w-]+))"', r.text)
    assert link, r.text
    return link.group(1), link.group(2)


def test_the_phone_page_is_open_to_anyone_and_works_without_javascript(client):
    page = client.get("/m")
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text
    assert 'enctype="multipart/form-data"' in page.text and 'name="description"' in page.text


def test_an_anonymous_filing_creates_a_web_order_with_no_user_and_a_hashed_link_secret(client, db):
    link, number = filed(client, citizen_phone=PHONE, citizen_name=NAME)
    with db.read() as session:
        order = session.scalar(select(Order).order_by(Order.id.desc()))
        filing = session.get(PublicFiling, order.id)
        actor = session.scalar(select(OrderEvent.actor_name).where(OrderEvent.order_id == order.id))
    assert number.endswith(f"{order.id:08d}")
    assert order.channel == "web" and order.created_by_id is None and order.proactive is False
    assert order.citizen_phone == PHONE and actor == "public:web"
    token = link.split("k=")[1]
    assert filing is not None and token not in filing.token_hash and len(filing.token_hash) == 64


def test_the_place_comes_from_the_photo_when_none_is_given_and_the_photo_is_kept(client, db):
    photo = ("photos", ("IMG_0001.jpg", jpeg(), "image/jpeg"))
    filed(client, address="", files=[photo])
    with db.read() as session:
        order = session.scalar(select(Order).order_by(Order.id.desc()))
        rows = session.scalars(select(OrderAttachment).where(OrderAttachment.order_id == order.id)).all()
    assert (order.lat, order.lon) == pytest.approx((40.07, 116.31))
    assert order.area_path is not None  # placed in grid G1
    assert len(rows) == 1 and rows[0].content_type == "image/jpeg"


def test_a_fake_image_is_refused_naming_the_photos_and_nothing_is_written(client, db):
    with db.read() as session:
        before = session.scalar(select(Order.id).order_by(Order.id.desc()))
    fake = ("photos", ("photo.jpg", b"just some text, renamed", "image/jpeg"))
    r = file(client, files=[fake])
    assert r.status_code == 415 and "JPEG" in r.text
    with db.read() as session:
        assert session.scalar(select(Order.id).order_by(Order.id.desc())) == before


def test_a_filing_without_any_place_is_refused_naming_the_place(client):
    r = file(client, address="")
    assert r.status_code == 422 and "地点" in r.text


def test_the_tracking_page_shows_progress_without_personal_data_and_refuses_a_wrong_secret(client):
    link, number = filed(client, citizen_phone=PHONE, citizen_name=NAME)
    page = client.get(link)
    assert page.status_code == 200
    assert number in page.text and "待派单" in page.text and 'data-kind="created"' in page.text
    assert PHONE not in page.text and NAME not in page.text and "井盖" not in page.text
    assert client.get(f"/m/t/{number}?k=wrong-secret").status_code == 404
    bare = client.get(f"/m/t/{number}")  # the number alone: a form asking for the phone's last digits
    assert bare.status_code == 200 and 'name="phone4"' in bare.text and "待派单" not in bare.text


def _to_replied(quick, order_id: int, reply: str) -> None:
    order = {"id": order_id}
    quick.act("operator", order, "dispatch", unit="ST1")
    quick.act("handler1", order, "accept")
    quick.act("handler1", order, "note", note="内部记录:施工队周三到场")
    quick.act("handler1", order, "contact", note="电话联系")
    quick.act("handler1", order, "reply", text=reply)


def test_rating_after_the_reply_records_the_callback_and_before_it_is_refused(client, api, db):
    link, number = filed(client, citizen_phone=PHONE, citizen_name=NAME)
    k = link.split("k=")[1]
    rating = {"k": k, "resolved": "yes", "satisfaction": "satisfied", "comment": "很快"} | csrf(client)
    early = client.post(f"/m/t/{number}/rate", data=rating, follow_redirects=False)
    assert early.status_code == 409

    order_id = int(number[8:])
    _to_replied(api, order_id, f"已更换井盖,已电话告知{NAME}")
    page = client.get(link).text
    assert (
        "已更换井盖" in page and NAME not in page and "内部记录" not in page and 'name="satisfaction"' in page
    )

    wrong = client.post(f"/m/t/{number}/rate", data=rating | {"k": "nope"}, follow_redirects=False)
    assert wrong.status_code == 404
    r = client.post(f"/m/t/{number}/rate", data=rating, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == link
    after = api.order({"id": order_id})
    assert after["status"] == "called_back" and after["resolved"] is True
    assert after["satisfaction"] == "satisfied"
    callback = [e for e in after["events"] if e["kind"] == "callback"][0]
    assert callback["actor"] == "system" and "在线评价" in callback["payload"]["comment"]
    assert callback["payload"]["via"] == "online"
    with db.read() as session:
        assert session.get(PublicFiling, order_id).rated_at is not None
    again = client.post(f"/m/t/{number}/rate", data=rating, follow_redirects=False)
    assert again.status_code == 409


def test_the_category_hint_is_empty_without_an_active_model(client):
    r = client.post("/m/suggest", data={"description": "路灯不亮"} | csrf(client))
    assert r.status_code == 200 and r.json() == {"category": []}


def test_one_phone_number_files_at_most_five_times_an_hour(client, db):
    for _ in range(5):
        assert file(client, citizen_phone=PHONE).status_code == 200
    r = file(client, citizen_phone="138-1234-5678")  # the same number, written differently
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    with db.read() as session:
        assert len(session.scalars(select(Order.id)).all()) == 5


def test_the_place_map_has_the_community_outlines_without_a_tile_server(client):
    r = client.get("/m/areas.geojson")
    assert r.status_code == 200 and "public" in r.headers["cache-control"]
    data = r.json()
    assert data["type"] == "FeatureCollection"
    assert [f["properties"] for f in data["features"]] == [{"code": "C1", "name": "一社区"}]
    assert data["features"][0]["geometry"]["type"] == "Polygon"
