"""The three rates (三率) and the score per group of a month, the figures' tunable weights and thresholds
(kpi_settings), and the orders behind every figure. Definitions: see kpi.service."""

from __future__ import annotations

from sqlalchemy import and_, func, not_, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from huitian.areas import service as areas_service
from huitian.areas.enums import AreaLevel
from huitian.auth.service import Principal
from huitian.categories import service as categories_service
from huitian.errors import NotFound, Unprocessable
from huitian.kpi.enums import DEFAULTS, GroupBy, Measure
from huitian.kpi.models import KpiSetting
from huitian.kpi.rollup import NONE_KEY, Counts, _period, _scope, cells, parse_by, parse_month
from huitian.orders import service as orders_service
from huitian.orders.enums import Satisfaction
from huitian.orders.models import Order
from huitian.units import service as units_service

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
    """The three rates and the score of each group of `by` in the month (see the docstring of kpi.service)."""
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
