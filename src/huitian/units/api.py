"""Units and their jurisdictions."""

from __future__ import annotations

from fastapi import APIRouter

from huitian.auth.deps import AdminPrincipal, CurrentPrincipal, SessionDep, WriteSessionDep
from huitian.units import service as units_service
from huitian.units.enums import UnitKind
from huitian.units.schemas import UnitCreate, UnitRead, UnitUpdate

router = APIRouter(prefix="/api/v1/units", tags=["units"])


@router.get("", response_model=list[UnitRead])
def list_units(_: CurrentPrincipal, session: SessionDep, kind: UnitKind | None = None):
    return units_service.list_units(session, kind=kind)


@router.get("/{code}", response_model=UnitRead)
def get_unit(code: str, _: CurrentPrincipal, session: SessionDep) -> UnitRead:
    return units_service.read(session, unit=units_service.get_by_code(session, code=code))


@router.post("", response_model=UnitRead, status_code=201)
def create_unit(body: UnitCreate, _: AdminPrincipal, session: WriteSessionDep) -> UnitRead:
    unit = units_service.create_unit(session, data=body)
    session.commit()
    return units_service.read(session, unit=unit)


@router.patch("/{code}", response_model=UnitRead)
def update_unit(code: str, body: UnitUpdate, _: AdminPrincipal, session: WriteSessionDep) -> UnitRead:
    unit = units_service.update_unit(session, unit=units_service.get_by_code(session, code=code), data=body)
    session.commit()
    return units_service.read(session, unit=unit)
