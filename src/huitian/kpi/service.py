"""Assessment: the three rates (三率) and the composite score, the monthly ranking of streets/towns with
their tiers, the orders behind every figure, 吹哨报到 both ways, and the monthly rollup cube.

Definitions (DOMAIN.md, "Callback and assessment"). A month is a calendar month in local time
(settings.timezone, Asia/Shanghai). An order is *assessable* once it has reached a unit: it has a lead
unit and a dispatch time. Orders answered at once or closed at intake (Art. 11) never reach a unit and
are never counted; an order returned by its unit and not yet re-dispatched has no lead unit and waits.

- 响应率 is counted in the month of the order's dispatch (``dispatched_at``: the latest handling round,
  so a re-dispatched or reopened order counts once, in the month of its current round):
  ``dispatched`` = orders dispatched in the month; responded = those whose citizen was contacted
  within the contact limit (``contacted_at <= contact_due``); 响应率 = responded ÷ dispatched.
- 解决率 and 满意率 are counted in the month of the callback (``called_back_at``), because that is when
  the result is known: 解决率 = resolved ÷ called back; 满意率 = (满意 + 基本满意 × w) ÷ called back,
  w = settings.satisfaction_weight_basic (HUITIAN_SATISFACTION_WEIGHT_BASIC, default 0.8).
- ``assessed`` = distinct orders counted in any rate of the month; ``excluded`` = distinct orders that
  would have been counted but are marked unreasonable (不合理诉求): they are in no rate.
- score = w1·响应率 + w2·解决率 + w3·满意率 (kpi_settings: weight_response / weight_resolution /
  weight_satisfaction, default 0.1 / 0.45 / 0.45). A rate whose denominator is 0 is null (no figure,
  not 0), and the score is then taken over the rates that exist, their weights renormalised to sum 1;
  the score is null when no rate exists.
- Groups: ``unit`` = the lead unit; ``street`` / ``community`` = the area of that level on the order's
  area path (key "-" for orders outside every area); ``category`` = the first level of the category
  (key "-" for uncategorised orders).

Scope: operators and admins see everything; a unit member sees the orders its unit leads; an area role
(supervisor, grid worker, planner) sees the orders in its area; residents see no figures (403).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import and_, case, delete, func, insert, not_, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from huitian.areas import service as areas_service
from huitian.areas.enums import AreaLevel
from huitian.areas.models import Area
from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.categories import service as categories_service
from huitian.db import utcnow
from huitian.errors import Forbidden, NotFound, Unprocessable
from huitian.kpi.enums import DEFAULTS, GroupBy, Measure, Tier
from huitian.kpi.models import KpiOpenCell, KpiOpenSnapshot, KpiRollup, KpiRollupMonth, KpiSetting
from huitian.lib import xlsx
from huitian.orders import service as orders_service
from huitian.orders.enums import OPEN_STATUSES, AssignmentRole, OrderStatus, Satisfaction
from huitian.orders.models import Assignment, Order
from huitian.sla import service as sla_service
from huitian.units import service as units_service

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


# --- settings (weights and tier thresholds, as data) ------------------------------------------------


def settings_values(session: Session) -> dict[str, float]:
    """Every tunable figure: the kpi_settings rows over the defaults."""
    rows = {s.key: s.value for s in session.scalars(select(KpiSetting))}
    return {k: rows.get(k, v) for k, v in DEFAULTS.items()}


def update_settings(session: Session, *, values: dict[str, float]) -> dict[str, float]:
    """Set some figures (each in 0..1); the weights may not all be 0, the two tier shares not exceed 1."""
    for key, value in values.items():
        if key not in DEFAULTS:
            raise Unprocessable(f"unknown setting {key!r}; known: {', '.join(DEFAULTS)}", field=key)
        if not isinstance(value, int | float) or not 0 <= value <= 1:
            raise Unprocessable(f"{key} must be a number between 0 and 1", field=key)
    merged = settings_values(session) | values
    if merged["weight_response"] + merged["weight_resolution"] + merged["weight_satisfaction"] <= 0:
        raise Unprocessable("the three weights may not all be 0", field="weight_response")
    if merged["tier_advanced_share"] + merged["tier_governance_share"] > 1:
        raise Unprocessable(
            "the advanced and governance shares may not exceed 1", field="tier_advanced_share"
        )
    for key, value in values.items():
        row = session.get(KpiSetting, key)
        if row is None:
            session.add(KpiSetting(key=key, value=float(value)))
        else:
            row.value = float(value)
    session.flush()
    return merged


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


# --- grouping -----------------------------------------------------------------------------------------


class _Keys:
    """Maps a cell to its group's key and name (areas, units and categories read once)."""

    def __init__(self, session: Session, by: GroupBy) -> None:
        self.by = by
        if by in (GroupBy.STREET, GroupBy.COMMUNITY):
            level = AreaLevel.STREET if by == GroupBy.STREET else AreaLevel.COMMUNITY
            self.names = {a.code: a.name for a in areas_service.list_areas(session, level=level)}
        elif by == GroupBy.UNIT:
            self.units = units_service.directory(session)
        else:
            cats = categories_service.list_categories(session)
            self.names = {c.code: c.name for c in cats if c.level == 1}
            self.first = {c.id: c.path.strip("/").split("/")[0] for c in cats}
        self._memo: dict = {}

    def key(self, row) -> str:
        if self.by == GroupBy.UNIT:
            unit = self.units.get(row.lead_unit_id)
            return unit.code if unit else str(row.lead_unit_id)
        return self.raw_key(row.category_id if self.by == GroupBy.CATEGORY else row.area_path)

    def raw_key(self, raw) -> str:
        """The key of a category id (by category) or of an area path (by street or community)."""
        if raw not in self._memo:
            if self.by == GroupBy.CATEGORY:
                self._memo[raw] = self.first.get(raw, NONE_KEY) if raw is not None else NONE_KEY
            else:
                codes = [c for c in (raw or "").split("/") if c in self.names]
                self._memo[raw] = codes[0] if codes else NONE_KEY
        return self._memo[raw]

    def name(self, key: str) -> str:
        if self.by == GroupBy.UNIT:
            return next((u.name for u in self.units.values() if u.code == key), key)
        if key == NONE_KEY:
            return "未分类" if self.by == GroupBy.CATEGORY else "未定位区域"
        return self.names.get(key, key)


