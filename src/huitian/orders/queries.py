"""Orders' public read interface for the domains built on them (duplicates, intelligence, …).

A domain that needs a set of orders asks for it here instead of querying the orders table itself
(DESIGN.md: a domain uses another through its service, never by reaching into its tables). Every function is
keyword-only, takes a Session and answers in one query (or a few, for long id lists) with plain rows:
read-only tuples with the named fields, never ORM objects to change. Writes go through orders.service.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Row, false, func, select
from sqlalchemy.orm import Session

from huitian.auth.service import Principal
from huitian.orders.enums import OPEN_STATUSES, OrderStatus
from huitian.orders.models import Order
from huitian.orders.service import scope_clause

__all__ = [
    "OPEN_TEXT_FIELDS",
    "Order",
    "closed_in_categories",
    "closed_with_lead_unit",
    "count_closed_in_categories",
    "count_closed_with_lead_unit",
    "final_fields",
    "open_texts",
    "open_visible",
    "unplaced",
]
# `Order` is named here as the type of the order objects orders hands out (get_for, open_visible, a new
# order): for annotations. Another domain reads their attributes; it queries orders only through this
# module and changes them only through orders.service and orders.flows.

_OPEN = [s.value for s in OPEN_STATUSES]
_CLOSED = OrderStatus.CLOSED.value
# Ids per IN list: well under every backend's bound-parameter limit.
CHUNK = 5000


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = sorted(set(ids))
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


# --- duplicates: the open orders' texts -------------------------------------------------------------------

# The fields of an open order the duplicate index reads (`open_texts` rows have them by these names).
OPEN_TEXT_FIELDS = (
    "id",
    "title",
    "description",
    "created_at",
    "lat",
    "lon",
    "area_path",
    "asset_id",
    "citizen_phone",
)
_OPEN_TEXT_COLUMNS = tuple(getattr(Order, f) for f in OPEN_TEXT_FIELDS)


def open_texts(session: Session, *, after_id: int = 0) -> list[Row[Any]]:
    """The open orders with an id above `after_id`, by id: rows of OPEN_TEXT_FIELDS (one indexed query)."""
    stmt = select(*_OPEN_TEXT_COLUMNS).where(Order.status.in_(_OPEN)).order_by(Order.id)
    if after_id:
        stmt = stmt.where(Order.id > after_id)
    return list(session.execute(stmt).all())


def open_visible(session: Session, *, principal: Principal, ids: Collection[int]) -> list[Order]:
    """Those of the orders `ids` that are still open and that the principal may see (one query), by id."""
    if not ids:
        return []
    return list(
        session.scalars(
            select(Order)
            .where(Order.id.in_(list(ids)), Order.status.in_(_OPEN), scope_clause(principal))
            .order_by(Order.id)
        )
    )


# --- intelligence: training data, corrections, placement -------------------------------------------------


def closed_with_lead_unit(session: Session) -> list[Row[Any]]:
    """The closed orders that have a lead unit, by id: rows (title, description, area_path, lead_unit_id)."""
    return list(
        session.execute(
            select(Order.title, Order.description, Order.area_path, Order.lead_unit_id)
            .where(Order.status == _CLOSED, Order.lead_unit_id.is_not(None))
            .order_by(Order.id)
        ).all()
    )


def closed_in_categories(session: Session, *, category_ids: Collection[int]) -> list[Row[Any]]:
    """The closed orders whose category is one of `category_ids`, by id: rows (title, description,
    category_id)."""
    return list(
        session.execute(
            select(Order.title, Order.description, Order.category_id)
            .where(Order.status == _CLOSED, _in_categories(category_ids))
            .order_by(Order.id)
        ).all()
    )


def count_closed_with_lead_unit(session: Session) -> int:
    """How many rows `closed_with_lead_unit` would give (one count)."""
    where = (Order.status == _CLOSED, Order.lead_unit_id.is_not(None))
    return session.scalar(select(func.count()).select_from(Order).where(*where)) or 0


def count_closed_in_categories(session: Session, *, category_ids: Collection[int]) -> int:
    """How many rows `closed_in_categories` would give (one count)."""
    where = (Order.status == _CLOSED, _in_categories(category_ids))
    return session.scalar(select(func.count()).select_from(Order).where(*where)) or 0


def _in_categories(category_ids: Collection[int]):
    return Order.category_id.in_(list(category_ids)) if category_ids else false()


def final_fields(session: Session, *, ids: Iterable[int]) -> dict[int, Row[Any]]:
    """Order id → row (category_id, lead_unit_id) as the orders stand now, for those of `ids` that exist."""
    out: dict[int, Row[Any]] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(Order.id, Order.category_id, Order.lead_unit_id).where(Order.id.in_(chunk))
        ).all()
        out.update((r.id, r) for r in rows)
    return out


def unplaced(session: Session, *, after_id: int = 0, limit: int = 2000) -> list[Row[Any]]:
    """Up to `limit` orders after `after_id` with neither an area nor a point, by id: rows (id, address,
    description)."""
    return list(
        session.execute(
            select(Order.id, Order.address, Order.description)
            .where(Order.id > after_id, Order.area_id.is_(None), Order.lat.is_(None))
            .order_by(Order.id)
            .limit(limit)
        ).all()
    )
