"""What the staff console's screens show: the operator's queue, a handler's inbox, the callback desk, and
the order page's map and deadline history. Reads only; every change goes through orders.flows.perform
(the pages post to /orders/{number}/actions), so the console decides nothing the state machine does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from huitian.auth.service import Principal
from huitian.db import utcnow
from huitian.duplicates import service as duplicates_service
from huitian.intelligence import service as intelligence_service
from huitian.kpi import service as kpi_service
from huitian.orders import flows
from huitian.orders import service as orders_service
from huitian.orders.enums import HANDLING_STATUSES, AssignmentRole, AssignmentStatus, OrderStatus
from huitian.orders.models import Assignment, Order
from huitian.orders.schemas import OrderSummary
from huitian.units import service as units_service

# A deadline closer than this is "due soon" (the inbox colours it; console.js keeps it current).
DUE_SOON = timedelta(hours=24)
QUEUE_SIZE = 50
INBOX_SIZE = 200
DESK_SIZE = 100


def urgency(due: datetime | None, now: datetime) -> str:
    """'overdue', 'soon' or 'ok' (or '' without a deadline): the class of a countdown."""
    if due is None:
        return ""
    if due <= now:
        return "overdue"
    return "soon" if due - now <= DUE_SOON else "ok"


def countdown(due: datetime | None, now: datetime) -> str:
    """剩余/超时 N天N小时 (the same text console.js writes every minute)."""
    if due is None:
        return ""
    left = int((due - now).total_seconds())
    late, left = left < 0, abs(left)
    days, hours, minutes = left // 86400, left % 86400 // 3600, left % 3600 // 60
    text = f"{days}天{hours}小时" if days else f"{hours}小时{minutes}分"
    return ("超时 " if late else "剩余 ") + text


# --- operator workspace ----------------------------------------------------------------------------


def queue(session: Session, *, principal: Principal) -> tuple[list[OrderSummary], int]:
    """The orders waiting for dispatch (待派单), oldest first, and how many there are."""
    flt = orders_service.OrderFilter(status=[OrderStatus.RECEIVED.value], sort="oldest", limit=QUEUE_SIZE)
    orders, total = orders_service.list_orders(session, principal=principal, flt=flt)
    return orders_service.summaries(session, orders=orders, principal=principal), total


@dataclass
class Triage:
    """One order of the queue, with what helps the operator decide."""

    order: Order
    suggestions: intelligence_service.Suggestions
    duplicates: list[duplicates_service.Found]


def triage(session: Session, *, principal: Principal, ref: str) -> Triage:
    """The classifier's top three and the duplicate candidates of one order. What was suggested is
    recorded (as the suggestions API does), so a dispatch with another category counts as a correction;
    the caller commits."""
    order = orders_service.get_for(session, principal=principal, ref=ref)
    found = intelligence_service.suggest(session, order=order)
    loaded = intelligence_service.active_model(session)
    intelligence_service.record(
        session, order=order, suggestions=found, model_id=loaded[0].id if loaded else None
    )
    _, dups = duplicates_service.find_duplicates(session, principal=principal, ref=ref, limit=5)
    return Triage(order=order, suggestions=found, duplicates=dups)


# --- handler inbox ---------------------------------------------------------------------------------


@dataclass
class InboxRow:
    summary: OrderSummary
    role: str  # the unit's role on the order: lead or co
    task: str | None
    actions: list[str]
    version: int
    due_label: str  # which deadline the countdown runs to
    due: datetime | None
    pending_extension: dict | None
    urgency: str = ""
    countdown: str = ""


def _next_deadline(order: Order, a: Assignment) -> tuple[str, datetime | None]:
    """The deadline the unit works to next: accept, then contact (lead only), then reply."""
    if a.role == AssignmentRole.LEAD and a.status == AssignmentStatus.ASSIGNED:
        return "签收", order.accept_due
    if a.role == AssignmentRole.LEAD and order.status == OrderStatus.ACCEPTED:
        return "联系群众", order.contact_due
    return "办理答复", order.reply_due


def inbox(session: Session, *, principal: Principal, now: datetime | None = None) -> list[InboxRow]:
    """The unit's open orders it leads or co-handles (and has not yet replied to), nearest deadline
    first, each with the actions the principal may take on it."""
    if not principal.is_unit_member:
        return []
    now = now or utcnow()
    rows = session.execute(
        select(Order, Assignment)
        .join(Assignment, Assignment.order_id == Order.id)
        .where(
            Assignment.unit_id == principal.unit_id,
            Assignment.role.in_([AssignmentRole.LEAD.value, AssignmentRole.CO.value]),
            Assignment.status.in_([AssignmentStatus.ASSIGNED.value, AssignmentStatus.ACCEPTED.value]),
            Order.status.in_([s.value for s in HANDLING_STATUSES]),
        )
        .order_by(Order.reply_due.asc(), Order.id.asc())
        .limit(INBOX_SIZE)
    ).all()
    orders = [o for o, _ in rows]
    ids = [o.id for o in orders]
    by_order: dict[int, list[Assignment]] = {i: [] for i in ids}
    if ids:
        for a in session.scalars(
            select(Assignment).where(Assignment.order_id.in_(ids)).order_by(Assignment.id)
        ):
            by_order[a.order_id].append(a)
    summaries = orders_service.summaries(session, orders=orders, principal=principal)
    out = []
    for (order, mine), summary in zip(rows, summaries, strict=True):
        rel = flows.relation(session, order=order, principal=principal, assignments=by_order[order.id])
        label, due = _next_deadline(order, mine)
        out.append(
            InboxRow(
                summary=summary,
                role=mine.role,
                task=mine.task,
                actions=flows.allowed_actions(rel),
                version=order.version,
                due_label=label,
                due=due,
                pending_extension=order.pending_extension,
                urgency=urgency(due, now),
                countdown=countdown(due, now),
            )
        )
    out.sort(key=lambda r: (r.due is None, r.due or now, r.summary.id))
    return out


def unit_rates(session: Session, *, principal: Principal, basic_weight: float, now: datetime | None = None):
    """The unit's three rates this month (kpi), or None when it has nothing to count yet."""
    month = kpi_service.month_of(now or utcnow())
    page = kpi_service.rates(session, principal=principal, month=month, by="unit", basic_weight=basic_weight)
    code = units_service.code_of(session, unit_id=principal.unit_id)
    mine = [i for i in page["items"] if i["key"] == code]
    return month, (mine[0] if mine else None)


