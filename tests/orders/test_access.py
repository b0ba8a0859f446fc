"""The role × scope matrix: who lists, reads and acts on which orders; outsiders get 404; names and
phones masked for all but operators, the order's own handlers and the resident who filed it; API keys
and bearer tokens."""

from __future__ import annotations

import pytest

from huitian.auth import service as auth_service
from tests.conftest import PASSWORD
from tests.factories import IN_S2
from tests.helpers import MASKED_NAME, MASKED_PHONE, NAME, PHONE, accepted, in_s2, new_order

ALL_USERS = [
    "operator",
    "admin",
    "handler1",
    "lead1",
    "handler2",
    "bureau",
    "utility",
    "district",
    "super1",
    "super2",
    "grid1",
    "planner",
    "resident1",
    "resident2",
]

# Who sees order A (filed by resident1 in grid G1 of street S1, dispatched to street office ST1) and
# order B (filed by resident2 in street S2, dispatched to ST2).
SEES = {
    "operator": "AB",
    "admin": "AB",
    "handler1": "A",
    "lead1": "A",
    "handler2": "B",
    "bureau": "",
    "utility": "",
    "district": "AB",  # copied to supervise its street offices' orders
    "super1": "A",
    "super2": "B",
    "grid1": "A",
    "planner": "AB",  # scoped to the whole district
    "resident1": "A",
    "resident2": "B",
}

# Who reads order A's citizen name and phone in clear.
UNMASKED_ON_A = {"operator", "handler1", "lead1", "resident1"}


@pytest.fixture
def orders(api) -> dict[str, dict]:
    a = new_order(api, "resident1")
    b = in_s2(api, "resident2")
    return {
        "A": api.act("operator", a, "dispatch", unit="ST1"),
        "B": api.act("operator", b, "dispatch", unit="ST2"),
    }


@pytest.mark.parametrize("user", ALL_USERS)
def test_each_role_lists_exactly_the_orders_in_its_scope(api, orders, user):
    expected = {orders[k]["id"] for k in SEES[user]}
    page = api.listing(user)
    assert {o["id"] for o in page["items"]} == expected
    assert page["total"] == len(expected)


@pytest.mark.parametrize("user", ALL_USERS)
def test_each_role_reads_its_orders_and_gets_404_for_the_others(api, orders, user):
    for key, order in orders.items():
        for ref in (order["id"], order["number"]):
            r = api.get(user, f"/api/v1/orders/{ref}")
            assert r.status_code == (200 if key in SEES[user] else 404), (user, key, r.text)


@pytest.mark.parametrize("user", [u for u in ALL_USERS if SEES[u] != "AB"])
def test_outsiders_get_404_when_they_act(api, orders, user):
    outside = [order for key, order in orders.items() if key not in SEES[user]]
    for order in outside:
        before = api.order(order)
        r = api.try_act(user, order, "note", text="我来看看")
        assert r.status_code == 404
        assert "not found" in r.json()["detail"]
        assert len(api.order(order)["events"]) == len(before["events"])


@pytest.mark.parametrize("user", [u for u in ALL_USERS if "A" in SEES[u]])
def test_personal_data_is_masked_for_all_but_operators_own_handlers_and_the_resident(api, orders, user):
    detail = api.order(orders["A"], user)
    listed = next(o for o in api.listing(user)["items"] if o["id"] == orders["A"]["id"])
    expected = (NAME, PHONE) if user in UNMASKED_ON_A else (MASKED_NAME, MASKED_PHONE)
    assert (detail["citizen_name"], detail["citizen_phone"]) == expected
    assert (listed["citizen_name"], listed["citizen_phone"]) == expected


def test_masking_reads_138_star_star_star_star_5678(api, orders):
    assert api.order(orders["A"], "super1")["citizen_phone"] == "138****5678"


def test_the_unit_an_order_is_dispatched_to_after_a_return_sees_the_personal_data(api):
    order = api.act("operator", new_order(api), "dispatch", unit="ST1")
    order = api.act("handler1", order, "return", reason="非本街道职责")
    api.act("operator", order, "dispatch", unit="BUR")
    assert api.order(order, "bureau")["citizen_phone"] == PHONE
    assert next(o for o in api.listing("bureau")["items"])["citizen_phone"] == PHONE


# --- what each role may do ----------------------------------------------------------------------------


def test_the_lead_units_handler_and_lead_may_accept_or_return(api, orders):
    for user in ("handler1", "lead1"):
        actions = api.order(orders["A"], user)["allowed_actions"]
        assert {"accept", "return", "note"} <= set(actions)
        assert "dispatch" not in actions
    assert api.act("lead1", orders["A"], "accept")["status"] == "accepted"


def test_the_unit_lead_decides_extensions_and_the_handler_does_not(api):
    order = api.act("handler1", accepted(api), "request_extension", days=2, reason="需协调")
    assert "decide_extension" not in api.order(order, "handler1")["allowed_actions"]
    assert api.try_act("handler1", order, "decide_extension", approve=True).status_code == 403
    assert api.act("lead1", order, "decide_extension", approve=True)["extension_days"] == 2


def test_operator_and_admin_steer_the_order(api, orders):
    for user in ("operator", "admin"):
        assert {"add_co_unit", "merge", "mark_unreasonable", "note"} <= set(
            api.order(orders["A"], user)["allowed_actions"]
        )
    assert api.act("admin", orders["A"], "mark_unreasonable", reason="不合理")["unreasonable"] is True


def test_a_street_supervisor_may_note_and_blow_the_whistle_in_its_street(api, orders):
    assert api.order(orders["A"], "super1")["allowed_actions"] == ["add_co_unit", "note"]
    assert api.act("super1", orders["A"], "note", text="督办:请尽快签收")["events"][-1]["actor"] == "super1"