def rate_item(key: str, name: str, c: Counts, *, weights: dict[str, float], basic_weight: float) -> dict:
    response = c.responded / c.dispatched if c.dispatched else None
    resolution = c.resolved / c.called_back if c.called_back else None
    satisfaction = (c.satisfied + c.basic * basic_weight) / c.called_back if c.called_back else None
    pairs = [
        (weights["weight_response"], response),
        (weights["weight_resolution"], resolution),
        (weights["weight_satisfaction"], satisfaction),
    ]
    present = [(w, r) for w, r in pairs if r is not None]
    total_w = sum(w for w, _ in present)
    score = sum(w * r for w, r in present) / total_w if present and total_w > 0 else None
    return {
        "key": key,
        "name": name,
        "dispatched": c.dispatched,
        "assessed": c.assessed,
        "response_rate": _round(response),
        "resolution_rate": _round(resolution),
        "satisfaction_rate": _round(satisfaction),
        "score": _round(score),
        "excluded": c.excluded,
    }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


def rates(session: Session, *, principal: Principal, month: str, by: str, basic_weight: float) -> dict:
    """The three rates and the score of each group of `by` in the month (see the module docstring)."""
    month, group = parse_month(month), parse_by(by)
    rows, source = cells(session, month=month, principal=principal, group=group)
    keys = _Keys(session, group)
    groups: dict[str, Counts] = {}
    for row in rows:
        groups.setdefault(keys.key(row), Counts()).add(row)
    weights = settings_values(session)
    items = [
        rate_item(k, keys.name(k), c, weights=weights, basic_weight=basic_weight)
        for k, c in sorted(groups.items())
    ]
    return {"month": month, "by": group.value, "source": source, "items": items}


# --- ranking --------------------------------------------------------------------------------------


_EVERYTHING = Principal(role=Role.ADMIN, name="kpi")  # rankings compare every street


def _street_scores(session: Session, *, month: str, basic_weight: float) -> dict[str, dict]:
    out = rates(session, principal=_EVERYTHING, month=month, by="street", basic_weight=basic_weight)
    return {i["key"]: i for i in out["items"] if i["key"] != NONE_KEY}


def assign_tiers(
    scored: list[tuple[str, float]], previous: dict[str, float | None], settings: dict[str, float]
) -> dict[str, Tier]:
    """Tiers of ranked streets (scored = [(key, score)] best first). The rule, in this order:
    1. a score below tier_governance_below, or a place in the worst tier_governance_share → 治理类;
    2. a place in the best tier_advanced_share → 先进类;
    3. a gain of at least tier_progress_min_gain over the previous month's score → 进步类;
    4. otherwise 整改类. Shares are rounded up (4 streets × 0.25 → 1 street; 2 streets → 1 each)."""
    n = len(scored)
    top = math.ceil(n * settings["tier_advanced_share"])
    bottom = math.ceil(n * settings["tier_governance_share"])
    tiers: dict[str, Tier] = {}
    for i, (key, score) in enumerate(scored):
        before = previous.get(key)
        if score < settings["tier_governance_below"] or (i >= n - bottom and i >= top):
            tiers[key] = Tier.GOVERNANCE
        elif i < top:
            tiers[key] = Tier.ADVANCED
        elif before is not None and score - before >= settings["tier_progress_min_gain"] - 1e-9:
            tiers[key] = Tier.PROGRESS
        else:
            tiers[key] = Tier.RECTIFY
    return tiers


