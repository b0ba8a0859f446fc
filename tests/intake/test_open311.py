"""Open311 GeoReport v2: every JSON answer is checked against the community's JSON Schemas and every XML
answer is parsed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from huitian.intake.service import PUBLIC
from huitian.orders import service as orders_service
from tests.helpers import MASKED_PHONE, NAME, PHONE, closed, create_at, merged, new_order
from tests.intake.conftest import BASE, order_count, parse_xml, valid


def test_services_are_the_leaves_of_the_taxonomy_grouped_by_their_path(o311):
    r = o311.get("services.json")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json; charset=utf-8"
    valid("services.json", r.json())
    by_code = {s["service_code"]: s for s in r.json()}
    assert set(by_code) == {"010101", "020101", "03"}
    assert by_code["010101"]["service_name"] == "路灯不亮"
    assert by_code["010101"]["group"] == "城乡建设 / 市政设施"
    assert by_code["010101"]["metadata"] is True and by_code["010101"]["type"] == "realtime"
    xml = parse_xml(o311.get("services.xml").content)
    assert xml.tag == "services"
    assert [s.findtext("service_code") for s in xml.findall("service")] == list(by_code)
    assert xml.find("service/metadata").text == "true"


def test_a_service_definition_offers_type_priority_and_contact_attributes(o311):
    r = o311.get("services/010101.json")
    assert r.status_code == 200
    valid("service-definition.json", r.json())
    attrs = {a["code"]: a for a in r.json()["attributes"]}
    assert list(attrs) == ["type", "priority", "contact"]
    assert {v["key"] for v in attrs["priority"]["values"]} == {"normal", "urgent"}
    assert all(a["datatype"] == "singlevaluelist" and a["required"] is False for a in attrs.values())
    xml = parse_xml(o311.get("services/010101.xml").content)
    assert xml.tag == "service_definition"
    assert [a.findtext("code") for a in xml.findall("attributes/attribute")] == list(attrs)
    assert xml.find("attributes/attribute/values/value/key") is not None


def test_a_posted_request_becomes_an_open311_order_and_reads_back_without_personal_data(o311, db):
    r = o311.post(
        description=f"小区门口路灯不亮,请联系{NAME},电话{PHONE}",
        first_name="三丰",
        last_name="张",
        phone=PHONE,
        media_url="https://example.org/lamp.jpg",
        **{"attribute[priority]": "urgent", "attribute[type]": "help"},
    )
    assert r.status_code == 200, r.text
    (answer,) = r.json()
    number = answer["service_request_id"]
    assert len(number) == 16 and "2小时" in answer["service_notice"]
    with db.read() as session:
        order = orders_service.get_for(session, principal=PUBLIC, ref=number)
        assert (order.channel, order.type, order.priority) == ("open311", "help", "urgent")
        assert (order.citizen_name, order.citizen_phone) == (NAME, PHONE)
        assert order.lat == 40.07 and order.lon == 116.31 and order.area_path
    r = o311.get(f"requests/{number}.json")
    assert r.status_code == 200
    valid("requests.json", r.json())
    (view,) = r.json()
    assert view["status"] == "open" and view["service_code"] == "010101"
    assert view["media_url"] == "https://example.org/lamp.jpg"
    assert (view["lat"], view["long"]) == (40.07, 116.31)
    assert view["requested_datetime"].endswith("+08:00")
    assert datetime.fromisoformat(view["expected_datetime"]) - datetime.fromisoformat(
        view["requested_datetime"]
    ) == timedelta(hours=2)
    assert PHONE not in r.text and NAME not in r.text and MASKED_PHONE in view["description"]
    xml = o311.get(f"requests/{number}.xml")
    assert PHONE not in xml.text and NAME not in xml.text
    assert parse_xml(xml.content).findtext("request/service_request_id") == number
    r = o311.get(f"tokens/{number}.json")
    assert r.json() == [{"service_request_id": number, "token": number}]
    assert parse_xml(o311.get(f"tokens/{number}.xml").content).findtext("request/token") == number


def test_an_xml_post_answers_in_xml_and_an_address_alone_is_a_location(o311):
    r = o311.post("xml", lat=None, long=None, address_string="回龙观西大街18号")
    assert r.status_code == 200 and r.headers["content-type"] == "text/xml; charset=utf-8"
    number = parse_xml(r.content).findtext("request/service_request_id")
    view = o311.get(f"requests/{number}.json").json()[0]
    assert view["address"] == "回龙观西大街18号" and "lat" not in view


def test_a_handled_order_shows_closed_with_the_reply_its_unit_and_its_deadline(o311, api):
    order = closed(api, resolved=True, satisfaction="satisfied")
    r = o311.get(f"requests/{order['number']}.json")
    valid("requests.json", r.json())
    (view,) = r.json()
    assert view["status"] == "closed" and view["status_notes"] == "已修复"
    assert view["agency_responsible"] == "一街道办事处"
    assert datetime.fromisoformat(view["expected_datetime"]) == datetime.fromisoformat(order["reply_due"])
    assert NAME not in r.text and PHONE not in r.text


def test_a_merged_order_is_closed_and_names_the_order_it_went_into(o311, api):
    order = merged(api)
    (view,) = o311.get(f"requests/{order['number']}.json").json()
    assert view["status"] == "closed" and view["status_notes"].startswith("已并入工单 ")


def test_the_list_filters_by_id_service_status_and_date_and_defaults_to_90_days(o311, api, db):
    a = new_order(api)
    b = closed(api)
    c = new_order(api, category_code="020101")
    with db.write() as session:
        old = orders_service.public_number(create_at(session, datetime.now(UTC) - timedelta(days=100)))
        session.commit()

    def numbers(**params) -> list[str]:
        r = o311.get("requests.json", **params)
        assert r.status_code == 200, r.text
        valid("requests.json", r.json())
        assert parse_xml(o311.get("requests.xml", **params).content).tag == "service_requests"
        return [v["service_request_id"] for v in r.json()]

    assert numbers() == [c["number"], b["number"], a["number"]]
    assert numbers(service_code="020101") == [c["number"]]
    assert numbers(service_code="020101,010101") == [c["number"], b["number"], a["number"]]
    assert numbers(status="closed") == [b["number"]]
    assert numbers(status="open") == [c["number"], a["number"]]
    assert numbers(service_request_id=f"{old},{a['number']},2020010199999999") == [old, a["number"]]
    start = (datetime.now(UTC) - timedelta(days=120)).isoformat()
    end = (datetime.now(UTC) - timedelta(days=50)).isoformat()
    assert numbers(start_date=start, end_date=end) == [old]
    assert numbers(start_date=start) == [old]


def test_a_span_over_90_days_or_a_bad_status_is_refused_in_the_spec_s_error_format(o311):
    r = o311.get("requests.json", start_date="2026-01-01T00:00:00Z", end_date="2026-06-01T00:00:00Z")
    assert r.status_code == 400 and r.json() == [
        {"code": 400, "description": "start_date and end_date may not span more than 90 days"}
    ]
    r = o311.get("requests.xml", status="pending")
    assert r.status_code == 400 and parse_xml(r.content).findtext("error/code") == "400"
    assert o311.get("requests.json", start_date="yesterday").status_code == 400


def test_unknown_services_requests_and_tokens_are_404_in_both_formats(o311):
    for path in ("services/999999", "requests/2026010100000099", "requests/1", "tokens/abc"):
        r = o311.get(f"{path}.json")
        assert r.status_code == 404 and r.json()[0]["code"] == 404, path
        x = o311.get(f"{path}.xml")
        assert x.status_code == 404 and parse_xml(x.content).findtext("error/code") == "404", path
    assert o311.get("services.html").status_code == 404


def test_discovery_names_the_v2_endpoint_and_both_formats(o311):
    doc = o311.get("discovery.json").json()
    (endpoint,) = doc["endpoints"]
    assert (
        endpoint["url"].endswith(BASE) and endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    )
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    xml = parse_xml(o311.get("discovery.xml").content)
    assert [f.text for f in xml.findall("endpoints/endpoint/formats/format")] == endpoint["formats"]


def test_a_configured_jurisdiction_refuses_another_but_accepts_none(o311, client, db):
    client.app.state.settings = client.app.state.settings.model_copy(
        update={"open311_jurisdiction": "huitian"}
    )
    assert o311.get("services.json", jurisdiction_id="huitian").status_code == 200
    assert o311.get("services.json").status_code == 200
    r = o311.get("services.json", jurisdiction_id="chicago")
    assert r.status_code == 404 and "jurisdiction_id" in r.json()[0]["description"]
    before = order_count(db)
    assert o311.post(jurisdiction_id="chicago").status_code == 404
    assert o311.post(jurisdiction_id="huitian").status_code == 200
    assert order_count(db) == before + 1
