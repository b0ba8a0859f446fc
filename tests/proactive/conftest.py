"""Orders placed at chosen times and places (tests.helpers.create_at), for the warning and topic tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.factories import IN_G1, IN_G2, IN_S2
from tests.helpers import api, create_at  # noqa: F401  (the quicker `api` fixture)

BJ = ZoneInfo("Asia/Shanghai")
WEEK = timedelta(days=7)
NOW = datetime(2026, 11, 20, 10, tzinfo=BJ)
G1, G2, S2 = IN_G1, IN_G2, IN_S2


def orders(
    session, *, n: int, at: datetime, where=G1, category="010101", text="路灯不亮", spread_h: float = 5
):
    """`n` orders at `where`, created `spread_h` hours apart going back from `at`."""
    made = []
    for i in range(n):
        made.append(
            create_at(
                session,
                at - timedelta(hours=spread_h * i),
                lat=where[1],
                lon=where[0],
                category_code=category,
                description=text,
            )
        )
    return made


def weekly(session, *, weeks: dict[int, int], where, category, text, now: datetime = NOW):
    """Orders per week index j, the week j covering [now − 7(j+1) days, now − 7j days)."""
    for j, n in weeks.items():
        orders(
            session, n=n, at=now - WEEK * j - timedelta(hours=2), where=where, category=category, text=text
        )
