"""The order's state machine: every legal (action, state) pair of RULES, the event each writes, and a
sample of illegal ones."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from huitian.orders.flows import RULES
from tests.helpers import (
    accepted,
    called_back,
    closed,
    contacted,
    dispatched,
    disputed,
    kinds,
    merged,
    new_order,
    replied,
    units_by_role,
)

WHISTLE = {"unit": "BUR", "task": "城管委负责清理占道"}


def at_district(api) -> dict:
    return dispatched(api, unit="GOV")


def accepted_by_district(api) -> dict:
    return api.act("district", at_district(api), "accept")


def with_co(make: Callable, *, co_accepts: bool = True) -> Callable:
    def setup(api) -> dict:
        order = api.act("operator", make(api), "add_co_unit", **WHISTLE)
        return api.act("bureau", order, "accept") if co_accepts else order

    return setup


def with_pending_extension(make: Callable) -> Callable:
    def setup(api) -> dict:
        return api.act("handler1", make(api), "request_extension", days=3, reason="需协调物业,材料未齐")

    return setup


def returned_once_and_redispatched(api) -> dict:
    order = api.act("handler1", dispatched(api), "return", reason="不属于本街道")
    return api.act("operator", order, "dispatch", unit="ST1")


def consultation(api) -> dict:
    return new_order(api, type="consultation", description="请问办理居住证需要什么材料")


def merged_and_told(api) -> dict:
    """An order merged into another whose reply has been forwarded to its caller."""
    target = accepted(api)
    dup = api.act("operator", new_order(api), "merge", into=target["number"])
    api.act("handler1", target, "reply", text="已修复")
    return api.order(dup)


NOTE = {"text": "已与物业沟通"}
UNREASONABLE = {"reason": "诉求人要求免除全部物业费,无法律依据"}
EXTENSION = {"days": 3, "reason": "需协调多个部门"}
OPEN_SETUPS = {
    "received": new_order,
    "dispatched": dispatched,
    "accepted": accepted,
    "contacted": contacted,
    "replied": replied,
    "called_back": called_back,
    "disputed": disputed,
}

# (action, from state, setup, actor, parameters, state after, event kinds written)
CASES: list[tuple[str, str, Callable, str, dict, str, list[str]]] = [
    ("answer", "received", consultation, "operator", {"text": "携带身份证到派出所"}, "closed", ["answer"]),
    ("dispatch", "received", new_order, "operator", {"unit": "ST1"}, "dispatched", ["dispatch"]),
    ("dispatch", "dispatched", at_district, "district", {"unit": "ST1"}, "dispatched", ["dispatch"]),
    ("dispatch", "accepted", accepted_by_district, "district", {"unit": "BUR"}, "dispatched", ["dispatch"]),
    ("add_co_unit", "dispatched", dispatched, "super1", WHISTLE, "dispatched", ["add_co_unit"]),
    ("add_co_unit", "accepted", accepted, "operator", WHISTLE, "accepted", ["add_co_unit"]),
    ("add_co_unit", "contacted", contacted, "super1", WHISTLE, "contacted", ["add_co_unit"]),
    ("accept", "dispatched", dispatched, "handler1", {}, "accepted", ["accept"]),
    ("accept", "accepted", with_co(accepted, co_accepts=False), "bureau", {}, "accepted", ["accept"]),
    ("accept", "contacted", with_co(contacted, co_accepts=False), "bureau", {}, "contacted", ["accept"]),
    ("return", "dispatched", dispatched, "handler1", {"reason": "非本辖区"}, "received", ["return"]),
    (
        "return",
        "dispatched",
        returned_once_and_redispatched,
        "handler1",
        {"reason": "仍非本辖区"},
        "disputed",
        ["return", "dispute"],
    ),
    ("arbitrate", "disputed", disputed, "operator", {"unit": "ST2"}, "dispatched", ["arbitrate"]),
    ("contact", "accepted", accepted, "handler1", {"note": "电话联系"}, "contacted", ["contact"]),
    ("contact", "contacted", contacted, "handler1", {"note": "再次联系"}, "contacted", ["contact"]),
    *[("note", s, setup, "operator", NOTE, s, ["note"]) for s, setup in OPEN_SETUPS.items()],
    ("request_extension", "accepted", accepted, "handler1", EXTENSION, "accepted", ["request_extension"]),
    ("request_extension", "contacted", contacted, "handler1", EXTENSION, "contacted", ["request_extension"]),
    (
        "decide_extension",
        "accepted",
        with_pending_extension(accepted),
        "lead1",
        {"approve": True},
        "accepted",
        ["decide_extension"],
    ),
    (
        "decide_extension",
        "contacted",
        with_pending_extension(contacted),
        "operator",
        {"approve": False},
        "contacted",
        ["decide_extension"],
    ),
    ("reply", "dispatched", with_co(dispatched), "bureau", {"text": "占道已清"}, "dispatched", ["reply"]),
    ("reply", "accepted", accepted, "handler1", {"text": "已修复"}, "replied", ["reply"]),
    ("reply", "contacted", contacted, "handler1", {"text": "已修复"}, "replied", ["reply"]),
    (
        "callback",
        "replied",
        replied,
        "operator",
        {"resolved": True, "satisfaction": "satisfied"},
        "called_back",
        ["callback"],
    ),
    (
        "callback",
        "merged",
        merged_and_told,
        "operator",
        {"resolved": True, "satisfaction": "satisfied"},
        "merged",
        ["callback"],
    ),
    ("reopen", "called_back", called_back, "operator", {"reason": "群众称未解决"}, "dispatched", ["reopen"]),
    ("reopen", "closed", closed, "operator", {}, "dispatched", ["reopen"]),
    ("merge", "received", new_order, "operator", {"into": "TARGET"}, "merged", ["merge"]),
    ("merge", "dispatched", dispatched, "operator", {"into": "TARGET"}, "merged", ["merge"]),
    *[
        ("mark_unreasonable", s, setup, "operator", UNREASONABLE, s, ["mark_unreasonable"])
        for s, setup in (OPEN_SETUPS | {"closed": closed}).items()
    ],
    ("close", "received", new_order, "operator", {"outcome": "out_of_scope"}, "closed", ["close"]),
    ("close", "called_back", called_back, "operator", {}, "closed", ["close"]),
]


def test_the_table_covers_every_legal_transition_of_the_rules():
    legal = {(action.value, state.value) for action, rule in RULES.items() for state in rule.sources}
    covered = {(action, state) for action, state, *_ in CASES}
    assert legal - covered == set()
    assert covered - legal == set()


@pytest.mark.parametrize(
    ("action", "source", "setup", "actor", "params", "target", "written"),
    [pytest.param(*case, id=f"{case[0]}-from-{case[1]}-by-{case[3]}") for case in CASES],
)
def test_every_legal_transition_changes_state_and_writes_its_event(
    api, action, source, setup, actor, params, target, written
):
    order = setup(api)
    if params.get("into") == "TARGET":
        params = {"into": new_order(api)["number"]}
    before = api.order(order)
    assert before["status"] == source
    assert action in api.order(order, actor)["allowed_actions"]

    after = api.act(actor, order, action, **params)

    assert after["status"] == target
    assert after["version"] > before["version"]
    new_events = after["events"][len(before["events"]) :]
    assert [e["kind"] for e in new_events] == written
    assert (new_events[0]["from_status"], new_events[0]["to_status"]) == (source, target)
    assert new_events[0]["actor"] == actor


# --- the lifecycle, in sentences ---------------------------------------------------------------------


def test_a_new_order_is_received_with_a_created_event_and_placed_in_its_grid(api):
    order = new_order(api)
    assert order["status"] == "received"
    assert order["area_path"] == "/D1/S1/C1/G1/"
    assert kinds(order) == ["created"]
    assert order["allowed_actions"] == api.order(order)["allowed_actions"]
    assert "dispatch" in order["allowed_actions"]


def test_an_order_can_be_read_by_its_public_number(api):
    order = new_order(api)
    r = api.get("operator", f"/api/v1/orders/{order['number']}")
    assert r.status_code == 200
    assert r.json()["id"] == order["id"]
    assert api.get("operator", f"/api/v1/orders/{order['number'][:-1]}9").status_code == 404


def test_a_consultation_answered_at_once_is_closed_as_answered(api):
    done = api.act("operator", consultation(api), "answer", text="携带身份证到派出所办理")
    assert (done["status"], done["outcome"]) == ("closed", "answered")
    assert done["assignments"] == []


def test_closing_at_intake_records_the_art_11_outcome(api):
    done = api.act("operator", new_order(api), "close", outcome="transferred_emergency")
    assert (done["status"], done["outcome"]) == ("closed", "transferred_emergency")


def test_closing_at_intake_without_an_art_11_outcome_is_refused(api):
    order = new_order(api)
    r = api.try_act("operator", order, "close", outcome="resolved")
    assert r.status_code == 422
    assert r.json()["field"] == "outcome"
    assert api.order(order)["status"] == "received"


def test_dispatch_to_a_street_office_copies_its_district_government(api):
    order = dispatched(api, unit="ST1")
    assert units_by_role(order) == {
        "lead": [("ST1", "assigned")],
        "co": [],
        "supervise": [("GOV", "assigned")],
    }
    assert order["lead_unit"] == "ST1"
    assert order["deadlines"]["accept"]["due"] is not None
    assert order["deadlines"]["contact"]["due"] is not None


def test_dispatch_to_a_bureau_copies_no_one(api):
    order = dispatched(api, unit="BUR")
    assert units_by_role(order) == {"lead": [("BUR", "assigned")], "co": [], "supervise": []}


def test_dispatch_can_correct_the_category_and_its_time_limit(api):
    order = api.act("operator", new_order(api), "dispatch", unit="UT", category_code="020101")
    assert order["category_code"] == "020101"
    assert order["time_limit_class"] == "utility"
    assert order["events"][-1]["payload"]["category"] == "020101"


def test_accepting_starts_the_handling_and_meets_the_accept_deadline(api):
    order = accepted(api)
    assert order["status"] == "accepted"
    assert order["deadlines"]["accept"]["met_at"] is not None
    assert units_by_role(order)["lead"] == [("ST1", "accepted")]


def test_a_first_return_sends_the_order_back_to_the_dispatch_queue(api):
    order = api.act("handler1", dispatched(api), "return", reason="不属于本街道职责")
    assert order["status"] == "received"
    assert order["lead_unit"] is None
    assert units_by_role(order)["lead"] == [("ST1", "returned")]
    assert order["assignments"][0]["return_reason"] == "不属于本街道职责"
    assert order["events"][-1]["payload"]["returns_by_unit"] == 1


def test_a_unit_returning_the_same_order_twice_makes_it_a_dispute(api):
    order = disputed(api)
    assert order["status"] == "disputed"
    assert kinds(order)[-2:] == ["return", "dispute"]
    assert order["events"][-2]["payload"]["disputed"] is True
    assert "arbitrate" in api.order(order)["allowed_actions"]


def test_returns_by_two_different_units_are_no_dispute(api):
    order = api.act("handler1", dispatched(api), "return", reason="非本街道")
    api.act("operator", order, "dispatch", unit="ST2")
    order = api.act("handler2", order, "return", reason="也非本街道")
    assert order["status"] == "received"


def test_arbitration_gives_the_disputed_order_to_the_chosen_unit(api):
    order = api.act("operator", disputed(api), "arbitrate", unit="ST1", reason="属地管理,由一街道办理")
    assert order["status"] == "dispatched"
    assert order["lead_unit"] == "ST1"
    assert ("ST1", "assigned") in units_by_role(order)["lead"]
    assert api.act("handler1", order, "accept")["status"] == "accepted"


def test_a_street_supervisor_may_arbitrate_in_its_own_street(api):
    order = api.act("super1", disputed(api), "arbitrate", unit="BUR")
    assert order["lead_unit"] == "BUR"


def test_contact_records_whether_it_was_in_time(api):
    order = contacted(api)
    assert order["status"] == "contacted"
    assert order["deadlines"]["contact"]["met_at"] is not None
    assert order["events"][-1]["payload"]["in_time"] is True


def test_the_lead_reply_moves_the_order_to_replied(api):
    order = replied(api)
    assert order["status"] == "replied"
    assert units_by_role(order)["lead"] == [("ST1", "replied")]
    assert order["events"][-1]["payload"]["role"] == "lead"


def test_a_resident_calls_back_their_own_order_online(api):
    order = new_order(api, "resident1")
    api.act("operator", order, "dispatch", unit="ST1")
    api.act("handler1", order, "accept")
    api.act("handler1", order, "reply", text="已修复")
    done = api.act("resident1", order, "callback", resolved=True, satisfaction="basically_satisfied")
    assert done["status"] == "called_back"
    assert (done["resolved"], done["satisfaction"]) == (True, "basically_satisfied")
    assert done["events"][-1]["payload"]["via"] == "online"


def test_closing_after_an_unresolved_callback_records_unresolved(api):
    order = closed(api, resolved=False, satisfaction="dissatisfied")
    assert (order["status"], order["outcome"]) == ("closed", "unresolved")


def test_reopen_after_an_unresolved_callback_starts_a_new_round_with_the_same_unit(api):
    order = api.act("operator", called_back(api), "reopen", reason="群众称路灯仍不亮")
    assert order["status"] == "dispatched"
    assert order["reopen_count"] == 1
    assert (order["resolved"], order["satisfaction"]) == (None, None)
    assert units_by_role(order)["lead"] == [("ST1", "closed"), ("ST1", "assigned")]
    assert order["events"][-1]["payload"]["previous"] == {"resolved": False, "satisfaction": "dissatisfied"}
    assert api.act("handler1", order, "accept")["status"] == "accepted"


def test_reopen_after_a_satisfied_callback_is_forbidden(api):
    order = called_back(api, resolved=True, satisfaction="satisfied")
    assert "reopen" not in api.order(order)["allowed_actions"]
    assert api.try_act("operator", order, "reopen").status_code == 403


def test_merging_closes_the_duplicate_and_notes_it_on_the_target(api):
    target = new_order(api)
    dup = api.act("operator", dispatched(api), "merge", into=target["number"])
    assert (dup["status"], dup["outcome"], dup["merged_into"]) == ("merged", "merged", target["number"])
    assert units_by_role(dup)["lead"] == [("ST1", "closed")]
    target = api.order(target)
    assert kinds(target)[-1] == "merged_in"
    assert target["events"][-1]["payload"]["order"] == dup["number"]


def test_an_order_cannot_be_merged_into_itself(api):
    order = new_order(api)
    r = api.try_act("operator", order, "merge", into=str(order["id"]))
    assert r.status_code == 422
    assert r.json()["field"] == "into"


def test_marking_unreasonable_excludes_the_order_once(api):
    order = api.act("operator", closed(api), "mark_unreasonable", reason="重复诉求,无新情况")
    assert order["unreasonable"] is True
    assert order["unreasonable_reason"] == "重复诉求,无新情况"
    assert "mark_unreasonable" not in order["allowed_actions"]
    assert api.try_act("operator", order, "mark_unreasonable", reason="again").status_code == 403


def test_notes_are_kept_in_the_history_without_changing_state(api):
    order = api.act("handler1", accepted(api), "note", text="已到现场查看")
    assert order["status"] == "accepted"
    assert order["events"][-1]["payload"] == {"text": "已到现场查看"}


# --- illegal transitions -------------------------------------------------------------------------------

ILLEGAL = [
    ("accept", new_order, "operator"),
    ("reply", new_order, "operator"),
    ("callback", accepted, "operator"),
    ("close", accepted, "operator"),
    ("reopen", replied, "operator"),
    ("dispatch", replied, "operator"),
    ("arbitrate", dispatched, "operator"),
    ("return", accepted, "handler1"),
    ("contact", dispatched, "handler1"),
    ("merge", closed, "operator"),
    ("answer", dispatched, "operator"),
    ("note", closed, "operator"),
    ("mark_unreasonable", merged, "operator"),
]


@pytest.mark.parametrize(
    ("action", "setup", "actor"),
    [pytest.param(a, s, u, id=f"{a}-from-{s.__name__}") for a, s, u in ILLEGAL],
)
def test_an_action_the_state_does_not_allow_is_a_409_and_writes_nothing(api, action, setup, actor):
    order = setup(api)
    before = api.order(order)
    r = api.try_act(actor, order, action, unit="ST1", reason="x", text="x", note="x", into="1")
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["state"] == before["status"]
    assert before["status"] in body["detail"]
    assert body["allowed_actions"] == api.order(order, actor)["allowed_actions"]
    after = api.order(order)
    assert (after["version"], len(after["events"])) == (before["version"], len(before["events"]))


def test_a_merged_order_allows_nothing(api):
    order = merged(api)
    assert api.order(order)["allowed_actions"] == []
