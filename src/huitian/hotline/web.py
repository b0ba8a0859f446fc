"""The hotline entry page (/hotline) for operators, made for typing during a call: caller look-up, the order
form with the Art. 11 outcome codes, knowledge-base search with "answer at once"."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from huitian.auth.deps import OptionalPrincipal, SessionDep, WriteSessionDep
from huitian.categories import service as categories_service
from huitian.errors import DomainError, Forbidden
from huitian.hotline import service as hotline_service
from huitian.hotline.api import admit
from huitian.hotline.schemas import AnswerAtOnce
from huitian.orders import service as orders_service
from huitian.orders.enums import INTAKE_OUTCOMES, Action, Channel, Outcome
from huitian.orders.schemas import ActionRequest, OrderCreate
from huitian.security.ratelimit import TooMany
from huitian.web.forms import one_message, submit
from huitian.web.pages import clean, error_message, page, to_login

router = APIRouter(include_in_schema=False)
OUTCOMES = [o for o in Outcome if o in INTAKE_OUTCOMES]


def _submit(request, principal, session, save, *, values: dict) -> Response:
    """Save the call's order and go to it; or nothing kept and the entry page again, with what was typed
    and the error (422 for a bad field or a refused order)."""
    return submit(
        session,
        save,
        ok=lambda number: f"/orders/{number}",
        errors=one_message,
        again=lambda errors, _: _entry(
            request, principal, session, values=values, error=errors["_"], status=422
        ),
    )


def _entry(request, principal, session, *, values: dict, error: str | None = None, status: int = 200):
    phone, q = values.get("phone") or values.get("citizen_phone"), values.get("kb")
    callers, hits, lookup_error = [], [], None
    if phone:
        try:
            admit(request, principal, phone, "page")
            callers = hotline_service.caller_summaries(session, principal=principal, phone=phone)
        except Forbidden:
            lookup_error, status = "按来电号码查询历史工单仅限话务员(可查看来电人号码的角色)。", 403
        except TooMany as exc:
            lookup_error, status = exc.people, 429
        except DomainError as exc:
            lookup_error = error_message(exc)
    if q:
        hits = hotline_service.search(session, q=q, category_code=values.get("category_code"))
    context = {
        "values": values,
        "error": error or lookup_error,
        "callers": callers,
        "open_callers": [o for o in callers if o.status not in ("closed", "merged")],
        "hits": hits,
        "outcomes": OUTCOMES,
        "categories": categories_service.options(session),
    }
    return page(request, "hotline/entry.html", principal, context, status_code=status)


def _allowed(request: Request, principal) -> Response | None:
    if principal is None:
        return to_login(request)
    if not principal.is_centre:
        return page(request, "error.html", principal, {"message": "热线受理页面仅供12345话务员使用。"}, 403)
    return None


@router.get("/hotline", response_class=HTMLResponse)
def hotline_page(
    request: Request,
    principal: OptionalPrincipal,
    session: SessionDep,
    phone: str | None = None,
    kb: str | None = None,
) -> Response:
    refused = _allowed(request, principal)
    if refused:
        return refused
    return _entry(
        request, principal, session, values=clean({"phone": phone, "kb": kb, "citizen_phone": phone})
    )


@router.post("/hotline/orders")
def hotline_order(
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    type: str | None = Form(None),
    title: str | None = Form(None),
    description: str | None = Form(None),
    address: str | None = Form(None),
    category_code: str | None = Form(None),
    citizen_name: str | None = Form(None),
    citizen_phone: str | None = Form(None),
    priority: str | None = Form(None),
    outcome: str | None = Form(None),
    reason: str | None = Form(None),
    link_to: str | None = Form(None),
) -> Response:
    refused = _allowed(request, principal)
    if refused:
        return refused
    fields = {"type": type, "title": title, "description": description, "address": address}
    fields |= {"category_code": category_code, "citizen_name": citizen_name, "citizen_phone": citizen_phone}
    values = clean(fields | {"priority": priority})
    extra = clean({"outcome": outcome, "reason": reason, "link_to": link_to})

    def save() -> str:
        data = OrderCreate.model_validate({**values, "channel": Channel.HOTLINE.value})
        close = ActionRequest(
            action=Action.CLOSE, version=1, **{k: extra[k] for k in ("outcome", "reason") if k in extra}
        )
        order = hotline_service.take_call(
            session,
            principal=principal,
            data=data,
            close=close if "outcome" in extra else None,
            link_to=extra.get("link_to"),
        )
        return orders_service.public_number(order)

    return _submit(request, principal, session, save, values=values | extra)


@router.post("/hotline/answer")
def hotline_answer(
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    kb_entry: str | None = Form(None),
    description: str | None = Form(None),
    citizen_name: str | None = Form(None),
    citizen_phone: str | None = Form(None),
) -> Response:
    refused = _allowed(request, principal)
    if refused:
        return refused
    values = clean({"description": description, "citizen_name": citizen_name, "citizen_phone": citizen_phone})
    return _submit(
        request,
        principal,
        session,
        lambda: orders_service.public_number(
            hotline_service.answer_at_once(
                session,
                principal=principal,
                data=AnswerAtOnce.model_validate({**values, "kb_entry": kb_entry}),
            )
        ),
        values=values,
    )
