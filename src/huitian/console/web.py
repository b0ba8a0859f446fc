"""The staff console's screens: the operator workspace (派单工作台), the handler inbox (待办工单) and the
callback desk (回访台). Templates under web/templates/console/. What they show is read by console/service.py;
every change is an action of the state machine (the screens post to /orders/{number}/actions with next=,
or to /workspace/{number}/dispatch), so the console decides nothing the state machine does not.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from huitian.auth.deps import OptionalPrincipal, SessionDep, WriteSessionDep
from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.categories import service as categories_service
from huitian.console import service as console_service
from huitian.db import utcnow
from huitian.duplicates import service as duplicates_service
from huitian.errors import Conflict, DomainError, NotFound
from huitian.orders import flows
from huitian.orders import service as orders_service
from huitian.orders import web as orders_web
from huitian.orders.enums import Action, OrderStatus
from huitian.orders.schemas import ActionRequest
from huitian.units import service as units_service
from huitian.web.pages import clean, error_message, page, to_login, validation_message

router = APIRouter(include_in_schema=False)


def _refused(request: Request, principal: Principal | None, allowed: bool, message: str) -> Response | None:
    if principal is None:
        return to_login(request)
    if not allowed:
        return page(request, "error.html", principal, {"message": message}, 403)
    return None


def _panel_context(session: Session, principal: Principal, ref: str) -> dict:
    found = console_service.triage(session, principal=principal, ref=ref)
    order = orders_web.read(session, principal, ref)
    suggested = [u.code for u in found.suggestions.unit]
    titles = orders_service.titles(session, orders=[f.order for f in found.duplicates], principal=principal)
    return {
        "o": order,
        "t": found,
        "unit_options": orders_web.unit_options(session),
        "suggested_units": suggested,
        "categories": categories_service.options(session),
        "dups": [
            (
                orders_service.public_number(f.order),
                f,
                "、".join(duplicates_service.reason_label(r) for r in f.candidate.reasons),
                titles[f.order.id],
            )
            for f in found.duplicates
        ],
    }


@router.get("/workspace", response_class=HTMLResponse)
def workspace(
    request: Request, principal: OptionalPrincipal, session: WriteSessionDep, order: str | None = None
) -> Response:
    refused = _refused(
        request, principal, principal is not None and principal.is_centre, "派单工作台仅供12345话务员使用。"
    )
    if refused:
        return refused
    items, total = console_service.queue(session, principal=principal)
    selected = order or (items[0].number if items else None)
    context: dict = {"items": items, "total": total, "selected": selected}
    if selected:
        try:
            context |= _panel_context(session, principal, selected)
        except NotFound:
            return page(request, "error.html", principal, {"message": f"未找到工单 {selected}。"}, 404)
    session.commit()  # what was suggested is kept (corrections are counted against it)
    return page(request, "console/workspace.html", principal, context)


@router.get("/workspace/panel/{ref}", response_class=HTMLResponse)
def workspace_panel(
    ref: str, request: Request, principal: OptionalPrincipal, session: WriteSessionDep
) -> Response:
    """The triage panel of one order alone (HTMX swaps it in beside the queue)."""
    refused = _refused(
        request, principal, principal is not None and principal.is_centre, "仅供12345话务员使用。"
    )
    if refused:
        return refused
    try:
        context = _panel_context(session, principal, ref)
    except NotFound:
        return page(request, "error.html", principal, {"message": f"未找到工单 {ref}。"}, 404)
    session.commit()
    return page(request, "console/_triage.html", principal, context)


@router.post("/workspace/{ref}/dispatch")
def workspace_dispatch(
    ref: str,
    request: Request,
    principal: OptionalPrincipal,
    read_session: SessionDep,
    session: WriteSessionDep,
    version: str | None = Form(None),
    unit: str | None = Form(None),
    category_code: str | None = Form(None),
    priority: str | None = Form(None),
    co_unit: list[str] = Form(default_factory=list),
    task: str | None = Form(None),
) -> Response:
    """派单 with co-handling units in one step: the dispatch, then one add_co_unit per co-unit, each an
    action of the state machine with its own event; all or nothing."""
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    fields = clean(
        {"version": version, "unit": unit, "category_code": category_code, "priority": priority, "task": task}
    )
    co_units = [c.strip() for c in co_unit if c.strip()]
    try:
        steps = [ActionRequest.model_validate({"action": "dispatch", **fields, "task": None})]
        for code in co_units:
            steps.append(
                ActionRequest.model_validate(
                    {"action": "add_co_unit", "version": 1, "unit": code, "task": task}
                )
            )
    except ValidationError as exc:
        return orders_web.detail(request, principal, read_session, ref, validation_message(exc), 422)
    try:
        order = orders_service.get_for(session, principal=principal, ref=ref, lock=True)
        for step in steps:
            step.version = order.version
            flows.perform(session, order=order, principal=principal, req=step)
        session.commit()
    except DomainError as exc:
        session.rollback()
        return orders_web.detail(request, principal, read_session, ref, error_message(exc), exc.status_code)
    except StaleDataError:
        session.rollback()
        stale = Conflict("the order was changed by someone else; reload it", field="version")
        return orders_web.detail(request, principal, read_session, ref, error_message(stale), 409)
    return RedirectResponse("/workspace", status_code=303)


@router.get("/inbox", response_class=HTMLResponse)
def handler_inbox(request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    allowed = principal is not None and principal.is_unit_member
    refused = _refused(request, principal, allowed, "待办工单仅供承办单位人员使用。")
    if refused:
        return refused
    now = utcnow()
    rows = console_service.inbox(session, principal=principal, now=now)
    context: dict = {"rows": rows, "now": now, "lead": principal.role == Role.UNIT_LEAD}
    if principal.role == Role.UNIT_LEAD:
        basic = request.app.state.settings.satisfaction_weight_basic
        context["month"], context["rates"] = console_service.unit_rates(
            session, principal=principal, basic_weight=basic, now=now
        )
        context["pending"] = [r for r in rows if Action.DECIDE_EXTENSION.value in r.actions]
    context["unit_name"] = units_service.get(session, unit_id=principal.unit_id).name
    return page(request, "console/inbox.html", principal, context)


@router.get("/callbacks", response_class=HTMLResponse)
def callback_desk(request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    refused = _refused(
        request, principal, principal is not None and principal.is_centre, "回访台仅供12345话务员使用。"
    )
    if refused:
        return refused
    due, due_total = console_service.desk(session, principal=principal, status=OrderStatus.REPLIED)
    done, done_total = console_service.desk(session, principal=principal, status=OrderStatus.CALLED_BACK)
    context = {"due": due, "due_total": due_total, "done": done, "done_total": done_total}
    return page(request, "console/callbacks.html", principal, context)
