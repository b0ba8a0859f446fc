"""Hotline entry: caller look-up, same-caller links, the knowledge base, answers at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from huitian.auth.deps import CurrentPrincipal, SessionDep, WriteSessionDep
from huitian.auth.service import Principal
from huitian.hotline import service as hotline_service
from huitian.hotline.schemas import (
    AnswerAtOnce,
    CallerRead,
    KbEntryCreate,
    KbEntryRead,
    KbEntryUpdate,
    KbHit,
    LinkCreate,
    LinkRead,
)
from huitian.lib.http import model_response
from huitian.orders import service as orders_service
from huitian.orders.schemas import OrderSummary
from huitian.security import ratelimit

router = APIRouter(prefix="/api/v1/hotline", tags=["hotline"])


def admit(request: Request, principal: Principal, phone: str, via: str) -> str:
    """Role, rate limit and audit of a look-up (hotline_service.admit_lookup); the normalised number."""
    app = request.app
    limiter = ratelimit.window(app, "caller_lookup", "user", hotline_service.LOOKUP_LIMIT).take
    return hotline_service.admit_lookup(
        app.state.db, principal=principal, phone=phone, secret=app.state.secret, via=via, limiter=limiter
    )


@router.get("/callers/{phone}", response_model=CallerRead)
def caller(phone: str, principal: CurrentPrincipal, session: SessionDep, request: Request) -> Response:
    """The caller's earlier orders, newest first (operators only: the roles that see phone numbers;
    at most 60 look-ups a minute per user; each one is recorded)."""
    admit(request, principal, phone, "api")
    items = hotline_service.caller_summaries(session, principal=principal, phone=phone)
    open_count = sum(1 for o in items if o.status not in ("closed", "merged"))
    return model_response(CallerRead(phone=phone, orders=items, open_orders=open_count))


@router.get("/callers/{phone}/same-matter", response_model=list[OrderSummary])
def same_matter(
    phone: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    category: str | None = None,
    text: Annotated[str | None, Query(max_length=4000)] = None,
) -> list[OrderSummary]:
    """Open orders of this caller in the same category or with similar text: candidates to link."""
    admit(request, principal, phone, "same_matter")
    found = hotline_service.same_matter(
        session, principal=principal, phone=phone, category_code=category, text=text
    )
    return orders_service.summaries(session, orders=found, principal=principal)


@router.post("/links", response_model=LinkRead, status_code=201)
def link(body: LinkCreate, principal: CurrentPrincipal, session: WriteSessionDep) -> LinkRead:
    made = hotline_service.link_orders(
        session, principal=principal, order_ref=body.order, other_ref=body.other, kind=body.kind
    )
    session.commit()
    return LinkRead(id=made.id, order=body.order, other=body.other, kind=made.kind)


@router.get("/kb", response_model=list[KbHit])
def kb_search(
    principal: CurrentPrincipal,
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    category: str | None = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[KbHit]:
    hotline_service.require_centre(principal)
    return hotline_service.search(session, q=q, category_code=category, limit=limit)


@router.post("/kb", response_model=KbEntryRead, status_code=201)
def kb_create(body: KbEntryCreate, principal: CurrentPrincipal, session: WriteSessionDep) -> KbEntryRead:
    entry = hotline_service.create_entry(session, principal=principal, data=body)
    out = KbEntryRead.model_validate(entry)
    session.commit()
    return out


@router.get("/kb/{entry_id}", response_model=KbEntryRead)
def kb_get(entry_id: int, principal: CurrentPrincipal, session: SessionDep) -> KbEntryRead:
    hotline_service.require_centre(principal)
    return KbEntryRead.model_validate(hotline_service.get_entry(session, entry_id=entry_id))


@router.patch("/kb/{entry_id}", response_model=KbEntryRead)
def kb_update(
    entry_id: int, body: KbEntryUpdate, principal: CurrentPrincipal, session: WriteSessionDep
) -> KbEntryRead:
    entry = hotline_service.update_entry(session, principal=principal, entry_id=entry_id, data=body)
    out = KbEntryRead.model_validate(entry)
    session.commit()
    return out


@router.post("/answer", status_code=201)
def answer(body: AnswerAtOnce, principal: CurrentPrincipal, session: WriteSessionDep) -> dict:
    """Receive a consultation and answer it at once with a knowledge-base entry's text."""
    order = hotline_service.answer_at_once(session, principal=principal, data=body)
    out = {"id": order.id, "number": orders_service.public_number(order), "status": order.status}
    out["outcome"] = order.outcome
    session.commit()
    return out
