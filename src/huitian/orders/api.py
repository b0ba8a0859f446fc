"""Work orders: list, read, act (new orders come in through intake/api.py's POST /api/v1/orders)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from huitian.auth.deps import CurrentPrincipal, SessionDep, WriteSessionDep
from huitian.auth.service import Principal
from huitian.lib.http import model_response
from huitian.orders import flows
from huitian.orders import service as orders_service
from huitian.orders.enums import Channel, OrderStatus, OrderType
from huitian.orders.models import Order, OrderEvent
from huitian.orders.schemas import ActionRequest, OrderPage, OrderRead

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])


def order_read(
    session, order: Order, principal: Principal, *, events: list[OrderEvent] | None = None
) -> OrderRead:
    # A new order (events given) has no units yet: spare the queries.
    rel = flows.relation(session, order=order, principal=principal, assignments=[] if events else None)
    return orders_service.read_order(
        session,
        order=order,
        principal=principal,
        allowed_actions=flows.allowed_actions(rel),
        assignments=rel.assignments,
        events=events,
    )


def order_filter(
    status: Annotated[list[OrderStatus] | None, Query(description="one or more states")] = None,
    unit: str | None = None,
    area: str | None = None,
    category: str | None = None,
    type: OrderType | None = None,
    channel: Channel | None = None,
    overdue: bool | None = None,
    proactive: bool | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    sort: Annotated[str, Query(pattern="^(newest|oldest|deadline)$")] = "newest",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> orders_service.OrderFilter:
    return orders_service.OrderFilter(
        status=[s.value for s in status] if status else None,
        unit=unit,
        area=area,
        category=category,
        type=type.value if type else None,
        channel=channel.value if channel else None,
        overdue=overdue,
        proactive=proactive,
        created_from=created_from,
        created_to=created_to,
        q=q,
        sort=sort,
        limit=limit,
        offset=offset,
    )


@router.get("", response_model=OrderPage)
def list_orders(
    principal: CurrentPrincipal,
    session: SessionDep,
    flt: Annotated[orders_service.OrderFilter, Depends(order_filter)],
) -> Response:
    orders, total = orders_service.list_orders(session, principal=principal, flt=flt)
    page = OrderPage(
        items=orders_service.summaries(session, orders=orders, principal=principal),
        total=total,
        limit=flt.limit,
        offset=flt.offset,
    )
    return model_response(page)


@router.get("/{ref}", response_model=OrderRead)
def get_order(ref: str, principal: CurrentPrincipal, session: SessionDep) -> Response:
    return model_response(
        order_read(session, orders_service.get_for(session, principal=principal, ref=ref), principal)
    )


@router.post("/{ref}/actions", response_model=OrderRead)
def act(ref: str, body: ActionRequest, principal: CurrentPrincipal, session: WriteSessionDep) -> Response:
    order = orders_service.get_for(session, principal=principal, ref=ref, lock=True)
    flows.perform(session, order=order, principal=principal, req=body)
    out = order_read(session, order, principal)
    session.commit()
    return model_response(out)
