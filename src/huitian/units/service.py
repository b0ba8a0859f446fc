"""Responsible units and their jurisdictions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from huitian.areas import service as areas_service
from huitian.areas.models import Area
from huitian.db import cache_key
from huitian.errors import Conflict, NotFound
from huitian.lib.ttlcache import TTLCache
from huitian.units.enums import UnitKind
from huitian.units.models import Unit, UnitArea
from huitian.units.schemas import UnitCreate, UnitRead, UnitUpdate


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    name: str
    kind: str


_directory: TTLCache[dict[int, UnitInfo]] = TTLCache(ttl_s=60.0)


def directory(session: Session) -> dict[int, UnitInfo]:
    """Every unit by id (code, name, kind), cached briefly: read on every order view."""

    def load() -> dict[int, UnitInfo]:
        rows = session.execute(select(Unit.id, Unit.code, Unit.name, Unit.kind)).all()
        return {r.id: UnitInfo(r.id, r.code, r.name, r.kind) for r in rows}

    return _directory.get(cache_key(session), load)


def get_by_code(session: Session, *, code: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(f"unit {code!r} not found", field="unit")
    return unit


def get(session: Session, *, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"unit {unit_id} not found")
    return unit


def code_of(session: Session, *, unit_id: int | None) -> str | None:
    return session.get(Unit, unit_id).code if unit_id else None


def list_units(session: Session, *, kind: UnitKind | None = None) -> list[Unit]:
    stmt = select(Unit).order_by(Unit.code)
    if kind is not None:
        stmt = stmt.where(Unit.kind == kind.value)
    return list(session.scalars(stmt))


def area_codes(session: Session, *, unit_id: int) -> list[str]:
    stmt = select(Area.code).join(UnitArea, UnitArea.area_id == Area.id).where(UnitArea.unit_id == unit_id)
    return list(session.scalars(stmt.order_by(Area.code)))


def served_areas(session: Session, *, unit_ids: list[int]) -> dict[int, list[str]]:
    """The area codes each of these units serves, in one query (for lists of units)."""
    out: dict[int, list[str]] = {i: [] for i in unit_ids}
    stmt = (
        select(UnitArea.unit_id, Area.code)
        .join(Area, UnitArea.area_id == Area.id)
        .where(UnitArea.unit_id.in_(unit_ids))
        .order_by(Area.code)
    )
    for unit_id, code in session.execute(stmt):
        out[unit_id].append(code)
    return out


def read(session: Session, *, unit: Unit) -> UnitRead:
    out = UnitRead.model_validate(unit)
    out.areas = area_codes(session, unit_id=unit.id)
    return out


def supervising_unit(session: Session, *, unit: Unit) -> Unit | None:
    """The district government a street office reports to (copied on dispatch, Art. 12)."""
    if unit.kind != UnitKind.STREET_OFFICE or unit.parent_id is None:
        return None
    parent = session.get(Unit, unit.parent_id)
    return parent if parent is not None and parent.kind == UnitKind.DISTRICT_GOVERNMENT else None


def _set_areas(session: Session, *, unit: Unit, codes: list[str]) -> None:
    session.execute(delete(UnitArea).where(UnitArea.unit_id == unit.id))
    for code in dict.fromkeys(codes):
        session.add(UnitArea(unit_id=unit.id, area_id=areas_service.get_by_code(session, code=code).id))


def create_unit(session: Session, *, data: UnitCreate) -> Unit:
    if session.scalar(select(Unit.id).where(Unit.code == data.code)) is not None:
        raise Conflict(f"unit code {data.code!r} exists", field="code")
    parent = get_by_code(session, code=data.parent) if data.parent else None
    unit = Unit(
        code=data.code,
        name=data.name,
        kind=data.kind.value,
        parent_id=parent.id if parent else None,
        phone=data.phone,
    )
    session.add(unit)
    session.flush()
    _set_areas(session, unit=unit, codes=data.areas)
    session.flush()
    _directory.clear()
    return unit


def update_unit(session: Session, *, unit: Unit, data: UnitUpdate) -> Unit:
    fields = data.model_dump(exclude_unset=True)
    if "areas" in fields:
        _set_areas(session, unit=unit, codes=fields.pop("areas") or [])
    for key, value in fields.items():
        setattr(unit, key, value)
    session.flush()
    _directory.clear()
    return unit


def select_options(session: Session, blank: str = "(无)") -> list[tuple[str, str]]:
    """("", blank) then every unit as (code, "name(code)"), for a <select>; inactive units are marked
    (a user may still belong to one; the services refuse them where they must)."""
    units = [
        (u.code, f"{u.name}({u.code})" + ("(已停用)" if not u.active else "")) for u in list_units(session)
    ]
    return [("", blank), *units]
