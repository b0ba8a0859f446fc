"""吹哨报到, both ways: the whistles blown per street and the co-assignments received per unit."""

from __future__ import annotations

from sqlalchemy import case, func, not_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from huitian.auth.service import Principal
from huitian.kpi.enums import GroupBy
from huitian.kpi.rates import _Keys, _round
from huitian.kpi.rollup import _scope, month_bounds, parse_month
from huitian.orders.enums import AssignmentRole
from huitian.orders.models import Assignment, Order
from huitian.units import service as units_service

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
