"""The order's state machine, declared once: which action is allowed from which state, for whom,
and what it does. Every action writes an event; an action the state does not allow is a 409."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from huitian.auth.enums import Role
from huitian.auth.service import SYSTEM, Principal
from huitian.categories import service as categories_service
from huitian.db import utcnow
from huitian.dispatch import service as dispatch_service
from huitian.errors import Conflict, Forbidden, NotFound, Unprocessable
from huitian.orders import service as orders_service
from huitian.orders.enums import (
    ACTIVE_ASSIGNMENT,
    HANDLING_STATUSES,
    INTAKE_OUTCOMES,
    OPEN_STATUSES,
    Action,
    AssignmentRole,
    AssignmentStatus,
    CallbackVia,
    EventKind,
    OrderStatus,
    OrderType,
    Outcome,
    Satisfaction,
)
from huitian.orders.models import Assignment, Order
from huitian.orders.schemas import ActionRequest
from huitian.sla import service as sla_service
from huitian.sla.enums import Deadline, PolicyCode
from huitian.units import service as units_service
from huitian.units.enums import UnitKind

S = OrderStatus


@dataclass
class Relation:
    """How the acting principal stands to one order; computed once per request."""

    principal: Principal
    order: Order
    assignments: list[Assignment]
    lead: Assignment | None  # the principal's unit's active lead assignment
    co: Assignment | None  # the principal's unit's active co-handling assignment
    supervises: bool  # the principal's unit supervises the order (district copied on dispatch)
    in_area: bool  # an area-scoped role whose area contains the order
    owner: bool  # the resident who filed it
    unit_kind: str | None  # kind of the principal's unit

    @property
    def centre(self) -> bool:
        return self.principal.is_centre

    @property
    def supervisor(self) -> bool:
        return self.principal.role == Role.SUPERVISOR and self.in_area


def relation(
    session: Session, *, order: Order, principal: Principal, assignments: list[Assignment] | None = None
) -> Relation:
    if assignments is None:
        assignments = orders_service.assignments_of(session, order_id=order.id)
    unit_id = principal.unit_id if principal.is_unit_member else None
    area = principal.area_path
    return Relation(
        principal=principal,
        order=order,
        assignments=assignments,
        lead=orders_service.active_assignment(assignments, unit_id=unit_id, role=AssignmentRole.LEAD),
        co=orders_service.active_assignment(assignments, unit_id=unit_id, role=AssignmentRole.CO),
        supervises=orders_service.active_assignment(
            assignments, unit_id=unit_id, role=AssignmentRole.SUPERVISE
        )
        is not None,
        in_area=bool(principal.is_area_scoped and area and (order.area_path or "").startswith(area)),
        owner=principal.role == Role.RESIDENT
        and principal.user_id is not None
        and order.created_by_id == principal.user_id,
        unit_kind=units_service.get(session, unit_id=unit_id).kind if unit_id else None,
    )


# --- who may do what, from which states --------------------------------------------------------------

Handler = Callable[[Session, Order, Relation, ActionRequest, datetime], dict]


@dataclass(frozen=True)
class Rule:
    sources: frozenset[OrderStatus]  # the states the action is allowed from
    may: Callable[[Relation], bool]  # who may do it (else 403)
    run: Handler
    when: Callable[[Order], bool] = lambda _order: True  # what else the order must be (else 409)

    def applies(self, order: Order) -> bool:
        return OrderStatus(order.status) in self.sources and self.when(order)


def _lead_waiting(r: Relation) -> bool:
    return r.lead is not None and r.lead.status == AssignmentStatus.ASSIGNED


def _co_waiting(r: Relation) -> bool:
    return r.co is not None and r.co.status == AssignmentStatus.ASSIGNED


def _co_working(r: Relation) -> bool:
    return r.co is not None and r.co.status == AssignmentStatus.ACCEPTED


def _lead_working(r: Relation) -> bool:
    return r.lead is not None and r.lead.status == AssignmentStatus.ACCEPTED


def _coordinator(r: Relation) -> bool:
    """A district government that received the order to coordinate may dispatch it onward."""
    return r.lead is not None and r.order.status != S.RECEIVED and r.unit_kind == UnitKind.DISTRICT_GOVERNMENT


def _can_dispatch(r: Relation) -> bool:
    return (r.centre and r.order.status == S.RECEIVED) or _coordinator(r)


def _can_decide_extension(r: Relation) -> bool:
    if r.order.pending_extension is None:
        return False
    return r.centre or (r.principal.role == Role.UNIT_LEAD and r.lead is not None)


def _can_reopen(r: Relation) -> bool:
    o = r.order
    if o.status == S.CLOSED and o.outcome not in (Outcome.RESOLVED, Outcome.UNRESOLVED):
        return False
    return r.centre and (o.resolved is False or o.satisfaction == Satisfaction.DISSATISFIED)


def _can_reply(r: Relation) -> bool:
    lead_can = _lead_working(r) and r.order.status in (S.ACCEPTED, S.CONTACTED)
    return lead_can or _co_working(r)


def _can_accept(r: Relation) -> bool:
    return (_lead_waiting(r) and r.order.status == S.DISPATCHED) or _co_waiting(r)


def _can_close(r: Relation) -> bool:
    return r.centre


ALL_OPEN = frozenset(OPEN_STATUSES)
HANDLING = frozenset(HANDLING_STATUSES)


# --- handlers: each changes the order and returns the event payload -----------------------------------


def _require(value, field: str, action: Action):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Unprocessable(f"action {action.value!r} needs {field!r}", field=field)
    return value


def _named(lookup: Callable, session: Session, code: str, field: str):
    """A unit or category named in the action's body: an unknown code is a bad request (422), not 404."""
    try:
        return lookup(session, code=code)
    except NotFound as exc:
        raise Unprocessable(exc.message, field=field) from exc


