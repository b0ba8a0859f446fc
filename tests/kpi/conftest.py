"""Orders with chosen timestamps, built through the real flows at service level (tests.helpers.create_at
and act_at), for the assessment tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.factories import IN_G1, IN_S2
from tests.helpers import act_at, api, create_at  # noqa: F401  (the quicker `api` fixture)

BJ = ZoneInfo("Asia/Shanghai")
HANDLERS = {"ST1": "handler1", "ST2": "handler2", "BUR": "bureau", "UT": "utility"}
S1, S2 = IN_G1, IN_S2


def bj(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BJ)


def handled(
    session,
    *,
    at: datetime,
    where: tuple[float, float] = S1,
    unit: str = "ST1",
    contact_after_h: float | None = 1,
    callback: tuple[bool, str] | None = None,
    callback_at: datetime | None = None,
    unreasonable: bool = False,
    category: str = "010101",
) -> int:
    """An order received and dispatched to `unit` at `at`, accepted, contacted `contact_after_h` hours
    later (or never), replied, and called back (resolved, satisfaction) at `callback_at`."""
    order = create_at(session, at, lat=where[1], lon=where[0], category_code=category)
    handler = HANDLERS[unit]
    t = at
    act_at(session, order, "operator", "dispatch", t, unit=unit)
    act_at(session, order, handler, "accept", t + timedelta(minutes=10))
    t += timedelta(minutes=10)
    if contact_after_h is not None:
        t = at + timedelta(hours=contact_after_h)
        act_at(session, order, handler, "contact", t, note="电话联系")
    if callback is not None:
        t += timedelta(minutes=5)
        act_at(session, order, handler, "reply", t, text="已处理")
        resolved, satisfaction = callback
        act_at(
            session,
            order,
            "operator",
            "callback",
            callback_at or t + timedelta(hours=1),
            resolved=resolved,
            satisfaction=satisfaction,
        )
    if unreasonable:
        act_at(
            session,
            order,
            "operator",
            "mark_unreasonable",
            t + timedelta(hours=2),
            reason="无新事实的重复诉求",
        )
    return order.id


@pytest.fixture
def write(db):
    """A write session whose work is committed at the end of the `with` block of the test."""
    return db.write
