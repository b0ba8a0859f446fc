"""The public number alone never opens an order (issue 14, item 1): the phone page's tracking needs the
link's secret, or the number with the last four digits of the phone given at filing (failures limited);
a resident may ask that the matter not be published."""

from __future__ import annotations

from sqlalchemy import select

from huitian.intake import service as intake_service
from huitian.orders import service as orders_service
from huitian.orders.models import Order
from tests.helpers import PHONE, new_order
from tests.intake.test_phone_page import csrf, file, filed

DIGITS = PHONE[-4:]


def lookup(client, number: str, phone4: str):
    return client.post(f"/m/t/{number}", data={"phone4": phone4} | csrf(client, f"/m/t/{number}"))


def test_the_number_alone_shows_nothing_of_the_order(client):
    link, number = filed(client, citizen_phone=PHONE)
    for r in (client.get(f"/m/t/{number}"), client.get(f"/m/t/{number}?k=")):
        assert r.status_code == 200 and 'name="phone4"' in r.text
        assert "待派单" not in r.text and 'data-kind="created"' not in r.text
    # what an unknown number gets is the same form: no way to tell which numbers exist
    unknown = client.get("/m/t/2020010199999999")
    assert unknown.status_code == 200 and 'name="phone4"' in unknown.text


def test_the_number_with_the_phone_s_last_four_digits_shows_the_progress_but_no_rating(client):
    link, number = filed(client, citizen_phone=PHONE)
    r = lookup(client, number, DIGITS)
    assert r.status_code == 200, r.text
    assert number in r.text and "待派单" in r.text and 'data-kind="created"' in r.text
    assert PHONE not in r.text and 'action="/m/t/' + number + '/rate"' not in r.text
    assert lookup(client, number, "0000").status_code == 404
    assert "待派单" not in lookup(client, number, "12").text


def test_an_anonymous_filing_without_a_phone_opens_only_with_its_link(client):
    link, number = filed(client)
    assert client.get(link).status_code == 200
    for digits in ("0000", "", "    "):
        r = lookup(client, number, digits)
        assert r.status_code in (404, 422) and "待派单" not in r.text


def test_orders_not_filed_on_the_phone_page_are_not_opened_by_number_and_digits(client, api):
    order = new_order(api)  # the hotline's, with PHONE
    assert lookup(client, order["number"], DIGITS).status_code == 404


def test_wrong_digits_are_limited_per_number_and_then_even_the_right_ones_wait(client):
    link, number = filed(client, citizen_phone=PHONE)
    for guess in ("0001", "0002", "0003", "0004", "0005"):
        assert lookup(client, number, guess).status_code == 404
    r = lookup(client, number, DIGITS)
    assert r.status_code == 429 and "尝试次数过多" in r.text and "待派单" not in r.text
    assert client.get(link).status_code == 200  # the link keeps working


def test_a_resident_may_ask_that_the_matter_not_be_published(client, db):
    r = file(client, citizen_phone=PHONE, private="1")
    assert r.status_code == 200, r.text
    _, number = filed(client)  # and one without the choice
    with db.write() as session:
        flags = dict(session.execute(select(Order.id, Order.private)).tuples().all())
        assert sorted(flags.values()) == [False, True]
        intake_service.set_public_read(session, enabled=True)
        session.commit()
    listed = client.get("/open311/v2/requests.json").json()
    assert [v["service_request_id"] for v in listed] == [number]
    with db.read() as session:
        private = session.scalars(select(Order).where(Order.private.is_(True))).one()
        hidden = orders_service.public_number(private)
    assert client.get(f"/open311/v2/requests/{hidden}.json").status_code == 404