def _answer(session: Session, o: Order, r: Relation, req: ActionRequest, now: datetime) -> dict:
    text = _require(req.text, "text", req.action)
    o.status, o.outcome, o.replied_at, o.closed_at = S.CLOSED, Outcome.ANSWERED, now, now
    return {"text": text}


def _new_assignment(
    session: Session, o: Order, unit_id: int, role: AssignmentRole, now: datetime, task: str | None = None
) -> Assignment:
    a = Assignment(
        order_id=o.id,
        unit_id=unit_id,
        role=role.value,
        status=AssignmentStatus.ASSIGNED.value,
        task=task,
        assigned_at=now,
    )
    session.add(a)
    return a


def _start_handling(session: Session, o: Order, r: Relation, unit_id: int, now: datetime) -> None:
    """Give the order to a lead unit: deadlines for acceptance and contact run from now."""
    _new_assignment(session, o, unit_id, AssignmentRole.LEAD, now)
    unit = units_service.get(session, unit_id=unit_id)
    supervisor = units_service.supervising_unit(session, unit=unit)
    already = {
        a.unit_id
        for a in r.assignments
        if a.role == AssignmentRole.SUPERVISE and a.status in ACTIVE_ASSIGNMENT
    }
    if supervisor is not None and supervisor.id not in already:
        _new_assignment(session, o, supervisor.id, AssignmentRole.SUPERVISE, now)
    o.lead_unit_id = unit_id
    o.status = S.DISPATCHED
    o.dispatched_at, o.accepted_at, o.contacted_at = now, None, None
    o.escalated &= ~(Deadline.ACCEPT.bit | Deadline.CONTACT.bit)  # a new round: its own misses count
    o.accept_due = sla_service.due(session, start=now, code=PolicyCode.ACCEPT)
    o.contact_due = sla_service.due(session, start=now, code=PolicyCode.CONTACT)


