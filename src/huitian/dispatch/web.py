"""Admin pages for the routing catalogue (派单目录, /admin/routing): the rules, add / edit / deactivate
(rules are never deleted: a deactivation is recorded like every other change), and the change log."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huitian.areas import service as areas_service
from huitian.auth.deps import OptionalPrincipal, SessionDep, WriteSessionDep
from huitian.categories import service as categories_service
from huitian.dispatch import service as dispatch_service
from huitian.dispatch.enums import RuleChange
from huitian.dispatch.schemas import RuleCreate, RuleUpdate
from huitian.units import service as units_service
from huitian.web.forms import admin_page, found, refused, stripped, submit
from huitian.web.pages import clean

router = APIRouter(include_in_schema=False)
CHANGE_LABELS = {c.value: c.label for c in RuleChange}
LOG_SIZE = 50


def _names(session) -> dict:
    cats = dict(categories_service.options(session))
    areas = {a.code: a.name for a in areas_service.list_areas(session)}
    return {"cat_names": cats, "area_names": areas}


def _list(request, principal, session, *, values=None, errors=None, status_code=200) -> Response:
    rules = [dispatch_service.read_rule(session, rule=r) for r in dispatch_service.list_rules(session)]
    names = _names(session)
    context = {
        "rules": rules,
        "changes": [
            dispatch_service.read_change(c) for c in dispatch_service.history(session, limit=LOG_SIZE)
        ],
        "change_labels": CHANGE_LABELS,
        "unit_options": units_service.select_options(session, blank="(请选择)"),
        "values": values or {},
        "errors": errors or {},
        **names,
    }
    return admin_page(request, principal, "routing.html", context, status_code)


@router.get("/admin/routing", response_class=HTMLResponse)
def routing_page(request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    return refused(request, principal) or _list(request, principal, session)


@router.post("/admin/routing")
def create_rule(
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    category: str | None = Form(None),
    area: str | None = Form(None),
    unit: str | None = Form(None),
    note: str | None = Form(None),
) -> Response:
    if no := refused(request, principal):
        return no
    values = clean({"category": category, "area": area, "unit": unit, "note": note})
    return submit(
        session,
        lambda: dispatch_service.create_rule(
            session, data=RuleCreate.model_validate({"unit": "", **values}), principal=principal
        ),
        ok="/admin/routing",
        again=lambda errors, status: _list(
            request, principal, session, values=values, errors=errors, status_code=status
        ),
    )


def _rule_or_404(request, principal, session, rule_id: int):
    return found(
        request,
        principal,
        lambda: dispatch_service.get_rule(session, rule_id=rule_id),
        f"未找到派单规则 {rule_id}。",
    )


def _edit(request, principal, session, rule, *, values=None, errors=None, status_code=200) -> Response:
    read = dispatch_service.read_rule(session, rule=rule)
    current = {"unit": read.unit, "note": read.note or "", "active": "1" if read.active else "0"}
    context = {
        "rule": read,
        "changes": [
            dispatch_service.read_change(c) for c in dispatch_service.history(session, rule_id=rule.id)
        ],
        "change_labels": CHANGE_LABELS,
        "unit_options": units_service.select_options(session, blank="(请选择)"),
        "values": {**current, **(values or {})},
        "errors": errors or {},
        **_names(session),
    }
    return admin_page(request, principal, "rule.html", context, status_code)


@router.get("/admin/routing/{rule_id}", response_class=HTMLResponse)
def rule_page(rule_id: int, request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    if no := refused(request, principal):
        return no
    rule, missing = _rule_or_404(request, principal, session, rule_id)
    return missing or _edit(request, principal, session, rule)


@router.post("/admin/routing/{rule_id}")
def update_rule(
    rule_id: int,
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    unit: str | None = Form(None),
    note: str | None = Form(None),
    active: str | None = Form(None),
) -> Response:
    if no := refused(request, principal):
        return no
    rule, missing = _rule_or_404(request, principal, session, rule_id)
    if missing:
        return missing
    values = stripped(unit=unit, note=note, active=active)
    body: dict = {"note": values["note"] or None}
    if values["unit"]:
        body["unit"] = values["unit"]
    if values["active"] in ("1", "0"):
        body["active"] = values["active"] == "1"
    return submit(
        session,
        lambda: dispatch_service.update_rule(
            session, rule=rule, data=RuleUpdate.model_validate(body), principal=principal
        ),
        ok=f"/admin/routing/{rule_id}",
        again=lambda errors, status: _edit(
            request,
            principal,
            session,
            dispatch_service.get_rule(session, rule_id=rule_id),
            values=values,
            errors=errors,
            status_code=status,
        ),
    )


@router.post("/admin/routing/{rule_id}/deactivate")
def deactivate_rule(
    rule_id: int, request: Request, principal: OptionalPrincipal, session: WriteSessionDep
) -> Response:
    if no := refused(request, principal):
        return no
    rule, missing = _rule_or_404(request, principal, session, rule_id)
    if missing:
        return missing
    dispatch_service.deactivate_rule(session, rule=rule, principal=principal)
    session.commit()
    return RedirectResponse("/admin/routing", status_code=303)
