"""NaN/Infinity or a lone surrogate in a JSON body is a 422 naming the field, never a 500; and no log
record carries a phone or ID number, tracebacks included (issue 14, item 11)."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from huitian.lib.logredact import RedactingFormatter, redact

JSON = {"Content-Type": "application/json"}
ORDER = '{{"type": "complaint", "description": "小区门口路灯不亮了很久", {extra}}}'

BAD = [
    ('"lat": NaN, "lon": 116.3', "lat", "NaN is not a JSON number"),
    ('"lat": 40.1, "lon": Infinity', "lon", "Infinity is not a JSON number"),
    ('"lat": -Infinity, "lon": 116.3', "lat", "-Infinity is not a JSON number"),
    ('"lat": 1e999, "lon": 116.3', "lat", "1e999 is not a JSON number"),
    ('"citizen_phone": "1380013\\ud800"', "citizen_phone", "lone UTF-16 surrogate"),
    ('"citizen_name": "\\udfff"', "citizen_name", "lone UTF-16 surrogate"),
]


@pytest.mark.parametrize(("extra", "field", "says"), BAD)
def test_an_order_with_nan_infinity_or_a_lone_surrogate_is_422_naming_the_field(api, extra, field, says):
    headers = {**api.headers("operator"), **JSON}
    r = api.client.post("/api/v1/orders", content=ORDER.format(extra=extra), headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and says in r.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        '{"username": NaN, "password": "x"}',
        '{"username": "operator", "password": Infinity}',
        '{"username": "\\ud800", "password": "x"}',
        '{"username": "operator", "password": "pw\\udc00"}',
        '[{"username": "a"}, NaN]',
    ],
)
def test_the_anonymous_token_endpoint_answers_422_not_500(client: TestClient, body: str):
    r = client.post("/api/v1/auth/token", content=body, headers=JSON)
    assert r.status_code == 422, r.text
    assert "not a JSON number" in r.json()["detail"] or "surrogate" in r.json()["detail"]


def test_a_browser_is_told_in_chinese(client: TestClient):
    html = {**JSON, "Accept": "text/html"}
    r = client.post("/api/v1/auth/token", content='{"username": NaN}', headers=html)
    assert r.status_code == 422 and "无效的数字" in r.text


def test_strings_that_merely_spell_nan_and_real_surrogate_pairs_pass(api):
    headers = {**api.headers("operator"), **JSON}
    body = ORDER.format(extra='"address": "NaN Infinity 路 \\ud83d\\ude00 号"')
    r = api.client.post("/api/v1/orders", content=body, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["address"] == "NaN Infinity 路 😀 号"


PHONE, ID_NUMBER = "13987654321", "11010519491231002X"


def test_no_log_record_carries_a_phone_or_id_number_even_in_a_traceback(app, caplog):
    log = logging.getLogger("huitian.orders.somewhere")  # any logger: ours, uvicorn's, SQLAlchemy's
    with caplog.at_level(logging.INFO):
        try:
            raise ValueError(f"cannot store citizen_phone={PHONE} id={ID_NUMBER}")
        except ValueError:
            log.exception("order failed for %s (+86 %s)", PHONE, PHONE)
        logging.getLogger("uvicorn.error").error("Exception in ASGI application: %r", {"phone": PHONE})
        sql = logging.getLogger("sqlalchemy.engine")
        sql.warning("[parameters: ('%s', '%s')]", "8613987654321", ID_NUMBER)
    assert "ValueError: cannot store citizen_phone=<phone> id=<id-number>" in caplog.text
    assert "order failed for <phone> (<phone>)" in caplog.text  # +86 goes with the number
    assert "[parameters: ('<phone>', '<id-number>')]" in caplog.text
    assert PHONE not in caplog.text and ID_NUMBER not in caplog.text and "13987" not in caplog.text
    assert all(PHONE not in r.getMessage() for r in caplog.records)


def test_a_formatter_set_up_by_hand_redacts_too():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "call %s", (PHONE,), None)
    assert RedactingFormatter("%(message)s").format(record) == "call <phone>"
    assert redact("订单 20250601000123 电话 139-8765") == "订单 20250601000123 电话 139-8765"  # not a mobile
    assert redact("\ud800") == "\ufffd"
