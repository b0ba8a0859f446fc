"""Every demo order's history, replayed through the live state machine (``orders.flows``).

For each order the test starts from the row as it was filed (status ``received``, the reply deadline
computed by ``sla.service`` from the created time and the category's time-limit class), then applies the
order's events in order with the flows' own parts: ``RULES[action].applies`` (allowed from this state),
``RULES[action].may`` on a ``flows.relation`` (allowed for this actor), and ``RULES[action].run`` (the live
handler, which moves the state, sets the deadlines, applies extensions over the holiday calendar). The
sweep's escalations (``overdue``) are checked against ``flows._SWEEP``. The replay must land on the
stored order: same state, outcome, deadlines, counters, and the same assignments.

The handlers run on transient rows inside a session on a private copy of the demo database, with
autoflush off, and everything is rolled back after each order: nothing is written."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from huitian import migrate
from huitian.auth import service as auth_service
from huitian.auth.enums import AREA_ROLES, Role
from huitian.auth.models import User
from huitian.db import Database
from huitian.demo.build import build_demo
from huitian.orders import flows
from huitian.orders.enums import Action, EventKind, OrderStatus
from huitian.orders.models import Assignment, Order, OrderEvent
from huitian.orders.schemas import ActionRequest
from huitian.sla import service as sla_service
from tests.demo.conftest import NOW, _pg, _pg_server

# The columns of the order the replay must reproduce exactly.
COMPARED = (
    "status",
    "outcome",
    "lead_unit_id",
    "time_limit_class",
    "dispatched_at",
    "accepted_at",
    "contacted_at",
    "replied_at",
    "called_back_at",
    "closed_at",
    "accept_due",
    "contact_due",
    "reply_due",
    "extension_days",
    "pending_extension",
    "escalated",
    "resolved",
    "satisfaction",
    "reopen_count",
    "unreasonable",
    "unreasonable_reason",
    "merged_into_id",
)
# Events that are no action: the filing, the sweep's escalation, and the marks an action leaves elsewhere.
NOT_ACTIONS = {EventKind.CREATED, EventKind.OVERDUE, EventKind.MERGED_IN, EventKind.REPLY_FORWARDED}

FILED = {  # the row as the door filed it; the rest is what the events make of it
    "status": OrderStatus.RECEIVED.value,
    "outcome": None,
    "lead_unit_id": None,
    "dispatched_at": None,
    "accepted_at": None,
    "contacted_at": None,
    "replied_at": None,
    "called_back_at": None,
    "closed_at": None,
    "accept_due": None,
    "contact_due": None,
    "extension_days": 0,
    "pending_extension": None,
    "escalated": 0,
    "resolved": None,
    "satisfaction": None,
    "reopen_count": 0,
    "unreasonable": False,
    "unreasonable_reason": None,
    "merged_into_id": None,
}


def _request(kind: str, payload: dict[str, Any], version: int) -> ActionRequest:
    """The action the event records, as a client would have sent it (its payload names the fields)."""
    fields = {k: payload[k] for k in ActionRequest.model_fields if k in payload and k != "action"}
    return ActionRequest(action=Action(kind), version=version, **fields)


class Replay:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.events: dict[int, list[OrderEvent]] = {}
        columns = ("order_id", "kind", "from_status", "to_status", "actor_id", "actor_name", "actor_role")
        fields = [getattr(OrderEvent, c) for c in (*columns, "unit_id", "created_at", "payload")]
        for e in session.execute(select(*fields).order_by(OrderEvent.id)):
            self.events.setdefault(e.order_id, []).append(e)
        self.assignments: dict[int, list[tuple]] = {}
        for a in session.execute(
            select(Assignment.order_id, Assignment.unit_id, Assignment.role, Assignment.status).order_by(
                Assignment.id
            )
        ):
            self.assignments.setdefault(a.order_id, []).append(tuple(a)[1:])
        self.escalated: Counter = Counter()
        self.decided: set[bool] = set()
        self.forwarded = 0
        self.principals = {
            u.id: auth_service.principal_for_user(session, user=u) for u in session.scalars(select(User))
        }

    def principal(self, e: Any, order: Order) -> auth_service.Principal:
        if e.actor_id is not None:  # a real demo user: as they sign in
            return self.principals[e.actor_id]
        role = Role(e.actor_role)
        if role == Role.ADMIN:
            return auth_service.SYSTEM
        # A nameless member of the generated city: unit roles act for the event's unit, area roles
        # (the street's supervisor) for the street the order lies in.
        street = "/".join(order.area_path.split("/")[:3]) + "/" if role in AREA_ROLES else None
        return auth_service.Principal(role=role, name=e.actor_name, unit_id=e.unit_id, area_path=street)

    def order(self, stored: Any) -> tuple[list[str], Counter]:
        """Replay one order; returns the problems found and the pattern of its history."""
        s = self.session
        want = {name: getattr(stored, name) for name in COMPARED}
        events = self.events.get(stored.id, [])
        o = Order(
            id=stored.id,
            type=stored.type,
            channel=stored.channel,
            category_id=stored.category_id,
            priority=stored.priority,
            area_id=stored.area_id,
            area_path=stored.area_path,
            created_by_id=stored.created_by_id,
            created_at=stored.created_at,
            time_limit_class=stored.time_limit_class,
            reply_due=sla_service.due(s, start=stored.created_at, code=stored.time_limit_class),
            version=1,
            **FILED,
        )
        held: list[Assignment] = []
        problems: list[str] = []
        kinds = Counter(e.kind for e in events)
        where = f"order {stored.id}"
        for e in events:
            t: datetime = e.created_at
            if e.kind == EventKind.MERGED_IN:
                continue
            if e.kind == EventKind.REPLY_FORWARDED:  # what _tell_merged_callers does to a merged order
                o.replied_at = t
                continue
            if e.kind == EventKind.CREATED:
                if e.to_status != OrderStatus.RECEIVED:
                    problems.append(f"{where}: created into {e.to_status}")
                continue
            if e.kind == EventKind.DISPUTE:
                if o.status != OrderStatus.DISPUTED or e.to_status != OrderStatus.DISPUTED:
                    problems.append(f"{where}: dispute event while {o.status}")
                continue
            problems += self.missed_sweeps(o, t, where, e)
            if e.kind == EventKind.OVERDUE:
                problems += self.overdue(o, e, where)
                continue
            action = Action(e.kind)
            rule = flows.RULES[action]
            if e.from_status != o.status:
                problems.append(f"{where}: {e.kind} recorded from {e.from_status}, replay is at {o.status}")
                break
            if not rule.applies(o):
                problems.append(f"{where}: {e.kind} not allowed in state {o.status}")
                break
            principal = self.principal(e, o)
            rel = flows.relation(s, order=o, principal=principal, assignments=held)
            if not rule.may(rel):
                problems.append(f"{where}: {e.kind} not allowed for {e.actor_role} (unit {e.unit_id})")
                break
            before = set(s.new)
            try:
                req = _request(e.kind, e.payload, o.version)
            except ValueError as exc:  # pydantic's ValidationError: the event records a bad request
                problems.append(f"{where}: {e.kind} payload is no valid request: {exc.errors()[0]['msg']}")
                break
            payload = rule.run(s, o, rel, req, t)
            if action == Action.DECIDE_EXTENSION:
                self.decided.add(payload["approve"])
            self.forwarded += "forwarded_by" in payload
            if payload != e.payload:
                problems.append(f"{where}: {e.kind} payload {e.payload!r}, the handler writes {payload!r}")
            held += [  # what the handler added (a forwarding district is already listed by it)
                x
                for x in s.new
                if x not in before and isinstance(x, Assignment) and x.order_id == o.id and x not in held
            ]
            if o.status != e.to_status:
                problems.append(f"{where}: {e.kind} leads to {o.status}, the event says {e.to_status}")
                break
        if not problems:
            for name in COMPARED:
                if getattr(o, name) != want[name]:
                    problems.append(f"{where}: {name} replays to {getattr(o, name)!r}, stored {want[name]!r}")
            got = [(a.unit_id, a.role, a.status) for a in held]
            want = self.assignments.get(stored.id, [])
            if got != want:
                problems.append(f"{where}: assignments replay to {got}, stored {want}")
        return problems, kinds

    @staticmethod
    def missed_sweeps(o: Order, t: datetime, where: str, e: Any) -> list[str]:
        """A deadline the worker's sweep would have escalated before this event, with no `overdue`."""
        missed = []
        for deadline, column, statuses in flows._SWEEP:
            due = getattr(o, column.key)
            if o.status in statuses and due is not None and due < t and not o.escalated & deadline.bit:
                if e.kind == EventKind.OVERDUE and e.payload.get("deadline") == deadline.value:
                    continue
                missed.append(
                    f"{where}: {deadline.value} due {due} passed before {e.kind} at {t} unescalated"
                )
        return missed

    def overdue(self, o: Order, e: Any, where: str) -> list[str]:
        for deadline, column, statuses in flows._SWEEP:
            if deadline.value != e.payload.get("deadline"):
                continue
            due = getattr(o, column.key)
            if o.status not in statuses or due is None or not due < e.created_at:
                return [f"{where}: overdue {deadline.value} in {o.status}, due {due}, at {e.created_at}"]
            if o.escalated & deadline.bit:
                return [f"{where}: {deadline.value} escalated twice"]
            if e.payload.get("due") != due.isoformat():
                return [f"{where}: overdue says due {e.payload.get('due')}, replay {due.isoformat()}"]
            o.escalated |= deadline.bit
            self.escalated[deadline.value] += 1
            return []
        return [f"{where}: overdue of unknown deadline {e.payload!r}"]


