"""The dashboard: open orders now (from the open snapshot, kpi_open_cells, or live), today's intake,
the map, the areas one level down with their rates, trends, and each figure's link to its orders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import and_, case, delete, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from huitian.areas import service as areas_service
from huitian.areas.enums import AreaLevel
from huitian.areas.models import Area
from huitian.auth.service import Principal
from huitian.db import utcnow
from huitian.errors import NotFound, Unprocessable
from huitian.kpi.enums import GroupBy
from huitian.kpi.models import KpiOpenCell, KpiOpenSnapshot
from huitian.kpi.rates import _Keys, rate_item, settings_values
from huitian.kpi.rollup import Counts, _scope, cells, parse_month, previous_month
from huitian.orders import service as orders_service
from huitian.orders.enums import OPEN_STATUSES, OrderStatus
from huitian.orders.models import Order
from huitian.sla import service as sla_service

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
