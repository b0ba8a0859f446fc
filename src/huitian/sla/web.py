"""Admin page for the time limits (/admin/sla): edit each policy; the working-day calendar's exceptions
of a year, and adding a holiday or a make-up working day (调休上班)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from huitian.auth.deps import OptionalPrincipal, SessionDep, WriteSessionDep
from huitian.sla import service as sla_service
from huitian.sla.enums import LimitUnit, PolicyCode
from huitian.sla.schemas import CalendarDayWrite, PolicyUpdate
from huitian.web.forms import admin_page, not_found, refused, submit
from huitian.web.pages import clean

router = APIRouter(include_in_schema=False)

UNIT_OPTIONS = [(u.value, u.label) for u in LimitUnit]
KIND_OPTIONS = [("holiday", "节假日(不上班)"), ("workday", "调休上班日")]


def _year(value: str | None) -> int:
    try:
        year = int(value or "")
    except ValueError:
        return date.today().year
    return year if 2000 <= year <= 2100 else date.today().year


def _page(
    request,
    principal,
    session,
    *,
    year: int,
    policy: str | None = None,
    policy_values=None,
    day_values=None,
    errors=None,
    status_code=200,
) -> Response:
    errors = errors or {}
    context = {
        "policies": sla_service.list_policies(session),
        "unit_options": UNIT_OPTIONS,
        "kind_options": KIND_OPTIONS,
        "year": year,
        "years": list(range(date.today().year - 2, date.today().year + 3)),
        "days": sla_service.list_calendar(session, year=year),
        "failed_policy": policy,
        "policy_values": policy_values or {},
        "policy_errors": errors if policy else {},
        "day_values": day_values or {"kind": "holiday"},
        "day_errors": errors if not policy else {},
        "errors": errors,
    }
    return admin_page(request, principal, "sla.html", context, status_code)


@router.get("/admin/sla", response_class=HTMLResponse)
def sla_page(
    request: Request, principal: OptionalPrincipal, session: SessionDep, year: str | None = None
) -> Response:
    return refused(request, principal) or _page(request, principal, session, year=_year(year))


@router.post("/admin/sla/policies/{code}")
def update_policy(
    code: str,
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    amount: str | None = Form(None),
    unit: str | None = Form(None),
    label: str | None = Form(None),
) -> Response:
    if no := refused(request, principal):
        return no
    if code not in PolicyCode.__members__.values():
        return not_found(request, principal, f"未找到时限 {code}。")
    values = clean({"amount": amount, "unit": unit, "label": label})
    return submit(
        session,
        lambda: sla_service.update_policy(
            session, code=PolicyCode(code), data=PolicyUpdate.model_validate(values)
        ),
        ok="/admin/sla",
        again=lambda errors, status: _page(
            request,
            principal,
            session,
            year=date.today().year,
            policy=code,
            policy_values=values,
            errors=errors,
            status_code=status,
        ),
    )


@router.post("/admin/sla/calendar")
def set_calendar_day(
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    day: str | None = Form(None),
    kind: str | None = Form(None),
    note: str | None = Form(None),
) -> Response:
    if no := refused(request, principal):
        return no
    values = clean({"day": day, "kind": kind, "note": note})
    body: dict = {"day": values.get("day"), "note": values.get("note", "")}
    if values.get("kind") in ("holiday", "workday"):
        body["is_workday"] = values["kind"] == "workday"

    def save() -> CalendarDayWrite:
        if "is_workday" not in body:
            raise ValidationError.from_exception_data(
                "CalendarDayWrite", [{"type": "missing", "loc": ("kind",), "input": None}]
            )
        data = CalendarDayWrite.model_validate(body)
        sla_service.set_calendar_day(session, data=data)
        return data

    return submit(
        session,
        save,
        ok=lambda data: f"/admin/sla?year={data.day.year}",
        again=lambda errors, status: _page(
            request,
            principal,
            session,
            year=date.today().year,
            day_values=values,
            errors=errors,
            status_code=status,
        ),
    )