# The smallest builds have no merges (a merge needs a second call about the same thing in the same
# community within ten days): this size is the smallest with every kind of history the generator makes.
REPLAY_ORDERS = 8000


@pytest.fixture(scope="module")
def replay_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = _pg_server()
    if server:
        name = f"huitian_replay_{uuid.uuid4().hex[:8]}"
        _pg(server, f'CREATE DATABASE "{name}"')
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('replay') / 'demo.db'}"
    migrate.upgrade(url)
    database = Database(url)
    try:
        build_demo(database.engine, orders=REPLAY_ORDERS, seed=7, now=NOW)
    finally:
        database.dispose()
    yield url
    if server:
        _pg(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_every_demo_history_replays_through_the_state_machine(replay_url):
    database = Database(replay_url)
    problems: list[str] = []
    seen: Counter = Counter()
    try:
        with Session(database.engine, autoflush=False) as s:
            replay = Replay(s)
            for stored in s.execute(select(Order.__table__).order_by(Order.id)).all():
                found, kinds = replay.order(stored)
                problems += found
                seen.update(kinds)
                if s.dirty:  # a merge or a forwarded reply touched another order: back to the stored rows
                    s.rollback()
                for x in list(s.new):
                    s.expunge(x)
    finally:
        database.dispose()
    assert not problems, f"{len(problems)} problems, e.g.:\n" + "\n".join(problems[:30])
    # The demo's histories cover every action of the state machine (so the replay checks each), the
    # dispute, the three escalations, both extension decisions, the coordinating district and the merge.
    assert {a.value for a in Action} <= set(seen), sorted({a.value for a in Action} - set(seen))
    assert seen[EventKind.DISPUTE] and seen[EventKind.MERGED_IN]
    assert set(replay.escalated) == {"accept", "contact", "reply"}, replay.escalated
    assert replay.decided == {True, False} and replay.forwarded