def _dispatch(session: Session, o: Order, r: Relation, req: ActionRequest, now: datetime) -> dict:
    payload: dict = {}
    if req.category_code:
        category = _named(categories_service.get_by_code, session, req.category_code, "category_code")
        if category.id != o.category_id:
            payload["category"] = category.code
            o.category_id = category.id
    if req.priority is not None and req.priority.value != o.priority:
        payload["priority"] = req.priority.value
        o.priority = req.priority.value
    if payload:  # the time limit follows the category and the priority
        category = categories_service.get(session, category_id=o.category_id) if o.category_id else None
        o.time_limit_class = orders_service.time_limit_class(category, o.priority).value
        o.reply_due = sla_service.due(session, start=o.created_at, code=o.time_limit_class)
    if req.unit:
        unit = _named(units_service.get_by_code, session, req.unit, "unit")
    else:  # no unit named: the routing catalogue (派单目录) decides, 属地 as the fallback
        route = dispatch_service.route(session, category_id=o.category_id, area_path=o.area_path)
        if route.unit is None:
            raise Unprocessable(
                "no unit named, and the routing catalogue has none for this category and place", field="unit"
            )
        unit = _named(units_service.get_by_code, session, route.unit.code, "unit")
        payload["route"] = {"reason": route.reason.value, "rule_id": route.rule_id}
    if not unit.active:
        raise Unprocessable(f"unit {unit.code!r} is inactive", field="unit")
    payload = {"unit": unit.code, **payload}
    if req.reason:
        payload["reason"] = req.reason
    if r.lead is not None:  # a coordinating district passes it on and stays on as supervisor
        r.lead.status = AssignmentStatus.FORWARDED.value
        # listed, so that _start_handling does not copy the district a second time
        r.assignments.append(_new_assignment(session, o, r.lead.unit_id, AssignmentRole.SUPERVISE, now))
        payload["forwarded_by"] = units_service.code_of(session, unit_id=r.lead.unit_id)
    if unit.kind == UnitKind.DISTRICT_GOVERNMENT:
        payload["mode"] = "coordinate"  # Art. 12: only the district is known; it coordinates
    _start_handling(session, o, r, unit.id, now)
    return payload


def _add_co_unit(session: Session, o: Order, r: Relation, req: ActionRequest, now: datetime) -> dict:
    unit = _named(units_service.get_by_code, session, _require(req.unit, "unit", req.action), "unit")
    task = _require(req.task, "task", req.action)
    on_order = {
        a.unit_id
        for a in r.assignments
        if a.status in ACTIVE_ASSIGNMENT and a.role != AssignmentRole.SUPERVISE
    }
    if unit.id in on_order:
        raise Conflict(f"unit {unit.code!r} is already on this order", field="unit")
    _new_assignment(session, o, unit.id, AssignmentRole.CO, now, task=task)
    return {"unit": unit.code, "task": task}


def _accept(session: Session, o: Order, r: Relation, req: ActionRequest, now: datetime) -> dict:
    if _lead_waiting(r) and o.status == S.DISPATCHED:
        r.lead.status, r.lead.accepted_at = AssignmentStatus.ACCEPTED.value, now
        o.status, o.accepted_at = S.ACCEPTED, now
        return {"role": AssignmentRole.LEAD.value}
    r.co.status, r.co.accepted_at = AssignmentStatus.ACCEPTED.value, now
    return {"role": AssignmentRole.CO.value}


def _return(session: Session, o: Order, r: Relation, req: ActionRequest, now: datetime) -> dict:
    reason = _require(req.reason, "reason", req.action)
    r.lead.status, r.lead.return_reason = AssignmentStatus.RETURNED.value, reason
    returns = sum(
        1
        for a in r.assignments
        if a.unit_id == r.lead.unit_id
        and a.role == AssignmentRole.LEAD
        and a.status == AssignmentStatus.RETURNED
    )
    o.lead_unit_id = None
    o.accept_due = o.contact_due = None
    o.status = S.DISPUTED if returns >= 2 else S.RECEIVED
    return {"reason": reason, "returns_by_unit": returns, "disputed": returns >= 2}


def _arbitrate(session: Session, o: Order, r: Relation, req: ActionRequest, now: datetime) -> dict:
    unit = _named(units_service.get_by_code, session, _require(req.unit, "unit", req.action), "unit")
    _start_handling(session, o, r, unit.id, now)
    return {"unit": unit.code, "reason": req.reason}


def _contact(session: Session, o: Order, r: Relation, req: ActionRequest, now: datetime) -> dict:
    note = _require(req.note, "note", req.action)
    if o.contacted_at is None:
        o.contacted_at = now
    o.status = S.CONTACTED
    return {"note": note, "in_time": o.contact_due is None or now <= o.contact_due}


def _note(session: Session, o: Order, r: Relation, req: ActionRequest, now: datetime) -> dict:
    return {"text": _require(req.text or req.note, "text", req.action)}


def _request_extension(session: Session, o: Order, r: Relation, req: ActionRequest, now: datetime) -> dict:
    days = _require(req.days, "days", req.action)
    reason = _require(req.reason, "reason", req.action)
    if o.pending_extension is not None:
        raise Conflict("an extension request is already pending", field="days")
    o.pending_extension = {"days": days, "reason": reason, "requested_at": now.isoformat()}
    return {"days": days, "reason": reason}


