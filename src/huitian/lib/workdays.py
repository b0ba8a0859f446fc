"""Working-day arithmetic over a calendar of exceptions (holidays on weekdays, make-up working days
on weekends). Pure: the exceptions are passed in."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def is_workday(day: date, exceptions: Mapping[date, bool]) -> bool:
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def add_working_days(start: datetime, days: int, exceptions: Mapping[date, bool], tz: ZoneInfo) -> datetime:
    """End (23:59:59 local) of the `days`-th working day after the local date of `start`.

    A request received on any day starts counting the next working day: received on Friday
    with 1 working day → due end of Monday (or of the next working day after a holiday).
    """
    if days <= 0:
        return start
    day = start.astimezone(tz).date()
    left = days
    while left:
        day += timedelta(days=1)
        if is_workday(day, exceptions):
            left -= 1
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)


def working_days_between(start: date, end: date, exceptions: Mapping[date, bool]) -> int:
    """Working days in (start, end]."""
    n, day = 0, start
    while day < end:
        day += timedelta(days=1)
        n += is_workday(day, exceptions)
    return n
