"""A merged order keeps its caller: when the order it was merged into is replied, every merged caller
is told the reply and is then called back on their own order."""

from tests.helpers import accepted, new_order


def merged_pair(api):
    main = accepted(api)
    dup = new_order(api, citizen_phone="13900001111", citizen_name="李四")
    api.act("operator", dup, "merge", into=main["number"])
    return main, dup


def test_every_merged_caller_is_told_the_reply(api):
    main, dup = merged_pair(api)
    other = new_order(api, citizen_phone="13700002222")
    api.act("operator", other, "merge", into=main["number"])
    api.act("handler1", main, "reply", text="路灯已修复")
    for order in (dup, other):
        got = api.order(order)
        assert got["status"] == "merged"
        told = [e for e in got["events"] if e["kind"] == "reply_forwarded"]
        assert [e["payload"]["text"] for e in told] == ["路灯已修复"]
        assert told[0]["payload"]["from"] == main["number"]
    listed = api.order(main)["merged_from"]
    assert [m["number"] for m in listed] == [dup["number"], other["number"]]
    assert all(m["replied_at"] for m in listed)


def test_a_merged_caller_is_called_back_on_their_own_order(api):
    main, dup = merged_pair(api)
    assert "callback" not in api.order(dup)["allowed_actions"]  # not before the reply
    api.act("handler1", main, "reply", text="路灯已修复")
    assert "callback" in api.order(dup)["allowed_actions"]
    done = api.act("operator", dup, "callback", resolved=True, satisfaction="basically_satisfied")
    assert (done["status"], done["satisfaction"]) == ("merged", "basically_satisfied")
    assert "callback" not in done["allowed_actions"]  # once
    assert api.order(main)["merged_from"][0]["satisfaction"] == "basically_satisfied"
    assert api.order(main)["status"] == "replied"  # the main order's own callback is separate