def _decide_extension(session: Session, o: Order, r: Relation, req: ActionRequest, now: datetime) -> dict:
    approve = _require(req.approve, "approve", req.action)
    pending = o.pending_extension or {}
    payload = {"approve": approve, "days": pending.get("days"), "reason": req.reason}
    if approve:
        before = o.reply_due
        o.reply_due = sla_service.extend(session, deadline=o.reply_due, working_days=pending["days"])
        o.extension_days += pending["days"]
        if o.reply_due > now:
            o.escalated &= ~Deadline.REPLY.bit
        payload |= {"reply_due_before": before.isoformat(), "reply_due": o.reply_due.isoformat()}
    o.pending_extension = None
    return payload


def _reply(session: Session, o: Order, r: Relation, req: ActionRequest, now: datetime) -> dict:
    text = _require(req.text, "text", req.action)
    if _lead_working(r) and o.status in (S.ACCEPTED, S.CONTACTED):
        r.lead.status, r.lead.replied_at, r.lead.reply_text = AssignmentStatus.REPLIED.value, now, text
        o.status, o.replied_at = S.REPLIED, now
        _tell_merged_callers(session, o, r, text, now)
        return {
            "text": text,
            "role": AssignmentRole.LEAD.value,
            "in_time": o.reply_due is None or now <= o.reply_due,
        }
    r.co.status, r.co.replied_at, r.co.reply_text = AssignmentStatus.REPLIED.value, now, text
    return {"text": text, "role": AssignmentRole.CO.value}


def _tell_merged_callers(session: Session, o: Order, r: Relation, text: str, now: datetime) -> None:
    """Every caller whose order was merged into this one is told the reply (and is then called back on
    their own order, which stays merged)."""
    with session.no_autoflush:  # flushing the reply here, then its event, would bump the version twice
        merged_orders = orders_service.merged_into(session, order_id=o.id)
    for merged in merged_orders:
        merged.replied_at = now
        orders_service.add_event(
            session,
            order=merged,
            kind=EventKind.REPLY_FORWARDED,
            principal=r.principal,
            payload={"text": text, "from": orders_service.public_number(o)},
            now=now,
        )


def _merged_and_told(o: Order) -> bool:
    """A merged order whose caller was told the reply and not yet called back."""
    return o.status == S.MERGED and o.replied_at is not None and o.called_back_at is None


def _callback(session: Session, o: Order, r: Relation, req: ActionRequest, now: datetime) -> dict:
    resolved = _require(req.resolved, "resolved", req.action)
    satisfaction = _require(req.satisfaction, "satisfaction", req.action)
    o.resolved, o.satisfaction, o.called_back_at = resolved, satisfaction.value, now
    if o.status != S.MERGED:  # a merged caller's callback is recorded; the order stays merged
        o.status = S.CALLED_BACK
    return {
        "resolved": resolved,
        "satisfaction": satisfaction.value,
        "comment": req.comment,
        "via": (req.via or (CallbackVia.ONLINE if r.owner else CallbackVia.PHONE)).value,
    }


def _reopen(session: Session, o: Order, r: Relation, req: ActionRequest, now: datetime) -> dict:
    for a in r.assignments:
        if a.role == AssignmentRole.LEAD and a.status in ACTIVE_ASSIGNMENT:
            a.status = AssignmentStatus.CLOSED.value
    unit_id = o.lead_unit_id
    payload = {"reason": req.reason, "previous": {"resolved": o.resolved, "satisfaction": o.satisfaction}}
    o.reopen_count += 1
    o.replied_at = o.called_back_at = o.closed_at = None
    o.resolved = o.satisfaction = o.outcome = None
    o.escalated = 0
    o.reply_due = sla_service.due(session, start=now, code=o.time_limit_class)
    r.assignments = [a for a in r.assignments if a.role != AssignmentRole.LEAD]  # supervisors stay
    _start_handling(session, o, r, unit_id, now)
    payload["unit"] = units_service.code_of(session, unit_id=unit_id)
    return payload


