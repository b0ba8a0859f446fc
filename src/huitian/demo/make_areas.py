"""Build ``demo/data/areas.geojson`` from the shared Huitian boundary files.

A maintainer tool, not needed at run time::

    python -m huitian.demo.make_areas [--source ../shared/data/huitian_boundaries] [--out PATH]

What it does (see ``data/SOURCE.md``):

1. Reads the 124 community polygons; the two pairs that share a name and street (a real community
   and a tiny touching fragment) are merged, leaving 122 communities.
2. Removes overlaps so the communities form a clean coverage (larger community keeps the overlap).
3. Simplifies the coverage with ``shapely.coverage_simplify`` (shared edges stay shared).
4. Streets are the union of their communities (by the community's ``jd_id``), so every community
   lies inside its street; the district is the union of the streets. Small interior holes are filled.
5. Splits each community into 2–6 grid cells with a regular lattice sized to its area.
6. Estimates populations from area (villages weigh less than residential compounds), scaled so
   the 7 streets sum to 850,000 residents.
"""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, box, mapping, shape
from shapely.ops import unary_union

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[2].parent / "shared" / "data" / "huitian_boundaries"
DEFAULT_OUT = HERE / "data" / "areas.geojson"

DISTRICT_CODE = "110114"
DISTRICT_NAME = "昌平区"
TOTAL_POPULATION = 850_000
SIMPLIFY_TOLERANCE = 0.0001  # degrees, about 10 m
PRECISION = 1e-6  # degrees, about 0.1 m
TARGET_CELL_KM2 = 0.09  # one grid cell per ~9 ha, clamped to 2..6 per community
MIN_CELLS, MAX_CELLS = 2, 6
VILLAGE_DENSITY = 0.35  # a 村 holds fewer residents per km² than a 社区 (high-rise compounds)

# km² per square degree at Huitian's latitude (about 40.07°N).
KM_PER_DEG_LAT = 111.0
KM_PER_DEG_LON = 111.32 * math.cos(math.radians(40.07))


def km2(geom: Any) -> float:
    return float(geom.area) * KM_PER_DEG_LAT * KM_PER_DEG_LON


def polygons(geom: Any) -> list[Polygon]:
    """The polygon parts of any geometry (drops points and lines left by overlays)."""
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in polygons(g)]
    return []


def as_area(parts: list[Polygon]) -> Polygon | MultiPolygon:
    parts = [p for p in parts if not p.is_empty]
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def fill_holes(geom: Any, max_km2: float) -> Polygon | MultiPolygon:
    out = []
    for p in polygons(geom):
        holes = [h for h in p.interiors if km2(Polygon(h)) > max_km2]
        out.append(Polygon(p.exterior, holes))
    return as_area(out)


def load_communities(source: Path) -> list[dict[str, Any]]:
    data = json.loads((source / "huitian_communities.geojson").read_text(encoding="utf-8"))
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for feature in data["features"]:
        props = feature["properties"]
        geom = shapely.make_valid(shape(feature["geometry"]))
        key = (props["jd_id"], props["sq_name"])
        if key in merged:  # same name in the same street: a fragment of the same community
            other = merged[key]
            if km2(geom) > km2(other["geom"]):
                other["code"] = str(props["sq_id"])
            other["geom"] = unary_union([other["geom"], geom])
            continue
        merged[key] = {
            "code": str(props["sq_id"]),
            "name": props["sq_name"],
            "street": props["jd_id"],
            "geom": geom,
        }
    return sorted(merged.values(), key=lambda c: int(c["code"]))


def clean_coverage(communities: list[dict[str, Any]]) -> None:
    """Remove overlaps: the larger community keeps a contested piece."""
    taken: Any = Polygon()
    for c in sorted(communities, key=lambda c: -km2(c["geom"])):
        geom = c["geom"].difference(taken) if not taken.is_empty else c["geom"]
        parts = [p for p in polygons(geom) if km2(p) > 1e-5]  # drop overlay crumbs (< 10 m²)
        c["geom"] = as_area(parts)
        taken = unary_union([taken, c["geom"]])


def simplify_coverage(communities: list[dict[str, Any]]) -> None:
    geoms = [c["geom"] for c in communities]
    simplified = shapely.coverage_simplify(geoms, SIMPLIFY_TOLERANCE)
    simplified = shapely.set_precision(simplified, PRECISION)
    for c, g in zip(communities, simplified, strict=True):
        g = shapely.make_valid(g)
        c["geom"] = as_area([p for p in polygons(g) if km2(p) > 1e-5])


def split_grid(geom: Polygon | MultiPolygon) -> list[Polygon | MultiPolygon]:
    """Cut a community into 2–6 cells with a regular lattice; slivers join a neighbour."""
    area = km2(geom)
    target = max(MIN_CELLS, min(MAX_CELLS, round(area / TARGET_CELL_KM2)))
    minx, miny, maxx, maxy = geom.bounds
    side = math.sqrt(geom.area / target)
    best: list[Any] | None = None
    for _ in range(40):
        cells = _cut(geom, side, minx, miny, maxx, maxy)
        cells = _merge_small(cells, min_share=0.35 / target)
        while len(cells) > MAX_CELLS:
            cells = _merge_smallest(cells)
        if len(cells) >= MIN_CELLS:
            best = cells
            if abs(len(cells) - target) <= 1:
                break
        side *= 0.9 if len(cells) < target else 1.08
    if best is None:  # tiny or odd shape: halve along the longer side
        if maxx - minx >= maxy - miny:
            mid = (minx + maxx) / 2
            halves = [box(minx, miny, mid, maxy), box(mid, miny, maxx, maxy)]
        else:
            mid = (miny + maxy) / 2
            halves = [box(minx, miny, maxx, mid), box(minx, mid, maxx, maxy)]
        best = [geom.intersection(h) for h in halves]
    out = []
    for cell in best:
        cell = shapely.make_valid(shapely.set_precision(cell, PRECISION))
        out.append(as_area([p for p in polygons(cell) if not p.is_empty]))
    # Sort cells north-west first so serials read like a map.
    out.sort(key=lambda g: (-round(g.centroid.y, 3), g.centroid.x))
    return out


