from huitian.hotline import service as hotline_service
from tests.helpers import PHONE, api, new_order  # noqa: F401
from tests.web.conftest import browser, client  # noqa: F401


def test_the_entry_page_shows_the_callers_orders_and_knowledge_base_answers(api, browser):  # noqa: F811
    earlier = new_order(api, description="路灯不亮")
    with api.client.app.state.db.write() as session:
        hotline_service.load_starter(session)
        session.commit()
    page = browser("operator").get("/hotline", params={"phone": PHONE, "kb": "供暖"}).text
    assert earlier["number"] in page and "供暖期时间" in page and "转110/119/120/122紧急热线" in page


def test_an_order_closed_at_intake_with_an_art_11_outcome(api, browser):  # noqa: F811
    r = browser("operator").client.post(
        "/hotline/orders",
        data={"type": "complaint", "description": "邻居家着火了", "outcome": "transferred_emergency"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    order = api.listing("operator")["items"][0]
    assert (order["status"], order["channel"]) == ("closed", "hotline")
    assert api.order(order)["outcome"] == "transferred_emergency"


def test_the_entry_page_is_refused_to_handlers(browser):  # noqa: F811
    assert browser("handler1").get("/hotline").status_code == 403


def test_a_refused_call_keeps_nothing_and_shows_what_was_typed(api, browser):  # noqa: F811
    operator = browser("operator").client
    before = api.listing("operator")["total"]

    def post(url: str, data: dict):
        return operator.post(url, data=data, follow_redirects=False)

    r = post("/hotline/orders", {"type": "complaint", "description": "", "address": "一社区5号楼"})
    assert r.status_code == 422 and "一社区5号楼" in r.text  # the form again, as typed
    linked = {"type": "complaint", "description": "楼道灯坏了", "link_to": "20990101999999"}
    r = post("/hotline/orders", linked)
    assert r.status_code == 422 and "楼道灯坏了" in r.text and "20990101999999" in r.text
    r = post("/hotline/answer", {"kb_entry": "999", "description": "问供暖"})
    assert r.status_code == 422 and "问供暖" in r.text
    assert api.listing("operator")["total"] == before
