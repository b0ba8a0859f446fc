"""Pages of proactive governance: /warnings (未诉先办) and /topics (每月一题). Thin routes over the same
service calls as the JSON API (scope and checks are the service's); plain forms that post back."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from huitian.auth.deps import OptionalPrincipal, SessionDep, WriteSessionDep
from huitian.db import utcnow
from huitian.errors import DomainError
from huitian.kpi import service as kpi_service
from huitian.orders import service as orders_service
from huitian.proactive import service as proactive_service
from huitian.proactive.enums import WarningStatus
from huitian.proactive.schemas import TaskCreate, TopicCreate
from huitian.web.forms import one_message, own_status, submit
from huitian.web.pages import error_message, page, to_login

router = APIRouter(include_in_schema=False)
LEVELS = {"community": "社区", "grid": "网格", "street": "街道/镇"}


def _refused(request: Request, principal) -> Response | None:
    if principal is None:
        return to_login(request)
    if principal.role not in proactive_service.VIEW_ROLES:
        ctx = {"message": "未诉先办与每月一题页面供12345中心、街道督办和专班使用。"}
        return page(request, "error.html", principal, ctx, 403)
    return None


def _failed(request: Request, principal, exc: DomainError) -> Response:
    """The error page with the domain error's message and status (404 for a warning or topic out of sight)."""
    return page(request, "error.html", principal, {"message": error_message(exc)}, exc.status_code)


def _save(request: Request, principal, session, save, ok) -> Response:
    """A form post: `save` and commit, then redirect to `ok`; or nothing kept and the error page (the
    domain error's status, 422 for a form's bad field)."""
    return submit(
        session,
        save,
        ok=ok,
        errors=one_message,
        status=own_status,
        again=lambda errors, status: page(request, "error.html", principal, {"message": errors["_"]}, status),
    )


# --- 未诉先办 -------------------------------------------------------------------------------------------


@router.get("/warnings", response_class=HTMLResponse)
def warnings_page(
    request: Request, principal: OptionalPrincipal, session: SessionDep, status: str | None = "open"
) -> Response:
    refused = _refused(request, principal)
    if refused:
        return refused
    try:
        items, total = proactive_service.list_warnings(
            session, principal=principal, status=status or None, limit=200
        )
    except DomainError as exc:
        return _failed(request, principal, exc)
    ctx = {
        "warnings": proactive_service.read_warnings(session, warnings=items),
        "total": total,
        "status": status or "",
        "statuses": list(WarningStatus),
    }
    return page(request, "proactive/warnings.html", principal, ctx)


@router.post("/warnings/{warning_id}/decision")
def decide(
    warning_id: int,
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    action: str = Form(""),
    note: str = Form(""),
) -> Response:
    refused = _refused(request, principal)
    if refused:
        return refused
    return _save(
        request,
        principal,
        session,
        lambda: proactive_service.decide_warning(
            session, principal=principal, warning_id=warning_id, action=action, note=note or None
        ),
        ok="/warnings",
    )


@router.post("/warnings/{warning_id}/order")
def to_order(
    warning_id: int,
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    description: str = Form(""),
) -> Response:
    refused = _refused(request, principal)
    if refused:
        return refused
    return _save(
        request,
        principal,
        session,
        lambda: orders_service.public_number(
            proactive_service.warning_order(
                session, principal=principal, warning_id=warning_id, description=description or None
            )
        ),
        ok=lambda number: f"/orders/{number}",
    )


# --- 每月一题 -------------------------------------------------------------------------------------------


@router.get("/topics", response_class=HTMLResponse)
def topics_page(
    request: Request,
    principal: OptionalPrincipal,
    session: SessionDep,
    month: str | None = None,
    level: str = "community",
) -> Response:
    refused = _refused(request, principal)
    if refused:
        return refused
    month = month or kpi_service.previous_month(kpi_service.month_of(utcnow()))
    error, cands = None, []
    try:
        cands = proactive_service.candidates(session, principal=principal, month=month, level=level)
    except DomainError as exc:
        error = error_message(exc)
    try:
        chosen = [
            proactive_service.read_topic(session, topic=t)
            for t in proactive_service.list_topics(session, principal=principal)
        ]
    except DomainError as exc:
        return _failed(request, principal, exc)
    ctx = {
        "month": month,
        "level": level,
        "levels": LEVELS,
        "candidates": cands,
        "chosen": chosen,
        "error": error,
        "can_choose": principal.role in proactive_service.CHOOSE_ROLES,
    }
    return page(request, "proactive/topics.html", principal, ctx, 422 if error else 200)


@router.post("/topics")
def choose(
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    month: str = Form(""),
    area: str = Form(""),
    category: str = Form(""),
    title: str = Form(""),
) -> Response:
    refused = _refused(request, principal)
    if refused:
        return refused
    return _save(
        request,
        principal,
        session,
        lambda: (
            proactive_service.choose_topic(
                session,
                principal=principal,
                data=TopicCreate(month=month, area=area, category=category, title=title.strip() or None),
            ).id
        ),
        ok=lambda topic_id: f"/topics/{topic_id}",
    )


@router.get("/topics/{topic_id}", response_class=HTMLResponse)
def topic_page(
    topic_id: int, request: Request, principal: OptionalPrincipal, session: SessionDep, months: int = 3
) -> Response:
    refused = _refused(request, principal)
    if refused:
        return refused
    try:
        topic = proactive_service.get_topic(session, principal=principal, topic_id=topic_id)
        effect = proactive_service.effect(session, principal=principal, topic_id=topic_id, months=months)
        orders, total = proactive_service.topic_orders(
            session, principal=principal, topic_id=topic_id, limit=50
        )
    except DomainError as exc:
        return _failed(request, principal, exc)
    ctx = {
        "topic": proactive_service.read_topic(session, topic=topic),
        "effect": effect,
        "orders": orders,
        "total": total,
        "months": months,
        "can_choose": principal.role in proactive_service.CHOOSE_ROLES,
    }
    return page(request, "proactive/topic.html", principal, ctx)


@router.post("/topics/{topic_id}/tasks")
def add_task(
    topic_id: int,
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    unit: str = Form(""),
    title: str = Form(""),
) -> Response:
    refused = _refused(request, principal)
    if refused:
        return refused
    return _save(
        request,
        principal,
        session,
        lambda: proactive_service.add_task(
            session, principal=principal, topic_id=topic_id, data=TaskCreate(unit=unit.strip(), title=title)
        ),
        ok=f"/topics/{topic_id}",
    )


@router.post("/topics/{topic_id}/tasks/{task_id}/done")
def finish_task(
    topic_id: int, task_id: int, request: Request, principal: OptionalPrincipal, session: WriteSessionDep
) -> Response:
    refused = _refused(request, principal)
    if refused:
        return refused
    return _save(
        request,
        principal,
        session,
        lambda: proactive_service.finish_task(
            session, principal=principal, topic_id=topic_id, task_id=task_id
        ),
        ok=f"/topics/{topic_id}",
    )
