"""扫码即知、扫码即诉: the QR code, the public part page and filing from it."""

from __future__ import annotations

import re

from huitian.assets import service as assets_service
from huitian.assets.schemas import AssetCreate
from huitian.intake import qr as qr_service
from huitian.orders.models import Assignment, Order
from tests.factories import IN_G1
from tests.helpers import NAME, PHONE

CODE = "1101140106000001"


def make_part(db, unit: str | None = "UT") -> str:
    with db.write() as s:
        body = {
            "class_code": "0106",
            "name": "回龙观西大街路灯",
            "lon": IN_G1[0],
            "lat": IN_G1[1],
            "unit": unit,
        }
        code = assets_service.create_asset(s, data=AssetCreate(**body)).code
        s.commit()
    return code


def modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules drawn by the SVG path (runs `M x y h n v1 h-n z`)."""
    dark = set()
    for x, y, n in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        dark |= {(int(x) + i, int(y)) for i in range(int(n))}
    return dark


def test_the_qr_code_draws_segnos_matrix_for_the_parts_public_url(client, db):
    make_part(db)
    r = client.get(f"/api/v1/assets/{CODE}/qr.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    payload = f"http://testserver/p/{CODE}"
    assert f"<title>{payload}</title>" in r.text
    import segno

    matrix = segno.make(payload, error="m", micro=False).matrix
    expected = {(x + 4, y + 4) for y, row in enumerate(matrix) for x, v in enumerate(row) if v}
    assert modules(r.text) == expected


def test_a_label_sheet_carries_each_parts_code_class_and_qr(api, db):
    make_part(db)
    make_part(db)
    r = api.get("operator", "/assets/labels.svg", params={"class": "0106"})
    assert r.status_code == 200 and r.text.startswith("<svg")
    assert r.text.count(">路灯</text>") == 2 and ">000002</text>" in r.text
    assert r.text.count("<path transform") == 2
    page = api.get("operator", "/assets/labels", params={"class": "0106"})
    assert page.status_code == 200 and page.text.count('class="sheet"') == 1


def test_the_public_page_shows_the_part_and_its_open_orders_without_personal_data(client, db, api):
    make_part(db)
    with db.write() as s:
        asset = assets_service.get_by_code(s, code=CODE)
        order = qr_service.file_request(s, asset=asset, description=f"灯杆倾斜快倒了,我是{NAME}", phone=PHONE)
        s.commit()
        number = f"{order.id:08d}"
    r = client.get(f"/p/{CODE}")  # no login
    assert r.status_code == 200
    html = r.text
    assert "回龙观西大街路灯" in html and "路灯" in html and "热力公司" in html and CODE in html
    assert "正在办理的诉求(1 件)" in html and "待签收" in html
    assert PHONE not in html and NAME not in html and "灯杆倾斜" not in html and number not in html


def test_an_unknown_part_is_a_plain_404_page(client):
    r = client.get("/p/1101140106999999")
    assert r.status_code == 404 and "未找到" in r.text


def _form(client, code: str) -> dict:
    html = client.get(f"/p/{code}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return {"csrf_token": token}


def test_filing_from_the_page_creates_a_qr_order_dispatched_to_the_maintainer(client, db):
    make_part(db)
    form = _form(client, CODE) | {"description": "路灯不亮", "citizen_phone": PHONE}
    r = client.post(f"/p/{CODE}", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    number = r.headers["location"].split("filed=")[1]
    assert number in client.get(r.headers["location"]).text
    with db.read() as s:
        order = s.get(Order, int(number[8:]))
        asset = assets_service.get_by_code(s, code=CODE)
        assert (order.channel, order.asset_id, order.status) == ("qr", asset.id, "dispatched")
        assert (order.lat, order.lon, order.area_path) == (asset.lat, asset.lon, asset.area_path)
        assert order.created_by_id is None and order.citizen_phone == PHONE
        lead = s.query(Assignment).filter_by(order_id=order.id, role="lead").one()
        assert lead.unit_id == asset.unit_id == order.lead_unit_id


def test_a_blank_description_is_refused_and_nothing_is_filed(client, db):
    make_part(db)
    form = _form(client, CODE) | {"description": "   ", "citizen_phone": ""}
    r = client.post(f"/p/{CODE}", data=form, follow_redirects=False)
    assert r.status_code == 422 and "问题描述" in r.text
    with db.read() as s:
        assert s.query(Order).count() == 0


def test_a_part_without_a_maintainer_waits_for_the_hotline_to_dispatch(db):
    make_part(db, unit=None)
    with db.write() as s:
        order = qr_service.file_request(s, asset=assets_service.get_by_code(s, code=CODE), description="坏了")
        s.commit()
        assert (order.status, order.lead_unit_id) == ("received", None)
