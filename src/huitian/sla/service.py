"""Time limits: policies, the working-day calendar, deadline arithmetic."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from huitian.config import get_settings
from huitian.db import cache_key
from huitian.errors import NotFound
from huitian.lib.workdays import add_working_days
from huitian.sla.enums import LimitUnit, PolicyCode
from huitian.sla.models import CalendarDay, SlaPolicy
from huitian.sla.schemas import CalendarDayWrite, PolicyUpdate

# DOMAIN.md, Art. 13/15 and the DB11/T draft: defaults, editable by the admin.
DEFAULT_POLICIES: dict[PolicyCode, tuple[str, int, LimitUnit]] = {
    PolicyCode.EMERGENCY: ("紧急诉求(危及生命财产)", 2, LimitUnit.HOURS),
    PolicyCode.UTILITY: ("水电气热等时效性诉求", 24, LimitUnit.HOURS),
    PolicyCode.ORDINARY: ("一般诉求", 7, LimitUnit.WORKING_DAYS),
    PolicyCode.COMPLEX: ("疑难复杂诉求", 15, LimitUnit.WORKING_DAYS),
    PolicyCode.ACCEPT: ("签收时限", 2, LimitUnit.HOURS),
    PolicyCode.CONTACT: ("联系群众时限", 24, LimitUnit.HOURS),
}


@lru_cache
def local_tz() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def ensure_default_policies(session: Session) -> None:
    have = set(session.scalars(select(SlaPolicy.code)))
    for code, (label, amount, unit) in DEFAULT_POLICIES.items():
        if code.value not in have:
            session.add(SlaPolicy(code=code.value, label=label, amount=amount, unit=unit.value))
    session.flush()


def list_policies(session: Session) -> list[SlaPolicy]:
    return list(session.scalars(select(SlaPolicy).order_by(SlaPolicy.id)))


def update_policy(session: Session, *, code: PolicyCode, data: PolicyUpdate) -> SlaPolicy:
    row = session.scalar(select(SlaPolicy).where(SlaPolicy.code == code.value))
    if row is None:
        raise NotFound(f"policy {code.value!r} not found")
    row.amount, row.unit = data.amount, data.unit.value
    if data.label:
        row.label = data.label
    session.flush()
    invalidate_cache()
    return row


def seed_calendar(session: Session) -> int:
    """Load the State Council calendar carried by the `chinesecalendar` package: every weekday
    holiday and every weekend make-up working day, for the years it covers."""
    import chinese_calendar

    have = set(session.scalars(select(CalendarDay.day)))
    added = 0
    for day, name in chinese_calendar.holidays.items():
        if day.weekday() < 5 and day not in have:
            session.add(CalendarDay(day=day, is_workday=False, note=_holiday_name(name)))
            added += 1
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5 and day not in have:
            session.add(CalendarDay(day=day, is_workday=True, note="调休上班:" + _holiday_name(name)))
            added += 1
    session.flush()
    invalidate_cache()
    return added


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _holiday_name(value: str) -> str:
    return _HOLIDAY_NAMES.get(value, value)


def list_calendar(session: Session, *, year: int | None = None) -> list[CalendarDay]:
    stmt = select(CalendarDay).order_by(CalendarDay.day)
    if year is not None:
        stmt = stmt.where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
    return list(session.scalars(stmt))


def set_calendar_day(session: Session, *, data: CalendarDayWrite) -> CalendarDay:
    row = session.get(CalendarDay, data.day)
    if row is None:
        row = CalendarDay(day=data.day, is_workday=data.is_workday, note=data.note)
        session.add(row)
    else:
        row.is_workday, row.note = data.is_workday, data.note
    session.flush()
    invalidate_cache()
    return row


# --- cached rules for deadline arithmetic ----------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    policies: dict[str, tuple[int, str]]
    exceptions: dict[date, bool]
    loaded_at: float


_rules: dict[str, Rules] = {}
_rules_lock = threading.Lock()
_RULES_TTL_S = 30.0  # edits made in another process are seen within this


def invalidate_cache() -> None:
    with _rules_lock:
        _rules.clear()


def rules(session: Session) -> Rules:
    key = cache_key(session)
    cached = _rules.get(key)
    if cached is not None and time.monotonic() - cached.loaded_at < _RULES_TTL_S:
        return cached
    policies = {r.code: (r.amount, r.unit) for r in session.scalars(select(SlaPolicy))}
    for code, (_label, amount, unit) in DEFAULT_POLICIES.items():
        policies.setdefault(code.value, (amount, unit.value))
    exceptions = {r.day: r.is_workday for r in session.scalars(select(CalendarDay))}
    fresh = Rules(policies=policies, exceptions=exceptions, loaded_at=time.monotonic())
    with _rules_lock:
        _rules[key] = fresh
    return fresh


def due(session: Session, *, start: datetime, code: str) -> datetime:
    """The deadline of policy `code` counted from `start` (hours: wall clock; days: working days)."""
    r = rules(session)
    amount, unit = r.policies[code]
    if unit == LimitUnit.HOURS:
        return start + timedelta(hours=amount)
    return add_working_days(start, amount, r.exceptions, local_tz()).astimezone(UTC)


def extend(session: Session, *, deadline: datetime, working_days: int) -> datetime:
    """Move a deadline by a number of working days (an approved extension)."""
    r = rules(session)
    local = deadline.astimezone(local_tz())
    moved = add_working_days(local, working_days, r.exceptions, local_tz())
    return moved.replace(hour=local.hour, minute=local.minute, second=local.second).astimezone(UTC)