def ranking(session: Session, *, principal: Principal, month: str, basic_weight: float) -> dict:
    """Every active street/town, best score first, with its rank, tier and change on the previous month.
    The ranking is computed over all streets (a place is relative to the others); the principal sees the
    rows of the streets in its scope: all for the centre, its area's for area roles, the streets its unit
    serves for unit members. Streets with no score this month come last, unranked, without a tier."""
    month = parse_month(month)
    visible = _visible_streets(session, principal)
    current = _street_scores(session, month=month, basic_weight=basic_weight)
    prev = {
        k: i["score"]
        for k, i in _street_scores(session, month=previous_month(month), basic_weight=basic_weight).items()
    }
    streets = areas_service.list_areas(session, level=AreaLevel.STREET)
    scored = sorted(
        (
            (a.code, current[a.code]["score"])
            for a in streets
            if current.get(a.code, {}).get("score") is not None
        ),
        key=lambda p: (-p[1], p[0]),
    )
    tiers = assign_tiers(scored, prev, settings_values(session))
    rank = {key: i + 1 for i, (key, _) in enumerate(scored)}
    items = []
    for a in sorted(streets, key=lambda a: (rank.get(a.code, 10**9), a.code)):
        if not a.active or (visible is not None and a.code not in visible):
            continue
        figures = current.get(a.code) or rate_item(a.code, a.name, Counts(), weights=DEFAULTS, basic_weight=0)
        tier = tiers.get(a.code)
        score, before = figures["score"], prev.get(a.code)
        items.append(
            figures
            | {
                "rank": rank.get(a.code),
                "tier": tier.label if tier else None,
                "tier_code": tier.value if tier else None,
                "previous_score": before,
                "change": _round(score - before) if score is not None and before is not None else None,
            }
        )
    return {"month": month, "ranked": len(scored), "items": items}


def _visible_streets(session: Session, principal: Principal) -> set[str] | None:
    """Street codes whose ranking rows the principal sees; None = all."""
    if principal.is_centre:
        return None
    streets = areas_service.list_areas(session, level=AreaLevel.STREET)
    if principal.is_unit_member:
        served = [
            areas_service.get_by_code(session, code=c).path
            for c in units_service.area_codes(session, unit_id=principal.unit_id)
        ]
        return {a.code for a in streets if any(a.path.startswith(p) or p.startswith(a.path) for p in served)}
    if principal.is_area_scoped and principal.area_path:
        p = principal.area_path
        return {a.code for a in streets if a.path.startswith(p) or p.startswith(a.path)}
    raise Forbidden("assessment figures are for staff with a unit or an area")


# --- the orders behind a figure -------------------------------------------------------------------------


def _group_clause(session: Session, by: GroupBy, key: str) -> ColumnElement[bool]:
    if by == GroupBy.UNIT:
        try:
            return Order.lead_unit_id == units_service.get_by_code(session, code=key).id
        except NotFound as exc:
            raise Unprocessable(exc.message, field="key") from exc
    if by == GroupBy.CATEGORY:
        if key == NONE_KEY:
            return Order.category_id.is_(None)
        cats = categories_service.list_categories(session)
        first = next((c for c in cats if c.code == key and c.level == 1), None)
        if first is None:
            raise Unprocessable(f"no first-level category {key!r}", field="key")
        return Order.category_id.in_([c.id for c in cats if c.path.startswith(first.path)])
    if key == NONE_KEY:
        return Order.area_path.is_(None)
    level = AreaLevel.STREET if by == GroupBy.STREET else AreaLevel.COMMUNITY
    try:
        area = areas_service.get_by_code(session, code=key)
    except NotFound as exc:
        raise Unprocessable(exc.message, field="key") from exc
    if area.level != level.value:
        raise Unprocessable(f"area {key!r} is not a {level.label}", field="key")
    return Order.area_path.startswith(area.path, autoescape=True)


def orders_behind(
    session: Session,
    *,
    principal: Principal,
    month: str,
    by: str,
    key: str,
    measure: str,
    basic_weight: float,
    limit: int = 1000,
    within: str | None = None,
) -> dict:
    """The orders in a figure's denominator (or the excluded ones), each with what it adds to the
    numerator (`counts`: 1, 0, or the 基本满意 weight). Always read from orders, never from the cube.
    `within` narrows to one report's subject: "street:CODE" or "unit:CODE"."""
    month, group = parse_month(month), parse_by(by)
    try:
        what = Measure(measure)
    except ValueError:
        allowed = ", ".join(m.value for m in Measure)
        raise Unprocessable(f"measure must be one of {allowed}, got {measure!r}", field="measure") from None
    in_d, in_c = _period(month)
    period = {Measure.RESPONSE: in_d, Measure.EXCLUDED: or_(in_d, in_c)}.get(what, in_c)
    wanted = Order.unreasonable if what == Measure.EXCLUDED else not_(Order.unreasonable)
    where = and_(
        _scope(principal, Order.lead_unit_id, Order.area_path),
        _group_clause(session, group, key),
        Order.lead_unit_id.is_not(None),
        Order.dispatched_at.is_not(None),
        period,
        wanted,
        _within_clause(session, within),
    )
    total = session.scalar(select(func.count()).select_from(Order).where(where)) or 0
    rows = session.scalars(select(Order).where(where).order_by(Order.id).limit(limit))
    items = [
        {"id": o.id, "number": orders_service.public_number(o), "counts": _counts_for(o, what, basic_weight)}
        for o in rows
    ]
    return {
        "month": month,
        "by": group.value,
        "key": key,
        "measure": what.value,
        "total": total,
        "items": items,
    }


