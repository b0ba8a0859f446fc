"""The demo's city parts: a few thousand parts across Huitian, each inside a community, coded in its class,
placed in its finest area, and maintained by the unit that would maintain it there.

Maintainers by class (the demo's rule of thumb, not a regulation): street lights → 区城管委 on streets
or the compound's property company; water-supply and hydrant parts → the water utility; electricity
covers and transformer boxes → the power utility; telecom covers → the telecom operator; sewer and
storm covers → 区水务局; traffic signs and lights → 交通支队; bus shelters → 区交通委; railings and public
toilets → 区城管委; sorting bins → the community committee (or the property company in a managed
compound); litter bins, bike racks, benches and fitness equipment → the street office or community;
trees and green spaces → 区园林绿化局; buildings, retrofitted elevators and e-bike chargers → the property
company, else the community (elevators: 区住建委); public cameras → 公安分局.

Rows go in with one Core bulk insert.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huitian.areas import service as areas_service
from huitian.areas.enums import AreaLevel
from huitian.assets import service as assets_service
from huitian.assets.enums import COUNTY, PART_CLASSES, AssetStatus
from huitian.assets.models import Asset
from huitian.db import utcnow
from huitian.units import service as units_service
from huitian.units.enums import UnitKind

# Relative numbers of parts per class.
WEIGHTS = {
    "0101": 4, "0102": 5, "0103": 5, "0104": 3, "0105": 3, "0106": 14, "0107": 3, "0108": 2,
    "0201": 2, "0202": 3, "0203": 1, "0204": 2, "0205": 4,
    "0301": 10, "0302": 6, "0303": 1,
    "0401": 8, "0402": 4, "0403": 4, "0404": 2,
    "0501": 8, "0502": 3,
    "0601": 3, "0602": 2,
}  # fmt: skip

# Who maintains a class: a unit code, or "property" / "community" / "street" (the unit of that place).
# A list is tried in order; the first that exists for the place wins.
MAINTAINERS: dict[str, list[str]] = {
    "0101": ["UT-WATER"],
    "0102": ["CP-SWJ"],
    "0103": ["CP-SWJ"],
    "0104": ["UT-POWER"],
    "0105": ["UT-TELECOM"],
    "0106": ["CP-CGW"],  # see LIGHTS_IN_COMPOUNDS
    "0107": ["UT-WATER"],
    "0108": ["UT-POWER"],
    "0201": ["CP-JTW"],
    "0202": ["CP-JTZD"],
    "0203": ["CP-JTZD"],
    "0204": ["CP-CGW"],
    "0205": ["street"],
    "0301": ["property", "community"],
    "0302": ["street"],
    "0303": ["CP-CGW"],
    "0401": ["CP-YLLHJ"],
    "0402": ["community", "street"],
    "0403": ["community", "street"],
    "0404": ["CP-YLLHJ"],
    "0501": ["property", "community"],
    "0502": ["property", "CP-ZJW"],
    "0601": ["property", "street"],
    "0602": ["CP-GAFJ"],
}
LIGHTS_IN_COMPOUNDS = 0.35  # share of street lights inside a managed compound (its property company's)
STATUS_WEIGHTS = {
    AssetStatus.IN_SERVICE: 94,
    AssetStatus.DAMAGED: 3,
    AssetStatus.UNDER_REPAIR: 2,
    AssetStatus.RETIRED: 1,
}


def _points_in(geom: Any, n: int, nprng: np.random.Generator) -> list[tuple[float, float]]:
    minx, miny, maxx, maxy = geom.bounds
    shapely.prepare(geom)
    out: list[tuple[float, float]] = []
    while len(out) < n:
        k = max(16, (n - len(out)) * 3)
        xs, ys = nprng.uniform(minx, maxx, k), nprng.uniform(miny, maxy, k)
        inside = shapely.contains_xy(geom, xs, ys)
        out.extend(zip(xs[inside].tolist(), ys[inside].tolist(), strict=True))
    return out[:n]


def _name(label: str, community: str, cls: str, k: int, rng: random.Random) -> str:
    if cls == "0501":
        return f"{community}{k}号楼"
    if cls == "0502":
        return f"{community}{k}号楼{rng.randint(1, 4)}单元加装电梯"
    return f"{community}{label}{k:03d}号"


def build_parts(engine: Engine, *, n: int = 4000, seed: int = 2026) -> int:
    """Generate n parts over the communities in the database (by population); returns how many."""
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    now = utcnow()
    with Session(engine) as session:
        communities = [
            c for c in areas_service.list_areas(session, level=AreaLevel.COMMUNITY) if c.geometry is not None
        ]
        if not communities or n <= 0:
            return 0
        units = units_service.list_units(session)
        by_code = {u.code: u.id for u in units if u.active}
        street_office: dict[str, int] = {}
        committee: dict[str, int] = {}
        company: dict[str, int] = {}
        kinds = {UnitKind.STREET_OFFICE: street_office, UnitKind.COMMUNITY_COMMITTEE: committee}
        kinds[UnitKind.PROPERTY_COMPANY] = company
        for u in units:
            target = kinds.get(UnitKind(u.kind)) if u.kind in UnitKind.__members__.values() else None
            if target is not None and u.active:
                for code in units_service.area_codes(session, unit_id=u.id):
                    target.setdefault(code, u.id)
        classes = list(WEIGHTS)
        picks = rng.choices(range(len(communities)), weights=[max(c.population, 1) for c in communities], k=n)
        per_community: dict[int, list[int]] = defaultdict(list)
        for i, c in enumerate(picks):
            per_community[c].append(i)
        serial = {cls: assets_service.last_serial(session, cls) for cls in WEIGHTS}  # above any in use
        counter: dict[tuple[str, str], int] = defaultdict(int)
        rows: list[dict[str, Any]] = []
        statuses = list(STATUS_WEIGHTS)
        for ci in sorted(per_community):
            community = communities[ci]
            street = community.path.strip("/").split("/")[-2]
            place = {
                "property": company.get(community.code),
                "community": committee.get(community.code),
                "street": street_office.get(street),
            }
            idxs = per_community[ci]
            for lon, lat in _points_in(shape(community.geometry), len(idxs), nprng):
                cls = rng.choices(classes, weights=list(WEIGHTS.values()))[0]
                chain = MAINTAINERS[cls]
                if cls == "0106" and place["property"] and rng.random() < LIGHTS_IN_COMPOUNDS:
                    chain = ["property"]
                unit_id = next(
                    (uid for uid in (place.get(c) or by_code.get(c) for c in chain) if uid is not None),
                    place["street"],
                )
                serial[cls] += 1
                counter[(community.code, cls)] += 1
                placed = areas_service.locate(session, lon=lon, lat=lat)
                rows.append(
                    {
                        "code": f"{COUNTY}{cls}{serial[cls]:06d}",
                        "class_code": cls,
                        "name": _name(
                            PART_CLASSES[cls].label, community.name, cls, counter[(community.code, cls)], rng
                        )[:120],
                        "lat": round(lat, 7),
                        "lon": round(lon, 7),
                        "area_id": placed[0] if placed else community.id,
                        "area_path": placed[1] if placed else community.path,
                        "unit_id": unit_id,
                        "status": rng.choices(statuses, weights=list(STATUS_WEIGHTS.values()))[0].value,
                        "notes": None,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
    with engine.begin() as conn:
        for i in range(0, len(rows), 5000):
            conn.execute(insert(Asset.__table__), rows[i : i + 5000])
    return len(rows)
