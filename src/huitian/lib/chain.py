"""Tamper evidence: each order's events form a hash chain. An event's hash covers the previous event's
hash and every field of the event, so changing, removing or reordering any event breaks the chain from
there on, and the order's stored head hash no longer matches."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime

# The order id is not hashed (a new order's first event is hashed before the order has an id); an event
# moved to another order still breaks both chains, since each link names its predecessor's hash.
FIELDS = ("kind", "from_status", "to_status", "actor_id", "actor_name", "actor_role", "unit_id")


def event_hash(prev: str | None, event: Mapping) -> str:
    created: datetime = event["created_at"]
    body = [
        prev or "",
        *(event[f] for f in FIELDS),
        created.astimezone(UTC).isoformat(timespec="microseconds"),
        event["payload"] or {},
    ]
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def verify(head: str | None, events: list[Mapping]) -> list[str]:
    """Problems with one order's chain (events in id order), as sentences; [] when intact."""
    problems, prev = [], None
    for event in events:
        expected = event_hash(prev, event)
        if event["hash"] != expected:
            problems.append(f"event {event['id']} ({event['kind']}) does not match its hash")
        prev = event["hash"]
    if head != prev:
        problems.append("the order's head hash does not match its newest event")
    return problems
