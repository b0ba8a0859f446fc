"""An order's photos served to staff: in the order's own scope (404 for anyone who cannot see the order),
with thumbnails, and the partial that lists them."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from huitian.intake import photos
from huitian.intake.web import templates
from tests.factories import IN_S2
from tests.helpers import api  # noqa: F401  (the quicker `api` fixture)
from tests.intake.test_photos import jpeg, png


@pytest.fixture(autouse=True)
def upload_dir(tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setenv("HUITIAN_UPLOAD_DIR", str(folder))
    return folder


def _order_with_photos(api, db, *files: bytes) -> tuple[dict, list[int]]:  # noqa: F811
    order = api.create("resident2", lat=IN_S2[1], lon=IN_S2[0])
    api.act("operator", order, "dispatch", unit="ST2")
    with db.write() as session:
        rows = photos.attach(session, order_id=order["id"], photos=[photos.check(f) for f in files])
        ids = [r.id for r in rows]
        session.commit()
    return order, ids


def test_staff_who_see_the_order_get_its_photos_and_a_small_thumbnail(api, db):  # noqa: F811
    order, (big, small) = _order_with_photos(api, db, jpeg(size=(800, 600)), png())
    listed = api.get("operator", f"/api/v1/orders/{order['number']}/photos")
    assert listed.status_code == 200
    assert [(p["id"], p["width"], p["content_type"]) for p in listed.json()] == [
        (big, 800, "image/jpeg"),
        (small, 32, "image/png"),
    ]
    full = api.get("handler2", listed.json()[0]["url"])
    assert full.status_code == 200 and full.headers["content-type"] == "image/jpeg"
    assert b"HuitianTestCam" not in full.content  # stored without EXIF, served as stored
    assert Image.open(io.BytesIO(full.content)).size == (800, 600)
    thumb = api.get("super2", listed.json()[0]["thumb_url"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(thumb.content)).size == (320, 240)
    tiny = api.get("operator", listed.json()[1]["thumb_url"])  # already small: the photo itself
    assert tiny.headers["content-type"] == "image/png" and Image.open(io.BytesIO(tiny.content)).size == (
        32,
        32,
    )


@pytest.mark.parametrize("outsider", ["handler1", "lead1", "super1", "grid1", "resident1"])
def test_anyone_who_cannot_see_the_order_gets_404_for_its_photos(api, db, outsider):  # noqa: F811
    order, (photo_id,) = _order_with_photos(api, db, jpeg())
    for path in ("photos", f"photos/{photo_id}", f"photos/{photo_id}/thumb"):
        r = api.get(outsider, f"/api/v1/orders/{order['id']}/{path}")
        assert r.status_code == 404, f"{outsider} {path}: {r.status_code}"
    assert api.client.get(f"/api/v1/orders/{order['id']}/photos/{photo_id}").status_code == 401


def test_a_photo_asked_for_through_another_order_is_404(api, db):  # noqa: F811
    _, (photo_id,) = _order_with_photos(api, db, jpeg())
    other = api.create("operator", description="另一张工单")
    assert api.get("operator", f"/api/v1/orders/{other['id']}/photos/{photo_id}").status_code == 404
    assert api.get("operator", f"/api/v1/orders/{other['id']}/photos").json() == []


def test_the_partial_links_each_thumbnail_to_its_photo_and_says_when_there_are_none(api, db):  # noqa: F811
    order, (photo_id,) = _order_with_photos(api, db, jpeg())
    with db.read() as session:
        views = photos.list_photos(session, principal=_operator(session), order_id=order["id"])
    html = templates.get_template("intake/_photos.html").render(photos=views)
    assert f'href="/api/v1/orders/{order["id"]}/photos/{photo_id}"' in html
    assert f'src="/api/v1/orders/{order["id"]}/photos/{photo_id}/thumb"' in html and "1 张" in html
    assert "style=" not in html and "<script" not in html
    assert "没有照片" in templates.get_template("intake/_photos.html").render(photos=[])


def _operator(session):
    from huitian.auth import service as auth_service

    user = auth_service.get_user_by_username(session, username="operator")
    return auth_service.principal_for_user(session, user=user)


def test_photos_and_thumbnails_are_served_no_store(api, db):  # noqa: F811
    order, (photo_id,) = _order_with_photos(api, db, jpeg(size=(800, 600)))
    for path in (f"photos/{photo_id}", f"photos/{photo_id}/thumb", "photos"):
        r = api.get("operator", f"/api/v1/orders/{order['id']}/{path}")
        assert r.status_code == 200, path
        assert r.headers["cache-control"] == "no-store", path
