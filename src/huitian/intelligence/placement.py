"""Placing orders that came without coordinates: their address text (then their description) is matched
against a gazetteer built from the active areas (地名匹配), `areas.service.place_text`, which
`orders.service` calls when a new order has no point (the create path and bulk imports both go through it).

- `place_unplaced` places, in bulk, the orders already written without an area (older orders, imports
  made before the gazetteer knew a name); an admin runs it: POST /api/v1/intelligence/placement/backfill.
- `placement_source` says how an order was placed: "point" (its coordinates), "address" (the gazetteer),
  or "none". The orders table has no column for it, and needs none: an order with an area but no point
  can only have been placed from its text.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from huitian.areas import service as areas_service
from huitian.auth.service import SYSTEM
from huitian.orders import queries as orders_queries
from huitian.orders import service as orders_service

POINT, ADDRESS, NONE = "point", "address", "none"


def placement_source(*, lat: float | None, area_id: int | None) -> str:
    """How an order got its area: from its point, from its address text, or not at all."""
    if area_id is None:
        return NONE
    return POINT if lat is not None else ADDRESS


def place_unplaced(session: Session, *, batch: int = 2000, after_id: int = 0) -> int:
    """Give every order without an area and without a point the area its text names, in batches of
    `batch` ids after `after_id`; the number of orders placed. Each placed order gets a `note` event by
    the system saying where and why (nothing changes without an event). Flushes, never commits."""
    placed = 0
    last = after_id
    while True:
        rows = orders_queries.unplaced(session, after_id=last, limit=batch)
        if not rows:
            return placed
        last = rows[-1].id
        found: dict[int, tuple[int, str]] = {}
        for r in rows:
            where = areas_service.place_text(session, address=r.address, description=r.description)
            if where is not None:
                found[r.id] = where
        placed += orders_service.place_orders(
            session, areas=found, principal=SYSTEM, text="按地址文字定位(地名匹配)", source=ADDRESS
        )
