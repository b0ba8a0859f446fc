"""The overdue sweep: it marks a missed accept, contact or reply deadline and escalates each miss once
(an `overdue` event for the unit lead and the supervisor), also when several sweeps run at once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from huitian.db import Database
from huitian.orders import flows
from huitian.orders.models import Order, OrderEvent
from huitian.sla.enums import Deadline
from tests.factories import IN_G1
from tests.helpers import act_at, create_at, event_kinds

BJ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 10, 12, 9, 0, tzinfo=BJ)  # a Monday; ordinary reply due end of Wed Oct 21


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def sweep(db: Database, now: datetime) -> int:
    with db.write() as s:
        n = flows.sweep_overdue(s, now=now)
        s.commit()
    return n


def make(db: Database, *steps: tuple[str, str, float, dict], type: str = "complaint") -> int:
    """An order received at T0, then the given (user, action, hours after T0, parameters); its id."""
    with db.write() as s:
        order = create_at(s, T0, lat=IN_G1[1], lon=IN_G1[0], type=type)
        for user, action, at, params in steps:
            act_at(s, order, user, action, hours(at), **params)
        s.commit()
        return order.id


DISPATCH = ("operator", "dispatch", 0.1, {"unit": "ST1"})
ACCEPT = ("handler1", "accept", 0.5, {})
CONTACT = ("handler1", "contact", 1, {"note": "电话联系"})


def overdue_events(db: Database, order_id: int) -> list[dict]:
    with db.read() as s:
        rows = s.scalars(
            select(OrderEvent).where(OrderEvent.order_id == order_id, OrderEvent.kind == "overdue")
        ).all()
        return [r.payload for r in rows]


def escalated(db: Database, order_id: int) -> int:
    with db.read() as s:
        return s.get(Order, order_id).escalated


def test_nothing_is_escalated_before_its_deadline(db):
    order_id = make(db, DISPATCH)
    assert sweep(db, hours(2)) == 0
    assert overdue_events(db, order_id) == []


def test_a_missed_accept_deadline_is_marked_and_escalated_once(db):
    order_id = make(db, DISPATCH)
    assert sweep(db, hours(3)) == 1
    assert escalated(db, order_id) == Deadline.ACCEPT.bit
    [payload] = overdue_events(db, order_id)
    assert payload["deadline"] == "accept"
    assert payload["notify"] == ["unit_lead", "supervisor"]
    assert sweep(db, hours(4)) == 0
    assert len(overdue_events(db, order_id)) == 1


def test_a_missed_contact_deadline_is_escalated(db):
    order_id = make(db, DISPATCH, ACCEPT)
    assert sweep(db, hours(23)) == 0
    assert sweep(db, hours(25)) == 1
    assert [p["deadline"] for p in overdue_events(db, order_id)] == ["contact"]


def test_a_missed_reply_deadline_is_escalated(db):
    order_id = make(db, DISPATCH, ACCEPT, CONTACT)
    assert sweep(db, datetime(2026, 10, 21, 23, 0, tzinfo=BJ)) == 0
    assert sweep(db, datetime(2026, 10, 22, 0, 30, tzinfo=BJ)) == 1
    assert [p["deadline"] for p in overdue_events(db, order_id)] == ["reply"]


def test_an_order_left_alone_misses_accept_and_reply_each_escalated_once(db):
    order_id = make(db, DISPATCH)
    late = datetime(2026, 10, 30, tzinfo=BJ)
    assert sweep(db, late) == 2
    assert sweep(db, late + timedelta(days=1)) == 0
    assert sorted(p["deadline"] for p in overdue_events(db, order_id)) == ["accept", "reply"]
    assert escalated(db, order_id) == Deadline.ACCEPT.bit | Deadline.REPLY.bit


def test_replied_and_closed_orders_are_not_escalated(db):
    replied = make(db, DISPATCH, ACCEPT, CONTACT, ("handler1", "reply", 2, {"text": "已修"}))
    answered = make(db, ("operator", "answer", 0.1, {"text": "已答复"}), type="consultation")
    assert sweep(db, datetime(2026, 11, 30, tzinfo=BJ)) == 0
    assert overdue_events(db, replied) == overdue_events(db, answered) == []


def test_an_approved_extension_lifts_the_reply_escalation_until_the_new_deadline(db):
    order_id = make(db, DISPATCH, ACCEPT, CONTACT)
    assert sweep(db, datetime(2026, 10, 22, 9, tzinfo=BJ)) == 1
    with db.write() as s:
        order = s.get(Order, order_id)
        act_at(
            s,
            order,
            "handler1",
            "request_extension",
            datetime(2026, 10, 22, 10, tzinfo=BJ),
            days=2,
            reason="x",
        )
        act_at(s, order, "lead1", "decide_extension", datetime(2026, 10, 22, 11, tzinfo=BJ), approve=True)
        s.commit()
    assert escalated(db, order_id) == 0
    assert sweep(db, datetime(2026, 10, 23, 12, tzinfo=BJ)) == 0  # new deadline: end of Fri Oct 23
    assert sweep(db, datetime(2026, 10, 24, 1, tzinfo=BJ)) == 1
    assert [p["deadline"] for p in overdue_events(db, order_id)] == ["reply", "reply"]


def test_a_new_handling_round_after_a_return_can_be_escalated_again(db):
    order_id = make(db, DISPATCH)
    assert sweep(db, hours(3)) == 1
    with db.write() as s:
        order = s.get(Order, order_id)
        act_at(s, order, "handler1", "return", hours(4), reason="非本街道")
        act_at(s, order, "operator", "dispatch", hours(5), unit="ST2")
        s.commit()
    assert sweep(db, hours(6)) == 0
    assert sweep(db, hours(8)) == 1  # ST2 misses its own accept deadline
    assert [p["deadline"] for p in overdue_events(db, order_id)] == ["accept", "accept"]


def test_a_sweep_moves_the_version_so_a_stale_form_gets_409(db, api):
    order_id = make(db, DISPATCH)
    with db.read() as s:
        version = s.get(Order, order_id).version
    sweep(db, hours(3))
    r = api.try_act("handler1", {"id": order_id}, "accept", version=version)
    assert r.status_code == 409
    assert r.json()["current_version"] == version + 1


# --- what people see --------------------------------------------------------------------------------------


def test_an_escalated_order_shows_overdue_in_the_list_filter_and_its_history(db, api):
    late = make(db, DISPATCH)
    on_time = make(db, DISPATCH, ACCEPT, CONTACT)
    sweep(db, hours(3))
    assert api.ids("operator", overdue="true") == {late}
    assert api.ids("operator", overdue="false") == {on_time}
    order = api.order({"id": late}, "lead1")
    assert order["overdue"] is True
    assert order["deadlines"]["accept"]["overdue"] is True
    assert order["deadlines"]["reply"]["overdue"] is False
    overdue = order["events"][-1]
    assert (overdue["kind"], overdue["actor"], overdue["unit"]) == ("overdue", "system", "ST1")


@pytest.mark.parametrize("user", ["lead1", "super1", "district"])
def test_the_unit_lead_and_the_supervisors_see_the_escalation(db, api, user):
    late = make(db, DISPATCH)
    sweep(db, hours(3))
    assert api.ids(user, overdue="true") == {late}


def test_a_closed_order_no_longer_counts_as_overdue(db, api):
    order_id = make(db, DISPATCH)
    sweep(db, hours(3))
    with db.write() as s:
        order = s.get(Order, order_id)
        for user, action, params in (
            ("handler1", "accept", {}),
            ("handler1", "reply", {"text": "已修"}),
            ("operator", "callback", {"resolved": True, "satisfaction": "satisfied"}),
            ("operator", "close", {}),
        ):
            act_at(s, order, user, action, hours(4), **params)
        s.commit()
    assert api.ids("operator", overdue="true") == set()
    assert event_kinds_of(db, order_id)[-1] == "close"


def event_kinds_of(db: Database, order_id: int) -> list[str]:
    with db.read() as s:
        return event_kinds(s, order_id)


# --- several sweeps at once -----------------------------------------------------------------------------


def test_two_concurrent_sweeps_escalate_each_miss_exactly_once(db, db_url):
    ids = [make(db, DISPATCH) for _ in range(25)]
    now = datetime(2026, 10, 30, tzinfo=BJ)  # every order missed accept and reply: 50 misses
    start = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        own = Database(db_url)  # its own engine and connections, like another process
        try:
            start.wait()
            counts.append(sweep(own, now))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(counts) == 50
    with db.read() as s:
        per_order = dict(
            s.execute(
                select(OrderEvent.order_id, func.count())
                .where(OrderEvent.kind == "overdue")
                .group_by(OrderEvent.order_id)
            ).all()
        )
    assert per_order == {i: 2 for i in ids}
    assert sweep(db, now) == 0
