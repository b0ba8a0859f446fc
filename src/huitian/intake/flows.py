"""The one intake path: every door that files an order (the JSON API, the hotline entry, the public phone
page, 扫码即诉, patrol reports, Open311, proactive warnings) goes through :func:`receive`.

receive authorises channel and priority for each principal (orders.service.authorise_filing, inside
create_orders), places the orders in one multi-row insert, links the city part an order is about (with
an `asset_linked` event), and triages them: what the model is sure about is dispatched by the system
when the admin switched auto-dispatch on (intelligence.flows.triage). Duplicates are not looked up here:
the duplicate index takes in every committed order before its next lookup (duplicates/service.py).
Bulk imports (transfer) do not come this way: historical rows are not triaged."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from huitian.auth.service import Principal
from huitian.errors import DomainError
from huitian.intelligence import flows as intelligence_flows
from huitian.orders import service as orders_service
from huitian.orders.enums import EventKind
from huitian.orders.schemas import OrderCreate


@dataclass
class Received:
    """One order through the door: the order (persistent in the session), its `created` event, and
    whether the system dispatched it on receipt (its history then holds more than that event)."""

    order: orders_service.Order
    event: orders_service.OrderEvent
    dispatched: bool = False
    events: list[orders_service.OrderEvent] = field(default_factory=list)


def receive(
    session: Session,
    *,
    items: list[tuple[OrderCreate, Principal]],
    now: datetime | None = None,
    asset_id: int | None = None,
    note: str | None = None,
    triage: bool = True,
) -> list[Received | DomainError]:
    """File a group of orders: one result per item, in order, the Received order or the DomainError
    (403 for a channel or priority the principal may not use, 422 for a bad body) that kept it out; the
    others are written all the same. `asset_id` links every order of the group to that city part; `note`
    adds a note event to each (where it came from), both before triage.
    `triage=False` for a door that settles the order itself at once (answered or closed on the call, or
    dispatched by rule to the part's maintaining unit)."""
    results: list[Received | DomainError] = [
        r if isinstance(r, DomainError) else Received(order=r.order, event=r.event)
        for r in orders_service.create_orders(session, items=items, now=now)
    ]
    made = [r for r in results if isinstance(r, Received)]
    if asset_id is not None:
        for r, (_, principal) in zip(results, items, strict=True):
            if isinstance(r, Received):
                r.events.append(
                    orders_service.link_asset(
                        session, order=r.order, asset_id=asset_id, principal=principal, now=now
                    )
                )
    if note:
        for r, (_, principal) in zip(results, items, strict=True):
            if isinstance(r, Received):
                r.events.append(
                    orders_service.add_event(
                        session,
                        order=r.order,
                        kind=EventKind.NOTE,
                        principal=principal,
                        payload={"note": note},
                        now=now,
                    )
                )
    if triage and made:
        dispatched = intelligence_flows.triage(session, orders=[r.order for r in made])
        for r in made:
            r.dispatched = r.order.id in dispatched
    return results


def receive_one(
    session: Session,
    *,
    data: OrderCreate,
    principal: Principal,
    now: datetime | None = None,
    asset_id: int | None = None,
    note: str | None = None,
    triage: bool = True,
) -> Received:
    """One order through the door (a page, the hotline, a warning): the Received order, or the
    DomainError raised."""
    result = receive(
        session, items=[(data, principal)], now=now, asset_id=asset_id, note=note, triage=triage
    )[0]
    if isinstance(result, DomainError):
        raise result
    return result
