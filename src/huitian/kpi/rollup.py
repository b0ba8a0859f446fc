"""Assessment counters: months, who sees which figures, and the month's counters per cell, read from
the rollup cube (kpi_rollups) when the month is rolled up, else scanned from orders; and the refresh that
builds the cube. Definitions: see kpi.service."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, case, delete, func, insert, not_, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from huitian.auth.service import Principal
from huitian.db import utcnow
from huitian.errors import Forbidden, Unprocessable
from huitian.kpi.enums import GroupBy
from huitian.kpi.models import KpiRollup, KpiRollupMonth
from huitian.orders.enums import Satisfaction
from huitian.orders.models import Order
from huitian.sla import service as sla_service

NONE_KEY = "-"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

# --- months ---------------------------------------------------------------------------------------


def parse_month(value: str, *, field: str = "month") -> str:
    """'YYYY-MM' (a real month) or a 422 naming the field."""
    m = _MONTH.match(value or "")
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1970:
        raise Unprocessable(f"{field} must be a month written YYYY-MM, got {value!r}", field=field)
    return value


def parse_by(value: str) -> GroupBy:
    try:
        return GroupBy(value)
    except ValueError:
        allowed = ", ".join(g.value for g in GroupBy)
        raise Unprocessable(f"by must be one of {allowed}, got {value!r}", field="by") from None


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's first instant, local midnight, in UTC."""
    year, mon = int(month[:4]), int(month[5:])
    tz = sla_service.local_tz()
    start = datetime(year, mon, 1, tzinfo=tz)
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def month_of(at: datetime) -> str:
    return at.astimezone(sla_service.local_tz()).strftime("%Y-%m")


def previous_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"


# --- scope ----------------------------------------------------------------------------------------


def _scope(principal: Principal, unit_col, path_col) -> ColumnElement[bool]:
    """The figures a principal may see, as a SQL condition on a lead-unit and an area-path column."""
    if principal.is_centre:
        return true()
    if principal.is_unit_member:
        return unit_col == principal.unit_id
    if principal.is_area_scoped and principal.area_path:
        return path_col.startswith(principal.area_path, autoescape=True)
    raise Forbidden("assessment figures are for staff with a unit or an area")


# --- counters ---------------------------------------------------------------------------------------

COUNTERS = (
    "assessed",
    "dispatched",
    "responded",
    "called_back",
    "resolved",
    "satisfied",
    "basic",
    "excluded",
)


@dataclass
class Counts:
    assessed: int = 0
    dispatched: int = 0
    responded: int = 0
    called_back: int = 0
    resolved: int = 0
    satisfied: int = 0
    basic: int = 0
    excluded: int = 0

    def add(self, row) -> None:
        for name in COUNTERS:
            setattr(self, name, getattr(self, name) + int(getattr(row, name) or 0))


