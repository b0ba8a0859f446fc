"""Duplicate candidates of an order: the per-process index of open orders and the checks around it.

The index (:class:`huitian.intelligence.duplicates.DuplicateIndex`) is built from the open orders on first
use and rebuilt after ``TTL_S``; before every lookup it takes in the orders created since (one indexed
query on the primary key), so a new order is a candidate as soon as it is committed. What the index
returns is checked against the database (still open, visible to the caller) before it is shown.
"""

from __future__ import annotations

import functools
import random
import threading
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from huitian.auth.service import Principal
from huitian.errors import Forbidden
from huitian.intelligence.duplicates import REASON_LABELS, Candidate, DuplicateIndex, Item
from huitian.orders import queries as orders_queries
from huitian.orders import service as orders_service
from huitian.orders.queries import Order

TTL_S = 600.0


@dataclass
class _Entry:
    index: DuplicateIndex
    built_at: float


_indexes: dict[str, _Entry] = {}
_lock = threading.Lock()


def item_of(row) -> Item:
    text = f"{row.title or ''}。{row.description or ''}"
    return Item(
        id=row.id,
        text=text,
        created_at=row.created_at,
        lat=row.lat,
        lon=row.lon,
        area_path=row.area_path,
        asset_id=row.asset_id,
        phone=row.citizen_phone,
    )


@functools.cache
def background_texts(n: int = 3000, seed: int = 7) -> tuple[str, ...]:
    """Demo-generator texts of the region (every category, every community): the idf of a young
    installation with few orders of its own comes mostly from these."""
    from huitian.demo import catalog
    from huitian.demo.textgen import TextGen

    gen, rng = TextGen(seed=seed), random.Random(seed)
    cats = [c for c in catalog.CATEGORIES if c["level"] == 3]
    parents = {c["code"]: c["name"] for c in catalog.CATEGORIES}
    communities = [a for a in catalog.area_properties() if a["level"] == "community"]
    out = []
    for _ in range(n):
        cat, com = rng.choice(cats), rng.choice(communities)
        text = gen.order(
            cat["name"],
            community=com["name"],
            street_code=com["parent_code"],
            topic=parents[cat["parent_code"]],
        )
        out.append(f"{text.title}。{text.description}")
    return tuple(out)


def _key(session: Session) -> str:
    return str(session.get_bind().engine.url)


def reset() -> None:
    """Forget every process-local index (tests; after a bulk import)."""
    with _lock:
        _indexes.clear()


def index_for(session: Session, *, now: float | None = None) -> DuplicateIndex:
    """This process's index for the session's database: built if missing or older than TTL_S, then
    brought up to date with the open orders created since it last looked."""
    now = time.monotonic() if now is None else now
    key = _key(session)
    with _lock:
        entry = _indexes.get(key)
        if entry is None or now - entry.built_at > TTL_S:
            rows = orders_queries.open_texts(session)
            entry = _Entry(
                DuplicateIndex.build([item_of(r) for r in rows], background=background_texts()), now
            )
            _indexes[key] = entry
        index = entry.index
        fresh = orders_queries.open_texts(session, after_id=index.max_id)
        index.add(item_of(r) for r in fresh)
    return index


@dataclass
class Found:
    order: Order
    candidate: Candidate


def find_duplicates(
    session: Session, *, principal: Principal, ref: str, limit: int = 10, threshold: float | None = None
) -> tuple[Order, list[Found]]:
    """Open orders about the same matter as order ``ref`` (the hotline centre only), best first."""
    if not principal.is_centre:
        raise Forbidden("operator or admin role required")
    order = orders_service.get_for(session, principal=principal, ref=ref)
    index = index_for(session)
    found = index.candidates(item_of(order), limit=limit * 2, threshold=threshold)
    if not found:
        return order, []
    rows = orders_queries.open_visible(session, principal=principal, ids=[c.id for c in found])
    by_id = {o.id: o for o in rows}
    for c in found:
        if c.id not in by_id:
            index.remove(c.id)  # closed or merged since it was filed
    return order, [Found(by_id[c.id], c) for c in found if c.id in by_id][:limit]


def reason_label(code: str) -> str:
    return REASON_LABELS.get(code, code)