def _within_clause(session: Session, within: str | None) -> ColumnElement[bool]:
    if not within:
        return true()
    kind, _, code = within.partition(":")
    if kind not in ("street", "unit") or not code:
        raise Unprocessable(f"within must be street:CODE or unit:CODE, got {within!r}", field="within")
    return _group_clause(session, GroupBy(kind), code)


def _counts_for(o: Order, what: Measure, basic_weight: float) -> float:
    if what == Measure.RESPONSE:
        return 1.0 if o.contacted_at is not None and o.contacted_at <= o.contact_due else 0.0
    if what == Measure.RESOLUTION:
        return 1.0 if o.resolved else 0.0
    if what == Measure.SATISFACTION:
        return {Satisfaction.SATISFIED.value: 1.0, Satisfaction.BASICALLY_SATISFIED.value: basic_weight}.get(
            o.satisfaction or "", 0.0
        )
    return 1.0


# --- 吹哨报到, both ways ------------------------------------------------------------------------------


def whistles(session: Session, *, principal: Principal, month: str) -> dict:
    """吹哨报到 in the month (by the co-unit's assignment time). Per street (where the order is): whistles
    blown (co-units summoned) and the orders they were blown on. Per unit summoned: co-assignments
    received, accepted, replied, and replied by the order's reply deadline, with the two rates (null when
    nothing was received). Unreasonable orders are left out."""
    month = parse_month(month)
    start, end = month_bounds(month)
    if principal.is_unit_member:
        scope = or_(Assignment.unit_id == principal.unit_id, Order.lead_unit_id == principal.unit_id)
    else:
        scope = _scope(principal, Order.lead_unit_id, Order.area_path)
    base = (
        select()
        .select_from(Assignment)
        .join(Order, Order.id == Assignment.order_id)
        .where(
            Assignment.role == AssignmentRole.CO.value,
            Assignment.assigned_at >= start,
            Assignment.assigned_at < end,
            not_(Order.unreasonable),
            scope,
        )
    )
    by_area = session.execute(
        base.add_columns(Order.area_path, func.count(), func.count(func.distinct(Order.id))).group_by(
            Order.area_path
        )
    )
    keys = _Keys(session, GroupBy.STREET)
    streets: dict[str, list[int]] = {}
    for path, blown, orders in by_area:
        acc = streets.setdefault(keys.raw_key(path), [0, 0])
        acc[0] += blown
        acc[1] += orders

    def n(cond: ColumnElement[bool]):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    by_unit = session.execute(
        base.add_columns(
            Assignment.unit_id,
            func.count(),
            n(Assignment.accepted_at.is_not(None)),
            n(Assignment.replied_at.is_not(None)),
            n(Assignment.replied_at <= Order.reply_due),
        ).group_by(Assignment.unit_id)
    )
    units = units_service.directory(session)
    unit_items = []
    for unit_id, received, accepted, replied, in_time in by_unit:
        unit = units.get(unit_id)
        unit_items.append(
            {
                "key": unit.code if unit else str(unit_id),
                "name": unit.name if unit else str(unit_id),
                "received": received,
                "accepted": accepted,
                "replied": replied,
                "replied_in_time": in_time,
                "acceptance_rate": _round(accepted / received) if received else None,
                "in_time_rate": _round(in_time / received) if received else None,
            }
        )
    return {
        "month": month,
        "streets": [
            {"key": k, "name": keys.name(k), "whistles": v[0], "orders": v[1]}
            for k, v in sorted(streets.items())
        ],
        "units": sorted(unit_items, key=lambda i: i["key"]),
    }


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


# --- the dashboard: open orders now, today's intake, the map, trends --------------------------------------

OPEN = tuple(s.value for s in OPEN_STATUSES)


