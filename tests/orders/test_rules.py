"""Rules that depend on more than the state: what kind of order, and who still handles it."""

from tests.helpers import MASKED_PHONE, PHONE, dispatched, new_order


def test_only_a_consultation_is_answered_at_once(api):
    complaint = new_order(api)
    assert "answer" not in api.order(complaint)["allowed_actions"]
    r = api.try_act("operator", complaint, "answer", text="已答复")
    assert r.status_code == 409
    assert "consultation" in r.json()["detail"] or "complaint" in r.json()["detail"]
    assert api.order(complaint)["status"] == "received"
    consultation = new_order(api, type="consultation")
    assert "answer" in api.order(consultation)["allowed_actions"]


def test_a_unit_that_returned_an_order_sees_the_citizen_masked(api):
    order = dispatched(api)
    assert api.get("handler1", f"/api/v1/orders/{order['id']}").json()["citizen_phone"] == PHONE
    api.act("handler1", order, "return", reason="不属于本单位职责")
    after = api.get("handler1", f"/api/v1/orders/{order['id']}")
    assert after.status_code == 200  # it still sees its own history with the order
    assert after.json()["citizen_phone"] == MASKED_PHONE
    listed = api.get("handler1", "/api/v1/orders").json()["items"]
    assert [o["citizen_phone"] for o in listed if o["id"] == order["id"]] == [MASKED_PHONE]
