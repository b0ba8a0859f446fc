"""Optimistic locking and the error contract: stale version → 409 with the current version; an action the
state does not allow → 409 naming the state and the allowed actions; allowed state but not for you →
403; a missing parameter or a bad body → 422 naming the field, and nothing written."""

from __future__ import annotations

import pytest

from tests.helpers import accepted, called_back, count_orders, dispatched, new_order, replied


def fields_named(response) -> set[str]:
    """The fields a 4xx answer names: ours ({"field"}) or FastAPI's validation errors ({"loc"})."""
    body = response.json()
    if isinstance(body.get("detail"), list):
        return {str(part) for err in body["detail"] for part in err["loc"][1:]}
    return {body["field"]} if body.get("field") else set()


def test_a_stale_version_is_a_409_with_the_current_version(api):
    order = dispatched(api)
    stale = order["version"]
    api.act("handler1", order, "accept")
    r = api.try_act("handler1", order, "contact", version=stale, note="电话联系")
    assert r.status_code == 409
    body = r.json()
    assert body["field"] == "version"
    assert body["current_version"] == api.order(order)["version"] > stale
    assert api.order(order)["status"] == "accepted"


def test_two_people_acting_on_the_same_version_one_wins_and_the_other_gets_409(api):
    order = dispatched(api)
    version = order["version"]
    first = api.try_act("handler1", order, "accept", version=version)
    second = api.try_act("operator", order, "note", version=version, text="催办")
    assert (first.status_code, second.status_code) == (200, 409)
    assert second.json()["current_version"] == first.json()["version"]
    assert [e["kind"] for e in api.order(order)["events"]][-1] == "accept"


def test_each_action_moves_the_version_on(api):
    order = new_order(api)
    versions = [order["version"]]
    for user, action, params in (
        ("operator", "dispatch", {"unit": "ST1"}),
        ("operator", "note", {"text": "已派"}),
        ("handler1", "accept", {}),
    ):
        versions.append(api.act(user, order, action, **params)["version"])
    assert versions == sorted(set(versions))


def test_an_illegal_action_names_the_state_and_the_allowed_actions(api):
    order = replied(api)
    r = api.try_act("operator", order, "dispatch", unit="ST2")
    assert r.status_code == 409
    body = r.json()
    assert body["state"] == "replied"
    assert "'replied'" in body["detail"]
    assert body["allowed_actions"] == ["note", "callback", "mark_unreasonable"]


def test_a_legal_state_but_a_forbidden_actor_is_a_403(api):
    order = called_back(api)
    r = api.try_act("handler1", order, "close")
    assert r.status_code == 403
    body = r.json()
    assert body["state"] == "called_back"
    assert "close" not in body["allowed_actions"]
    assert api.order(order)["status"] == "called_back"


MISSING = [
    ("dispatch", "unplaced", {}, "unit"),  # no unit named and nothing for the catalogue to route by
    ("add_co_unit", "accepted", {"task": "配合"}, "unit"),
    ("add_co_unit", "accepted", {"unit": "BUR"}, "task"),
    ("return", "dispatched", {}, "reason"),
    ("contact", "accepted", {}, "note"),
    ("note", "accepted", {}, "text"),
    ("request_extension", "accepted", {"reason": "需协调"}, "days"),
    ("request_extension", "accepted", {"days": 3}, "reason"),
    ("reply", "accepted", {}, "text"),
    ("callback", "replied", {"satisfaction": "satisfied"}, "resolved"),
    ("callback", "replied", {"resolved": True}, "satisfaction"),
    ("merge", "received", {}, "into"),
    ("mark_unreasonable", "received", {}, "reason"),
    ("answer", "consultation", {}, "text"),
]
STATES = {
    "received": new_order,
    "consultation": lambda api: new_order(api, type="consultation"),
    "unplaced": lambda api: new_order(api, lat=None, lon=None, category_code=None),
    "dispatched": dispatched,
    "accepted": accepted,
    "replied": replied,
}
ACTOR = {"return": "handler1", "contact": "handler1", "request_extension": "handler1", "reply": "handler1"}