# --- callback desk ---------------------------------------------------------------------------------


@dataclass
class DeskRow:
    summary: OrderSummary
    actions: list[str]
    version: int
    replies: list[tuple[str, str]] = field(default_factory=list)  # (unit name, reply text)
    replied_at: datetime | None = None
    resolved: bool | None = None
    satisfaction: str | None = None


def desk(session: Session, *, principal: Principal, status: OrderStatus) -> tuple[list[DeskRow], int]:
    """Orders in `status` (replied: due for callback; called back: to close or reopen), oldest first."""
    flt = orders_service.OrderFilter(status=[status.value], sort="oldest", limit=DESK_SIZE)
    orders, total = orders_service.list_orders(session, principal=principal, flt=flt)
    ids = [o.id for o in orders]
    by_order: dict[int, list[Assignment]] = {i: [] for i in ids}
    if ids:
        for a in session.scalars(
            select(Assignment).where(Assignment.order_id.in_(ids)).order_by(Assignment.id)
        ):
            by_order[a.order_id].append(a)
    units = units_service.directory(session)
    summaries = orders_service.summaries(session, orders=orders, principal=principal)
    seen = orders_service.personal_data_seen(session, orders=orders, principal=principal)
    out = []
    for order, summary in zip(orders, summaries, strict=True):
        rel = flows.relation(session, order=order, principal=principal, assignments=by_order[order.id])
        mask = orders_service.text_mask(order, unmasked=order.id in seen)
        replies = [
            (units[a.unit_id].name if a.unit_id in units else "", mask(a.reply_text))
            for a in by_order[order.id]
            if a.reply_text and a.role != AssignmentRole.SUPERVISE
        ]
        out.append(
            DeskRow(
                summary,
                flows.allowed_actions(rel),
                order.version,
                replies,
                replied_at=order.replied_at,
                resolved=order.resolved,
                satisfaction=order.satisfaction,
            )
        )
    return out, total