def orders_link(**params: str | list[str] | None) -> str:
    """A link to the order list page (/orders) with these filters (lists repeat the key)."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None or value == "":
            continue
        pairs += [(key, v) for v in value] if isinstance(value, list | tuple) else [(key, str(value))]
    return "/orders" + (f"?{urlencode(pairs)}" if pairs else "")


def focus_area(session: Session, *, principal: Principal, code: str | None) -> Area | None:
    """The area a dashboard looks at: `code` when the principal may see it (404 otherwise: an area
    outside one's own is not shown to exist), else the principal's own area, else None (everything).
    Residents get 403."""
    _scope(principal, Order.lead_unit_id, Order.area_path)  # 403 for those without figures
    own = principal.area_path if principal.is_area_scoped else None
    if not code:
        return areas_service.get(session, area_id=principal.area_id) if own and principal.area_id else None
    try:
        area = areas_service.get_by_code(session, code=code)
    except NotFound:
        raise NotFound(f"area {code!r} not found", field="area") from None
    if own and not area.path.startswith(own):
        raise NotFound(f"area {code!r} not found", field="area")
    return area


def _open_rows_live(session: Session, where: list[ColumnElement[bool]]):
    return session.execute(
        select(
            Order.lead_unit_id,
            Order.area_path,
            Order.status,
            func.count().label("orders"),
            func.coalesce(func.sum(case((Order.escalated != 0, 1), else_=0)), 0).label("overdue"),
            func.coalesce(func.sum(case((Order.escalated >= 2, 1), else_=0)), 0).label("escalated"),
        )
        .where(Order.status.in_(OPEN), *where)
        .group_by(Order.lead_unit_id, Order.area_path, Order.status)
    ).all()


def refresh_open(session: Session, *, now: datetime | None = None) -> int:
    """Rebuild the snapshot of open orders (kpi_open_cells) from orders; the number of cells."""
    now = now or utcnow()
    marker = session.get(KpiOpenSnapshot, 1, with_for_update=True)
    if marker is None:
        marker = KpiOpenSnapshot(id=1, refreshed_at=now)
        session.add(marker)
        session.flush()
    marker.refreshed_at = now
    session.execute(delete(KpiOpenCell))
    rows = []
    by_area: dict[tuple, list[int]] = {}
    for r in _open_rows_live(session, []):
        counts = [int(r.orders), int(r.overdue or 0), int(r.escalated or 0)]
        rows.append(
            {"grain": "ups", "lead_unit_id": r.lead_unit_id, "area_path": r.area_path, "status": r.status}
        )
        rows[-1] |= dict(zip(("orders", "overdue", "escalated"), counts, strict=True))
        acc = by_area.setdefault((r.area_path, r.status), [0, 0, 0])
        for i, n in enumerate(counts):
            acc[i] += n
    rows += [
        {"grain": "ps", "lead_unit_id": None, "area_path": path, "status": status}
        | dict(zip(("orders", "overdue", "escalated"), v, strict=True))
        for (path, status), v in by_area.items()
    ]
    if rows:
        session.execute(insert(KpiOpenCell), rows)
    session.flush()
    return len(rows)


def open_cells(session: Session, *, principal: Principal, area: Area | None, by: tuple[str, ...]):
    """Open orders within the principal's scope (and the area), summed per `by` (columns of the cell:
    area_path, status): from the snapshot when one exists, else from orders.
    Returns (rows, as_of or None for live). A unit member's figures are the orders its unit leads."""
    snap = session.get(KpiOpenSnapshot, 1)
    if snap is not None:
        t = KpiOpenCell
        grain = "ups" if principal.is_unit_member else "ps"
        where = [t.grain == grain, _scope(principal, t.lead_unit_id, t.area_path)]
        sums = [func.sum(t.orders).label("orders"), func.sum(t.overdue), func.sum(t.escalated)]
    else:
        t = Order
        where = [_scope(principal, t.lead_unit_id, t.area_path), t.status.in_(OPEN)]
        sums = [
            func.count().label("orders"),
            func.sum(case((Order.escalated != 0, 1), else_=0)),
            func.sum(case((Order.escalated >= 2, 1), else_=0)),
        ]
    if area is not None:
        where.append(t.area_path.startswith(area.path, autoescape=True))
    keys = [getattr(t, c) for c in by]
    stmt = select(*keys, sums[0], sums[1].label("overdue"), sums[2].label("escalated"))
    rows = session.execute(stmt.where(*where).group_by(*keys)).all()
    return rows, (snap.refreshed_at if snap is not None else None)


def _area_params(area: Area | None) -> dict:
    return {"area": area.code} if area is not None else {}


def live_counts(session: Session, *, principal: Principal, area: Area | None) -> dict:
    """Open orders by state, with the overdue and escalated among them; each figure with its list link."""
    rows, as_of = open_cells(session, principal=principal, area=area, by=("status",))
    by_status = {r.status: r for r in rows}
    where = _area_params(area)
    states = [
        {
            "status": s.value,
            "label": s.label,
            "count": int(by_status[s.value].orders) if s.value in by_status else 0,
            "link": orders_link(status=s.value, **where),
        }
        for s in OPEN_STATUSES
    ]
    return {
        "as_of": as_of,
        "states": states,
        "open": sum(s["count"] for s in states),
        "open_link": orders_link(status=list(OPEN), **where),
        "overdue": sum(int(r.overdue or 0) for r in rows),
        "overdue_link": orders_link(overdue="1", sort="deadline", **where),
        "escalated": sum(int(r.escalated or 0) for r in rows),
    }


def children(session: Session, *, principal: Principal, area: Area | None, month: str, basic_weight: float):
    """The areas one level below `area` (the districts when None), each with its open and overdue orders
    now and the month's rates, and its links: to the next level down (the dashboard) and to its orders."""
    month = parse_month(month)
    if area is None:
        kids = areas_service.list_areas(session, level=AreaLevel.DISTRICT)
    else:
        kids = [a for a in areas_service.list_areas(session) if a.parent_id == area.id]
    open_rows, _ = open_cells(session, principal=principal, area=area, by=("area_path",))
    rate_rows, _ = cells(session, month=month, principal=principal, group=GroupBy.STREET)
    weights = settings_values(session)
    out = []
    for kid in kids:
        mine = [r for r in open_rows if (r.area_path or "").startswith(kid.path)]
        counts = Counts()
        for r in rate_rows:
            if (r.area_path or "").startswith(kid.path):
                counts.add(r)
        item = rate_item(kid.code, kid.name, counts, weights=weights, basic_weight=basic_weight)
        out.append(
            item
            | {
                "level": kid.level,
                "level_label": AreaLevel(kid.level).label,
                "open": sum(int(r.orders) for r in mine),
                "overdue": sum(int(r.overdue or 0) for r in mine),
                "open_link": orders_link(area=kid.code, status=list(OPEN)),
                "overdue_link": orders_link(area=kid.code, overdue="1", sort="deadline"),
                "drill": f"/dashboard?area={kid.code}" if kid.level != AreaLevel.GRID.value else None,
            }
        )
    return out


