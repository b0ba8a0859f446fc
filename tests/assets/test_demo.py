"""The demo's parts: valid codes, inside their areas, maintained by a unit."""

from __future__ import annotations

from collections import Counter

from shapely.geometry import Point, shape
from sqlalchemy import select

from huitian import migrate
from huitian.areas.models import Area
from huitian.assets import service as assets_service
from huitian.assets.models import Asset
from huitian.db import Database
from huitian.demo.build import build_demo


def test_a_small_demo_has_parts_with_valid_codes_inside_their_areas(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    migrate.upgrade(url)
    db = Database(url)
    try:
        build_demo(db.engine, orders=50)
        with db.read() as s:
            parts = list(s.scalars(select(Asset)))
            areas = {a.id: a for a in s.scalars(select(Area))}
    finally:
        db.dispose()
    assert 2000 <= len(parts) <= 10000
    assert len({p.code for p in parts}) == len(parts)
    for p in parts:
        assert assets_service.check_code(p.code).code == p.class_code
        assert shape(areas[p.area_id].geometry).covers(Point(p.lon, p.lat)), p.code
        assert p.area_path == areas[p.area_id].path and p.unit_id is not None
    classes = Counter(p.class_code for p in parts)
    assert classes["0106"] > 100 and classes["0502"] > 10  # street lights and old buildings' elevators
