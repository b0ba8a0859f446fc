"""Pages of assessment: the command centre (指挥中心, /dashboard, desk and big-screen layouts), the street
supervisor's area page (辖区概况, /area), the orders behind a figure, and the printable monthly reports.

Routes stay thin: the figures come from kpi.service (the same functions as the JSON API, so scope is the
API's); the charts and the map are drawn by static/kpi.js from the JSON routes under /api/v1/kpi/.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from huitian.auth.deps import OptionalPrincipal, SessionDep
from huitian.auth.service import Principal
from huitian.config import get_settings
from huitian.errors import DomainError, NotFound
from huitian.kpi import service as kpi_service
from huitian.kpi.enums import GroupBy, Measure
from huitian.orders.enums import OrderStatus
from huitian.web.pages import error_message, page, to_login

router = APIRouter(include_in_schema=False)


def _basic(request: Request) -> float:
    return request.app.state.settings.satisfaction_weight_basic


def _error(request: Request, principal: Principal, exc: DomainError) -> HTMLResponse:
    return page(
        request, "error.html", principal, {"message": error_message(exc)}, status_code=exc.status_code
    )


def _this_month() -> str:
    return kpi_service.month_of(kpi_service.utcnow())


def _crumbs(session, principal: Principal, area) -> list[dict]:
    """The areas from the top down to `area`, each a link to its dashboard (no link above one's own)."""
    if area is None:
        return []
    codes = [c for c in area.path.split("/") if c]
    out = []
    for code in codes:
        try:
            a = kpi_service.areas_service.get_by_code(session, code=code)
        except NotFound:
            continue
        own = principal.area_path if principal.is_area_scoped else None
        link = f"/dashboard?area={a.code}" if not own or a.path.startswith(own) else None
        out.append({"code": a.code, "name": a.name, "link": link})
    return out


def _board(request: Request, session, principal: Principal, area_code: str | None, month: str) -> dict:
    focus = kpi_service.focus_area(session, principal=principal, code=area_code)
    basic = _basic(request)
    today = kpi_service.utcnow().astimezone(kpi_service.sla_service.local_tz()).date()
    overdue, overdue_total = kpi_service.overdue_orders(session, principal=principal, area=focus)
    return {
        "focus": focus,
        "crumbs": _crumbs(session, principal, focus),
        "month": month,
        "counts": kpi_service.live_counts(session, principal=principal, area=focus),
        "intake": kpi_service.intake_by_hour(session, principal=principal, area=focus, day=today),
        "children": kpi_service.children(
            session, principal=principal, area=focus, month=month, basic_weight=basic
        ),
        "overdue": overdue,
        "overdue_total": overdue_total,
        "api_area": focus.code if focus else "",
        "tile_url": get_settings().map_tile_url or "",
    }


def _links(by: str, key: str, month: str) -> dict[str, str]:
    """The drill-down page of each measure of a figure row."""
    return {m.value: f"/dashboard/orders?month={month}&by={by}&key={key}&measure={m.value}" for m in Measure}


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    principal: OptionalPrincipal,
    session: SessionDep,
    area: str | None = None,
    month: str | None = None,
    screen: str | None = None,
) -> Response:
    """指挥中心: open orders by state, today's intake, the map, trends, overdue orders, the units' league
    and the street ranking; every number links to the orders behind it. ?screen=big for a wall screen."""
    if principal is None:
        return to_login(request)
    try:
        month = kpi_service.parse_month(month) if month else _this_month()
        ctx = _board(request, session, principal, area, month)
        basic = _basic(request)
        units = kpi_service.rates(session, principal=principal, month=month, by="unit", basic_weight=basic)
        league = sorted(units["items"], key=lambda i: (i["score"] is None, -(i["score"] or 0), i["key"]))
        ranking = kpi_service.ranking(session, principal=principal, month=month, basic_weight=basic)
    except DomainError as exc:
        return _error(request, principal, exc)
    for item in league:
        item["links"] = _links("unit", item["key"], month)
    for item in ranking["items"]:
        item["links"] = _links("street", item["key"], month)
    ctx |= {
        "league": league,
        "ranking": ranking,
        "big": screen == "big",
        "previous_month": kpi_service.previous_month(month),
        "source": units["source"],
    }
    return page(request, "kpi/dashboard.html", principal, ctx)


@router.get("/area", response_class=HTMLResponse)
def area_page(
    request: Request, principal: OptionalPrincipal, session: SessionDep, area: str | None = None
) -> Response:
    """辖区概况 for a street supervisor (or any area role; the centre names the area with ?area=): counts,
    overdue orders, disputes awaiting arbitration, the map of open orders by grid, a link to each order."""
    if principal is None:
        return to_login(request)
    if not (principal.is_area_scoped or (principal.is_centre and area)):
        return _error(request, principal, NotFound("辖区概况 is for staff with an area (supervisors)"))
    month = _this_month()
    try:
        ctx = _board(request, session, principal, area, month)
        disputes, disputes_total = kpi_service.overdue_orders(
            session, principal=principal, area=ctx["focus"], limit=50, status=[OrderStatus.DISPUTED.value]
        )
    except DomainError as exc:
        return _error(request, principal, exc)
    focus = ctx["focus"]
    ctx |= {
        "disputes": disputes,
        "disputes_total": disputes_total,
        "disputes_link": kpi_service.orders_link(
            status=OrderStatus.DISPUTED.value, area=focus.code if focus else None
        ),
        "report_link": (
            f"/reports/street/{focus.code}?month={month}"
            if focus is not None and focus.level == "street"
            else None
        ),
    }
    return page(request, "kpi/area.html", principal, ctx)


@router.get("/dashboard/orders", response_class=HTMLResponse)
def orders_behind_page(
    request: Request,
    principal: OptionalPrincipal,
    session: SessionDep,
    month: str = "",
    by: str = "",
    key: str = "",
    measure: str = "",
    within: str | None = None,
) -> Response:
    """The orders behind one figure (a rate's denominator, or the excluded), each a link to its page."""
    if principal is None:
        return to_login(request)
    try:
        out = kpi_service.orders_behind(
            session,
            principal=principal,
            month=month,
            by=by,
            key=key,
            measure=measure,
            basic_weight=_basic(request),
            limit=500,
            within=within or None,
        )
    except DomainError as exc:
        return _error(request, principal, exc)
    ctx = {
        "out": out,
        "measure_label": Measure(out["measure"]).label,
        "by_label": GroupBy(out["by"]).label,
        "numerator": round(sum(i["counts"] for i in out["items"]), 3),
    }
    return page(request, "kpi/orders_behind.html", principal, ctx)


@router.get("/reports/{kind}/{code}", response_class=HTMLResponse)
def report_page(
    request: Request,
    principal: OptionalPrincipal,
    session: SessionDep,
    kind: str,
    code: str,
    month: str | None = None,
) -> Response:
    """The monthly report of a street/town or a unit, laid out for printing (and saving as PDF)."""
    if principal is None:
        return to_login(request)
    try:
        month = kpi_service.parse_month(month) if month else kpi_service.previous_month(_this_month())
        report = kpi_service.monthly_report(
            session, principal=principal, kind=kind, code=code, month=month, basic_weight=_basic(request)
        )
    except DomainError as exc:
        return _error(request, principal, exc)
    ctx = {
        "r": report,
        "xlsx": f"/api/v1/kpi/reports/{report['kind']}/{report['code']}.xlsx?month={report['month']}",
        "printed": date.today().isoformat(),
    }
    return page(request, "kpi/report.html", principal, ctx)
