"""Assessment: the three rates, the ranking, the orders behind a figure, 吹哨报到, settings, rollups."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from huitian.auth.deps import AdminPrincipal, CurrentPrincipal, SessionDep, WriteSessionDep
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
