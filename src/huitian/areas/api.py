"""Areas: read for every signed-in user, write for admins."""

from __future__ import annotations

from fastapi import APIRouter

from huitian.areas import service as areas_service
from huitian.areas.enums import AreaLevel
from huitian.areas.schemas import AreaCreate, AreaRead, AreaUpdate
from huitian.auth.deps import AdminPrincipal, CurrentPrincipal, SessionDep, WriteSessionDep

router = APIRouter(prefix="/api/v1/areas", tags=["areas"])


@router.get("", response_model=list[AreaRead])
def list_areas(
    _: CurrentPrincipal, session: SessionDep, level: AreaLevel | None = None, parent: str | None = None
):
    return areas_service.list_areas(session, level=level, parent=parent)


@router.get("/{code}", response_model=AreaRead)
def get_area(code: str, _: CurrentPrincipal, session: SessionDep):
    return areas_service.get_by_code(session, code=code)


@router.get("/{code}/geometry")
def get_geometry(code: str, _: CurrentPrincipal, session: SessionDep) -> dict:
    area = areas_service.get_by_code(session, code=code)
    return {
        "type": "Feature",
        "properties": {"code": area.code, "name": area.name, "level": area.level},
        "geometry": area.geometry,
    }


@router.post("", response_model=AreaRead, status_code=201)
def create_area(body: AreaCreate, _: AdminPrincipal, session: WriteSessionDep):
    area = areas_service.create_area(session, data=body)
    session.commit()
    return area


@router.patch("/{code}", response_model=AreaRead)
def update_area(code: str, body: AreaUpdate, _: AdminPrincipal, session: WriteSessionDep):
    area = areas_service.update_area(session, area=areas_service.get_by_code(session, code=code), data=body)
    session.commit()
    return area
