"""未诉先办: spikes against a seasonal baseline, repeated problems at one place, warnings into orders."""

from __future__ import annotations

from datetime import timedelta
from statistics import fmean

from sqlalchemy import select

from huitian.categories.models import Category
from huitian.proactive import service as proactive_service
from huitian.proactive.models import EarlyWarning
from tests.helpers import event_kinds
from tests.proactive.conftest import G1, G2, NOW, S2, WEEK, orders, weekly

HEATING_NOVEMBERS = {51: 10, 52: 10, 53: 10} | {j: 1 for j in range(1, 7)} | {0: 10}


def _history_reaches_back(session):
    """One old order, so the history covers the same weeks last year."""
    orders(session, n=1, at=NOW - WEEK * 60, where=S2, category="03", text="其他")


def test_the_detector_expects_the_seasonal_normal():
    assert not proactive_service.spike_test(10, [1] * 6, [10, 10, 10]).fire
    assert proactive_service.spike_test(10, [1] * 6, None).fire
    assert proactive_service.spike_test(12, [1] * 6, [1, 1, 1]).fire
    assert not proactive_service.spike_test(3, [0] * 6, [0, 0, 0]).fire  # below min_count


def _spikes(session):
    made = proactive_service.compute_warnings(session, now=NOW)
    return [w for w in made if w.kind == "spike"]


def test_an_injected_spike_fires_and_heating_in_november_at_its_normal_does_not(db):
    with db.write() as session:
        _history_reaches_back(session)
        weekly(session, weeks=HEATING_NOVEMBERS, where=G1, category="020101", text="暖气不热室温低")
        weekly(
            session,
            weeks={j: 1 for j in (*range(1, 7), 51, 52, 53)} | {0: 12},
            where=G2,
            category="010101",
            text="路灯不亮",
        )
        spikes = _spikes(session)
        session.commit()
        got = {(w.area_path.rstrip("/").rsplit("/", 1)[-1], w.observed) for w in spikes}
        assert got == {("G2", 12)}
        assert spikes[0].expected == 1.0
        assert spikes[0].detail["same_weeks_last_year"] == [1, 1, 1]


def test_without_last_years_history_the_heating_week_would_fire(db):
    """The same heating week, when the history does not reach back a year: only recent weeks count."""
    with db.write() as session:
        weekly(
            session,
            weeks={j: n for j, n in HEATING_NOVEMBERS.items() if j < 50},
            where=G1,
            category="020101",
            text="暖气不热",
        )
        spikes = _spikes(session)
        assert [(w.observed, w.detail["same_weeks_last_year"]) for w in spikes] == [(10, None)]


def test_a_community_warns_when_its_grids_surge_together_each_under_the_bar(db):
    with db.write() as session:
        quiet = {j: 0 for j in range(1, 7)}
        weekly(session, weeks=quiet | {0: 3}, where=G1, category="010101", text="路灯")
        weekly(session, weeks=quiet | {0: 3}, where=G2, category="010101", text="路灯")
        spikes = _spikes(session)
        assert [(w.area_path.rstrip("/").rsplit("/", 1)[-1], w.observed) for w in spikes] == [("C1", 6)]


def test_a_spike_warns_once_a_week(db):
    with db.write() as session:
        weekly(session, weeks={j: 1 for j in range(1, 7)} | {0: 12}, where=G2, category="010101", text="路灯")
        assert len(_spikes(session)) == 1
        assert proactive_service.compute_warnings(session, now=NOW + timedelta(hours=3)) == []


def test_a_problem_repeated_at_one_place_warns(db):
    with db.write() as session:
        orders(session, n=3, at=NOW - timedelta(days=2), where=G1, category="010101", spread_h=48)
        orders(session, n=2, at=NOW - timedelta(days=2), where=G2, category="010101", spread_h=48)
        old = orders(session, n=3, at=NOW - timedelta(days=40), where=S2, category="010101", spread_h=30)
        made = proactive_service.compute_warnings(session, now=NOW)
        repeats = [w for w in made if w.kind == "repeat_place"]
        assert [(w.area_path.rstrip("/").rsplit("/", 1)[-1], w.observed) for w in repeats] == [("G1", 3)]
        assert len(repeats[0].detail["order_ids"]) == 3
        assert not set(repeats[0].detail["order_ids"]) & {o.id for o in old}


def _a_warning(db) -> int:
    with db.write() as session:
        orders(session, n=3, at=NOW - timedelta(days=1), where=G1, category="010101", spread_h=20)
        (w,) = proactive_service.compute_warnings(session, now=NOW)
        session.commit()
        return w.id


