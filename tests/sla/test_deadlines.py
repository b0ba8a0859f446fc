"""Deadlines from policy, on Chinese working days (2026: Mid-autumn Sep 25–27, National Day Oct 1–7, make-up
working days Sunday Sep 20 and Saturday Oct 10) and on the wall clock for hour limits; extensions; the
admin editing policies and the calendar."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.helpers import act_at, create_at

BJ = ZoneInfo("Asia/Shanghai")


def bj(month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=BJ)


def end_of(month: int, day: int) -> datetime:
    return bj(month, day, 23, 59, 59)


@pytest.fixture
def session(db):
    with db.write() as s:
        yield s
        s.rollback()


# --- working days --------------------------------------------------------------------------------------


def test_an_ordinary_order_before_national_day_skips_the_holiday_and_counts_the_saturday_make_up_day(session):
    # Oct 8, 9, 10 (Saturday, make-up), 12, 13, 14, 15
    order = create_at(session, bj(9, 30))
    assert order.time_limit_class == "ordinary"
    assert order.reply_due == end_of(10, 15)


def test_an_ordinary_order_on_a_friday_counts_the_sunday_make_up_day_and_skips_mid_autumn(session):
    # Sep 20 (Sunday, make-up), 21, 22, 23, 24, [25–27 Mid-autumn], 28, 29
    assert create_at(session, bj(9, 18)).reply_due == end_of(9, 29)


def test_an_order_received_on_a_holiday_starts_counting_after_it(session):
    # received Oct 3 (holiday): Oct 8, 9, 10, 12, 13, 14, 15
    assert create_at(session, bj(10, 3)).reply_due == end_of(10, 15)


def test_a_complex_order_gets_fifteen_working_days(session):
    order = create_at(session, bj(9, 30), category_code="03")
    assert order.time_limit_class == "complex"
    assert order.reply_due == end_of(10, 27)


def test_a_received_late_at_night_order_still_counts_from_the_next_working_day(session):
    # 23:30 local on Sep 30 is 15:30 UTC the same day: the local date counts
    assert create_at(session, bj(9, 30, 23, 30)).reply_due == end_of(10, 15)


# --- wall clock ------------------------------------------------------------------------------------------


def test_an_emergency_gets_two_wall_clock_hours_even_on_a_holiday_night(session):
    order = create_at(session, bj(10, 1, 23, 0), priority="urgent")
    assert order.time_limit_class == "emergency"
    assert order.reply_due == bj(10, 2, 1, 0)


def test_a_utility_order_gets_twenty_four_wall_clock_hours_on_a_holiday(session):
    order = create_at(session, bj(10, 3, 10, 0), category_code="020101")
    assert order.time_limit_class == "utility"
    assert order.reply_due == bj(10, 4, 10, 0)


def test_dispatch_on_a_holiday_sets_two_hours_to_accept_and_a_day_to_contact(session):
    order = create_at(session, bj(10, 2, 9, 0))
    act_at(session, order, "operator", "dispatch", bj(10, 2, 9, 30), unit="ST1")
    assert order.accept_due == bj(10, 2, 11, 30)
    assert order.contact_due == bj(10, 3, 9, 30)


def test_correcting_the_category_at_dispatch_recounts_the_reply_deadline_from_receipt(session):
    order = create_at(session, bj(10, 3, 10, 0))
    act_at(session, order, "operator", "dispatch", bj(10, 3, 11, 0), unit="UT", category_code="020101")
    assert order.reply_due == bj(10, 4, 10, 0)


# --- extensions --------------------------------------------------------------------------------------------


def test_an_approved_extension_moves_reply_due_by_working_days(session):
    order = create_at(session, bj(9, 30))
    act_at(session, order, "operator", "dispatch", bj(9, 30, 11), unit="ST1")
    act_at(session, order, "handler1", "accept", bj(9, 30, 12))
    act_at(session, order, "handler1", "request_extension", bj(10, 9), days=3, reason="需协调物业")
    assert order.pending_extension["days"] == 3
    act_at(session, order, "lead1", "decide_extension", bj(10, 9, 15), approve=True)
    # Oct 15 → Oct 16, 19, 20
    assert order.reply_due == end_of(10, 20)
    assert order.extension_days == 3
    assert order.pending_extension is None


def test_an_extension_across_the_national_day_holiday_skips_it(session):
    order = create_at(session, bj(9, 18))
    act_at(session, order, "operator", "dispatch", bj(9, 18, 11), unit="ST1")
    act_at(session, order, "handler1", "accept", bj(9, 18, 12))
    act_at(session, order, "handler1", "request_extension", bj(9, 28), days=2, reason="等待材料")
    act_at(session, order, "operator", "decide_extension", bj(9, 28, 15), approve=True)
    # Sep 29 → Sep 30, [Oct 1–7], Oct 8
    assert order.reply_due == end_of(10, 8)


def test_a_refused_extension_keeps_the_deadline(session):
    order = create_at(session, bj(9, 30))
    act_at(session, order, "operator", "dispatch", bj(9, 30, 11), unit="ST1")
    act_at(session, order, "handler1", "accept", bj(9, 30, 12))
    act_at(session, order, "handler1", "request_extension", bj(10, 9), days=3, reason="需协调物业")
    act_at(session, order, "lead1", "decide_extension", bj(10, 9, 15), approve=False)
    assert order.reply_due == end_of(10, 15)
    assert (order.extension_days, order.pending_extension) == (0, None)


def test_a_reopened_order_gets_a_fresh_reply_deadline_from_the_reopening(session):
    order = create_at(session, bj(9, 18))
    for user, action, when, params in (
        ("operator", "dispatch", bj(9, 18, 11), {"unit": "ST1"}),
        ("handler1", "accept", bj(9, 18, 12), {}),
        ("handler1", "reply", bj(9, 22), {"text": "已修"}),
        ("operator", "callback", bj(9, 23), {"resolved": False, "satisfaction": "dissatisfied"}),
        ("operator", "reopen", bj(9, 30), {}),
    ):
        act_at(session, order, user, action, when, **params)
    assert order.status == "dispatched"
    assert order.reply_due == end_of(10, 15)
    assert order.accept_due == bj(9, 30, 12)


# --- the admin edits policies and the calendar ----------------------------------------------------------


@pytest.fixture
def sep30(api):
    with time_machine.travel(bj(9, 30), tick=False):
        yield api


def test_an_edited_policy_applies_to_the_next_order(sep30):
    api = sep30
    before = api.create(category_code="010101")
    r = api.client.put(
        "/api/v1/policies/ordinary", json={"amount": 3, "unit": "working_days"}, headers=api.headers("admin")
    )
    assert r.status_code == 200, r.text
    assert (r.json()["amount"], r.json()["unit"]) == (3, "working_days")
    after = api.create(category_code="010101")
    # Oct 8, 9, 10 (Saturday, make-up working day)
    assert datetime.fromisoformat(after["reply_due"]) == end_of(10, 10)
    assert datetime.fromisoformat(before["reply_due"]) == end_of(10, 15)
    assert datetime.fromisoformat(api.order(before)["reply_due"]) == end_of(10, 15)


def test_a_policy_switched_to_hours_counts_the_wall_clock(sep30):
    api = sep30
    r = api.client.put(
        "/api/v1/policies/ordinary", json={"amount": 48, "unit": "hours"}, headers=api.headers("admin")
    )
    assert r.status_code == 200
    order = api.create(category_code="010101")
    assert datetime.fromisoformat(order["reply_due"]) == bj(10, 2)


def test_the_policies_are_listed_with_the_domain_defaults(api):
    policies = {p["code"]: (p["amount"], p["unit"]) for p in api.get("operator", "/api/v1/policies").json()}
    assert policies == {
        "emergency": (2, "hours"),
        "utility": (24, "hours"),
        "ordinary": (7, "working_days"),
        "complex": (15, "working_days"),
        "accept": (2, "hours"),
        "contact": (24, "hours"),
    }


def test_only_an_admin_edits_policies_and_with_a_valid_body(api):
    body = {"amount": 3, "unit": "working_days"}
    for user in ("operator", "lead1", "super1"):
        assert (
            api.client.put("/api/v1/policies/ordinary", json=body, headers=api.headers(user)).status_code
            == 403
        )
    bad = api.client.put(
        "/api/v1/policies/ordinary", json={"amount": 0, "unit": "days"}, headers=api.headers("admin")
    )
    assert bad.status_code == 422
    assert api.client.put("/api/v1/policies/nope", json=body, headers=api.headers("admin")).status_code == 422
    listed = {p["code"]: p["amount"] for p in api.get("operator", "/api/v1/policies").json()}
    assert listed["ordinary"] == 7


def test_the_calendar_carries_the_state_council_holidays_and_make_up_days(api):
    days = {
        d["day"]: d["is_workday"]
        for d in api.get("operator", "/api/v1/calendar", params={"year": 2026}).json()
    }
    assert days["2026-09-20"] is True
    assert days["2026-10-10"] is True
    assert all(days[f"2026-10-0{d}"] is False for d in (1, 2, 5, 6, 7))  # weekday holidays
    assert "2026-10-03" not in days  # a Saturday holiday is the weekend rule, no exception needed


def test_an_admin_adds_a_holiday_and_the_next_order_skips_it(sep30):
    api = sep30
    r = api.client.put(
        "/api/v1/calendar",
        json={"day": "2026-10-12", "is_workday": False, "note": "临时停工"},
        headers=api.headers("admin"),
    )
    assert r.status_code == 200, r.text
    order = api.create(category_code="010101")
    assert datetime.fromisoformat(order["reply_due"]) == end_of(10, 16)
    assert (
        api.client.put(
            "/api/v1/calendar", json={"day": "2026-10-13", "is_workday": False}, headers=api.headers("lead1")
        ).status_code
        == 403
    )


def test_an_admin_turns_a_saturday_into_a_working_day(sep30):
    api = sep30
    r = api.client.put(
        "/api/v1/calendar", json={"day": "2026-10-17", "is_workday": True}, headers=api.headers("admin")
    )
    assert r.status_code == 200
    api.client.put(
        "/api/v1/calendar", json={"day": "2026-10-12", "is_workday": False}, headers=api.headers("admin")
    )
    order = api.create(category_code="010101")
    # Oct 8, 9, 10, [12 off], 13, 14, 15, 16
    assert datetime.fromisoformat(order["reply_due"]) == end_of(10, 16)
    order2 = api.create(category_code="03")
    # 15 days: Oct 8, 9, 10, 13, 14, 15, 16, 17 (now working), 19, 20, 21, 22, 23, 26, 27
    assert datetime.fromisoformat(order2["reply_due"]) == end_of(10, 27)


def test_wall_clock_limits_ignore_the_calendar(session):
    order = create_at(session, bj(10, 1, 8, 0), priority="urgent")
    assert order.reply_due - bj(10, 1, 8, 0) == timedelta(hours=2)
