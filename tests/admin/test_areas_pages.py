"""Areas: the tree and the map data, editing an area, and importing GeoJSON all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

from huitian.areas import service as areas_service
from huitian.demo import catalog as demo_catalog
from tests.admin.conftest import csrf_of, post
from tests.factories import box


def feature(code, name, level, parent, geometry=None, population=100) -> dict:
    props = {"code": code, "name": name, "level": level, "parent_code": parent, "population": population}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def upload(admin, content: bytes | str, expect: int, filename: str = "areas.geojson"):
    data = content.encode() if isinstance(content, str) else content
    r = admin.client.post(
        "/admin/areas/import",
        data={"csrf_token": csrf_of(admin)},
        files={"file": (filename, data, "application/geo+json")},
        follow_redirects=False,
    )
    assert r.status_code == expect, r.text[:3000]
    return r.text


def codes(app) -> set[str]:
    with app.state.db.read() as session:
        return {a.code for a in areas_service.list_areas(session)}


def test_the_tree_shows_every_level_with_population_and_the_chosen_areas_children(admin):
    page = admin.get("/admin/areas", params={"area": "C1"}).text
    for name in ("测试区", "一街道", "二街道", "一社区", "一社区第1网格", "一社区第2网格"):
        assert f">{name}</a>" in page
    assert "人口 1,000" in page
    assert 'data-geojson="/admin/areas/map.geojson?area=C1"' in page
    assert page.count('<td class="code">G') == 2  # the children table lists the two grids


def test_the_map_data_is_the_chosen_areas_children_from_our_own_geojson(admin):
    data = admin.get("/admin/areas/map.geojson", params={"area": "D1"}).json()
    assert data["type"] == "FeatureCollection"
    assert [(f["properties"]["code"], f["properties"]["level"]) for f in data["features"]] == [
        ("S1", "街道/镇"),
        ("S2", "街道/镇"),
    ]
    assert data["features"][0]["geometry"]["type"] == "Polygon"
    grid = admin.get("/admin/areas/map.geojson", params={"area": "G1"}).json()  # no children: itself
    assert [f["properties"]["code"] for f in grid["features"]] == ["G1"]
    assert admin.get("/admin/areas/map.geojson", params={"area": "NOPE"}).status_code == 404


def test_a_geojson_import_creates_new_areas_and_updates_known_ones(admin, app):
    collection = {
        "type": "FeatureCollection",
        "features": [
            feature("S1", "一街道(新名)", "street", "D1", box(116.30, 40.05, 116.35, 40.10), 52000),
            feature("C2", "二社区", "community", "S2", box(116.35, 40.05, 116.40, 40.10), 8000),
            feature("G3", "二社区第1网格", "grid", "C2", box(116.35, 40.05, 116.37, 40.10), 3000),
        ],
    }
    page = upload(admin, json.dumps(collection, ensure_ascii=False), expect=200)
    assert "导入完成:新增 2 个区域,更新 1 个区域" in page
    with app.state.db.read() as session:
        s1 = areas_service.get_by_code(session, code="S1")
        assert (s1.name, s1.population) == ("一街道(新名)", 52000)
        assert areas_service.get_by_code(session, code="G3").path == "/D1/S2/C2/G3/"
        # the new grid places points: the locator saw the import
        assert areas_service.locate(session, lon=116.36, lat=40.07)[1] == "/D1/S2/C2/G3/"


def test_a_bad_geojson_file_gives_clear_errors_and_writes_nothing(admin, app):
    before = codes(app)
    collection = {
        "type": "FeatureCollection",
        "features": [
            feature("C2", "二社区", "community", "S2", box(116.35, 40.05, 116.40, 40.10)),  # fine on its own
            feature("G9", "无上级网格", "grid", "NOPE", box(116.35, 40.05, 116.36, 40.06)),
            feature("G8", "坏边界", "grid", "C2", {"type": "Point", "coordinates": [116.36, 40.07]}),
            feature("X 1", "", "planet", "C2"),
        ],
    }
    page = upload(admin, json.dumps(collection, ensure_ascii=False), expect=422)
    assert 'id="import-file-error"' in page and "导入失败,未写入任何区域" in page
    assert "3 of 4 features are wrong" in page
    assert "feature 2 (G9): area &#39;NOPE&#39; not found" in page
    assert "feature 3 (G8): geometry must be a non-empty Polygon or MultiPolygon" in page
    assert "feature 4 (X 1):" in page and "level" in page
    assert codes(app) == before  # not even the good first feature


def test_files_that_are_not_geojson_are_refused(admin, app):
    before = codes(app)
    page = upload(admin, b"\x89PNG not json", expect=422, filename="map.png")
    assert "文件不是有效的 JSON" in page
    page = upload(admin, json.dumps({"type": "Feature", "properties": {}}), expect=422)
    assert "FeatureCollection" in page
    page = upload(admin, json.dumps({"type": "FeatureCollection", "features": []}), expect=422)
    assert "no features" in page
    page = upload(admin, b"", expect=422)
    assert "请选择要导入的 GeoJSON 文件" in page
    assert codes(app) == before


def test_the_admin_edits_an_areas_name_and_population(admin, app):
    r = post(admin, "/admin/areas/C1", {"name": "一社区(改)", "population": "4321", "active": "1"})
    assert r.headers["location"] == "/admin/areas?area=C1"
    with app.state.db.read() as session:
        c1 = areas_service.get_by_code(session, code="C1")
        assert (c1.name, c1.population) == ("一社区(改)", 4321)
    page = post(admin, "/admin/areas/C1", {"name": "", "population": "-5", "active": "1"}, expect=422).text
    assert 'id="ea-population-error">不能小于 0' in page and 'id="ea-name-error">' in page
    with app.state.db.read() as session:
        assert areas_service.get_by_code(session, code="C1").population == 4321


def test_the_demos_own_boundary_file_imports_whole(admin, app):
    """The 回天 area's 631 districts, streets, communities and grids (src/huitian/demo/data/areas.geojson)."""
    content = (Path(demo_catalog.AREAS_PATH)).read_bytes()
    page = upload(admin, content, expect=200)
    assert "导入完成:新增 631 个区域,更新 0 个区域" in page
    page = admin.get("/admin/areas", params={"area": "110114"}).text
    assert "昌平区" in page and "天通苑北街道" in page
    streets = admin.get("/admin/areas/map.geojson", params={"area": "110114"}).json()["features"]
    assert len(streets) >= 7 and all(f["properties"]["level"] == "街道/镇" for f in streets)