def test_a_warning_turns_into_a_proactive_order_with_its_history(db, api):
    wid = _a_warning(db)
    r = api.post("super1", f"/api/v1/warnings/{wid}/order", {})
    assert r.status_code == 201, r.text
    warning = r.json()
    assert warning["status"] == "ordered" and warning["order_number"]
    order = api.get("operator", f"/api/v1/orders/{warning['order_id']}").json()
    assert order["channel"] == "patrol" and order["proactive"] is True
    assert order["category_code"] == "0101"
    assert order["area_path"].endswith("/G1/")
    with db.read() as session:
        assert event_kinds(session, warning["order_id"]) == ["created", "note"]
    again = api.post("super1", f"/api/v1/warnings/{wid}/order", {})
    assert again.status_code == 409


def test_a_warning_is_acknowledged_or_dismissed_with_a_reason(db, api):
    wid = _a_warning(db)
    r = api.post("super1", f"/api/v1/warnings/{wid}/decision", {"action": "dismiss"})
    assert r.status_code == 422 and r.json()["field"] == "note"
    r = api.post("super1", f"/api/v1/warnings/{wid}/decision", {"action": "acknowledge"})
    assert r.json()["status"] == "acknowledged"
    r = api.post("super1", f"/api/v1/warnings/{wid}/decision", {"action": "dismiss", "note": "已由物业处理"})
    assert r.json()["status"] == "dismissed"
    assert api.post("super1", f"/api/v1/warnings/{wid}/order", {}).status_code == 409
    with db.read() as session:
        assert session.scalar(select(EarlyWarning.note).where(EarlyWarning.id == wid)) == "已由物业处理"


def test_warnings_are_seen_in_their_street_only(db, api):
    wid = _a_warning(db)
    assert [w["id"] for w in api.get("super1", "/api/v1/warnings").json()["items"]] == [wid]
    assert api.get("super2", "/api/v1/warnings").json()["items"] == []
    assert api.get("super2", f"/api/v1/warnings/{wid}").status_code == 404
    assert api.post("super2", f"/api/v1/warnings/{wid}/order", {}).status_code == 404
    assert api.get("planner", f"/api/v1/warnings/{wid}").status_code == 200
    assert api.get("handler1", "/api/v1/warnings").status_code == 403
    assert api.get("resident1", f"/api/v1/warnings/{wid}").status_code == 403


def test_the_job_computes_the_warnings_of_the_current_hour(db):
    from huitian.db import utcnow
    from huitian.proactive import jobs

    with db.write() as session:
        orders(session, n=3, at=utcnow() - timedelta(hours=1), where=G2, category="010101", spread_h=2)
        session.commit()
    assert jobs.warnings_once(db) == 1
    assert jobs.warnings_once(db) == 0  # the same subject does not warn twice


def test_repeats_gather_a_category_group_at_one_spot_or_part_within_30_days(db):
    """What a repeat warning records, in full: the spot's or part's orders of one category group (0101
    and 010101 together) in the 30 days, never older ones, other groups or proactive orders."""
    from huitian.assets import service as assets_service
    from huitian.assets.schemas import AssetCreate

    spot = (116.31025, 40.07025)  # well inside one ≈50 m cell
    near = (116.31035, 40.07035)  # the same cell
    with db.write() as session:
        a = orders(session, n=2, at=NOW - timedelta(days=3), where=spot, category="010101", spread_h=30)
        b = orders(session, n=1, at=NOW - timedelta(days=1), where=near, category="0101")
        orders(session, n=2, at=NOW - timedelta(days=2), where=spot, category="020101")  # another group
        orders(session, n=1, at=NOW - timedelta(days=31), where=spot, category="010101")  # too old
        orders(session, n=2, at=NOW - timedelta(days=2), where=G2, category="010101")  # only two
        body = {"class_code": "0106", "name": "路灯", "lon": S2[0], "lat": S2[1], "unit": "UT"}
        asset = assets_service.create_asset(session, data=AssetCreate(**body))
        on_part = orders(session, n=3, at=NOW - timedelta(days=5), where=S2, category="010101", spread_h=24)
        for o in on_part:
            o.asset_id = asset.id
        on_part[1].lat = on_part[1].lon = None
        session.flush()
        made = proactive_service.compute_warnings(session, now=NOW)
        got = {
            w.kind: (w.observed, w.asset_id, w.lat, w.lon, w.area_path, w.detail)
            for w in made
            if w.kind != "spike"
        }
        place_ids = sorted(o.id for o in a + b)
        assert got == {
            "repeat_asset": (
                3,
                asset.id,
                S2[1],
                S2[0],
                on_part[0].area_path,
                {"order_ids": sorted(o.id for o in on_part), "window_days": 30},
            ),
            "repeat_place": (
                3,
                None,
                fmean([spot[1], spot[1], near[1]]),
                fmean([spot[0], spot[0], near[0]]),
                b[0].area_path,
                {"order_ids": place_ids, "window_days": 30},
            ),
        }
        group = session.scalar(select(Category.id).where(Category.code == "0101"))
        assert {w.category_id for w in made if w.kind != "spike"} == {group}
