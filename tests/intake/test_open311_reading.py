"""Who may read service requests (issue 14, item 1): nobody without an api_key, unless an admin turns the
jurisdiction's public reading on; then an anonymous caller gets coarse views only. And every XML answer
stays well-formed whatever the text holds (item 13)."""

from __future__ import annotations

import pytest

from huitian.auth import service as auth_service
from tests.helpers import NAME, PHONE, closed, new_order
from tests.intake.conftest import BASE, parse_xml, valid

ROOM = "天通北苑二区2号楼5单元1102"
READS = ["requests.{fmt}", "requests/{number}.{fmt}", "request/{number}.{fmt}", "tokens/{number}.{fmt}"]


def public_reading(api, on: bool) -> None:
    r = api.client.put("/api/v1/open311/settings", json={"public_read": on}, headers=api.headers("admin"))
    assert r.status_code == 200, r.text
    assert r.json() == {"public_read": on}


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_reading_without_an_api_key_is_refused_by_default(o311, api, path, fmt):
    number = new_order(api, address=ROOM)["number"]
    r = o311.get(path.format(fmt=fmt, number=number), key=None)
    assert r.status_code == 403, r.text
    assert "api_key is required" in r.text and "public reading is off" in r.text
    assert ROOM not in r.text and "路灯" not in r.text
    if fmt == "json":
        assert r.json()[0]["code"] == 403
    else:
        assert parse_xml(r.content).findtext("error/code") == "403"


def test_a_wrong_api_key_is_refused_even_with_public_reading_on(o311, api):
    number = new_order(api)["number"]
    public_reading(api, True)
    r = o311.get(f"requests/{number}.json", key="not-a-key")
    assert r.status_code == 403 and "api_key is invalid" in r.text


def test_with_an_api_key_in_the_header_or_the_query_the_full_view_comes_back(o311, api, client):
    number = new_order(api, address=ROOM)["number"]
    for r in (
        o311.get(f"requests/{number}.json"),  # X-API-Key header
        client.get(f"{BASE}/requests/{number}.json", params={"api_key": o311.key}),
    ):
        assert r.status_code == 200, r.text
        valid("requests.json", r.json())
        (view,) = r.json()
        assert view["address"] == ROOM and (view["lat"], view["long"]) == (40.07, 116.31)
    listed = client.get(f"{BASE}/requests.json", params={"api_key": o311.key}).json()
    assert [v["service_request_id"] for v in listed] == [number]


def test_a_unit_s_api_key_reads_only_that_unit_s_orders(o311, api, db):
    mine = api.act("operator", new_order(api), "dispatch", unit="ST1")
    other = api.act("operator", new_order(api), "dispatch", unit="ST2")
    with db.write() as session:
        _, key = auth_service.create_api_key(session, name="street one", unit_code="ST1")
        session.commit()
    listed = [v["service_request_id"] for v in o311.get("requests.json", key=key).json()]
    assert listed == [mine["number"]]
    assert o311.get(f"requests/{other['number']}.json", key=key).status_code == 404


def test_public_reading_is_off_by_default_and_only_an_admin_turns_it(api, client):
    assert client.get("/api/v1/open311/settings", headers=api.headers("admin")).json() == {
        "public_read": False
    }
    for user in ("operator", "handler1"):
        r = client.put("/api/v1/open311/settings", json={"public_read": True}, headers=api.headers(user))
        assert r.status_code == 403
    assert client.put("/api/v1/open311/settings", json={"public_read": True}).status_code == 401
    r = client.put("/api/v1/open311/settings", json={"public_read": "maybe"}, headers=api.headers("admin"))
    assert r.status_code == 422
    assert client.get("/api/v1/open311/settings", headers=api.headers("admin")).json()["public_read"] is False