def intake_by_hour(session: Session, *, principal: Principal, area: Area | None, day: date) -> dict:
    """Orders received on a local day, per hour (0–23), with the list link of the day."""
    tz = sla_service.local_tz()
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    end = start + timedelta(days=1)
    where = [
        orders_service.scope_clause(principal),
        Order.created_at >= start.astimezone(UTC),
        Order.created_at < end.astimezone(UTC),
    ]
    if area is not None:
        where.append(Order.area_path.startswith(area.path, autoescape=True))
    edges = [(start + timedelta(hours=h)).astimezone(UTC) for h in range(25)]  # DST-proof: local hours
    buckets = [
        func.coalesce(func.sum(case((and_(Order.created_at >= lo, Order.created_at < hi), 1), else_=0)), 0)
        for lo, hi in zip(edges, edges[1:], strict=False)
    ]
    hours = [int(n) for n in session.execute(select(*buckets).where(*where)).one()]
    return {
        "day": day.isoformat(),
        "hours": hours,
        "total": sum(hours),
        "link": orders_link(created_from=day.isoformat(), created_to=day.isoformat(), **_area_params(area)),
    }


def grid_map(session: Session, *, principal: Principal, area: Area | None, points: int = 300) -> dict:
    """The finest areas (grids, else communities) under the focus as a GeoJSON FeatureCollection with
    their open and overdue orders (the choropleth), and the newest `points` open orders with a place (the
    markers, the overdue flagged), each with its link."""
    rows, as_of = open_cells(session, principal=principal, area=area, by=("area_path",))
    areas = [a for a in areas_service.list_areas(session) if area is None or a.path.startswith(area.path)]
    finest = [a for a in areas if a.level == AreaLevel.GRID.value and a.geometry] or [
        a for a in areas if a.level == AreaLevel.COMMUNITY.value and a.geometry
    ]
    features = []
    for a in finest:
        mine = [r for r in rows if (r.area_path or "").startswith(a.path)]
        features.append(
            {
                "type": "Feature",
                "geometry": a.geometry,
                "properties": {
                    "code": a.code,
                    "name": a.name,
                    "open": sum(int(r.orders) for r in mine),
                    "overdue": sum(int(r.overdue or 0) for r in mine),
                    "link": orders_link(area=a.code, status=list(OPEN)),
                },
            }
        )
    where = [orders_service.scope_clause(principal), Order.status.in_(OPEN), Order.lat.is_not(None)]
    if area is not None:
        where.append(Order.area_path.startswith(area.path, autoescape=True))
    marks = session.execute(
        select(Order.id, Order.created_at, Order.lat, Order.lon, Order.escalated, Order.status)
        .where(*where)
        .order_by(Order.id.desc())  # the newest: a walk down the primary key, open orders are recent
        .limit(points)
    ).all()
    return {
        "type": "FeatureCollection",
        "as_of": as_of,
        "features": features,
        "points": [
            {
                "id": m.id,
                "number": orders_service.public_number(m),
                "lat": m.lat,
                "lon": m.lon,
                "overdue": bool(m.escalated),
                "status": OrderStatus(m.status).label,
                "link": f"/orders/{orders_service.public_number(m)}",
            }
            for m in marks
        ],
    }


def category_trend(
    session: Session, *, principal: Principal, month: str, months: int = 6, top: int = 8
) -> dict:
    """Orders dispatched per first-level category over the `months` months up to `month` (from the
    rollup cube where the month is rolled up), the `top` categories of the period as series."""
    month = parse_month(month)
    if not 1 <= months <= 24:
        raise Unprocessable("months must be between 1 and 24", field="months")
    span = [month]
    while len(span) < months:
        span.insert(0, previous_month(span[0]))
    keys = _Keys(session, GroupBy.CATEGORY)
    table: dict[str, list[int]] = {}
    for i, m in enumerate(span):
        rows, _ = cells(session, month=m, principal=principal, group=GroupBy.CATEGORY)
        for row in rows:
            table.setdefault(keys.key(row), [0] * len(span))[i] += int(row.dispatched or 0)
    ranked = sorted(table.items(), key=lambda kv: (-sum(kv[1]), kv[0]))[:top]
    return {
        "months": span,
        "series": [{"key": k, "name": keys.name(k), "data": v} for k, v in ranked],
    }


