"""Personal data typed into free text (description, notes, replies, reasons) reads masked for every
role that sees the citizen's name and phone masked (issue 14 item 5): in the order's JSON, in the lists,
on the order page and its timeline, in the Excel export; and as typed for those who see them."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.helpers import new_order
from tests.web.conftest import FormClient, login

NAME = "王小明"
STORY = "我叫王小明，电话13812345678，身份证110105199001011234"
SECRETS = ("13812345678", "110105199001011234", NAME)
MASKED = ("王**", "138****5678", "110***********1234")


def hidden(text: str) -> bool:
    return not any(s in text for s in SECRETS) and all(m in text for m in MASKED)


def handled(api) -> dict:
    """A complaint whose description, contact note, note, extension reason and reply each tell the
    citizen's name, a mobile and an ID number; dispatched to ST1, which replied."""
    order = new_order(api, description=STORY, citizen_name=NAME, citizen_phone="13900001111")
    api.act("operator", order, "dispatch", unit="ST1")
    api.act("handler1", order, "accept")
    api.act("handler1", order, "contact", note="联系了" + STORY)
    api.act("handler1", order, "note", text="备注:" + STORY)
    api.act("handler1", order, "request_extension", days=3, reason="需要协调," + STORY)
    api.act("handler1", order, "reply", text="已答复:" + STORY)
    return order


def free_texts(read: dict) -> list[str]:
    texts = [read["description"]]
    texts += [a["reply_text"] for a in read["assignments"] if a["reply_text"]]
    for e in read["events"]:
        texts += [e["payload"][k] for k in ("text", "note", "reason") if isinstance(e["payload"].get(k), str)]
    return texts


def test_a_supervisor_reads_the_free_text_of_an_order_masked(api):
    order = handled(api)
    read = api.get("super1", f"/api/v1/orders/{order['id']}").json()
    texts = free_texts(read)
    assert len(texts) == 6  # the description, the reply, and the contact, note, extension, reply events
    assert all(hidden(t) for t in texts), texts
    assert read["citizen_name"] == "王**"
    item = next(o for o in api.listing("super1")["items"] if o["id"] == order["id"])
    assert not any(s in item["title"] for s in SECRETS) and "138****5678" in item["title"]


def test_the_operator_and_the_handling_unit_read_it_as_typed(api):
    order = handled(api)
    for who in ("operator", "handler1"):
        read = api.get(who, f"/api/v1/orders/{order['id']}").json()
        texts = free_texts(read)
        assert read["description"] == STORY and all(STORY in t for t in texts), who
    item = next(o for o in api.listing("operator")["items"] if o["id"] == order["id"])
    assert "13812345678" in item["title"]


def test_a_pending_extensions_reason_is_masked_too(api):
    order = new_order(api, description="路灯不亮", citizen_name=NAME)
    api.act("operator", order, "dispatch", unit="ST1")
    api.act("handler1", order, "accept")
    api.act("handler1", order, "request_extension", days=3, reason=STORY)
    assert hidden(api.get("super1", f"/api/v1/orders/{order['id']}").json()["pending_extension"]["reason"])
    assert api.get("lead1", f"/api/v1/orders/{order['id']}").json()["pending_extension"]["reason"] == STORY


def test_the_order_page_and_its_timeline_show_the_masked_text_to_a_supervisor(api, app):
    order = handled(api)
    with FormClient(app) as client:
        login(client, "super1")
        page = client.get(f"/orders/{order['number']}")
        assert page.status_code == 200, page.text
        assert hidden(page.text)
        listing = client.get("/orders").text
        assert order["number"] in listing and "13812345678" not in listing
    with FormClient(app) as client:
        login(client, "operator")
        assert STORY in client.get(f"/orders/{order['number']}").text


def test_the_excel_export_masks_the_description_for_a_supervisor_only(api):
    order = handled(api)
    for who, masked in (("super1", True), ("operator", False)):
        r = api.get(who, "/api/v1/orders.xlsx")
        assert r.status_code == 200, r.text
        rows = list(load_workbook(io.BytesIO(r.content), read_only=True).active.iter_rows(values_only=True))
        row = next(r for r in rows if r[0] == order["number"])
        description = row[rows[0].index("诉求内容")]
        assert hidden(description) if masked else description == STORY, who
        assert hidden(str(row)) if masked else NAME in str(row)


def test_the_callback_desk_shows_the_reply_masked_to_an_admin_and_as_typed_to_an_operator(api, app):
    order = handled(api)
    with FormClient(app) as client:
        login(client, "admin")
        desk = client.get("/callbacks")
        assert desk.status_code == 200 and order["number"] in desk.text
        assert "已答复:我叫王**，电话138****5678" in desk.text and "13812345678" not in desk.text
    with FormClient(app) as client:
        login(client, "operator")
        assert "已答复:" + STORY in client.get("/callbacks").text


def test_a_masked_role_cannot_confirm_a_hidden_number_by_searching_for_it(api):
    order = handled(api)
    for number in ("13812345678", "110105199001011234"):
        found = {o["id"] for o in api.listing("super1", q=number)["items"]}
        assert order["id"] not in found, number
        for who in ("operator", "handler1"):  # those who read it as typed still find it
            assert order["id"] in {o["id"] for o in api.listing(who, q=number)["items"]}, (who, number)
    # words and short numbers (a building, a room) are searched for everyone as before
    assert order["id"] in {o["id"] for o in api.listing("super1", q="身份证")["items"]}
