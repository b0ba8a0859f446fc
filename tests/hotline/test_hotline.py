from huitian.hotline import service as hotline_service
from tests.helpers import PHONE, api, kinds, new_order  # noqa: F401


def load_kb(api):  # noqa: F811
    with api.client.app.state.db.write() as session:
        added = hotline_service.load_starter(session)
        session.commit()
    return added


def test_caller_look_up_returns_earlier_orders_newest_first(api):  # noqa: F811
    first = new_order(api, description="路灯不亮")
    second = new_order(api, description="井盖丢失")
    new_order(api, citizen_phone="13900000000")
    r = api.get("operator", f"/api/v1/hotline/callers/{PHONE}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert [o["id"] for o in body["orders"]] == [second["id"], first["id"]]
    assert body["orders"][0]["citizen_phone"] == PHONE and body["open_orders"] == 2


def test_caller_look_up_is_forbidden_to_handlers(api):  # noqa: F811
    new_order(api)
    assert api.get("handler1", f"/api/v1/hotline/callers/{PHONE}").status_code == 403


def test_a_malformed_phone_is_refused_naming_the_field(api):  # noqa: F811
    r = api.get("operator", "/api/v1/hotline/callers/abc")
    assert r.status_code == 422 and r.json()["field"] == "phone"


def test_same_caller_same_matter_is_suggested_and_linked_with_a_note_on_both(api):  # noqa: F811
    old = new_order(api, description="小区门口路灯不亮,晚上看不清路")
    new = new_order(api, description="小区门口路灯还是不亮")
    r = api.get(
        "operator",
        f"/api/v1/hotline/callers/{PHONE}/same-matter",
        params={"category": "010101", "text": "路灯不亮"},
    )
    assert {o["id"] for o in r.json()} == {old["id"], new["id"]}
    r = api.post("operator", "/api/v1/hotline/links", {"order": str(new["id"]), "other": old["number"]})
    assert r.status_code == 201, r.text
    for order, other in ((old, new), (new, old)):
        read = api.order(order)
        assert kinds(read)[-1] == "note" and other["number"] in read["events"][-1]["payload"]["text"]
    again = api.post("operator", "/api/v1/hotline/links", {"order": str(old["id"]), "other": str(new["id"])})
    assert again.status_code == 409


def test_the_knowledge_base_search_finds_an_entry_by_keyword(api):  # noqa: F811
    assert load_kb(api) == 20 and load_kb(api) == 0
    r = api.get("operator", "/api/v1/hotline/kb", params={"q": "暖气 什么时候"})
    assert r.status_code == 200, r.text
    assert r.json()[0]["title"] == "供暖期时间"
    assert api.get("handler1", "/api/v1/hotline/kb", params={"q": "暖气"}).status_code == 403


def test_knowledge_base_entries_are_created_and_edited_by_the_centre(api):  # noqa: F811
    body = {"title": "测试条目", "keywords": "测试", "answer": "答复内容"}
    assert api.post("handler1", "/api/v1/hotline/kb", body).status_code == 403
    entry = api.post("admin", "/api/v1/hotline/kb", body).json()
    r = api.client.patch(
        f"/api/v1/hotline/kb/{entry['id']}", json={"active": False}, headers=api.headers("operator")
    )
    assert r.status_code == 200 and r.json()["active"] is False
    assert api.get("operator", "/api/v1/hotline/kb", params={"q": "测试"}).json() == []


def test_answer_at_once_closes_a_consultation_with_the_knowledge_base_text(api):  # noqa: F811
    load_kb(api)
    hit = api.get("operator", "/api/v1/hotline/kb", params={"q": "居住证"}).json()[0]
    body = {"kb_entry": hit["id"], "description": "想问居住证怎么办", "citizen_phone": PHONE}
    r = api.post("operator", "/api/v1/hotline/answer", body)
    assert r.status_code == 201, r.text
    order = api.order(r.json())
    assert (order["type"], order["status"], order["outcome"]) == ("consultation", "closed", "answered")
    assert kinds(order) == ["created", "answer"] and order["events"][-1]["payload"]["text"] == hit["answer"]


def test_answer_at_once_with_an_unknown_entry_names_the_field(api):  # noqa: F811
    r = api.post("operator", "/api/v1/hotline/answer", {"kb_entry": 999, "description": "问"})
    assert r.status_code == 404 and r.json()["field"] == "kb_entry"