def overdue_orders(
    session: Session,
    *,
    principal: Principal,
    area: Area | None,
    limit: int = 15,
    status: list[str] | None = None,
) -> tuple[list, int]:
    """Open orders past a deadline (most escalated first), or orders in `status`, as list summaries."""
    flt = orders_service.OrderFilter(
        area=area.code if area is not None else None, limit=limit, sort="deadline"
    )
    if status:
        flt.status = status
    else:
        flt.overdue = True
    orders, total = orders_service.list_orders(session, principal=principal, flt=flt)
    return orders_service.summaries(session, orders=orders, principal=principal), total


# --- monthly reports (per street/town and per unit) ------------------------------------------------------


@dataclass
class Subject:
    kind: str  # "street" or "unit"
    code: str
    name: str
    principal: Principal  # a principal whose scope is exactly the subject's orders


def report_subject(session: Session, *, principal: Principal, kind: str, code: str) -> Subject:
    """The street/town or unit a report is about, if the principal may see all of it: the centre any;
    an area role the streets within its area; a unit member its own unit. Anything else is a 404."""
    _scope(principal, Order.lead_unit_id, Order.area_path)  # 403 for those without figures
    missing = NotFound(f"no {kind} {code!r} to report on", field="code")
    if kind == "street":
        try:
            area = areas_service.get_by_code(session, code=code)
        except NotFound:
            raise missing from None
        own = principal.area_path if principal.is_area_scoped else None
        if area.level != AreaLevel.STREET.value or principal.is_unit_member:
            raise missing
        if not principal.is_centre and not (own and area.path.startswith(own)):
            raise missing
        sub = Principal(role=Role.SUPERVISOR, name=area.name, area_id=area.id, area_path=area.path)
        return Subject("street", area.code, area.name, sub)
    if kind == "unit":
        try:
            unit = units_service.get_by_code(session, code=code)
        except NotFound:
            raise missing from None
        if not principal.is_centre and not (principal.is_unit_member and principal.unit_id == unit.id):
            raise missing
        sub = Principal(role=Role.HANDLER, name=unit.name, unit_id=unit.id)
        return Subject("unit", unit.code, unit.name, sub)
    raise Unprocessable(f"a report is per street or per unit, got {kind!r}", field="kind")


def _one(items: list[dict], key: str, name: str) -> dict:
    found = next((i for i in items if i["key"] == key), None)
    return found or rate_item(key, name, Counts(), weights=DEFAULTS, basic_weight=0)


def overdue_in_month(session: Session, *, principal: Principal, month: str, now: datetime | None = None):
    """Orders (in the principal's scope) whose reply was due in the month and came late or not at all
    (by `now`), by due time; unreasonable orders left out."""
    start, end = month_bounds(month)
    now = now or utcnow()
    late = or_(Order.replied_at > Order.reply_due, and_(Order.replied_at.is_(None), Order.reply_due < now))
    return list(
        session.scalars(
            select(Order)
            .where(
                _scope(principal, Order.lead_unit_id, Order.area_path),
                Order.reply_due >= start,
                Order.reply_due < end,
                not_(Order.unreasonable),
                Order.lead_unit_id.is_not(None),
                late,
            )
            .order_by(Order.reply_due, Order.id)
        )
    )


