"""The caller look-up (issue 14, item 8): only the roles that see phone numbers may look a number up (a
masked role could otherwise recover a masked number by trying its hidden digits), at most 60 a minute
per user, and each look-up is recorded with a keyed hash of the number, never the number."""

from __future__ import annotations

from sqlalchemy import select

from huitian.auth.enums import Role
from huitian.auth.models import User
from huitian.auth.service import Principal
from huitian.hotline import service as hotline_service
from huitian.hotline.models import CallerLookup
from huitian.orders import service as orders_service
from huitian.orders.models import Order
from tests.helpers import MASKED_PHONE, PHONE, api, new_order  # noqa: F401

CALLERS = "/api/v1/hotline/callers"


def lookups(api) -> list[CallerLookup]:  # noqa: F811
    with api.client.app.state.db.read() as s:
        return list(s.scalars(select(CallerLookup).order_by(CallerLookup.id)))


def test_a_role_that_sees_phones_masked_cannot_look_a_caller_up(api):  # noqa: F811
    order = new_order(api)
    assert api.get("admin", f"/api/v1/orders/{order['id']}").json()["citizen_phone"] == MASKED_PHONE
    for path in (f"{CALLERS}/{PHONE}", f"{CALLERS}/{PHONE}/same-matter"):
        r = api.get("admin", path)
        assert r.status_code == 403 and "phone numbers" in r.json()["detail"]
    assert api.get("operator", f"{CALLERS}/{PHONE}").status_code == 200
    assert [row.via for row in lookups(api)] == ["api"]  # refused ones looked nothing up


def test_the_entry_page_refuses_a_masked_roles_look_up(api):  # noqa: F811
    order = new_order(api)
    r = api.get("admin", f"/hotline?phone={PHONE}")
    assert r.status_code == 403 and "仅限话务员" in r.text and order["number"] not in r.text
    ok = api.get("operator", f"/hotline?phone={PHONE}")
    assert ok.status_code == 200 and order["number"] in ok.text
    assert [row.via for row in lookups(api)] == ["page"]


def test_who_may_look_up_follows_who_sees_phones():
    order = Order()
    for role in Role:
        p = Principal(role=role, name=role.value, user_id=99, unit_id=1)
        sees = orders_service.sees_personal_data(p, order, set())
        assert hotline_service.may_look_up(p) == (sees and p.is_centre), role


def test_enumerating_numbers_is_refused_after_sixty_a_minute(api):  # noqa: F811
    for n in range(60):
        assert api.get("operator", f"{CALLERS}/1381234{n:04d}").status_code == 200
    r = api.get("operator", f"{CALLERS}/13812340060")
    assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 60
    assert len(lookups(api)) == 60
    page = api.get("operator", f"/hotline?phone={PHONE}")  # the page counts with the API
    assert page.status_code == 429 and "查询过于频繁" in page.text


def test_each_look_up_is_recorded_with_a_keyed_hash_never_the_number(api):  # noqa: F811
    new_order(api)
    r = api.get("operator", f"{CALLERS}/+86 138-1234-5678")  # any spelling finds the stored number
    assert r.status_code == 200 and len(r.json()["orders"]) == 1
    api.get("operator", f"{CALLERS}/{PHONE}/same-matter")
    rows = lookups(api)
    secret = api.client.app.state.secret
    with api.client.app.state.db.read() as s:
        operator = s.scalar(select(User.id).where(User.username == "operator"))
    assert [(row.user_id, row.via) for row in rows] == [(operator, "api"), (operator, "same_matter")]
    assert {row.phone_hash for row in rows} == {hotline_service.phone_hash(secret, PHONE)}
    for row in rows:
        text = " ".join(str(v) for v in (row.actor, row.phone_hash, row.via, row.at))
        assert PHONE not in text and "1234" not in row.actor and len(row.phone_hash) == 64
