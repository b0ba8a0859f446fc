"""The life of one demo order, walked through the same state machine as ``orders.flows``.

Each action is applied in time order, changes the row and its assignments the way the live handler
does, and writes an event with the same payload shape. Before every action the SLA sweep is replayed
up to that moment, so ``overdue`` escalations appear where the worker would have written them. An
action that would happen after ``now`` stops the walk (``Cut``): the order stays open where it is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from huitian.demo.mixes import (
    ANSWER_TEXTS,
    CALLBACK_COMMENTS,
    CONTACT_NOTES,
    MIN,
    PROGRESS_NOTES,
    REPLY_TEXTS,
)
from huitian.orders import flows
from huitian.orders.enums import (
    Action,
    AssignmentRole,
    AssignmentStatus,
    CallbackVia,
    Channel,
    EventKind,
    OrderStatus,
    Outcome,
    Satisfaction,
)
from huitian.sla import service as sla_service
from huitian.sla.enums import Deadline, LimitUnit, PolicyCode

S = OrderStatus


class Cut(Exception):
    """The next action would happen after `now`: the order stays open where it is."""


@dataclass
class Ctx:
    """What every order simulation needs: ids, deadlines, actors, random source, the cut-off."""

    session: Session
    rng: random.Random
    now: datetime
    unit_id: dict[str, int]
    unit_kind: dict[int, str]
    unit_parent: dict[int, int | None]
    unit_code: dict[int, str]
    user_id: dict[str, int]
    handler_unit: int  # the demo handler's unit (its staff act under their own names)
    supervisor_area: str  # the demo supervisor's area path
    events: list[tuple] = field(default_factory=list)
    assignments: list[dict[str, Any]] = field(default_factory=list)

    _due_cache: dict[tuple[Any, str], datetime] = field(default_factory=dict)

    def due(self, start: datetime, code: str) -> datetime:
        """``sla_service.due``; working-day results depend only on the local date, so they are memoised."""
        amount, unit = sla_service.rules(self.session).policies[code]
        if unit == LimitUnit.HOURS:
            return start + timedelta(hours=amount)
        key = (start.astimezone(sla_service.local_tz()).date(), code)
        hit = self._due_cache.get(key)
        if hit is None:
            hit = self._due_cache[key] = sla_service.due(self.session, start=start, code=code)
        return hit

    def extend(self, deadline: datetime, days: int) -> datetime:
        return sla_service.extend(self.session, deadline=deadline, working_days=days)


# The worker's sweep, as orders.flows declares it: (deadline, the row's column, the states it runs in).
SWEEP = tuple((deadline, column.key, statuses) for deadline, column, statuses in flows._SWEEP)


class OrderSim:
    """One order walked through the state machine of ``orders.flows``, event by event."""

    def __init__(self, ctx: Ctx, row: dict[str, Any], public_number: str) -> None:
        self.ctx = ctx
        self.row = row
        self.number = public_number
        self.assign: list[dict[str, Any]] = []
        self.t = row["created_at"]
        self.updates = 0

    # -- plumbing --------------------------------------------------------------------------------------
    def at(self, t: datetime) -> datetime:
        """Move the clock to t, replaying the SLA sweep up to then; stop at the cut-off."""
        if t > self.ctx.now:
            self.sweep(self.ctx.now)
            raise Cut
        self.sweep(t)
        self.t = t
        return t

    def sweep(self, until: datetime) -> None:
        row = self.row
        for deadline, col, statuses in SWEEP:
            due = row[col]
            if due is None or row["status"] not in statuses or row["escalated"] & deadline.bit:
                continue
            if due >= until:
                continue
            found = min(max(due, self.t) + MIN, until)
            row["escalated"] |= deadline.bit
            self.updates += 1
            self.event(
                EventKind.OVERDUE,
                row["status"],
                row["status"],
                actor=None,
                unit=row["lead_unit_id"],
                t=found,
                payload={
                    "deadline": deadline.value,
                    "label": deadline.label,
                    "due": due.isoformat(),
                    "notify": ["unit_lead", "supervisor"],
                },
            )

    def event(
        self,
        kind: EventKind,
        frm: str | None,
        to: str | None,
        *,
        actor: tuple | None,
        unit: int | None = None,
        t: datetime | None = None,
        payload: dict | None = None,
    ) -> None:
        actor_id, name, role, actor_unit = actor or (None, "system", "admin", None)
        self.ctx.events.append(
            (
                self.row["id"],
                kind.value,
                frm,
                to,
                actor_id,
                name,
                role,
                unit if unit is not None else actor_unit,
                t or self.t,
                payload or {},
            )
        )

    def act(self, kind: EventKind, actor: tuple, payload: dict, frm: str) -> None:
        action = Action(kind.value)  # a guard: the walk takes only steps the live state machine allows
        moved = self.row["status"] != frm
        if frm not in flows.RULES[action].sources or (moved and action in flows.STATELESS):
            raise RuntimeError(f"demo order {self.row['id']}: {action} from {frm} is not in flows.RULES")
        self.updates += 1
        self.row["updated_at"] = self.t
        self.event(kind, frm, self.row["status"], actor=actor, payload=payload)

    def operator(self) -> tuple:
        return (self.ctx.user_id["operator"], "李话务", "operator", self.ctx.unit_id["HOTLINE"])

    def staff(self, unit: int, role: str = "handler") -> tuple:
        ctx = self.ctx
        if unit == ctx.handler_unit:
            who = "handler" if role == "handler" else "unit_lead"
            return (ctx.user_id[who], "张承办" if who == "handler" else "赵主任", who, unit)
        return (None, "承办人" if role == "handler" else "单位负责人", role, unit)

    def supervisor(self) -> tuple:
        ctx = self.ctx
        if (self.row["area_path"] or "").startswith(ctx.supervisor_area):
            return (ctx.user_id["supervisor"], "刘督办", "supervisor", ctx.unit_id["ST-110114011"])
        return (None, "街道督办", "supervisor", None)

    def new_assignment(self, unit: int, role: AssignmentRole, task: str | None = None) -> dict[str, Any]:
        a = {
            "id": 0,
            "order_id": self.row["id"],
            "unit_id": unit,
            "role": role.value,
            "status": AssignmentStatus.ASSIGNED.value,
            "task": task,
            "assigned_at": self.t,
            "accepted_at": None,
            "replied_at": None,
            "reply_text": None,
            "return_reason": None,
        }
        self.assign.append(a)
        return a

    def active(self, unit: int | None, role: AssignmentRole) -> dict[str, Any] | None:
        for a in self.assign:
            if (
                a["unit_id"] == unit
                and a["role"] == role.value
                and a["status"] in ("assigned", "accepted", "replied")
            ):
                return a
        return None

    def lead(self) -> dict[str, Any]:
        a = self.active(self.row["lead_unit_id"], AssignmentRole.LEAD)
        assert a is not None
        return a

    # -- actions (mirroring orders.flows) ---------------------------------------------------------------
    def created(self) -> None:
        row = self.row
        actor = (
            self.operator()
            if row["channel"] == Channel.HOTLINE
            else (
                (
                    row["created_by_id"],
                    "网格员" if row["channel"] == Channel.PATROL else "市民",
                    "grid_worker" if row["channel"] == Channel.PATROL else "resident",
                    None,
                )
            )
        )
        self.event(
            EventKind.CREATED,
            None,
            S.RECEIVED.value,
            actor=actor,
            payload={"channel": row["channel"], "type": row["type"]},
        )

    def answer(self, t: datetime) -> None:
        self.at(t)
        row = self.row
        row.update(status=S.CLOSED.value, outcome=Outcome.ANSWERED.value, replied_at=t, closed_at=t)
        self.act(
            EventKind.ANSWER, self.operator(), {"text": self.ctx.rng.choice(ANSWER_TEXTS)}, S.RECEIVED.value
        )

    def close_at_intake(self, t: datetime, outcome: Outcome, reason: str) -> None:
        self.at(t)
        self.row.update(status=S.CLOSED.value, outcome=outcome.value, closed_at=t)
        self.act(
            EventKind.CLOSE, self.operator(), {"outcome": outcome.value, "reason": reason}, S.RECEIVED.value
        )

    def merge(self, t: datetime, target: OrderSim) -> None:
        self.at(t)
        frm = self.row["status"]
        self.close_assignments()
        self.row.update(
            status=S.MERGED.value, outcome=Outcome.MERGED.value, merged_into_id=target.row["id"], closed_at=t
        )
        target.event(
            EventKind.MERGED_IN, None, None, actor=self.operator(), t=t, payload={"order": self.number}
        )
        self.act(EventKind.MERGE, self.operator(), {"into": target.number}, frm)

    def start_handling(self, unit: int) -> None:
        row, ctx = self.row, self.ctx
        self.new_assignment(unit, AssignmentRole.LEAD)
        parent = ctx.unit_parent.get(unit)
        if ctx.unit_kind[unit] == "street_office" and parent is not None:
            if self.active(parent, AssignmentRole.SUPERVISE) is None:
                self.new_assignment(parent, AssignmentRole.SUPERVISE)
        row.update(
            lead_unit_id=unit,
            status=S.DISPATCHED.value,
            dispatched_at=self.t,
            accepted_at=None,
            contacted_at=None,
            accept_due=ctx.due(self.t, PolicyCode.ACCEPT),
            contact_due=ctx.due(self.t, PolicyCode.CONTACT),
        )
        row["escalated"] &= ~(Deadline.ACCEPT.bit | Deadline.CONTACT.bit)  # a new round: its own misses count

    def dispatch(self, t: datetime, unit: int, *, by: tuple | None = None) -> None:
        self.at(t)
        frm = self.row["status"]
        payload: dict[str, Any] = {"unit": self.ctx_code(unit)}
        actor = by or self.operator()
        if frm != S.RECEIVED.value:  # a coordinating district passes it on and stays on as supervisor
            lead = self.lead()
            lead["status"] = AssignmentStatus.FORWARDED.value
            if self.active(lead["unit_id"], AssignmentRole.SUPERVISE) is None:
                self.new_assignment(lead["unit_id"], AssignmentRole.SUPERVISE)
            payload["forwarded_by"] = self.ctx_code(lead["unit_id"])
        if self.ctx.unit_kind[unit] == "district_government":
            payload["mode"] = "coordinate"
        self.start_handling(unit)
        self.act(EventKind.DISPATCH, actor, payload, frm)

    def ctx_code(self, unit: int) -> str:
        return self.ctx.unit_code[unit]

    def accept(self, t: datetime) -> None:
        self.at(t)
        lead = self.lead()
        lead.update(status=AssignmentStatus.ACCEPTED.value, accepted_at=t)
        self.row.update(status=S.ACCEPTED.value, accepted_at=t)
        self.act(EventKind.ACCEPT, self.staff(lead["unit_id"]), {"role": "lead"}, S.DISPATCHED.value)

    def return_(self, t: datetime, reason: str) -> bool:
        """Returns True when this return made the order a dispute."""
        self.at(t)
        lead = self.lead()
        lead.update(status=AssignmentStatus.RETURNED.value, return_reason=reason)
        returns = sum(
            1
            for a in self.assign
            if a["unit_id"] == lead["unit_id"] and a["role"] == "lead" and a["status"] == "returned"
        )
        disputed = returns >= 2
        self.row.update(
            lead_unit_id=None,
            accept_due=None,
            contact_due=None,
            status=S.DISPUTED.value if disputed else S.RECEIVED.value,
        )
        self.act(
            EventKind.RETURN,
            self.staff(lead["unit_id"]),
            {"reason": reason, "returns_by_unit": returns, "disputed": disputed},
            S.DISPATCHED.value,
        )
        if disputed:
            self.event(
                EventKind.DISPUTE,
                S.DISPATCHED.value,
                S.DISPUTED.value,
                actor=None,
                payload={"reason": "同一单位第二次退单,转热线中心裁定"},
            )
        return disputed

    def arbitrate(self, t: datetime, unit: int) -> None:
        self.at(t)
        self.start_handling(unit)
        self.act(
            EventKind.ARBITRATE,
            self.operator(),
            {"unit": self.ctx_code(unit), "reason": "经审核,由属地单位承办"},
            S.DISPUTED.value,
        )

    def add_co_unit(self, t: datetime, unit: int, task: str) -> dict[str, Any]:
        self.at(t)
        a = self.new_assignment(unit, AssignmentRole.CO, task)
        self.act(
            EventKind.ADD_CO_UNIT,
            self.supervisor(),
            {"unit": self.ctx_code(unit), "task": task},
            self.row["status"],
        )
        return a

    def co_accept(self, t: datetime, a: dict[str, Any]) -> None:
        self.at(t)
        a.update(status=AssignmentStatus.ACCEPTED.value, accepted_at=t)
        self.act(EventKind.ACCEPT, self.staff(a["unit_id"]), {"role": "co"}, self.row["status"])

    def co_reply(self, t: datetime, a: dict[str, Any]) -> None:
        self.at(t)
        text_ = "已配合属地完成" + (a["task"] or "相关工作")
        a.update(status=AssignmentStatus.REPLIED.value, replied_at=t, reply_text=text_)
        self.act(EventKind.REPLY, self.staff(a["unit_id"]), {"text": text_, "role": "co"}, self.row["status"])

    def contact(self, t: datetime) -> None:
        self.at(t)
        row = self.row
        frm = row["status"]
        in_time = row["contact_due"] is None or t <= row["contact_due"]
        if row["contacted_at"] is None:
            row["contacted_at"] = t
        row["status"] = S.CONTACTED.value
        self.act(
            EventKind.CONTACT,
            self.staff(row["lead_unit_id"]),
            {"note": self.ctx.rng.choice(CONTACT_NOTES), "in_time": in_time},
            frm,
        )

    def note(self, t: datetime) -> None:
        self.at(t)
        self.act(
            EventKind.NOTE,
            self.staff(self.row["lead_unit_id"]),
            {"text": self.ctx.rng.choice(PROGRESS_NOTES)},
            self.row["status"],
        )

    def request_extension(self, t: datetime, days: int, reason: str) -> None:
        self.at(t)
        self.row["pending_extension"] = {"days": days, "reason": reason, "requested_at": t.isoformat()}
        self.act(
            EventKind.REQUEST_EXTENSION,
            self.staff(self.row["lead_unit_id"]),
            {"days": days, "reason": reason},
            self.row["status"],
        )

    def decide_extension(self, t: datetime, approve: bool) -> None:
        self.at(t)
        row = self.row
        days = row["pending_extension"]["days"]
        payload: dict[str, Any] = {"approve": approve, "days": days, "reason": None}
        if approve:
            before = row["reply_due"]
            row["reply_due"] = self.ctx.extend(before, days)
            row["extension_days"] += days
            if row["reply_due"] > t:
                row["escalated"] &= ~Deadline.REPLY.bit
            payload |= {"reply_due_before": before.isoformat(), "reply_due": row["reply_due"].isoformat()}
        row["pending_extension"] = None
        self.act(EventKind.DECIDE_EXTENSION, self.operator(), payload, row["status"])

    def reply(self, t: datetime) -> None:
        self.at(t)
        row = self.row
        frm = row["status"]
        lead = self.lead()
        text_ = self.ctx.rng.choice(REPLY_TEXTS)
        lead.update(status=AssignmentStatus.REPLIED.value, replied_at=t, reply_text=text_)
        row.update(status=S.REPLIED.value, replied_at=t)
        in_time = row["reply_due"] is None or t <= row["reply_due"]
        self.act(
            EventKind.REPLY,
            self.staff(lead["unit_id"]),
            {"text": text_, "role": "lead", "in_time": in_time},
            frm,
        )

    def callback(self, t: datetime, resolved: bool, satisfaction: Satisfaction) -> None:
        self.at(t)
        self.row.update(
            resolved=resolved, satisfaction=satisfaction.value, called_back_at=t, status=S.CALLED_BACK.value
        )
        self.act(
            EventKind.CALLBACK,
            self.operator(),
            {
                "resolved": resolved,
                "satisfaction": satisfaction.value,
                "comment": self.ctx.rng.choice(CALLBACK_COMMENTS) or None,
                "via": CallbackVia.PHONE.value,  # the centre calls the resident back
            },
            S.REPLIED.value,
        )

    def reopen(self, t: datetime) -> None:
        self.at(t)
        row = self.row
        frm = row["status"]
        for a in self.assign:
            if a["role"] == "lead" and a["status"] in ("assigned", "accepted", "replied"):
                a["status"] = AssignmentStatus.CLOSED.value
        unit = row["lead_unit_id"]
        payload = {
            "reason": "回访未解决,转重办",
            "previous": {"resolved": row["resolved"], "satisfaction": row["satisfaction"]},
        }
        row["reopen_count"] += 1
        row.update(
            replied_at=None,
            called_back_at=None,
            closed_at=None,
            resolved=None,
            satisfaction=None,
            outcome=None,
            escalated=0,
            reply_due=self.ctx.due(t, row["time_limit_class"]),
        )
        self.start_handling(unit)
        payload["unit"] = self.ctx_code(unit)
        self.act(EventKind.REOPEN, self.operator(), payload, frm)

    def mark_unreasonable(self, t: datetime, reason: str) -> None:
        self.at(t)
        self.row.update(unreasonable=True, unreasonable_reason=reason)
        self.act(EventKind.MARK_UNREASONABLE, self.operator(), {"reason": reason}, self.row["status"])

    def close(self, t: datetime) -> None:
        self.at(t)
        row = self.row
        row["outcome"] = Outcome.RESOLVED.value if row["resolved"] else Outcome.UNRESOLVED.value
        self.close_assignments()
        row.update(status=S.CLOSED.value, closed_at=t)
        self.act(
            EventKind.CLOSE, self.operator(), {"outcome": row["outcome"], "reason": None}, S.CALLED_BACK.value
        )

    def close_assignments(self) -> None:
        for a in self.assign:
            if a["status"] in ("assigned", "accepted"):
                a["status"] = AssignmentStatus.CLOSED.value
