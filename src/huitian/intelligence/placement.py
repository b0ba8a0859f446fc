"""Placing orders that came without coordinates: their address text (then their description) is matched
against a gazetteer built from the active areas (地名匹配), see gazetteer.py.

- `place_text` is called by `orders.service` when a new order has no point (the create path and bulk
  imports both go through it).
- `place_unplaced` places, in bulk, the orders already written without an area (older orders, imports
  made before the gazetteer knew a name); an admin runs it: POST /api/v1/intelligence/placement/backfill.
- `placement_source` says how an order was placed: "point" (its coordinates), "address" (the gazetteer),
  or "none". The orders table has no column for it, and needs none: an order with an area but no point
  can only have been placed from its text.

The gazetteer of a database is cached per process and rebuilt after TTL_S, so that area edits (in this
process or another) are seen within that time.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from huitian.areas.models import Area
from huitian.db import cache_key
from huitian.intelligence.gazetteer import Entry, Gazetteer
from huitian.lib.ttlcache import TTLCache

TTL_S = 300.0
POINT, ADDRESS, NONE = "point", "address", "none"

# Per database URL: the gazetteer and (area code → (area id, area path)).
_gazetteers: TTLCache[tuple[Gazetteer, dict[str, tuple[int, str]]]] = TTLCache(ttl_s=TTL_S)


def _load(session: Session) -> tuple[Gazetteer, dict[str, tuple[int, str]]]:
    rows = session.execute(
        select(Area.id, Area.code, Area.name, Area.level, Area.path).where(Area.active.is_(True))
    ).all()
    return Gazetteer(Entry(r.name, r.code, r.level) for r in rows), {r.code: (r.id, r.path) for r in rows}


def gazetteer(session: Session) -> tuple[Gazetteer, dict[str, tuple[int, str]]]:
    return _gazetteers.get(cache_key(session), lambda: _load(session))


def invalidate() -> None:
    """Forget the cached gazetteers (after area edits in this process; tests)."""
    _gazetteers.clear()


def place_text(
    session: Session, *, address: str | None, description: str | None = None
) -> tuple[int, str] | None:
    """(area id, area path) of the most specific place named in the address, else in the description;
    None when neither names a known place."""
    texts = [t for t in (address, description) if t]
    if not texts:
        return None
    gaz, areas = gazetteer(session)
    for text in texts:
        found = gaz.match(text)
        if found is not None and found.code in areas:
            return areas[found.code]
    return None


def placement_source(*, lat: float | None, area_id: int | None) -> str:
    """How an order got its area: from its point, from its address text, or not at all."""
    if area_id is None:
        return NONE
    return POINT if lat is not None else ADDRESS


def place_unplaced(session: Session, *, batch: int = 2000, after_id: int = 0) -> int:
    """Give every order without an area and without a point the area its text names, in batches of
    `batch` ids after `after_id`; the number of orders placed. Each placed order gets a `note` event by
    the system saying where and why (nothing changes without an event). Flushes, never commits."""
    # Imported here: orders.service calls place_text, so this module must not import orders at load.
    from huitian.auth.service import SYSTEM
    from huitian.orders import service as orders_service
    from huitian.orders.enums import EventKind
    from huitian.orders.models import Order

    placed = 0
    last = after_id
    while True:
        rows = session.execute(
            select(Order.id, Order.address, Order.description)
            .where(Order.id > last, Order.area_id.is_(None), Order.lat.is_(None))
            .order_by(Order.id)
            .limit(batch)
        ).all()
        if not rows:
            return placed
        last = rows[-1].id
        found: dict[int, tuple[int, str]] = {}
        for r in rows:
            where = place_text(session, address=r.address, description=r.description)
            if where is not None:
                found[r.id] = where
        if not found:
            continue
        for order in session.scalars(select(Order).where(Order.id.in_(found)).order_by(Order.id)):
            if order.area_id is not None:
                continue
            order.area_id, order.area_path = found[order.id]
            orders_service.add_event(
                session,
                order=order,
                kind=EventKind.NOTE,
                principal=SYSTEM,
                payload={
                    "text": "按地址文字定位(地名匹配)",
                    "placed": {"area_path": order.area_path, "source": ADDRESS},
                },
            )
            placed += 1
        session.flush()
