"""Admin pages for the responsible units (/admin/units): list and filter, create, edit, and the areas
each unit serves (its jurisdiction)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from huitian.areas import service as areas_service
from huitian.auth.deps import OptionalPrincipal, SessionDep, WriteSessionDep
from huitian.units import service as units_service
from huitian.units.enums import UnitKind
from huitian.units.schemas import UnitCreate, UnitUpdate
from huitian.web.forms import admin_page, found, refused, stripped, submit
from huitian.web.pages import clean

router = APIRouter(include_in_schema=False)

KIND_OPTIONS = [(k.value, k.label) for k in UnitKind]


def area_list(text: str | None) -> list[str]:
    """Area codes as typed: separated by commas (either width), spaces or new lines."""
    return [c for c in re.split(r"[\s,,、;;]+", text or "") if c]


def _context(session) -> dict:
    return {
        "kind_options": KIND_OPTIONS,
        "kind_labels": dict(KIND_OPTIONS),
        "parent_options": [("", "(无)")]
        + [(u.code, f"{u.name}({u.code})") for u in units_service.list_units(session)],
        "area_codes": [(a.code, a.name) for a in areas_service.list_areas(session)],
    }


@router.get("/admin/units", response_class=HTMLResponse)
def units_page(
    request: Request,
    principal: OptionalPrincipal,
    session: SessionDep,
    kind: str | None = None,
    q: str | None = None,
) -> Response:
    if no := refused(request, principal):
        return no
    kind_value = kind if kind in UnitKind.__members__.values() else None
    text = (q or "").strip()
    units = units_service.list_units(session, kind=UnitKind(kind_value) if kind_value else None)
    if text:
        units = [u for u in units if text in u.name or text.lower() in u.code.lower()]
    served = units_service.served_areas(session, unit_ids=[u.id for u in units])
    context = {
        "units": units,
        "served": served,
        "filters": {"kind": kind_value or "", "q": text},
        "kind_filter": [("", "(全部类型)"), *KIND_OPTIONS],
        "kind_labels": dict(KIND_OPTIONS),
    }
    return admin_page(request, principal, "units.html", context)


def _form(request, principal, session, *, unit=None, values=None, errors=None, status_code=200) -> Response:
    context = {**_context(session), "unit": unit, "values": values or {}, "errors": errors or {}}
    return admin_page(request, principal, "unit.html", context, status_code)


@router.get("/admin/units/new", response_class=HTMLResponse)
def new_unit_page(request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    if no := refused(request, principal):
        return no
    return _form(request, principal, session, values={"kind": UnitKind.DISTRICT_BUREAU.value})


@router.post("/admin/units/new")
def create_unit(
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    code: str | None = Form(None),
    name: str | None = Form(None),
    kind: str | None = Form(None),
    parent: str | None = Form(None),
    phone: str | None = Form(None),
    areas: str | None = Form(None),
) -> Response:
    if no := refused(request, principal):
        return no
    values = clean(
        {"code": code, "name": name, "kind": kind, "parent": parent, "phone": phone, "areas": areas}
    )
    return submit(
        session,
        lambda: units_service.create_unit(
            session, data=UnitCreate.model_validate({**values, "areas": area_list(areas)})
        ),
        ok=lambda unit: f"/admin/units/{unit.code}",
        again=lambda errors, status: _form(
            request, principal, session, values=values, errors=errors, status_code=status
        ),
    )


def _unit_or_404(request, principal, session, code: str):
    return found(
        request, principal, lambda: units_service.get_by_code(session, code=code), f"未找到单位 {code}。"
    )


@router.get("/admin/units/{code}", response_class=HTMLResponse)
def unit_page(code: str, request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    if no := refused(request, principal):
        return no
    unit, missing = _unit_or_404(request, principal, session, code)
    if missing:
        return missing
    values = {
        "name": unit.name,
        "phone": unit.phone or "",
        "areas": " ".join(units_service.area_codes(session, unit_id=unit.id)),
        "active": "1" if unit.active else "0",
    }
    return _form(request, principal, session, unit=unit, values=values)


@router.post("/admin/units/{code}")
def update_unit(
    code: str,
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    name: str | None = Form(None),
    phone: str | None = Form(None),
    areas: str | None = Form(None),
    active: str | None = Form(None),
) -> Response:
    if no := refused(request, principal):
        return no
    unit, missing = _unit_or_404(request, principal, session, code)
    if missing:
        return missing
    values = stripped(name=name, phone=phone) | {"areas": areas or "", "active": active or ""}
    body: dict = {"name": values["name"], "phone": values["phone"] or None, "areas": area_list(areas)}
    if values["active"] in ("1", "0"):
        body["active"] = values["active"] == "1"
    return submit(
        session,
        lambda: units_service.update_unit(session, unit=unit, data=UnitUpdate.model_validate(body)),
        ok=f"/admin/units/{code}",
        again=lambda errors, status: _form(
            request,
            principal,
            session,
            unit=units_service.get_by_code(session, code=code),
            values=values,
            errors=errors,
            status_code=status,
        ),
    )
