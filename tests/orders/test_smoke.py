from tests.factories import IN_G1


def test_the_whole_loop_closes_an_order(api):
    order = api.create(
        lat=IN_G1[1], lon=IN_G1[0], category_code="010101", citizen_name="张三", citizen_phone="13812345678"
    )
    assert order["status"] == "received"
    assert order["area_path"] == "/D1/S1/C1/G1/"
    api.act("operator", order, "dispatch", unit="ST1")
    api.act("handler1", order, "accept")
    api.act("handler1", order, "contact", note="电话联系,约定明早查看")
    api.act("handler1", order, "reply", text="已更换灯泡")
    api.act("operator", order, "callback", resolved=True, satisfaction="satisfied")
    done = api.act("operator", order, "close")
    assert done["status"] == "closed"
    assert done["outcome"] == "resolved"
    kinds = [e["kind"] for e in done["events"]]
    assert kinds == ["created", "dispatch", "accept", "contact", "reply", "callback", "close"]
