"""Bad Open311 posts: each gets one clear error in the spec's format, and no order is written."""

from __future__ import annotations

import pytest

from huitian.auth import service as auth_service
from tests.intake.conftest import BASE, order_count, parse_xml

MALFORMED = {
    "no service_code": ({"service_code": None}, "service_code was not provided"),
    "blank service_code": ({"service_code": " "}, "service_code was not provided"),
    "unknown service_code": ({"service_code": "999999"}, "service_code '999999' is not a service"),
    "a group, not a service": ({"service_code": "0101"}, "service_code '0101' is not a service"),
    "no location": ({"lat": None, "long": None}, "a location is required"),
    "lat without long": ({"long": None}, "lat and long must be given together"),
    "lat not a number": ({"lat": "forty"}, "lat must be a number"),
    "lat out of range": ({"lat": "91"}, "lat must be between -90 and 90"),
    "long not finite": ({"long": "nan"}, "long must be between -180 and 180"),
    "description over 4000": ({"description": "灯" * 4001}, "description is longer than 4000 characters"),
    "address over 300": ({"lat": None, "long": None, "address_string": "路" * 301}, "address_string:"),
    "media_url not a URL": ({"media_url": "javascript:alert(1)"}, "media_url must be an http(s) URL"),
    "unknown attribute": ({"attribute[colour]": "red"}, "attribute[colour] is not defined"),
    "attribute value not offered": ({"attribute[priority]": "asap"}, "attribute[priority] takes one of"),
    "bad phone": ({"phone": "call me"}, "phone: citizen_phone must be a phone number"),
    "sms without a phone": ({"attribute[contact]": "sms"}, "attribute[contact]=sms needs a phone number"),
}


@pytest.mark.parametrize("fields,message", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_post_is_a_400_naming_the_field_and_writes_nothing(o311, db, fields, message):
    before = order_count(db)
    r = o311.post(**fields)
    assert r.status_code == 400, r.text
    (err,) = r.json()
    assert err["code"] == 400 and err["description"].startswith(message), err
    assert order_count(db) == before


def test_a_malformed_xml_post_answers_an_xml_error_list(o311, db):
    r = o311.post("xml", lat=None, long=None)
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/xml")
    root = parse_xml(r.content)
    assert root.tag == "errors" and root.findtext("error/code") == "400"
    assert "location" in root.findtext("error/description")


@pytest.mark.parametrize("key", [None, "", "ht_not-a-key"], ids=["missing", "empty", "wrong"])
def test_a_missing_or_wrong_api_key_is_403_and_writes_nothing(o311, db, key):
    before = order_count(db)
    r = o311.client.post(
        f"{BASE}/requests.json",
        data={
            k: v
            for k, v in {"api_key": key, "service_code": "010101", "lat": "40.07", "long": "116.31"}.items()
            if v is not None
        },
    )
    assert r.status_code == 403 and r.json()[0]["code"] == 403
    assert "api_key" in r.json()[0]["description"]
    assert order_count(db) == before


def test_a_revoked_api_key_is_refused(o311, db):
    with db.write() as session:
        row, key = auth_service.create_api_key(session, name="old app")
        auth_service.revoke_api_key(session, key_id=row.id)
        session.commit()
    o311.key = key
    assert o311.post().status_code == 403


def test_the_api_key_may_come_in_the_query_string_as_the_swagger_file_declares(o311, db):
    r = o311.client.post(
        f"{BASE}/requests.json?api_key={o311.key}",
        data={"service_code": "010101", "address_string": "回龙观"},
    )
    assert r.status_code == 200, r.text
    assert len(r.json()[0]["service_request_id"]) == 16


def test_a_body_that_is_not_a_form_is_a_400(o311, db):
    before = order_count(db)
    r = o311.client.post(
        f"{BASE}/requests.json", content=b"\xff\xfe", headers={"Content-Type": "multipart/form-data"}
    )
    assert r.status_code == 400 and r.json()[0]["code"] == 400
    assert order_count(db) == before


def test_an_error_is_a_list_of_one_code_and_description(o311):
    r = o311.get("services/nope.json")
    assert r.status_code == 404
    (err,) = r.json()
    assert set(err) == {"code", "description"} and isinstance(err["code"], int)