def monthly_report(
    session: Session,
    *,
    principal: Principal,
    kind: str,
    code: str,
    month: str,
    basic_weight: float,
    now: datetime | None = None,
) -> dict:
    """The monthly report of a street/town or a unit: its rates against the previous month, its place in
    the ranking (streets: the street ranking with tiers; units: the units' league by score), the top
    problems (first-level categories by orders dispatched), the orders answered late, and per community
    (streets). Every figure carries the link to the orders behind it."""
    month = parse_month(month)
    subject = report_subject(session, principal=principal, kind=kind, code=code)
    prev = previous_month(month)
    who = subject.principal
    group = "street" if kind == "street" else "unit"

    def figures(m: str) -> dict:
        out = rates(session, principal=who, month=m, by=group, basic_weight=basic_weight)
        return _one(out["items"], subject.code, subject.name)

    def drill(by: str, key: str, measure: str) -> str:
        q = {"month": month, "by": by, "key": key, "measure": measure, "within": f"{kind}:{subject.code}"}
        return "/dashboard/orders?" + urlencode(q)

    current = figures(month)
    current["links"] = {m.value: drill(group, subject.code, m.value) for m in Measure}
    if kind == "street":
        league = ranking(session, principal=_EVERYTHING, month=month, basic_weight=basic_weight)["items"]
    else:
        units = rates(session, principal=_EVERYTHING, month=month, by="unit", basic_weight=basic_weight)
        scored = sorted(units["items"], key=lambda i: (i["score"] is None, -(i["score"] or 0), i["key"]))
        league = [i | {"rank": n + 1 if i["score"] is not None else None} for n, i in enumerate(scored)]
    place = next((i for i in league if i["key"] == subject.code), None)
    cats = rates(session, principal=who, month=month, by="category", basic_weight=basic_weight)["items"]
    top = sorted(cats, key=lambda i: (-i["dispatched"], i["key"]))[:10]
    for item in top:
        item["link"] = drill("category", item["key"], Measure.RESPONSE.value)
    unit_names = {u.id: u.name for u in units_service.directory(session).values()}
    overdue = overdue_in_month(session, principal=who, month=month, now=now)
    # titles as the reader's order lists show them: personal data masked unless they see it
    seen = orders_service.personal_data_seen(session, orders=overdue, principal=principal)

    def title_of(o: Order) -> str:
        return o.title or (o.description or "")[:30]

    late = [
        {
            "id": o.id,
            "number": orders_service.public_number(o),
            "title": orders_service.text_mask(o, unmasked=o.id in seen)(title_of(o)),
            "lead_unit": unit_names.get(o.lead_unit_id, ""),
            "status": OrderStatus(o.status).label,
            "reply_due": o.reply_due,
            "replied_at": o.replied_at,
            "link": f"/orders/{orders_service.public_number(o)}",
        }
        for o in overdue
    ]
    communities = []
    if kind == "street":
        communities = rates(session, principal=who, month=month, by="community", basic_weight=basic_weight)[
            "items"
        ]
    return {
        "kind": kind,
        "kind_label": "街道/镇" if kind == "street" else "承办单位",
        "code": subject.code,
        "name": subject.name,
        "month": month,
        "previous_month": prev,
        "figures": current,
        "previous": figures(prev),
        "place": place,
        "ranked": sum(1 for i in league if i.get("rank")),
        "league": league,
        "top_problems": top,
        "overdue": late,
        "communities": communities,
    }


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def report_xlsx(report: dict) -> bytes:
    """The monthly report as an Excel workbook: 概况 (rates, this month and the previous), 排名, 问题分类
    (with a native bar chart), 超期工单. Rates are written as numbers (fractions) formatted as percents."""
    import io

    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "概况"
    bold = Font(bold=True)
    ws.append(xlsx.row(ws, [f"{report['name']} {report['month']} 月度考核报告"]))
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(xlsx.row(ws, ["指标", report["month"], report["previous_month"]]))
    for cell in ws[3]:
        cell.font = bold
    cur, prev = report["figures"], report["previous"]
    for label, key in (
        ("派单量", "dispatched"),
        ("考核工单", "assessed"),
        ("响应率", "response_rate"),
        ("解决率", "resolution_rate"),
        ("满意率", "satisfaction_rate"),
        ("综合得分", "score"),
        ("不纳入考核", "excluded"),
    ):
        ws.append(xlsx.row(ws, [label, cur[key], prev[key]]))
        if key.endswith("rate") or key == "score":
            for c in ws[ws.max_row][1:]:
                c.number_format = "0.0%"
    place = report["place"] or {}
    ws.append([])
    ws.append(xlsx.row(ws, ["排名", place.get("rank"), f"共 {report['ranked']} 个"]))
    if report["kind"] == "street":
        ws.append(xlsx.row(ws, ["类别", place.get("tier") or "—"]))
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 14

    rk = wb.create_sheet("排名")
    rk.append(["名次", "编码", "名称", "响应率", "解决率", "满意率", "综合得分", "类别"])
    for cell in rk[1]:
        cell.font = bold
    for i in report["league"]:
        rk.append(
            xlsx.row(
                rk,
                [
                    i.get("rank"),
                    i["key"],
                    i["name"],
                    i["response_rate"],
                    i["resolution_rate"],
                    i["satisfaction_rate"],
                    i["score"],
                    i.get("tier") or "",
                ],
            )
        )
        for c in rk[rk.max_row][3:7]:
            c.number_format = "0.0%"

    cats = wb.create_sheet("问题分类")
    cats.append(["分类编码", "分类", "派单量", "响应率", "解决率", "满意率"])
    for cell in cats[1]:
        cell.font = bold
    for i in report["top_problems"]:
        cats.append(
            xlsx.row(
                cats,
                [
                    i["key"],
                    i["name"],
                    i["dispatched"],
                    i["response_rate"],
                    i["resolution_rate"],
                    i["satisfaction_rate"],
                ],
            )
        )
        for c in cats[cats.max_row][3:6]:
            c.number_format = "0.0%"
    if report["top_problems"]:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "高频问题(派单量)"
        chart.y_axis.title = "派单量"
        n = len(report["top_problems"]) + 1
        chart.add_data(Reference(cats, min_col=3, min_row=1, max_row=n), titles_from_data=True)
        chart.set_categories(Reference(cats, min_col=2, min_row=2, max_row=n))
        chart.height, chart.width = 8, 16
        cats.add_chart(chart, "H2")

    late = wb.create_sheet("超期工单")
    late.append(["工单编号", "标题", "承办单位", "状态", "答复期限", "答复时间"])
    for cell in late[1]:
        cell.font = bold
    tz = sla_service.local_tz()

    def naive(t: datetime | None):
        return t.astimezone(tz).replace(tzinfo=None) if t else None

    for o in report["overdue"]:
        late.append(
            xlsx.row(
                late,
                [
                    o["number"],
                    o["title"],
                    o["lead_unit"],
                    o["status"],
                    naive(o["reply_due"]),
                    naive(o["replied_at"]),
                ],
            )
        )
        for c in late[late.max_row][4:6]:
            c.number_format = "yyyy-mm-dd hh:mm"
    for sheet in (rk, cats, late):
        sheet.column_dimensions["B"].width = 24
        sheet.column_dimensions["C"].width = 18

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
