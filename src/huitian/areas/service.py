"""Areas: lookups, CRUD, and placement: point → area (an STRtree of the areas) and address text → area
(the gazetteer of their names, gazetteer.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import shapely
from pydantic import ValidationError
from shapely.geometry import mapping, shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from huitian.areas.enums import AreaLevel
from huitian.areas.gazetteer import Entry, Gazetteer
from huitian.areas.models import Area
from huitian.areas.schemas import AreaCreate, AreaUpdate
from huitian.db import cache_key
from huitian.errors import Conflict, DomainError, NotFound, Unprocessable
from huitian.lib.ttlcache import TTLCache

_names: TTLCache[list[str]] = TTLCache(ttl_s=60.0)


def get_by_code(session: Session, *, code: str) -> Area:
    area = session.scalar(select(Area).where(Area.code == code))
    if area is None:
        raise NotFound(f"area {code!r} not found", field="area")
    return area


def get(session: Session, *, area_id: int) -> Area:
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound(f"area {area_id} not found")
    return area


def code_of(session: Session, *, area_id: int | None) -> str | None:
    return session.get(Area, area_id).code if area_id else None


def path_of(session: Session, *, area_id: int) -> str:
    return get(session, area_id=area_id).path


def names_on_path(session: Session, *, path: str | None) -> list[str]:
    """Names from the district down to the finest area, for display."""
    if not path:
        return []

    def load() -> list[str]:
        codes = [c for c in path.split("/") if c]
        rows = dict(session.execute(select(Area.code, Area.name).where(Area.code.in_(codes))).tuples().all())
        return [rows[c] for c in codes if c in rows]

    return _names.get((cache_key(session), path), load)


def list_areas(session: Session, *, level: AreaLevel | None = None, parent: str | None = None) -> list[Area]:
    stmt = select(Area).order_by(Area.path)
    if level is not None:
        stmt = stmt.where(Area.level == level.value)
    if parent is not None:
        stmt = stmt.where(Area.parent_id == get_by_code(session, code=parent).id)
    return list(session.scalars(stmt))


def _set_geometry(area: Area, geometry: dict | None) -> None:
    area.geometry = geometry
    if geometry is None:
        area.min_lon = area.min_lat = area.max_lon = area.max_lat = None
        return
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for bad GeoJSON
        raise Unprocessable(f"geometry is not valid GeoJSON: {exc}", field="geometry") from exc
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        raise Unprocessable("geometry must be a non-empty Polygon or MultiPolygon", field="geometry")
    area.min_lon, area.min_lat, area.max_lon, area.max_lat = geom.bounds


def create_area(session: Session, *, data: AreaCreate) -> Area:
    if session.scalar(select(Area.id).where(Area.code == data.code)) is not None:
        raise Conflict(f"area code {data.code!r} exists", field="code")
    parent = get_by_code(session, code=data.parent) if data.parent else None
    if parent is not None and AreaLevel(parent.level).depth >= data.level.depth:
        raise Unprocessable(f"a {data.level.value} cannot sit under a {parent.level}", field="parent")
    area = Area(
        code=data.code,
        name=data.name,
        level=data.level.value,
        parent_id=parent.id if parent else None,
        path=f"{parent.path if parent else '/'}{data.code}/",
        population=data.population,
    )
    _set_geometry(area, data.geometry)
    session.add(area)
    session.flush()
    invalidate_places()
    return area


def update_area(session: Session, *, area: Area, data: AreaUpdate) -> Area:
    fields = data.model_dump(exclude_unset=True)
    if "geometry" in fields:
        _set_geometry(area, fields.pop("geometry"))
    for key, value in fields.items():
        setattr(area, key, value)
    session.flush()
    invalidate_places()
    return area


# --- point → area ---------------------------------------------------------------------------------


class _Locator:
    """An STRtree over the finest areas with geometry, rebuilt when areas change (or after a TTL,
    so that edits made by another process are seen)."""

    TTL_S = 300.0

    def __init__(self, rows: list[tuple[int, str, int, dict]]) -> None:
        self.loaded_at = time.monotonic()
        self.ids = [r[0] for r in rows]
        self.paths = [r[1] for r in rows]
        self.geoms = [shape(r[3]) for r in rows]
        for g in self.geoms:
            shapely.prepare(g)
        self.tree = shapely.STRtree(self.geoms)

    def locate(self, lon: float, lat: float) -> tuple[int, str] | None:
        point = shapely.Point(lon, lat)
        hits = self.tree.query(point, predicate="intersects")
        if len(hits) == 0:
            return None
        i = int(min(hits))  # deterministic on shared borders
        return self.ids[i], self.paths[i]


_locators: dict[str, _Locator] = {}
_lock = threading.Lock()


def invalidate_places() -> None:
    """Forget the cached placements (STRtrees, gazetteers, names) after area edits in this process; other
    processes see the edits within the caches' time to live."""
    with _lock:
        _locators.clear()
    _names.clear()
    _gazetteers.clear()
    _boundaries.clear()


def _locator(session: Session) -> _Locator:
    key = cache_key(session)
    loc = _locators.get(key)
    if loc is not None and time.monotonic() - loc.loaded_at < _Locator.TTL_S:
        return loc
    with _lock:
        rows = session.execute(
            select(Area.id, Area.path, Area.level, Area.geometry).where(
                Area.geometry.is_not(None), Area.active.is_(True)
            )
        ).all()
        depth = {lvl.value: lvl.depth for lvl in AreaLevel}
        # Finest first: a point takes the deepest area that contains it.
        # a JSON null geometry is not SQL NULL: skip it here, or one such area breaks every placement
        rows = sorted(((r[0], r[1], depth[r[2]], r[3]) for r in rows if r[3]), key=lambda r: -r[2])
        loc = _Locator(rows)
        _locators[key] = loc
        return loc


