"""吹哨报到 (Art. 16): a street supervisor summons co-handling units; each accepts and replies for its
part; the order is replied only when the lead replies. And Art. 12's dispatch to the district to
coordinate, which the district passes on."""

from __future__ import annotations

from tests.helpers import MASKED_PHONE, PHONE, accepted, dispatched, in_s2, kinds, units_by_role

BUR_TASK = "城管委负责拆除违建"
UT_TASK = "热力公司负责管线改移"


def whistled(api) -> dict:
    order = accepted(api)
    api.act("super1", order, "add_co_unit", unit="BUR", task=BUR_TASK)
    return api.act("super1", order, "add_co_unit", unit="UT", task=UT_TASK)


def test_a_street_supervisor_summons_two_units_onto_an_order(api):
    order = whistled(api)
    assert units_by_role(order)["co"] == [("BUR", "assigned"), ("UT", "assigned")]
    assert [a["task"] for a in order["assignments"] if a["role"] == "co"] == [BUR_TASK, UT_TASK]
    assert kinds(order)[-2:] == ["add_co_unit", "add_co_unit"]
    assert order["events"][-1]["payload"] == {"unit": "UT", "task": UT_TASK}
    assert order["status"] == "accepted"


def test_each_summoned_unit_sees_the_order_with_its_own_accept_action(api):
    order = whistled(api)
    for user in ("bureau", "utility"):
        seen = api.order(order, user)
        assert seen["allowed_actions"] == ["accept", "note"]
        assert order["id"] in api.ids(user)


def test_co_units_accept_and_reply_for_their_part_without_moving_the_order(api):
    order = whistled(api)
    api.act("bureau", order, "accept")
    api.act("utility", order, "accept")
    api.act("bureau", order, "reply", text="违建已拆除")
    order = api.act("utility", order, "reply", text="管线已改移")
    assert order["status"] == "accepted"
    assert units_by_role(order)["co"] == [("BUR", "replied"), ("UT", "replied")]
    replies = {a["unit"]: a["reply_text"] for a in order["assignments"] if a["role"] == "co"}
    assert replies == {"BUR": "违建已拆除", "UT": "管线已改移"}
    assert [e["payload"]["role"] for e in order["events"] if e["kind"] in ("accept", "reply")][-4:] == [
        "co",
        "co",
        "co",
        "co",
    ]


def test_the_order_is_replied_only_when_the_lead_replies(api):
    order = whistled(api)
    for user in ("bureau", "utility"):
        api.act(user, order, "accept")
        api.act(user, order, "reply", text="本单位部分已办结")
    assert api.order(order)["status"] == "accepted"
    order = api.act("handler1", order, "reply", text="综合答复:问题已解决")
    assert order["status"] == "replied"
    assert order["deadlines"]["reply"]["met_at"] is not None
    assert units_by_role(order)["lead"] == [("ST1", "replied")]


def test_a_co_unit_cannot_reply_before_accepting(api):
    order = whistled(api)
    r = api.try_act("bureau", order, "reply", text="已办")
    assert r.status_code == 403
    assert r.json()["allowed_actions"] == ["accept", "note"]


def test_a_co_unit_can_neither_return_nor_contact_nor_dispatch(api):
    order = whistled(api)
    api.act("bureau", order, "accept")
    for action, params in (("contact", {"note": "x"}), ("dispatch", {"unit": "ST2"})):
        assert api.try_act("bureau", order, action, **params).status_code == 403
    # return is only legal while the order waits for the lead's acceptance
    assert api.try_act("bureau", order, "return", reason="x").status_code == 409


def test_a_co_unit_may_reply_while_the_lead_has_not_yet_accepted(api):
    order = api.act("operator", dispatched(api), "add_co_unit", unit="BUR", task=BUR_TASK)
    api.act("bureau", order, "accept")
    order = api.act("bureau", order, "reply", text="占道已清")
    assert order["status"] == "dispatched"
    assert units_by_role(order)["co"] == [("BUR", "replied")]


def test_the_same_unit_cannot_be_summoned_twice(api):
    order = whistled(api)
    r = api.try_act("super1", order, "add_co_unit", unit="BUR", task="again")
    assert r.status_code == 409
    assert r.json()["field"] == "unit"


def test_the_lead_unit_cannot_be_summoned_as_its_own_co_unit(api):
    r = api.try_act("super1", accepted(api), "add_co_unit", unit="ST1", task="x")
    assert r.status_code == 409


def test_summoning_needs_a_task(api):
    r = api.try_act("super1", accepted(api), "add_co_unit", unit="BUR")
    assert r.status_code == 422
    assert r.json()["field"] == "task"


def test_a_supervisor_of_another_street_cannot_blow_the_whistle(api):
    order = accepted(api)
    assert api.try_act("super2", order, "add_co_unit", unit="BUR", task="x").status_code == 404


def test_handlers_cannot_blow_the_whistle(api):
    r = api.try_act("handler1", accepted(api), "add_co_unit", unit="BUR", task="x")
    assert r.status_code == 403


def test_summoned_units_see_the_citizens_personal_data_and_others_do_not(api):
    order = whistled(api)
    assert api.order(order, "bureau")["citizen_phone"] == PHONE
    assert api.order(order, "super1")["citizen_phone"] == MASKED_PHONE


# --- dispatch to the district to coordinate (Art. 12) ----------------------------------------------------


def test_dispatch_to_the_district_government_is_marked_as_coordination(api):
    order = dispatched(api, unit="GOV")
    assert order["events"][-1]["payload"]["mode"] == "coordinate"
    assert units_by_role(order) == {"lead": [("GOV", "assigned")], "co": [], "supervise": []}
    assert "dispatch" in api.order(order, "district")["allowed_actions"]


def test_the_district_dispatches_onward_and_stays_on_as_the_one_supervisor(api):
    order = api.act("district", dispatched(api, unit="GOV"), "dispatch", unit="ST1")
    assert order["status"] == "dispatched"
    assert order["lead_unit"] == "ST1"
    assert order["events"][-1]["payload"]["forwarded_by"] == "GOV"
    assert units_by_role(order) == {
        "lead": [("GOV", "forwarded"), ("ST1", "assigned")],
        "co": [],
        "supervise": [("GOV", "assigned")],
    }
    assert api.act("handler1", order, "accept")["status"] == "accepted"


def test_the_district_may_accept_first_and_still_dispatch_onward(api):
    order = api.act("district", dispatched(api, unit="GOV"), "accept")
    order = api.act("district", order, "dispatch", unit="BUR")
    assert (order["status"], order["lead_unit"]) == ("dispatched", "BUR")
    assert order["deadlines"]["accept"]["met_at"] is None


def test_after_forwarding_the_district_can_no_longer_dispatch(api):
    order = api.act("district", dispatched(api, unit="GOV"), "dispatch", unit="ST1")
    assert "dispatch" not in api.order(order, "district")["allowed_actions"]
    assert api.try_act("district", order, "dispatch", unit="ST2").status_code == 403


def test_a_street_office_cannot_dispatch_onward(api):
    r = api.try_act("handler1", dispatched(api), "dispatch", unit="ST2")
    assert r.status_code == 403


def test_the_district_supervises_every_street_office_order(api):
    a = dispatched(api, unit="ST1")
    b = api.act("operator", in_s2(api), "dispatch", unit="ST2")
    assert {a["id"], b["id"]} <= api.ids("district")
    assert api.order(b, "district")["allowed_actions"] == ["note"]