def _cut(geom: Any, side: float, minx: float, miny: float, maxx: float, maxy: float) -> list[Any]:
    nx = max(1, math.ceil((maxx - minx) / side))
    ny = max(1, math.ceil((maxy - miny) / side))
    # Centre the lattice on the bounding box.
    x0 = minx - (nx * side - (maxx - minx)) / 2
    y0 = miny - (ny * side - (maxy - miny)) / 2
    cells = []
    for i in range(nx):
        for j in range(ny):
            cell = box(x0 + i * side, y0 + j * side, x0 + (i + 1) * side, y0 + (j + 1) * side)
            piece = geom.intersection(cell)
            cells.extend(p for p in polygons(piece) if p.area > 0)
    return cells


def _merge_small(cells: list[Any], min_share: float) -> list[Any]:
    total = sum(c.area for c in cells)
    cells = list(cells)
    while len(cells) > 1:
        smallest = min(range(len(cells)), key=lambda i: cells[i].area)
        if cells[smallest].area >= min_share * total:
            break
        cells = _merge_into_neighbour(cells, smallest)
    return cells


def _merge_smallest(cells: list[Any]) -> list[Any]:
    return _merge_into_neighbour(cells, min(range(len(cells)), key=lambda i: cells[i].area))


def _merge_into_neighbour(cells: list[Any], i: int) -> list[Any]:
    piece = cells[i]
    others = [c for k, c in enumerate(cells) if k != i]

    def shared(c: Any) -> tuple[float, float]:
        return (piece.boundary.intersection(c.boundary).length, -piece.distance(c))

    j = max(range(len(others)), key=lambda k: shared(others[k]))
    others[j] = unary_union([others[j], piece])
    return others


def _rounded(geometry: Any) -> Any:
    """GeoJSON geometry with coordinates written to 6 decimals (about 0.1 m)."""

    def walk(node: Any) -> Any:
        if isinstance(node, (list, tuple)):
            if node and isinstance(node[0], float):
                return [round(v, 6) for v in node]
            return [walk(n) for n in node]
        return node

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split an integer total in proportion to weights (largest remainder)."""
    s = sum(weights) or 1.0
    raw = [total * w / s for w in weights]
    out = [int(r) for r in raw]
    for k in sorted(range(len(raw)), key=lambda k: raw[k] - out[k], reverse=True)[: total - sum(out)]:
        out[k] += 1
    return out


def build(source: Path) -> dict[str, Any]:
    streets_src = json.loads((source / "huitian_streets_towns.geojson").read_text(encoding="utf-8"))
    street_names = {f["properties"]["jd_id"]: f["properties"]["jd_name"] for f in streets_src["features"]}
    communities = load_communities(source)
    clean_coverage(communities)
    simplify_coverage(communities)

    weights = [km2(c["geom"]) * (VILLAGE_DENSITY if c["name"].endswith("村") else 1.0) for c in communities]
    for c, pop in zip(communities, allocate(TOTAL_POPULATION, weights), strict=True):
        c["population"] = pop

    def feature(code: str, name: str, level: str, parent: str | None, pop: int, geom: Any) -> dict[str, Any]:
        props = {"code": code, "name": name, "level": level, "parent_code": parent, "population": pop}
        return {"type": "Feature", "properties": props, "geometry": _rounded(mapping(geom))}

    community_features, grid_features = [], []
    by_street: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in communities:
        by_street[c["street"]].append(c)
        cells = split_grid(c["geom"])
        # The community becomes the union of its rounded cells, so grid ⊂ community holds exactly.
        c["geom"] = shapely.set_precision(unary_union(cells), PRECISION)
        community_features.append(
            feature(c["code"], c["name"], "community", c["street"], c["population"], c["geom"])
        )
        pops = allocate(c["population"], [cell.area for cell in cells])
        for n, (cell, pop) in enumerate(zip(cells, pops, strict=True), start=1):
            code = f"{c['code']}-{n:02d}"
            grid_features.append(feature(code, f"{c['name']}第{n}网格", "grid", c["code"], pop, cell))

    street_features, street_geoms = [], []
    for code in sorted(street_names):
        union = unary_union([c["geom"] for c in by_street[code]])
        geom = shapely.set_precision(fill_holes(union, max_km2=0.05), PRECISION)
        street_geoms.append(geom)
        pop = sum(c["population"] for c in by_street[code])
        street_features.append(feature(code, street_names[code], "street", DISTRICT_CODE, pop, geom))
    district = shapely.set_precision(fill_holes(unary_union(street_geoms), 0.05), PRECISION)
    district_feature = feature(DISTRICT_CODE, DISTRICT_NAME, "district", None, TOTAL_POPULATION, district)
    features = [district_feature, *street_features, *community_features, *grid_features]
    return {"type": "FeatureCollection", "name": "huitian_areas", "features": features}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    collection = build(args.source.resolve())
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    # One feature per line keeps diffs readable.
    text = text.replace(',{"type":"Feature"', ',\n{"type":"Feature"')
    args.out.write_text(text + "\n", encoding="utf-8")
    levels: dict[str, int] = defaultdict(int)
    for f in collection["features"]:
        levels[f["properties"]["level"]] += 1
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB): {dict(levels)}")


if __name__ == "__main__":
    main()