def _period(month: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    start, end = month_bounds(month)
    in_d = and_(Order.dispatched_at >= start, Order.dispatched_at < end)
    in_c = and_(Order.called_back_at >= start, Order.called_back_at < end)
    return in_d, in_c


_GRAIN = ("lead_unit_id", "area_path", "category_id")
_GROUP_COLUMN = {
    GroupBy.UNIT: "lead_unit_id",
    GroupBy.STREET: "area_path",
    GroupBy.COMMUNITY: "area_path",
    GroupBy.CATEGORY: "category_id",
}


def _live_cells(month: str, scope: ColumnElement[bool], grain: tuple[str, ...] = _GRAIN):
    """One row per `grain` (by default the cube's: lead unit, area path, category) with the month's
    counters, scanned from orders."""
    in_d, in_c = _period(month)
    keys = [getattr(Order, c) for c in grain]
    ok = not_(Order.unreasonable)

    def n(cond: ColumnElement[bool]):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    return (
        select(
            *keys,
            n(and_(ok, or_(in_d, in_c))).label("assessed"),
            n(and_(ok, in_d)).label("dispatched"),
            n(and_(ok, in_d, Order.contacted_at <= Order.contact_due)).label("responded"),
            n(and_(ok, in_c)).label("called_back"),
            n(and_(ok, in_c, Order.resolved)).label("resolved"),
            n(and_(ok, in_c, Order.satisfaction == Satisfaction.SATISFIED.value)).label("satisfied"),
            n(and_(ok, in_c, Order.satisfaction == Satisfaction.BASICALLY_SATISFIED.value)).label("basic"),
            n(Order.unreasonable).label("excluded"),
        )
        .where(Order.lead_unit_id.is_not(None), Order.dispatched_at.is_not(None), or_(in_d, in_c), scope)
        .group_by(*keys)
    )


def _cube_cells(month: str, scope: ColumnElement[bool], column: str, grain: str):
    key = getattr(KpiRollup, column)
    sums = [func.sum(getattr(KpiRollup, c)).label(c) for c in COUNTERS]
    return select(key, *sums).where(KpiRollup.month == month, KpiRollup.grain == grain, scope).group_by(key)


def _grain(group: GroupBy, principal: Principal) -> str:
    """The cube projection that holds both the group's column and the principal's scope column."""
    by_area = not principal.is_centre and not principal.is_unit_member  # scoped on the area path
    if group in (GroupBy.STREET, GroupBy.COMMUNITY):
        return "up"
    if group == GroupBy.UNIT:
        return "up" if by_area else "uc"
    return "pc" if by_area else "uc"


def cells(session: Session, *, month: str, principal: Principal, group: GroupBy) -> tuple[list, str]:
    """The month's counters within the principal's scope, one row per value of the group's column (lead
    unit, area path or category), summed in SQL: from the rollup cube when the month has been rolled
    up, else from a scan of orders. Returns (rows, source)."""
    column = _GROUP_COLUMN[group]
    if session.get(KpiRollupMonth, month) is not None:
        scope = _scope(principal, KpiRollup.lead_unit_id, KpiRollup.area_path)
        rows = session.execute(_cube_cells(month, scope, column, _grain(group, principal)))
        return list(rows), "rollup"
    scope = _scope(principal, Order.lead_unit_id, Order.area_path)
    return list(session.execute(_live_cells(month, scope, (column,)))), "live"


# --- the rollup cube --------------------------------------------------------------------------------


def refresh_month(session: Session, *, month: str, now: datetime | None = None) -> int:
    """Recompute the month's cells from orders and replace them in the cube (one transaction: the
    month's row in kpi_rollup_months is locked first, so two workers never interleave). Returns the
    number of cells."""
    month = parse_month(month)
    now = now or utcnow()
    marker = session.get(KpiRollupMonth, month, with_for_update=True)
    if marker is None:
        marker = KpiRollupMonth(month=month, refreshed_at=now)
        session.add(marker)
        session.flush()  # a second worker inserting the same month fails here and retries later
    marker.refreshed_at = now
    session.execute(delete(KpiRollup).where(KpiRollup.month == month))
    full = session.execute(_live_cells(month, true())).all()
    projections = {
        "up": lambda r: (r.lead_unit_id, r.area_path, None),
        "uc": lambda r: (r.lead_unit_id, None, r.category_id),
        "pc": lambda r: (0, r.area_path, r.category_id),
    }
    rows = []
    for grain, key_of in projections.items():
        sums: dict[tuple, list[int]] = {}
        for r in full:
            acc = sums.setdefault(key_of(r), [0] * len(COUNTERS))
            for i, name in enumerate(COUNTERS):
                acc[i] += int(getattr(r, name) or 0)
        rows += [
            {"month": month, "grain": grain, "lead_unit_id": k[0], "area_path": k[1], "category_id": k[2]}
            | dict(zip(COUNTERS, v, strict=True))
            for k, v in sums.items()
        ]
    if rows:
        session.execute(insert(KpiRollup), rows)
    session.flush()
    return len(full)


def months_to_refresh(session: Session, *, now: datetime | None = None) -> list[str]:
    """The current and previous months (callbacks and reopens land there), and every month touched by an
    order changed since the last refresh (by its dispatch or callback time)."""
    now = now or utcnow()
    current = month_of(now)
    months = {current, previous_month(current)}
    since = session.scalar(select(func.max(KpiRollupMonth.refreshed_at)))
    if since is not None:
        changed = session.execute(
            select(Order.dispatched_at, Order.called_back_at)
            .where(Order.updated_at > since, Order.dispatched_at.is_not(None))
            .distinct()
        )
        months |= {month_of(t) for row in changed for t in row if t is not None}
    return sorted(months)


def refresh(session: Session, *, months: Iterable[str] | None = None, now: datetime | None = None) -> dict:
    """Bring the cube up to date (the job's one step). Returns {month: cells}."""
    now = now or utcnow()
    todo = list(months) if months is not None else months_to_refresh(session, now=now)
    return {m: refresh_month(session, month=m, now=now) for m in todo}