def _merge(session: Session, o: Order, r: Relation, req: ActionRequest, now: datetime) -> dict:
    try:
        target = orders_service.get_for(
            session, principal=r.principal, ref=_require(req.into, "into", req.action)
        )
    except NotFound as exc:
        raise Unprocessable(exc.message, field="into") from exc
    if target.id == o.id:
        raise Unprocessable("an order cannot be merged into itself", field="into")
    if target.status == S.MERGED:
        raise Unprocessable("cannot merge into an order that was itself merged", field="into")
    _close_assignments(r)
    o.status, o.outcome, o.merged_into_id, o.closed_at = S.MERGED, Outcome.MERGED, target.id, now
    orders_service.add_event(
        session,
        order=target,
        kind=EventKind.MERGED_IN,
        principal=r.principal,
        payload={"order": orders_service.public_number(o)},
        now=now,
    )
    return {"into": orders_service.public_number(target)}


def _mark_unreasonable(session: Session, o: Order, r: Relation, req: ActionRequest, now: datetime) -> dict:
    reason = _require(req.reason, "reason", req.action)
    if o.unreasonable:
        raise Conflict("the order is already marked unreasonable", field="reason")
    o.unreasonable, o.unreasonable_reason = True, reason
    return {"reason": reason}


def _close(session: Session, o: Order, r: Relation, req: ActionRequest, now: datetime) -> dict:
    if o.status == S.RECEIVED:
        outcome = _require(req.outcome, "outcome", req.action)
        if outcome not in INTAKE_OUTCOMES:
            allowed = ", ".join(sorted(x.value for x in INTAKE_OUTCOMES))
            raise Unprocessable(f"closing at intake needs an Art. 11 outcome: {allowed}", field="outcome")
        o.outcome = outcome.value
    else:
        o.outcome = Outcome.RESOLVED if o.resolved else Outcome.UNRESOLVED
    _close_assignments(r)
    o.status, o.closed_at = S.CLOSED, now
    return {"outcome": o.outcome, "reason": req.reason}


def _close_assignments(r: Relation) -> None:
    for a in r.assignments:
        if a.status in (AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED):
            a.status = AssignmentStatus.CLOSED.value


RULES: dict[Action, Rule] = {
    # Art. 11: a consultation is answered at once; other types close at intake only with an outcome code.
    Action.ANSWER: Rule(
        frozenset({S.RECEIVED}), lambda r: r.centre, _answer, when=lambda o: o.type == OrderType.CONSULTATION
    ),
    Action.DISPATCH: Rule(frozenset({S.RECEIVED, S.DISPATCHED, S.ACCEPTED}), _can_dispatch, _dispatch),
    Action.ADD_CO_UNIT: Rule(HANDLING, lambda r: r.centre or r.supervisor, _add_co_unit),
    Action.ACCEPT: Rule(HANDLING, _can_accept, _accept),
    Action.RETURN: Rule(frozenset({S.DISPATCHED}), _lead_waiting, _return),
    Action.ARBITRATE: Rule(frozenset({S.DISPUTED}), lambda r: r.centre or r.supervisor, _arbitrate),
    Action.CONTACT: Rule(frozenset({S.ACCEPTED, S.CONTACTED}), _lead_working, _contact),
    Action.NOTE: Rule(
        ALL_OPEN,
        lambda r: r.centre or r.supervisor or r.lead is not None or r.co is not None or r.supervises,
        _note,
    ),
    Action.REQUEST_EXTENSION: Rule(
        frozenset({S.ACCEPTED, S.CONTACTED}),
        lambda r: _lead_working(r) and r.order.pending_extension is None,
        _request_extension,
    ),
    Action.DECIDE_EXTENSION: Rule(
        frozenset({S.ACCEPTED, S.CONTACTED}), _can_decide_extension, _decide_extension
    ),
    Action.REPLY: Rule(HANDLING, _can_reply, _reply),
    Action.CALLBACK: Rule(
        frozenset({S.REPLIED, S.MERGED}),
        lambda r: r.centre or r.owner,
        _callback,
        when=lambda o: o.status == S.REPLIED or _merged_and_told(o),
    ),
    Action.REOPEN: Rule(frozenset({S.CALLED_BACK, S.CLOSED}), _can_reopen, _reopen),
    Action.MERGE: Rule(frozenset({S.RECEIVED, S.DISPATCHED}), lambda r: r.centre, _merge),
    Action.MARK_UNREASONABLE: Rule(
        frozenset(set(S) - {S.MERGED}), lambda r: r.centre and not r.order.unreasonable, _mark_unreasonable
    ),
    Action.CLOSE: Rule(frozenset({S.RECEIVED, S.CALLED_BACK}), _can_close, _close),
}

