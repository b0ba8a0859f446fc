"""The parts registry: codes, serials, GeoJSON and Excel in and out."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from huitian.assets import service as assets_service
from huitian.assets.schemas import AssetCreate
from huitian.errors import Unprocessable
from tests.factories import IN_G1, IN_S2


def make(db, **fields):
    body = {"class_code": "0106", "name": "路灯", "lon": IN_G1[0], "lat": IN_G1[1], "unit": "UT"} | fields
    with db.write() as s:
        asset = assets_service.create_asset(s, data=AssetCreate(**body))
        s.commit()
        return asset.code


@pytest.mark.parametrize(
    "code",
    [
        "110114010600001",
        "11011401060000011",
        "1101140106x00001",
        "3205080106000001",
        "1101140799000001",
        "1101140199000001",
        "1101140106000000",
    ],
)
def test_a_malformed_or_unknown_code_is_refused_naming_the_code(code):
    with pytest.raises(Unprocessable) as err:
        assets_service.check_code(code)
    assert err.value.field == "code"


def test_a_good_code_gives_its_class():
    assert assets_service.check_code("1101140502000123").label == "老旧小区加装电梯"


def test_serials_count_up_within_county_and_class(db):
    assert make(db) == "1101140106000001"
    assert make(db) == "1101140106000002"
    assert make(db, class_code="0301", name="垃圾桶站") == "1101140301000001"
    make(db, code="1101140106000040")
    assert make(db) == "1101140106000041"


def test_a_part_is_placed_in_its_area_and_listed_by_filters(api, db):
    make(db)
    make(db, class_code="0301", name="垃圾桶站", lon=IN_S2[0], lat=IN_S2[1], unit="ST2")
    listing = api.get("operator", "/api/v1/assets", params={"area": "G1"}).json()
    assert [p["code"] for p in listing["items"]] == ["1101140106000001"]
    assert listing["items"][0]["area"] == "G1" and listing["items"][0]["unit"] == "UT"
    assert api.get("operator", "/api/v1/assets", params={"class": "03"}).json()["total"] == 1
    assert api.get("operator", "/api/v1/assets", params={"unit": "ST2"}).json()["total"] == 1
    r = api.get("operator", "/api/v1/assets", params={"class": "0999"})
    assert r.status_code == 422 and r.json()["field"] == "class"


def test_only_the_hotline_centre_registers_parts(api):
    body = {"class_code": "0106", "name": "路灯", "lon": IN_G1[0], "lat": IN_G1[1]}
    assert api.post("handler1", "/api/v1/assets", body).status_code == 403
    r = api.post("admin", "/api/v1/assets", body | {"unit": "NOPE"})
    assert r.status_code == 404 and r.json()["field"] == "unit"
    assert api.post("admin", "/api/v1/assets", body).json()["code"] == "1101140106000001"


def test_geojson_export_imports_back_as_the_same_parts(api, db):
    make(db, notes="北侧第三根")
    make(db, class_code="0502", name="3号楼电梯", unit="ST1", status="damaged")
    exported = api.get("operator", "/api/v1/assets/export.geojson").json()
    assert exported["type"] == "FeatureCollection" and len(exported["features"]) == 2
    # the same file back: both parts updated, none created, nothing changed
    files = {"file": ("parts.geojson", io.BytesIO(__import__("json").dumps(exported).encode()))}
    report = api.post("admin", "/api/v1/assets/import", files=files).json()
    assert (report["created"], report["updated"]) == (0, 2)
    assert api.get("operator", "/api/v1/assets/export.geojson").json() == exported
    # a new feature without a code gets the next serial of its class
    new = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(IN_G1)},
        "properties": {"class_code": "0106", "name": "新路灯"},
    }
    collection = {"type": "FeatureCollection", "features": [new]}
    files = {"file": ("new.geojson", io.BytesIO(__import__("json").dumps(collection).encode()))}
    assert api.post("admin", "/api/v1/assets/import", files=files).json()["codes"] == ["1101140106000002"]


def _xlsx(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["部件编码", "类别代码", "名称", "经度", "纬度", "养护单位代码", "状态"])
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_an_excel_file_with_a_bad_row_is_refused_whole_with_each_rows_reason(api):
    content = _xlsx(
        [
            [None, "0106", "路灯甲", IN_G1[0], IN_G1[1], "UT", "正常使用"],
            [None, "0999", "不明部件", IN_G1[0], IN_G1[1], None, None],
            ["1101140301000007", None, "垃圾桶站", 500, IN_G1[1], "NOPE", None],
        ]
    )
    files = {"file": ("parts.xlsx", io.BytesIO(content))}
    r = api.post("admin", "/api/v1/assets/import", files=files)
    assert r.status_code == 422, r.text
    errors = {(e["row"], e["field"]) for e in r.json()["errors"]}
    assert errors == {(3, "class_code"), (4, "lon"), (4, "unit")}
    assert api.get("operator", "/api/v1/assets").json()["total"] == 0  # nothing half-written


def test_an_excel_file_imports_and_exports(api):
    content = _xlsx([[None, "0106", "路灯甲", IN_G1[0], IN_G1[1], "UT", "损坏"]])
    r = api.post("admin", "/api/v1/assets/import", files={"file": ("p.xlsx", io.BytesIO(content))})
    assert r.status_code == 200 and r.json()["created"] == 1
    out = api.get("operator", "/api/v1/assets/export.xlsx")
    sheet = load_workbook(io.BytesIO(out.content)).active
    header, row = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    record = dict(zip(header, row, strict=True))
    assert record["部件编码"] == "1101140106000001" and record["状态"] == "损坏"
    assert record["养护单位代码"] == "UT" and record["所在区域"] == "G1"


def test_the_parts_export_writes_formulas_as_text(api, db):
    """Names and notes typed as formulas are text cells of export.xlsx; coordinates stay numbers; and the
    sheet imports back with the same text."""
    from tests.formulas import HOSTILE, HYPERLINK, assert_written_as_text, cells

    for i, text in enumerate(HOSTILE):
        make(db, name=text, notes=HYPERLINK if i else "@SUM(A1)")
    out = api.get("operator", "/api/v1/assets/export.xlsx")
    assert out.status_code == 200, out.text
    names = [t.strip() for t in HOSTILE]  # as stored: the registry strips names
    assert_written_as_text(out.content, [*names, HYPERLINK, "@SUM(A1)"])
    assert {type(c.value) for c in cells(out.content) if c.column in (5, 6) and c.row > 1} == {float}
    parsed = assets_service.parse_xlsx(out.content)
    assert sorted(str(raw["name"]) for _, raw in parsed) == sorted(names)
