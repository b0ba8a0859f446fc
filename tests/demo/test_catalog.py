"""The demo's reference data: units, taxonomy, users and areas hang together."""

from __future__ import annotations

import json
from collections import Counter

from shapely.geometry import shape

from huitian.auth.enums import Role
from huitian.categories.enums import CategoryLevel
from huitian.demo import catalog
from huitian.demo.textgen import ISSUES
from huitian.sla.enums import TimeLimitClass
from huitian.units.enums import UnitKind


def _areas() -> dict[str, dict]:
    return {a["code"]: a for a in catalog.area_properties()}


def test_area_codes_are_unique_and_parents_come_first():
    seen: set[str] = set()
    for a in catalog.area_properties():
        assert a["code"] not in seen
        assert a["parent_code"] is None or a["parent_code"] in seen
        seen.add(a["code"])


def test_areas_cover_the_seven_streets_and_their_communities_with_grids():
    levels = Counter(a["level"] for a in catalog.area_properties())
    assert levels["district"] == 1
    assert levels["street"] == 7
    assert levels["community"] == 122
    per_community = Counter(a["parent_code"] for a in catalog.area_properties() if a["level"] == "grid")
    assert set(per_community.values()) <= set(range(2, 7))
    assert len(per_community) == levels["community"]


def test_populations_add_up_to_the_area_total():
    areas = _areas()
    streets = [a for a in areas.values() if a["level"] == "street"]
    assert 800_000 <= sum(s["population"] for s in streets) <= 900_000
    for code, area in areas.items():
        children = [a for a in areas.values() if a["parent_code"] == code]
        if children:
            assert sum(c["population"] for c in children) == area["population"]


def test_geometries_are_valid_and_nested():
    collection = json.loads(catalog.AREAS_PATH.read_text(encoding="utf-8"))
    geoms = {f["properties"]["code"]: shape(f["geometry"]) for f in collection["features"]}
    parents = {f["properties"]["code"]: f["properties"]["parent_code"] for f in collection["features"]}
    for code, geom in geoms.items():
        assert geom.is_valid, code
        parent = parents[code]
        if parent is not None:
            outside = geom.difference(geoms[parent]).area / geom.area
            assert outside < 1e-6, (code, outside)


def test_the_areas_file_stays_small():
    assert catalog.AREAS_PATH.stat().st_size < 400_000


def test_units_have_unique_codes_known_kinds_and_served_areas():
    areas = _areas()
    codes = [u["code"] for u in catalog.UNITS]
    assert len(codes) == len(set(codes))
    known = set(codes)
    for u in catalog.UNITS:
        UnitKind(u["kind"])
        assert u["parent_code"] is None or u["parent_code"] in known
        assert u["area_codes"], u["code"]
        assert all(code in areas for code in u["area_codes"])
    kinds = Counter(u["kind"] for u in catalog.UNITS)
    assert kinds["street_office"] == 7
    assert kinds["community_committee"] == 122
    assert kinds["property_company"] == 12


def test_every_street_office_reports_to_the_district_government():
    units = catalog.unit_by_code()
    for u in catalog.UNITS:
        if u["kind"] == "street_office":
            assert units[u["parent_code"]]["kind"] == "district_government"


def test_taxonomy_has_three_real_levels():
    cats = catalog.category_by_code()
    levels = Counter(c["level"] for c in catalog.CATEGORIES)
    assert 12 <= levels[1] <= 16
    assert levels[2] >= 40
    assert levels[3] >= 120
    for c in catalog.CATEGORIES:
        CategoryLevel(c["level"])
        TimeLimitClass(c["time_limit_class"])
        if c["level"] > 1:
            parent = cats[c["parent_code"]]
            assert parent["level"] == c["level"] - 1
            assert c["code"].startswith(parent["code"])


def test_unit_hints_name_a_unit_or_a_unit_kind():
    codes = {u["code"] for u in catalog.UNITS}
    kinds = {k.value for k in UnitKind}
    for c in catalog.CATEGORIES:
        assert c["unit_hint"] in codes | kinds, c


def test_the_stressed_topics_are_in_the_taxonomy():
    names = {c["name"] for c in catalog.CATEGORIES}
    for topic in (
        "物业管理",
        "停车",
        "群租房",
        "违法建设",
        "交通拥堵",
        "供暖",
        "垃圾分类",
        "老旧小区改造",
        "电动自行车",
    ):
        assert topic in names


def test_every_third_level_category_has_its_own_vocabulary():
    thirds = {c["name"] for c in catalog.CATEGORIES if c["level"] == 3}
    assert thirds <= set(ISSUES)


def test_there_is_one_demo_user_per_role():
    roles = Counter(u["role"] for u in catalog.USERS)
    assert set(roles) == {r.value for r in Role}
    assert set(roles.values()) == {1}
