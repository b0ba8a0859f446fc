"""The life of one demo order: what happens to it (``plan_order``) and when (``live``).

The plan and the timings are drawn here; each step is applied by ``lifecycle.OrderSim``, which walks the
order through the state machine of ``orders.flows``.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from huitian.demo.lifecycle import Ctx, OrderSim
from huitian.demo.mixes import (
    ANSWERED_AT_ONCE,
    COORDINATE_RATE,
    DAY,
    DISPUTE_SHARE,
    EXTENSION_RATE,
    EXTENSION_REASONS,
    HOUR,
    INTAKE_OUTCOME_RATE,
    INTAKE_OUTCOMES,
    LATE_ACCEPT,
    LATE_CONTACT,
    LATE_REPLY,
    MERGE_RATE,
    MIN,
    NOTE_RATE,
    REOPEN_SHARE,
    RESOLVED_RATE,
    RETURN_RATE,
    RETURN_REASONS,
    SATISFACTION,
    UNREASONABLE_REASONS,
    UNREASONABLE_SHARE,
    WHISTLE_RATE,
    WHISTLE_TASKS,
)
from huitian.orders.enums import Channel, OrderType, Satisfaction
from huitian.sla import service as sla_service


def _between(rng: random.Random, lo: timedelta, hi: timedelta) -> timedelta:
    return lo + (hi - lo) * rng.random()


def _reply_delay(rng: random.Random, limit_class: str, due_left: timedelta, late: bool) -> timedelta:
    """Time from acceptance to reply: inside the limit, or a little past it for late orders."""
    if late:
        return due_left + _between(
            rng, 30 * MIN, 2 * DAY if limit_class in ("ordinary", "complex") else 6 * HOUR
        )
    if limit_class == "emergency":
        return _between(rng, 15 * MIN, 50 * MIN)
    if limit_class == "utility":
        return _between(rng, 2 * HOUR, 18 * HOUR)
    share = rng.betavariate(2.0, 3.5) * 0.9
    return max(timedelta(hours=3), due_left * share)


def _handle_round(sim: OrderSim, rng: random.Random, ctx: Ctx, plan: dict[str, Any]) -> None:
    """From dispatched to replied: accept, contact, maybe a whistle, notes, an extension, the reply."""
    row = sim.row
    limit = row["time_limit_class"]
    fast = limit in ("emergency", "utility")
    late_accept = rng.random() < LATE_ACCEPT
    t = sim.t + (
        _between(rng, 2 * HOUR + 5 * MIN, 6 * HOUR)
        if late_accept
        else _between(rng, 3 * MIN, 25 * MIN)
        if fast
        else _between(rng, 5 * MIN, 100 * MIN)
    )
    sim.accept(t)
    late_contact = rng.random() < LATE_CONTACT and not fast
    t = sim.t + (
        _between(rng, 25 * HOUR, 40 * HOUR)
        if late_contact
        else _between(rng, 5 * MIN, 40 * MIN)
        if fast
        else _between(rng, 20 * MIN, 16 * HOUR)
    )
    sim.contact(t)
    co = None
    lead_unit = row["lead_unit_id"]
    if plan.get("whistle") and not fast and ctx.unit_kind[lead_unit] == "street_office":
        code = rng.choice(list(WHISTLE_TASKS))
        co = sim.add_co_unit(
            sim.t + _between(rng, 1 * HOUR, 20 * HOUR), ctx.unit_id[code], WHISTLE_TASKS[code]
        )
        sim.co_accept(sim.t + _between(rng, 10 * MIN, 3 * HOUR), co)
    if not fast and rng.random() < NOTE_RATE:
        sim.note(sim.t + _between(rng, 2 * HOUR, 2 * DAY))
    if plan.get("extension") and not fast:
        sim.request_extension(
            sim.t + _between(rng, 1 * DAY, 3 * DAY), rng.choice((3, 5, 7, 10)), rng.choice(EXTENSION_REASONS)
        )
        sim.decide_extension(sim.t + _between(rng, 1 * HOUR, 20 * HOUR), rng.random() < 0.85)
    if co is not None:
        sim.co_reply(sim.t + _between(rng, 4 * HOUR, 3 * DAY), co)
    late = rng.random() < LATE_REPLY
    due_left = max(row["reply_due"] - sim.t, 30 * MIN)
    t = sim.t + _reply_delay(rng, limit, due_left, late)
    if not late and t > row["reply_due"]:
        t = max(sim.t + 5 * MIN, row["reply_due"] - _between(rng, 10 * MIN, 3 * HOUR))
    sim.reply(t)


def _callback_time(rng: random.Random, t: datetime) -> datetime:
    """The centre calls back during office hours, within a few days of the reply."""
    cb = t + _between(rng, 2 * HOUR, 3 * DAY)
    local = cb.astimezone(sla_service.local_tz())
    if not 9 <= local.hour < 20:
        local = (local + (DAY if local.hour >= 20 else timedelta())).replace(hour=9, minute=rng.randrange(60))
    return local.astimezone(UTC)


def _outcome(rng: random.Random, again: bool) -> tuple[bool, Satisfaction]:
    resolved = rng.random() < (0.9 if again else RESOLVED_RATE)
    x = rng.random()
    sat = Satisfaction.DISSATISFIED
    acc = 0.0
    for s, p in SATISFACTION:
        acc += p
        if x < acc:
            sat = s
            break
    if not resolved and sat == Satisfaction.SATISFIED and rng.random() < 0.8:
        sat = Satisfaction.DISSATISFIED if rng.random() < 0.6 else Satisfaction.BASICALLY_SATISFIED
    return resolved, sat


def live(sim: OrderSim, ctx: Ctx, plan: dict[str, Any]) -> None:
    rng = ctx.rng
    row = sim.row
    sim.created()
    t0 = row["created_at"]
    if plan["answer"]:
        sim.answer(t0 + _between(rng, 2 * MIN, 9 * MIN))
        return
    if plan["intake"] is not None:
        outcome, reason = plan["intake"]
        sim.close_at_intake(t0 + _between(rng, 3 * MIN, 15 * MIN), outcome, reason)
        return
    slow = row["time_limit_class"] in ("ordinary", "complex") and (
        row["channel"] != Channel.HOTLINE or rng.random() < 0.06
    )
    t = t0 + (_between(rng, 20 * MIN, 26 * HOUR) if slow else _between(rng, 3 * MIN, 12 * MIN))
    if plan["merge_into"] is not None:
        sim.merge(t, plan["merge_into"])
        return
    unit = plan["unit"]
    if plan["coordinate"]:
        gov = ctx.unit_id["CP-GOV"]
        sim.dispatch(t, gov)
        sim.dispatch(
            sim.t + _between(rng, 1 * HOUR, 20 * HOUR), unit, by=(None, "区政府协调专员", "handler", gov)
        )
    elif plan["wrong_unit"] is not None:
        wrong = plan["wrong_unit"]
        sim.dispatch(t, wrong)
        reason = rng.choice(RETURN_REASONS)
        sim.return_(sim.t + _between(rng, 20 * MIN, 6 * HOUR), reason)
        if plan["dispute"]:
            sim.dispatch(sim.t + _between(rng, 10 * MIN, 2 * HOUR), wrong)
            sim.return_(sim.t + _between(rng, 20 * MIN, 6 * HOUR), reason)
            sim.arbitrate(sim.t + _between(rng, 1 * DAY, 6 * DAY), unit)
        else:
            sim.dispatch(sim.t + _between(rng, 10 * MIN, 3 * HOUR), unit)
    else:
        sim.dispatch(t, unit)
    again = False
    while True:
        _handle_round(sim, rng, ctx, plan if not again else {})
        resolved, sat = _outcome(rng, again)
        sim.callback(_callback_time(rng, sim.t), resolved, sat)
        bad = not resolved or sat == Satisfaction.DISSATISFIED
        if bad and not again and rng.random() < REOPEN_SHARE:
            sim.reopen(sim.t + _between(rng, 30 * MIN, 6 * HOUR))
            again = True
            continue
        if bad and rng.random() < UNREASONABLE_SHARE:
            sim.mark_unreasonable(sim.t + _between(rng, 10 * MIN, 4 * HOUR), rng.choice(UNREASONABLE_REASONS))
        sim.close(sim.t + _between(rng, 5 * MIN, 20 * HOUR))
        return


def plan_order(
    rng: random.Random,
    otype: OrderType,
    cat: dict[str, Any],
    topic: str,
    community: dict[str, Any],
    street: dict[str, Any],
    units: dict[str, dict[str, Any]],
    property_company: dict[str, str],
    streets: list[str],
    recent: dict[tuple[str, str], OrderSim],
    t0: datetime,
) -> dict[str, Any]:
    plan: dict[str, Any] = {
        "answer": False,
        "intake": None,
        "merge_into": None,
        "unit": None,
        "coordinate": False,
        "wrong_unit": None,
        "dispute": False,
        "whistle": False,
        "extension": False,
    }
    if otype == OrderType.CONSULTATION and rng.random() < ANSWERED_AT_ONCE:
        plan["answer"] = True
        return plan
    if otype != OrderType.PRAISE and rng.random() < INTAKE_OUTCOME_RATE:
        x, acc = rng.random(), 0.0
        for outcome, p, reason in INTAKE_OUTCOMES:
            acc += p
            if x < acc:
                plan["intake"] = (outcome, reason)
                return plan
    if rng.random() < MERGE_RATE * 4:
        target = recent.get((cat["code"], community["code"]))
        if target is not None and t0 - target.row["created_at"] < timedelta(days=10) and rng.random() < 0.5:
            plan["merge_into"] = target
            return plan
    hint = cat["unit_hint"] or "street_office"
    street_office = f"ST-{street['code']}"
    if hint == "street_office":
        unit = street_office
    elif hint == "community_committee":
        unit = f"CM-{community['code']}"
    elif hint == "property_company":
        unit = property_company.get(community["code"], street_office)
    else:
        unit = hint if hint in units else street_office
    plan["unit"] = unit
    r = rng.random()
    if r < COORDINATE_RATE and units[unit]["kind"] != "district_government":
        plan["coordinate"] = True
    elif r < COORDINATE_RATE + RETURN_RATE:
        wrong = (
            f"ST-{rng.choice([s for s in streets if s != street['code']])}"
            if unit.startswith("ST-")
            else (street_office)
        )
        if wrong != unit:
            plan["wrong_unit"] = wrong
            plan["dispute"] = rng.random() < DISPUTE_SHARE
    plan["whistle"] = rng.random() < WHISTLE_RATE
    plan["extension"] = cat["time_limit_class"] in (
        "ordinary",
        "complex",
    ) and rng.random() < EXTENSION_RATE * (3 if cat["time_limit_class"] == "complex" else 1)
    return plan
