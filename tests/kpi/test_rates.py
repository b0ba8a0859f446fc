"""The three rates and the composite score on small hand-made months, worked out in each test."""

from __future__ import annotations

import pytest

from tests.helpers import act_at, create_at
from tests.kpi.conftest import S2, bj, handled


def _march(session) -> dict[str, int]:
    """Street S1 (unit ST1) and street S2 (unit ST2), all dispatched and called back in March 2026."""
    ids = {
        "o1": handled(session, at=bj(3, 2), contact_after_h=1, callback=(True, "satisfied")),
        "o2": handled(session, at=bj(3, 3), contact_after_h=30, callback=(True, "basically_satisfied")),
        "o3": handled(session, at=bj(3, 4), contact_after_h=None, callback=(False, "dissatisfied")),
        "o4": handled(session, at=bj(3, 5), contact_after_h=1),  # not called back yet
        "o5": handled(session, at=bj(3, 6), callback=(True, "satisfied"), unreasonable=True),
        "o6": handled(
            session,
            at=bj(3, 9),
            where=S2,
            unit="ST2",
            contact_after_h=2,
            callback=(False, "basically_satisfied"),
        ),
    }
    # answered at once (never reaches a unit): not assessable
    act_at(
        session,
        create_at(session, bj(3, 10), type="consultation"),
        "operator",
        "answer",
        bj(3, 10),
        text="已答复",
    )
    session.commit()
    return ids


@pytest.fixture
def march(db):
    with db.write() as s:
        return _march(s)


def by(api, who: str, by: str, month: str = "2026-03") -> dict[str, dict]:
    r = api.get(who, "/api/v1/kpi/rates", params={"month": month, "by": by})
    assert r.status_code == 200, r.text
    return {i["key"]: i for i in r.json()["items"]}


def test_the_three_rates_and_the_score_of_a_street_are_worked_out_from_its_orders(api, march):
    s1 = by(api, "operator", "street")["S1"]
    # dispatched: o1..o4 (o5 unreasonable); contacted within 24 h: o1, o4 → 2/4
    assert s1["dispatched"] == 4 and s1["response_rate"] == pytest.approx(0.5)
    # called back: o1, o2, o3; resolved o1, o2 → 2/3; satisfied o1 + basic o2 × 0.8 → 1.8/3
    assert s1["resolution_rate"] == pytest.approx(2 / 3)
    assert s1["satisfaction_rate"] == pytest.approx(0.6)
    assert s1["score"] == pytest.approx(0.1 * 0.5 + 0.45 * 2 / 3 + 0.45 * 0.6)  # 0.62
    assert s1["assessed"] == 4 and s1["excluded"] == 1
    assert s1["name"] == "一街道"


def test_another_street_has_its_own_figures(api, march):
    s2 = by(api, "operator", "street")["S2"]
    assert (s2["dispatched"], s2["response_rate"], s2["resolution_rate"]) == (1, 1.0, 0.0)
    assert s2["satisfaction_rate"] == pytest.approx(0.8)
    assert s2["score"] == pytest.approx(0.1 + 0.45 * 0.8)


def test_figures_by_unit_community_and_first_level_category_group_the_same_orders(api, march):
    assert by(api, "operator", "unit")["ST1"]["dispatched"] == 4
    assert set(by(api, "operator", "community")) == {"C1", "-"}  # S2 has no community
    cat = by(api, "operator", "category")["01"]
    assert cat["name"] == "城乡建设" and cat["dispatched"] == 5 and cat["excluded"] == 1


def test_an_unreasonable_order_is_excluded_from_every_rate_and_counted_as_excluded(api, march):
    r = api.get(
        "operator",
        "/api/v1/kpi/orders",
        params={"month": "2026-03", "by": "street", "key": "S1", "measure": "excluded"},
    )
    assert [i["id"] for i in r.json()["items"]] == [march["o5"]]
    resolution = api.get(
        "operator",
        "/api/v1/kpi/orders",
        params={"month": "2026-03", "by": "street", "key": "S1", "measure": "resolution"},
    )
    assert march["o5"] not in {i["id"] for i in resolution.json()["items"]}


def test_a_rate_with_nothing_to_count_is_null_and_the_score_uses_the_rates_that_exist(api, db):
    with db.write() as s:
        handled(s, at=bj(3, 2), contact_after_h=30)  # dispatched, contacted late, not called back
        s.commit()
    s1 = by(api, "operator", "street")["S1"]
    assert s1["response_rate"] == 0.0 and s1["resolution_rate"] is None and s1["satisfaction_rate"] is None
    assert s1["score"] == 0.0


def test_response_counts_in_the_month_of_dispatch_and_resolution_in_the_month_of_callback(api, db):
    with db.write() as s:
        handled(s, at=bj(2, 26), contact_after_h=1, callback=(True, "satisfied"), callback_at=bj(3, 2))
        s.commit()
    feb, mar = by(api, "operator", "street", "2026-02")["S1"], by(api, "operator", "street", "2026-03")["S1"]
    assert (feb["dispatched"], feb["response_rate"], feb["resolution_rate"]) == (1, 1.0, None)
    assert (mar["dispatched"], mar["response_rate"], mar["resolution_rate"]) == (0, None, 1.0)


def test_months_are_local_beijing_months(api, db):
    with db.write() as s:
        handled(s, at=bj(3, 31, 23, 30))  # 15:30 UTC on March 31
        handled(s, at=bj(4, 1, 0, 30))  # 16:30 UTC on March 31, but April in Beijing
        s.commit()
    assert by(api, "operator", "street", "2026-03")["S1"]["dispatched"] == 1
    assert by(api, "operator", "street", "2026-04")["S1"]["dispatched"] == 1


def test_the_orders_behind_a_figure_are_its_denominator_with_what_each_adds(api, march):
    r = api.get(
        "operator",
        "/api/v1/kpi/orders",
        params={"month": "2026-03", "by": "street", "key": "S1", "measure": "satisfaction"},
    )
    assert r.status_code == 200, r.text
    got = {i["id"]: i["counts"] for i in r.json()["items"]}
    assert got == {march["o1"]: 1.0, march["o2"]: 0.8, march["o3"]: 0.0}
    assert all(len(i["number"]) == 16 for i in r.json()["items"])
    resp = api.get(
        "operator",
        "/api/v1/kpi/orders",
        params={"month": "2026-03", "by": "unit", "key": "ST1", "measure": "response"},
    ).json()
    assert resp["total"] == 4 and sum(i["counts"] for i in resp["items"]) == 2


def test_the_score_weights_are_data_an_admin_may_change(api, march):
    r = api.client.put(
        "/api/v1/kpi/settings",
        headers=api.headers("admin"),
        json={"weight_response": 1, "weight_resolution": 0, "weight_satisfaction": 0},
    )
    assert r.status_code == 200, r.text
    assert by(api, "operator", "street")["S1"]["score"] == pytest.approx(0.5)


def test_only_an_admin_may_change_the_weights_and_only_known_ones_within_0_and_1(api):
    put = api.client.put
    assert (
        put("/api/v1/kpi/settings", headers=api.headers("lead1"), json={"weight_response": 1}).status_code
        == 403
    )
    bad = put("/api/v1/kpi/settings", headers=api.headers("admin"), json={"weight_speed": 1})
    assert bad.status_code == 422 and bad.json()["field"] == "weight_speed"
    high = put("/api/v1/kpi/settings", headers=api.headers("admin"), json={"weight_response": 2})
    assert high.status_code == 422 and high.json()["field"] == "weight_response"
