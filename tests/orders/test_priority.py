"""The operator sets or corrects the priority when dispatching: an urgent order gets the 2-hour limit
(紧急), lowering it again gives the category's limit back; each change is in the dispatch event."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.helpers import new_order


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_dispatching_as_urgent_sets_the_two_hour_limit_and_records_it(api):
    order = new_order(api)
    assert order["time_limit_class"] == "ordinary"
    order = api.act("operator", order, "dispatch", unit="ST1", priority="urgent")
    assert order["priority"] == "urgent"
    assert order["time_limit_class"] == "emergency"
    assert _at(order["reply_due"]) - _at(order["created_at"]) == timedelta(hours=2)
    assert order["events"][-1]["kind"] == "dispatch"
    assert order["events"][-1]["payload"]["priority"] == "urgent"


def test_lowering_an_urgent_order_gives_the_category_limit_back(api):
    order = new_order(api, priority="urgent")
    assert order["time_limit_class"] == "emergency"
    order = api.act("operator", order, "dispatch", unit="ST1", priority="normal")
    assert order["time_limit_class"] == "ordinary"
    assert _at(order["reply_due"]) - _at(order["created_at"]) > timedelta(days=5)
    assert order["events"][-1]["payload"]["priority"] == "normal"


def test_the_same_priority_changes_nothing_and_a_bad_one_is_refused(api):
    order = new_order(api)
    due = order["reply_due"]
    order = api.act("operator", order, "dispatch", unit="ST1", priority="normal")
    assert _at(order["reply_due"]) == _at(due)
    assert "priority" not in order["events"][-1]["payload"]
    fresh = new_order(api)
    r = api.client.post(
        f"/api/v1/orders/{fresh['id']}/actions",
        json={"action": "dispatch", "version": fresh["version"], "unit": "ST1", "priority": "panic"},
        headers=api.headers("operator"),
    )
    assert r.status_code == 422
    assert "priority" in r.text
    assert api.order(fresh)["status"] == "received"
