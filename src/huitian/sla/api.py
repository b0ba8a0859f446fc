"""Time-limit policies and the working-day calendar."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from huitian.auth.deps import AdminPrincipal, CurrentPrincipal, SessionDep, WriteSessionDep
from huitian.sla import service as sla_service
from huitian.sla.enums import PolicyCode
from huitian.sla.schemas import CalendarDayRead, CalendarDayWrite, PolicyRead, PolicyUpdate

router = APIRouter(prefix="/api/v1", tags=["sla"])


@router.get("/policies", response_model=list[PolicyRead])
def list_policies(_: CurrentPrincipal, session: SessionDep):
    return sla_service.list_policies(session)


@router.put("/policies/{code}", response_model=PolicyRead)
def update_policy(code: PolicyCode, body: PolicyUpdate, _: AdminPrincipal, session: WriteSessionDep):
    row = sla_service.update_policy(session, code=code, data=body)
    session.commit()
    return row


@router.get("/calendar", response_model=list[CalendarDayRead])
def list_calendar(
    _: CurrentPrincipal, session: SessionDep, year: Annotated[int | None, Query(ge=1, le=9999)] = None
):
    return sla_service.list_calendar(session, year=year)


@router.put("/calendar", response_model=CalendarDayRead)
def set_calendar_day(body: CalendarDayWrite, _: AdminPrincipal, session: WriteSessionDep):
    row = sla_service.set_calendar_day(session, data=body)
    session.commit()
    return row