def locate(session: Session, *, lon: float, lat: float) -> tuple[int, str] | None:
    """The finest area containing a WGS-84 point, as (area id, area path); None outside every area."""
    loc = _locator(session)
    if not loc.ids:
        return None
    return loc.locate(lon, lat)


def locate_many(session: Session, points: Sequence[tuple[float, float]]) -> list[tuple[int, str] | None]:
    """`locate` for many WGS-84 (lon, lat) points at once, in their order: one query of the same
    STRtree for all of them (the bulk import places a chunk of rows at a time)."""
    if not points:
        return []
    loc = _locator(session)
    if not loc.ids:
        return [None] * len(points)
    asked, found = loc.tree.query(shapely.points(points), predicate="intersects")
    best: dict[int, int] = {}
    for p, i in zip(asked.tolist(), found.tolist(), strict=True):
        if i < best.get(p, i + 1):  # the smallest index, as locate: deterministic on shared borders
            best[p] = i
    return [
        (loc.ids[i], loc.paths[i]) if (i := best.get(p)) is not None else None for p in range(len(points))
    ]


# Per database: the gazetteer of the active areas' names and (area code → (area id, area path)).
_gazetteers: TTLCache[tuple[Gazetteer, dict[str, tuple[int, str]]]] = TTLCache(ttl_s=300.0)


def _load_gazetteer(session: Session) -> tuple[Gazetteer, dict[str, tuple[int, str]]]:
    rows = session.execute(
        select(Area.id, Area.code, Area.name, Area.level, Area.path).where(Area.active.is_(True))
    ).all()
    return Gazetteer(Entry(r.name, r.code, r.level) for r in rows), {r.code: (r.id, r.path) for r in rows}


def gazetteer(session: Session) -> tuple[Gazetteer, dict[str, tuple[int, str]]]:
    return _gazetteers.get(cache_key(session), lambda: _load_gazetteer(session))


def place_text(
    session: Session, *, address: str | None, description: str | None = None
) -> tuple[int, str] | None:
    """(area id, area path) of the most specific place named in the address, else in the description;
    None when neither names a known place (地名匹配, for orders that came without coordinates)."""
    texts = [t for t in (address, description) if t]
    if not texts:
        return None
    gaz, areas = gazetteer(session)
    for text in texts:
        found = gaz.match(text)
        if found is not None and found.code in areas:
            return areas[found.code]
    return None


# Per database and level: the simplified boundaries for a map without a tile server.
_boundaries: TTLCache[dict] = TTLCache(ttl_s=300.0)


def boundaries(
    session: Session, *, level: AreaLevel = AreaLevel.COMMUNITY, tolerance: float = 0.0001
) -> dict:
    """The active areas of `level` as a GeoJSON FeatureCollection (WGS-84) with `code` and `name`, outlines
    simplified to `tolerance` degrees (~10 m): a base map that needs no tile server, for picking a place."""

    def load() -> dict:
        rows = session.execute(
            select(Area.code, Area.name, Area.geometry)
            .where(Area.level == level.value, Area.active.is_(True), Area.geometry.is_not(None))
            .order_by(Area.code)
        ).all()
        features = [
            {
                "type": "Feature",
                "properties": {"code": r.code, "name": r.name},
                "geometry": mapping(shape(r.geometry).simplify(tolerance, preserve_topology=True)),
            }
            for r in rows
            if r.geometry
        ]
        return {"type": "FeatureCollection", "features": features}

    return _boundaries.get(f"{cache_key(session)}|{level.value}|{tolerance}", load)


# --- GeoJSON import -------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def import_geojson(session: Session, *, data: object) -> ImportResult:
    """Areas from a GeoJSON FeatureCollection, parents before children. Each feature's properties give
    code, name, level and parent_code (or parent) and population; its geometry is a (Multi)Polygon in
    WGS-84. A code that exists is updated (name, population, geometry); a new one is created.

    All or nothing: every feature is checked and, when any is wrong, Unprocessable lists them all
    (field "file", extra `errors`) and the caller rolls the session back."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise Unprocessable("the file must be a GeoJSON FeatureCollection", field="file")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise Unprocessable("the FeatureCollection has no features", field="file")
    result, errors = ImportResult(), []
    for n, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            errors.append(f"feature {n}: no properties")
            continue
        code = props.get("code")
        try:
            existing = session.scalar(select(Area).where(Area.code == str(code))) if code else None
            if existing is None:
                parent = props.get("parent_code", props.get("parent"))
                body = {k: props.get(k) for k in ("code", "name", "level")}
                body |= {"population": props.get("population") or 0, "geometry": feature.get("geometry")}
                create_area(session, data=AreaCreate.model_validate({**body, "parent": parent}))
                result.created.append(str(code))
            else:
                if props.get("level") and props["level"] != existing.level:
                    raise Unprocessable(
                        f"level {props['level']!r} differs from the stored {existing.level!r}"
                    )
                fields = {"geometry": feature["geometry"]} if feature.get("geometry") is not None else {}
                fields |= {k: props[k] for k in ("name", "population") if props.get(k) is not None}
                update_area(session, area=existing, data=AreaUpdate.model_validate(fields))
                result.updated.append(existing.code)
        except ValidationError as exc:
            detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            errors.append(f"feature {n} ({code or 'no code'}): {detail}")
        except DomainError as exc:
            errors.append(f"feature {n} ({code or 'no code'}): {exc.message}")
    if errors:
        raise Unprocessable(
            f"{len(errors)} of {len(features)} features are wrong; nothing was imported",
            field="file",
            errors=errors,
        )
    return result