@pytest.mark.parametrize("user", ["grid1", "planner"])
def test_grid_workers_and_planners_read_but_may_not_act(api, orders, user):
    assert api.order(orders["A"], user)["allowed_actions"] == []
    r = api.try_act(user, orders["A"], "note", text="x")
    assert r.status_code == 403
    assert r.json()["allowed_actions"] == []


def test_a_resident_may_not_act_on_their_order_until_it_is_replied(api, orders):
    assert api.order(orders["A"], "resident1")["allowed_actions"] == []
    assert api.try_act("resident1", orders["A"], "close").status_code == 409
    assert api.try_act("resident1", orders["A"], "note", text="催一下").status_code == 403


def test_a_resident_lists_only_their_own_orders(api):
    mine = {new_order(api, "resident1")["id"], new_order(api, "resident1")["id"]}
    theirs = new_order(api, "resident2")["id"]
    new_order(api, "operator")
    assert api.ids("resident1") == mine
    assert api.ids("resident2") == {theirs}


def test_a_residents_own_order_shows_their_personal_data_in_clear(api):
    order = new_order(api, "resident1")
    assert api.order(order, "resident1")["citizen_phone"] == PHONE


def test_a_grid_worker_sees_its_grid_and_the_orders_it_filed_elsewhere(api):
    in_grid = new_order(api)
    elsewhere = new_order(api, "grid1", where=IN_S2, description="巡查发现二街道井盖缺失")
    outside = in_s2(api)
    assert elsewhere["proactive"] is True
    assert {in_grid["id"], elsewhere["id"]} <= api.ids("grid1")
    assert outside["id"] not in api.ids("grid1")


def test_list_filters_never_widen_the_scope(api, orders):
    assert api.listing("handler1", unit="ST2")["total"] == 0
    assert api.listing("super1", area="S2")["total"] == 0
    assert api.listing("resident1", status="dispatched")["total"] == 1


def test_admin_reads_every_order_but_with_personal_data_masked(api, orders):
    order = api.order(orders["B"], "admin")
    assert order["citizen_phone"] == MASKED_PHONE


# --- API keys -----------------------------------------------------------------------------------------


def make_key(db, name: str, unit: str | None = None) -> str:
    with db.write() as session:
        _, key = auth_service.create_api_key(session, name=name, unit_code=unit)
        session.commit()
    return key


def test_an_api_key_for_a_unit_acts_as_that_units_handler(api, client, db, orders):
    key = make_key(db, "st1-system", unit="ST1")
    headers = {"X-API-Key": key}
    page = client.get("/api/v1/orders", headers=headers).json()
    assert {o["id"] for o in page["items"]} == {orders["A"]["id"]}
    assert client.get(f"/api/v1/orders/{orders['B']['id']}", headers=headers).status_code == 404
    body = {"action": "accept", "version": api.order(orders["A"])["version"]}
    r = client.post(f"/api/v1/orders/{orders['A']['id']}/actions", json=body, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["events"][-1]["actor"] == "apikey:st1-system"
    assert r.json()["citizen_phone"] == PHONE


def test_an_api_key_without_a_unit_acts_as_the_hotline_centre(client, db, orders):
    key = make_key(db, "open311-bridge")
    page = client.get("/api/v1/orders", headers={"X-API-Key": key}).json()
    assert page["total"] == 2
    r = client.post(
        "/api/v1/orders", json={"type": "help", "description": "求助"}, headers={"X-API-Key": key}
    )
    assert r.status_code == 201
    assert r.json()["events"][0]["actor"] == "apikey:open311-bridge"


def test_an_unknown_or_revoked_api_key_is_401(client, db):
    assert client.get("/api/v1/orders", headers={"X-API-Key": "ht_nope"}).status_code == 401
    with db.write() as session:
        row, key = auth_service.create_api_key(session, name="old", unit_code="ST1")
        auth_service.revoke_api_key(session, key_id=row.id)
        session.commit()
    assert client.get("/api/v1/orders", headers={"X-API-Key": key}).status_code == 401


# --- tokens -------------------------------------------------------------------------------------------


def test_a_token_from_username_and_password_authenticates(client):
    r = client.post("/api/v1/auth/token", json={"username": "handler1", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert (me.status_code, me.json()["role"]) == (200, "handler")


def test_a_wrong_password_or_unknown_user_gets_401(client):
    for username, password in (("handler1", "wrong-password"), ("nobody", PASSWORD)):
        r = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert r.status_code == 401
        assert r.json()["detail"] == "wrong username or password"


def test_no_authentication_gets_401(client):
    responses = [
        client.get("/api/v1/orders"),
        client.get("/api/v1/orders/1"),
        client.post("/api/v1/orders", json={"type": "help", "description": "求助"}),
        client.post("/api/v1/orders/1/actions", json={"action": "note", "version": 1, "text": "x"}),
    ]
    for r in responses:
        assert r.status_code == 401, r.request.url
        assert r.headers["www-authenticate"] == "Bearer"


def test_a_forged_token_gets_401(client):
    r = client.get("/api/v1/orders", headers={"Authorization": "Bearer not.a.token"})
    assert r.status_code == 401


def test_a_reference_that_cannot_name_an_order_is_404_on_every_database(api, orders):
    # 14 digits: too short for a public number, too large for any row's id (PostgreSQL's INTEGER).
    for ref in ("20990101999999", "2147483648", "9" * 30, "20990101" + "9" * 12, "12ab"):
        r = api.get("operator", f"/api/v1/orders/{ref}")
        assert r.status_code == 404, (ref, r.status_code, r.text)
