"""Tamper evidence: each order's events form a hash chain. An event's hash covers the previous event's
hash and every field of the event, so changing, removing or reordering any event breaks the chain from
there on, and the order's stored head hash no longer matches.

The chain also covers the order's current state: an event written since state digests exist carries
`state_digest`, a digest of the order's governed fields and its unit assignments as they stood after the
event (state_digest below), and the event's hash covers it. `huitian audit verify` recomputes the digest
from the stored order row and assignments and compares it with the newest event's: a direct edit of the
row (description, satisfaction, status, …) or of an assignment no longer matches. The digest carries a
one-byte tag per field besides the full hash, so that verify can name the fields that changed (a changed
field escapes naming with probability 1/256; the full hash still catches it)."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

# The order id is not hashed (a new order's first event is hashed before the order has an id); an event
# moved to another order still breaks both chains, since each link names its predecessor's hash.
FIELDS = ("kind", "from_status", "to_status", "actor_id", "actor_name", "actor_role", "unit_id")


def _body(prev: str | None, event: Mapping) -> list:
    created: datetime = event["created_at"]
    return [
        prev or "",
        *(event[f] for f in FIELDS),
        created.astimezone(UTC).isoformat(timespec="microseconds"),
        event["payload"] or {},
    ]


def _dumps(body: list) -> str:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def event_hash(prev: str | None, event: Mapping) -> str:
    body = _body(prev, event)
    digest = event.get("state_digest")
    if digest:  # events from before state digests hash as they always did
        body.append(digest)
    return hashlib.sha256(_dumps(body).encode()).hexdigest()


def event_hasher(prev: str | None, event: Mapping):
    """event_hash for many events that differ only in their state digest (bulk import): the JSON of the
    rest is encoded once; returns digest -> hash, equal to event_hash with that `state_digest`."""
    text = _dumps(_body(prev, event))
    head = hashlib.sha256(text[:-1].encode())  # the list without its closing bracket

    def hash_with(digest: str) -> str:
        h = head.copy()
        h.update(f',"{digest}"]'.encode())  # a digest is plain ASCII: JSON writes it as is
        return h.hexdigest()

    return hash_with


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


# --- the order's state ------------------------------------------------------------------------------

STATE_FORMAT = "s1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def canonical(value: object) -> str:
    """One value of a governed field as text, the same whichever database or object it was read from
    (an enum as its value, a datetime as microseconds since the epoch, whatever its zone)."""
    if value is None:
        return "n"
    if isinstance(value, str):
        return "s" + value
    if isinstance(value, bool):
        return "b1" if value else "b0"
    if isinstance(value, int):
        return f"i{value}"
    if isinstance(value, float):
        return "f" + repr(value)
    if isinstance(value, datetime):
        return f"t{(value - _EPOCH) // _MICROSECOND}"
    return "j" + json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def canonical_assignments(assignments: Iterable[Sequence]) -> str:
    """A unit's assignments (each a sequence of field values) as one text, in no particular order."""
    return "a" + "\x1e".join(sorted("\x1d".join(map(canonical, a)) for a in assignments))


def state_digest(parts: Sequence[str]) -> str:
    """The digest of a state given as canonical texts, one per governed field, in a fixed order."""
    full = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    tags = bytes(zlib.crc32(p.encode()) & 0xFF for p in parts).hex()
    return f"{STATE_FORMAT}:{full}:{tags}"


def changed_fields(digest: str, parts: Sequence[str], names: Sequence[str]) -> list[str] | None:
    """None when the state matches the digest; else the names of the fields whose tags differ (possibly
    none, should every changed field's tag collide). A digest of another format: every name."""
    if state_digest(parts) == digest:
        return None
    fmt, _, tags = digest.split(":") if digest.count(":") == 2 else ("", "", "")
    if fmt != STATE_FORMAT or len(tags) != 2 * len(parts):
        return list(names)
    now = state_digest(parts).split(":")[2]
    return [n for i, n in enumerate(names) if tags[2 * i : 2 * i + 2] != now[2 * i : 2 * i + 2]]