def test_with_public_reading_on_an_anonymous_caller_gets_coarse_views_only(o311, api):
    complaint = closed(api, address=ROOM, description=f"{ROOM}楼上漏水,请联系{NAME},电话{PHONE}")
    report = new_order(api, type="report", address=ROOM, description=f"举报{ROOM}群租,举报人{NAME}")
    suggestion = new_order(
        api,
        type="suggestion",
        address=ROOM,
        description=f"建议在{ROOM}门口加装路灯,联系{NAME}{PHONE}",
    )
    public_reading(api, True)
    for fmt in ("json", "xml"):
        r = o311.get(f"requests.{fmt}", key=None)
        assert r.status_code == 200, r.text
        for secret in (
            ROOM,
            "1102",
            "5单元",
            NAME,
            PHONE,
            "已修复",
            "一街道办事处",
            "40.07<",
            "40.07,",
            "116.31",
        ):
            assert secret not in r.text, (fmt, secret)
    r = o311.get("requests.json", key=None)
    valid("requests.json", r.json())
    views = {v["service_request_id"]: v for v in r.json()}
    assert list(views) == [suggestion["number"], report["number"], complaint["number"]]
    for view in views.values():
        assert set(view) <= {
            "service_request_id",
            "status",
            "status_notes",
            "service_name",
            "service_code",
            "description",
            "requested_datetime",
            "updated_datetime",
            "address",
            "lat",
            "long",
        }
        # the community, and the centre of its outline's box, never the order's own place
        assert view["address"] == "一社区" and (view["lat"], view["long"]) == (40.075, 116.325)
        assert view["service_code"] == "010101" and view["requested_datetime"].endswith("+08:00")
    assert "description" not in views[complaint["number"]]
    assert "description" not in views[report["number"]]
    assert views[complaint["number"]]["status"] == "closed"
    assert views[complaint["number"]]["status_notes"] == "已办结"  # the state, not the reply
    text = views[suggestion["number"]]["description"]
    assert text.startswith("建议在一社区门口加装路灯") and NAME not in text and "5678" not in text
    (one,) = o311.get(f"requests/{report['number']}.json", key=None).json()
    assert one == views[report["number"]]
    xml = parse_xml(o311.get(f"requests/{report['number']}.xml", key=None).content)
    assert xml.findtext("request/address") == "一社区" and xml.find("request/description") is None


def test_orders_marked_private_are_never_published(o311, api):
    private = new_order(api, private=True)
    matter = api.act("operator", new_order(api), "close", outcome="private_matter", reason="涉及个人隐私")
    shown = new_order(api)
    public_reading(api, True)
    listed = [v["service_request_id"] for v in o311.get("requests.json", key=None).json()]
    assert listed == [shown["number"]]
    for hidden in (private, matter):
        assert o311.get(f"requests/{hidden['number']}.json", key=None).status_code == 404
        ids = f"{hidden['number']},{shown['number']}"
        by_ids = o311.get("requests.json", key=None, service_request_id=ids).json()
        assert [v["service_request_id"] for v in by_ids] == [shown["number"]]
    # a key's reader still sees them, as before
    assert o311.get(f"requests/{private['number']}.json").status_code == 200


def test_an_anonymous_caller_may_not_look_up_long_lists_of_ids_and_gets_at_most_100(o311, api, db):
    numbers = [new_order(api)["number"] for _ in range(11)]
    public_reading(api, True)
    r = o311.get("requests.json", key=None, service_request_id=",".join(numbers))
    assert r.status_code == 400 and "at most 10 ids" in r.text
    ok = o311.get("requests.json", key=None, service_request_id=",".join(numbers[:10]))
    assert ok.status_code == 200 and len(ok.json()) == 10
    assert len(o311.get("requests.json", service_request_id=",".join(numbers)).json()) == 11  # with a key


def test_turning_public_reading_off_again_closes_the_door(o311, api):
    number = new_order(api)["number"]
    public_reading(api, True)
    assert o311.get(f"requests/{number}.json", key=None).status_code == 200
    public_reading(api, False)
    assert o311.get(f"requests/{number}.json", key=None).status_code == 403


@pytest.mark.parametrize("char", ["\x01", "\x0b", "\x1f", "\ufffe"])
def test_an_xml_answer_stays_well_formed_whatever_control_character_the_text_holds(o311, api, char):
    order = new_order(api, type="suggestion", description=f"路灯{char}不亮{char}已三天")
    r = o311.get(f"requests/{order['number']}.xml")
    assert r.status_code == 200
    assert parse_xml(r.content).findtext("request/description") == "路灯不亮已三天"
    listed = parse_xml(o311.get("requests.xml").content)
    assert listed.findtext("request/description") == "路灯不亮已三天"
    public_reading(api, True)
    coarse = parse_xml(o311.get(f"requests/{order['number']}.xml", key=None).content)
    assert coarse.findtext("request/description") == "路灯不亮已三天"


def test_a_read_description_masks_an_id_number_and_any_phone_typed_into_it(o311, api):
    text = "建议加装路灯,我的身份证110105199001011234,另一号码13600001111"
    new_order(api, type="suggestion", description=text)
    r = o311.get("requests.json")  # with the key: the full view, still without personal data
    assert r.status_code == 200, r.text
    assert "110105199001011234" not in r.text and "13600001111" not in r.text
    assert "110***********1234" in r.text and "136****1111" in r.text
    public_reading(api, True)
    r = o311.get("requests.json", key=None)  # the coarse view hides every long number
    assert "110105199001011234" not in r.text and "13600001111" not in r.text