@pytest.mark.parametrize(
    ("action", "state", "params", "field"),
    [pytest.param(*m, id=f"{m[0]}-needs-{m[3]}") for m in MISSING],
)
def test_a_missing_parameter_is_a_422_naming_it(api, action, state, params, field):
    order = STATES[state](api)
    before = api.order(order)
    r = api.try_act(ACTOR.get(action, "operator"), order, action, **params)
    assert r.status_code == 422, r.text
    assert fields_named(r) == {field}
    assert field in r.json()["detail"]
    after = api.order(order)
    assert (after["version"], len(after["events"])) == (before["version"], len(before["events"]))


def test_deciding_an_extension_needs_approve(api):
    order = api.act("handler1", accepted(api), "request_extension", days=2, reason="需协调")
    r = api.try_act("lead1", order, "decide_extension")
    assert r.status_code == 422
    assert fields_named(r) == {"approve"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"version": 1}, "action"),
        ({"action": "fly", "version": 1}, "action"),
        ({"action": "note", "text": "x"}, "version"),
        ({"action": "note", "version": 0, "text": "x"}, "version"),
        ({"action": "note", "version": 1, "text": "x", "colour": "red"}, "colour"),
        ({"action": "request_extension", "version": 1, "days": 0, "reason": "x"}, "days"),
        ({"action": "callback", "version": 1, "resolved": True, "satisfaction": "meh"}, "satisfaction"),
    ],
)
def test_a_malformed_action_body_is_a_422_naming_the_field(api, body, field):
    order = new_order(api)
    r = api.post("operator", f"/api/v1/orders/{order['id']}/actions", body)
    assert r.status_code == 422
    assert field in fields_named(r)


def test_an_unknown_unit_in_an_action_is_a_422_naming_unit(api):
    order = new_order(api)
    r = api.try_act("operator", order, "dispatch", unit="NOPE")
    assert r.status_code == 422
    assert fields_named(r) == {"unit"}
    assert api.order(order)["status"] == "received"


BAD_CREATES = [
    ({"description": "路灯不亮"}, "type"),
    ({"type": "rant", "description": "路灯不亮"}, "type"),
    ({"type": "complaint"}, "description"),
    ({"type": "complaint", "description": "   "}, "description"),
    ({"type": "complaint", "description": "x" * 4001}, "description"),
    ({"type": "complaint", "description": "x", "lat": 95.0, "lon": 116.3}, "lat"),
    ({"type": "complaint", "description": "x", "lat": 40.07}, "lon"),
    ({"type": "complaint", "description": "x", "lat": 40.07, "lon": 116.31, "crs": "mars"}, "crs"),
    ({"type": "complaint", "description": "x", "citizen_phone": "call me"}, "citizen_phone"),
    ({"type": "complaint", "description": "x", "channel": "fax"}, "channel"),
    ({"type": "complaint", "description": "x", "priority": "asap"}, "priority"),
    ({"type": "complaint", "description": "x", "category_code": "9999"}, "category_code"),
    ({"type": "complaint", "description": "x", "colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("body", "field"), [pytest.param(b, f, id=f) for b, f in BAD_CREATES])
def test_a_bad_create_body_is_a_422_naming_the_field_and_writes_nothing(api, db, body, field):
    with db.read() as session:
        before = count_orders(session)
    r = api.post("operator", "/api/v1/orders", body)
    assert r.status_code == 422, r.text
    assert field in fields_named(r) or field in str(r.json()["detail"])
    with db.read() as session:
        assert count_orders(session) == before


def test_a_good_create_body_after_a_bad_one_is_written(api, db):
    assert api.post("operator", "/api/v1/orders", {"type": "complaint"}).status_code == 422
    order = api.create(description="路灯不亮")
    with db.read() as session:
        assert count_orders(session) == 1
    assert order["version"] == 1


def test_merging_into_an_unknown_order_is_a_422_naming_into(api):
    order = new_order(api)
    r = api.try_act("operator", order, "merge", into="99999")
    assert r.status_code == 422
    assert fields_named(r) == {"into"}
