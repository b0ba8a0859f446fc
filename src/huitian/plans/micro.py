"""The micro-project library (微民生微服务项目库): proposals, approval and the yearly count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huitian.areas import service as areas_service
from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.db import utcnow
from huitian.errors import Forbidden, NotFound, Unprocessable
from huitian.plans.access import _in_scope
from huitian.plans.enums import MICRO_YEARLY_TARGET, MicroStatus
from huitian.plans.models import MicroProject
from huitian.plans.projects import _place
from huitian.plans.reading import get_project
from huitian.plans.schemas import MicroCreate, MicroPage, MicroRead, MicroUpdate
from huitian.units.models import Unit

# --- micro-project library (微民生微服务项目库) -------------------------------------------------------

LIBRARY_STATUSES = (MicroStatus.APPROVED, MicroStatus.IN_PROGRESS, MicroStatus.DONE)


def create_micro(session: Session, *, principal: Principal, data: MicroCreate, now: datetime | None = None):
    area_id, area_path = _place(session, code=data.area)
    if principal.role not in (Role.ADMIN, Role.PLANNER, Role.SUPERVISOR) and not principal.is_unit_member:
        raise Forbidden("staff role required to propose a micro-project")
    if (
        principal.role in (Role.PLANNER, Role.SUPERVISOR)
        and area_path
        and not _in_scope(principal, area_path)
    ):
        raise Forbidden("the area is outside your scope", field="area")
    unit_id = None
    if data.unit:
        unit = session.scalar(select(Unit).where(Unit.code == data.unit))
        if unit is None:
            raise Unprocessable(f"unit {data.unit!r} not found", field="unit")
        unit_id = unit.id
    elif principal.is_unit_member:
        unit_id = principal.unit_id
    now = now or utcnow()
    micro = MicroProject(
        year=data.year,
        title=data.title,
        description=data.description,
        source=data.source.value,
        source_ref=data.source_ref,
        status=MicroStatus.PROPOSED.value,
        area_id=area_id,
        area_path=area_path,
        unit_id=unit_id,
        created_at=now,
        updated_at=now,
    )
    session.add(micro)
    session.flush()
    return micro


def update_micro(
    session: Session, *, principal: Principal, micro_id: int, data: MicroUpdate, now: datetime | None = None
) -> MicroProject:
    micro = session.get(MicroProject, micro_id)
    if micro is None:
        raise NotFound(f"micro-project {micro_id} not found")
    if principal.role != Role.ADMIN and not (
        principal.role == Role.PLANNER and (micro.area_path is None or _in_scope(principal, micro.area_path))
    ):
        raise Forbidden("planner or admin role required to approve or move a micro-project")
    fields = data.model_dump(exclude_unset=True)
    if fields.get("project_id") is not None:
        get_project(session, project_id=fields["project_id"], field="project_id")
    for key, value in fields.items():
        setattr(micro, key, value.value if hasattr(value, "value") else value)
    micro.updated_at = now or utcnow()
    session.flush()
    return micro


def get_micro(session: Session, *, micro_id: int) -> MicroProject | None:
    return session.get(MicroProject, micro_id)


def area_names(session: Session, *, paths: list[str | None]) -> dict[str, str]:
    """Area path → the names along it below the district ("一街道 / 一社区"), for lists of places."""
    out: dict[str, str] = {}
    for path in {p for p in paths if p}:
        out[path] = " / ".join(areas_service.names_on_path(session, path=path)[1:]) or path
    return out


def micro_page(session: Session, *, year: int, status: MicroStatus | None = None) -> MicroPage:
    stmt = select(MicroProject).where(MicroProject.year == year).order_by(MicroProject.id)
    if status is not None:
        stmt = stmt.where(MicroProject.status == status.value)
    items = [MicroRead.model_validate(m) for m in session.scalars(stmt)]
    by_status = dict(
        session.execute(
            select(MicroProject.status, func.count())
            .where(MicroProject.year == year)
            .group_by(MicroProject.status)
        )
        .tuples()
        .all()
    )
    count = sum(by_status.get(s.value, 0) for s in LIBRARY_STATUSES)
    return MicroPage(year=year, items=items, count=count, target=MICRO_YEARLY_TARGET, by_status=by_status)
