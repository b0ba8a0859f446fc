"""Assessment: the three rates, the ranking, the orders behind a figure, 吹哨报到, settings, rollups."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from huitian.auth.deps import AdminPrincipal, CurrentPrincipal, SessionDep, WriteSessionDep
from huitian.errors import Unprocessable
from huitian.kpi import service as kpi_service
from huitian.kpi.schemas import OrdersBehindPage, RankingPage, RatePage, RefreshRead, WhistlePage

router = APIRouter(prefix="/api/v1/kpi", tags=["kpi"])


def _basic(request: Request) -> float:
    return request.app.state.settings.satisfaction_weight_basic


@router.get("/rates", response_model=RatePage)
def rates(request: Request, principal: CurrentPrincipal, session: SessionDep, month: str, by: str):
    return kpi_service.rates(session, principal=principal, month=month, by=by, basic_weight=_basic(request))


@router.get("/ranking", response_model=RankingPage)
def ranking(request: Request, principal: CurrentPrincipal, session: SessionDep, month: str):
    return kpi_service.ranking(session, principal=principal, month=month, basic_weight=_basic(request))


@router.get("/orders", response_model=OrdersBehindPage)
def orders_behind(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    month: str,
    by: str,
    key: str,
    measure: str,
    limit: int = Query(1000, ge=1, le=10000),
    within: str | None = None,
):
    return kpi_service.orders_behind(
        session,
        principal=principal,
        month=month,
        by=by,
        key=key,
        measure=measure,
        basic_weight=_basic(request),
        limit=limit,
        within=within,
    )


@router.get("/whistles", response_model=WhistlePage)
def whistles(principal: CurrentPrincipal, session: SessionDep, month: str):
    return kpi_service.whistles(session, principal=principal, month=month)


@router.get("/settings", response_model=dict[str, float])
def get_settings(_: CurrentPrincipal, session: SessionDep):
    return kpi_service.settings_values(session)


@router.put("/settings", response_model=dict[str, float])
def put_settings(body: dict[str, float], _: AdminPrincipal, session: WriteSessionDep):
    out = kpi_service.update_settings(session, values=body)
    session.commit()
    return out


@router.post("/rollups/refresh", response_model=RefreshRead)
def refresh(_: AdminPrincipal, session: WriteSessionDep, month: str | None = None):
    out = kpi_service.refresh(session, months=[month] if month else None)
    session.commit()
    return {"months": out}


# --- the dashboard (charts read the rollup cube and the open-orders snapshot) ------------------------------


def _day(value: str | None) -> date:
    if not value:
        return kpi_service.utcnow().astimezone(kpi_service.sla_service.local_tz()).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Unprocessable(f"day must be a date written YYYY-MM-DD, got {value!r}", field="day") from None


@router.get("/board")
def board(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    area: str | None = None,
    month: str | None = None,
    day: str | None = None,
):
    """Open orders by state (with the overdue and escalated), today's intake by hour, and the areas one
    level down with their open orders and the month's rates: the dashboard's figures, each with a link."""
    focus = kpi_service.focus_area(session, principal=principal, code=area)
    month = kpi_service.parse_month(month) if month else kpi_service.month_of(kpi_service.utcnow())
    return {
        "area": {"code": focus.code, "name": focus.name, "level": focus.level} if focus else None,
        "month": month,
        "counts": kpi_service.live_counts(session, principal=principal, area=focus),
        "intake": kpi_service.intake_by_hour(session, principal=principal, area=focus, day=_day(day)),
        "children": kpi_service.children(
            session, principal=principal, area=focus, month=month, basic_weight=_basic(request)
        ),
    }


@router.get("/map")
def grid_map(principal: CurrentPrincipal, session: SessionDep, area: str | None = None):
    """GeoJSON of the grids under the area with their open and overdue orders, and open-order points."""
    focus = kpi_service.focus_area(session, principal=principal, code=area)
    return kpi_service.grid_map(session, principal=principal, area=focus)


@router.get("/trend")
def trend(principal: CurrentPrincipal, session: SessionDep, month: str, months: int = 6):
    """Orders dispatched per first-level category, month by month (from the cube)."""
    return kpi_service.category_trend(session, principal=principal, month=month, months=months)


@router.post("/open/refresh")
def refresh_open(_: AdminPrincipal, session: WriteSessionDep):
    n = kpi_service.refresh_open(session)
    session.commit()
    return {"cells": n}


# --- monthly reports -----------------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/reports/{kind}/{code}.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def report_xlsx(
    request: Request, principal: CurrentPrincipal, session: SessionDep, kind: str, code: str, month: str
):
    """The monthly report of a street (kind=street) or a unit (kind=unit) as an Excel workbook."""
    report = kpi_service.monthly_report(
        session, principal=principal, kind=kind, code=code, month=month, basic_weight=_basic(request)
    )
    name = f"report-{report['kind']}-{report['code']}-{report['month']}.xlsx"
    return Response(
        kpi_service.report_xlsx(report),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
