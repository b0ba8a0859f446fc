"""Early warnings (未诉先办) once recorded: reading and listing them in a principal's scope,
acknowledging or dismissing one, and turning one into a proactive order through orders.service.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huitian.areas.models import Area
from huitian.auth.service import Principal
from huitian.categories.models import Category
from huitian.db import utcnow
from huitian.errors import Conflict, NotFound, Unprocessable
from huitian.intake import flows as intake_flows
from huitian.orders import service as orders_service
from huitian.orders.enums import Channel, OrderType
from huitian.orders.models import Order
from huitian.orders.schemas import OrderCreate
from huitian.proactive.enums import ACTIVE_WARNING, WarningKind, WarningStatus
from huitian.proactive.models import EarlyWarning
from huitian.proactive.schemas import (
    WarningRead,
)
from huitian.proactive.scope import _area_clause, _in_scope, _require_view, _Taxonomy, _taxonomy

# --- reading and deciding warnings --------------------------------------------------------------------


def _warning_read(w: EarlyWarning, tax: _Taxonomy, areas: dict[int, Area]) -> WarningRead:
    cat = tax.by_id.get(w.category_id) if w.category_id else None
    area = areas.get(w.area_id) if w.area_id else None
    return WarningRead(
        id=w.id,
        kind=w.kind,
        kind_label=WarningKind(w.kind).label,
        status=w.status,
        status_label=WarningStatus(w.status).label,
        area_code=area.code if area else None,
        area_name=area.name if area else None,
        area_path=w.area_path,
        category_code=cat.code if cat else None,
        category_name=cat.name if cat else None,
        asset_id=w.asset_id,
        lat=w.lat,
        lon=w.lon,
        period_start=w.period_start,
        period_end=w.period_end,
        observed=w.observed,
        expected=w.expected,
        threshold=w.threshold,
        detail=w.detail or {},
        created_at=w.created_at,
        decided_at=w.decided_at,
        note=w.note,
        order_id=w.order_id,
        order_number=None,
    )


def read_warnings(session: Session, *, warnings: list[EarlyWarning]) -> list[WarningRead]:
    tax = _taxonomy(session)
    ids = {w.area_id for w in warnings if w.area_id}
    areas = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(ids)))} if ids else {}
    out = [_warning_read(w, tax, areas) for w in warnings]
    order_ids = [w.order_id for w in warnings if w.order_id]
    if order_ids:
        orders = {o.id: o for o in session.scalars(select(Order).where(Order.id.in_(order_ids)))}
        for r in out:
            if r.order_id in orders:
                r.order_number = orders_service.public_number(orders[r.order_id])
    return out


def list_warnings(
    session: Session,
    *,
    principal: Principal,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 100,
) -> tuple[list[EarlyWarning], int]:
    clause = _area_clause(principal, EarlyWarning.area_path)
    stmt = select(EarlyWarning)
    if clause is not None:
        stmt = stmt.where(clause)
    if status:
        try:
            stmt = stmt.where(EarlyWarning.status == WarningStatus(status).value)
        except ValueError:
            allowed = ", ".join(s.value for s in WarningStatus)
            raise Unprocessable(f"status must be one of {allowed}, got {status!r}", field="status") from None
    if kind:
        try:
            stmt = stmt.where(EarlyWarning.kind == WarningKind(kind).value)
        except ValueError:
            allowed = ", ".join(k.value for k in WarningKind)
            raise Unprocessable(f"kind must be one of {allowed}, got {kind!r}", field="kind") from None
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = list(
        session.scalars(stmt.order_by(EarlyWarning.created_at.desc(), EarlyWarning.id.desc()).limit(limit))
    )
    return items, total


def get_warning(
    session: Session, *, principal: Principal, warning_id: int, lock: bool = False
) -> EarlyWarning:
    _require_view(principal)
    stmt = select(EarlyWarning).where(EarlyWarning.id == warning_id)
    if lock:
        stmt = stmt.with_for_update()
    w = session.scalar(stmt)
    if w is None or not _in_scope(principal, w.area_path):
        raise NotFound(f"warning {warning_id} not found")
    return w


def _decidable(w: EarlyWarning) -> None:
    if w.status not in ACTIVE_WARNING:
        raise Conflict(
            f"warning {w.id} is already {WarningStatus(w.status).label} ({w.status})",
            field="status",
            current_status=w.status,
        )


def decide_warning(
    session: Session,
    *,
    principal: Principal,
    warning_id: int,
    action: str,
    note: str | None = None,
    now: datetime | None = None,
) -> EarlyWarning:
    """Acknowledge (知悉, still open for an order) or dismiss (排除) a warning."""
    targets = {"acknowledge": WarningStatus.ACKNOWLEDGED, "dismiss": WarningStatus.DISMISSED}
    if action not in targets:
        raise Unprocessable(f"action must be acknowledge or dismiss, got {action!r}", field="action")
    w = get_warning(session, principal=principal, warning_id=warning_id, lock=True)
    _decidable(w)
    if action == "dismiss" and not (note and note.strip()):
        raise Unprocessable("a dismissal needs a note saying why", field="note")
    w.status = targets[action].value
    w.decided_at = now or utcnow()
    w.decided_by_id = principal.user_id
    w.note = note.strip() if note else w.note
    session.flush()
    return w


def warning_order(
    session: Session,
    *,
    principal: Principal,
    warning_id: int,
    description: str | None = None,
    now: datetime | None = None,
) -> Order:
    """Turn a warning into a proactive order (主动发现, channel patrol): filed through intake.flows.receive,
    so it starts its own event history, plus a note event naming the warning, and is triaged."""
    w = get_warning(session, principal=principal, warning_id=warning_id, lock=True)
    _decidable(w)
    tax = _taxonomy(session)
    cat = tax.by_id.get(w.category_id) if w.category_id else None
    area = session.get(Area, w.area_id) if w.area_id else None
    text = (description or "").strip() or _warning_text(w, cat, area)
    data = OrderCreate(
        type=OrderType.REPORT,
        description=text,
        title=f"未诉先办:{WarningKind(w.kind).label}" + (f"·{cat.name}" if cat else ""),
        lat=w.lat,
        lon=w.lon,
        category_code=cat.code if cat else None,
        channel=Channel.PATROL,
    )
    note = f"由未诉先办预警 #{w.id}({WarningKind(w.kind).label})转为主动工单"
    order = intake_flows.receive_one(session, data=data, principal=principal, now=now, note=note).order
    w.status = WarningStatus.ORDERED.value
    w.order_id = order.id
    w.decided_at = now or utcnow()
    w.decided_by_id = principal.user_id
    session.flush()
    return order


def _warning_text(w: EarlyWarning, cat: Category | None, area: Area | None) -> str:
    place = area.name if area else "该区域"
    what = cat.name if cat else "同类问题"
    if w.kind == WarningKind.SPIKE:
        return (
            f"未诉先办预警:{place}{what}类诉求近7天 {w.observed} 件,"
            f"季节基线约 {w.expected:.1f} 件,请提前排查处置。"
        )
    spot = f"部件 {w.asset_id}" if w.asset_id else "同一地点"
    return f"未诉先办预警:{place}{spot}30天内 {w.observed} 次反映{what}问题,请现场核查根治。"