# Actions that leave the order's state as it is (the event still records them).
STATELESS = frozenset(
    {
        Action.NOTE,
        Action.ADD_CO_UNIT,
        Action.REQUEST_EXTENSION,
        Action.DECIDE_EXTENSION,
        Action.MARK_UNREASONABLE,
    }
)


def allowed_actions(rel: Relation) -> list[str]:
    order, status = rel.order, OrderStatus(rel.order.status)
    return [
        a.value for a, rule in RULES.items() if status in rule.sources and rule.when(order) and rule.may(rel)
    ]


def perform(
    session: Session, *, order: Order, principal: Principal, req: ActionRequest, now: datetime | None = None
) -> Order:
    """Apply one action: check version, state and permission, change the order, write the event."""
    now = now or utcnow()
    if req.version != order.version:
        raise Conflict(
            f"order changed since version {req.version}; current version is {order.version}",
            field="version",
            current_version=order.version,
        )
    rel = relation(session, order=order, principal=principal)
    rule = RULES[req.action]
    status = OrderStatus(order.status)
    if not rule.applies(order):
        raise Conflict(
            f"action {req.action.value!r} is not allowed in state {status.value!r} for a {order.type} order",
            field="action",
            state=status.value,
            allowed_actions=allowed_actions(rel),
        )
    if not rule.may(rel):
        raise Forbidden(
            f"you may not {req.action.value!r} this order in state {status.value!r}",
            field="action",
            state=status.value,
            allowed_actions=allowed_actions(rel),
        )
    payload = rule.run(session, order, rel, req, now)
    order.updated_at = now
    orders_service.add_event(
        session,
        order=order,
        kind=EventKind(req.action.value),
        principal=principal,
        from_status=status,
        to_status=order.status,
        payload=payload,
        now=now,
    )
    if order.status == S.DISPUTED and status != S.DISPUTED:
        orders_service.add_event(
            session,
            order=order,
            kind=EventKind.DISPUTE,
            principal=SYSTEM,
            from_status=status,
            to_status=S.DISPUTED,
            payload={"reason": "同一单位第二次退单,转热线中心裁定"},
            now=now,
        )
    session.flush()
    return order


# --- the SLA sweep ----------------------------------------------------------------------------------

_SWEEP = (
    (Deadline.ACCEPT, Order.accept_due, (S.DISPATCHED,)),
    (Deadline.CONTACT, Order.contact_due, (S.ACCEPTED,)),
    (Deadline.REPLY, Order.reply_due, (S.DISPATCHED, S.ACCEPTED, S.CONTACTED)),
)


def sweep_overdue(session: Session, *, now: datetime | None = None, batch: int = 500) -> int:
    """Mark missed deadlines and escalate each miss once: an `overdue` event on the order, addressed
    to the lead unit's lead and the area's supervisor. Several workers may run this at once: each
    miss is claimed by a conditional UPDATE, and only the worker whose UPDATE matched writes the event."""
    now = now or utcnow()
    escalated = 0
    for deadline, column, statuses in _SWEEP:
        values = [s.value for s in statuses]
        ids = session.scalars(
            select(Order.id)
            .where(Order.status.in_(values), column < now, Order.escalated.op("&")(deadline.bit) == 0)
            .order_by(column)
            .limit(batch)
        ).all()
        for order_id in ids:
            claimed = session.execute(
                update(Order)
                .where(
                    Order.id == order_id,
                    Order.status.in_(values),
                    column < now,
                    Order.escalated.op("&")(deadline.bit) == 0,
                )
                .values(escalated=Order.escalated.op("|")(deadline.bit))
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                continue
            # The event moves the order's history head, so the ORM update below also moves its version.
            order = session.get(Order, order_id, populate_existing=True)
            orders_service.add_event(
                session,
                order=order,
                kind=EventKind.OVERDUE,
                principal=SYSTEM,
                from_status=order.status,
                to_status=order.status,
                unit_id=order.lead_unit_id,
                payload={
                    "deadline": deadline.value,
                    "label": deadline.label,
                    "due": getattr(order, column.key).isoformat(),
                    "notify": ["unit_lead", "supervisor"],
                },
                now=now,
            )
            escalated += 1
    session.flush()
    return escalated
