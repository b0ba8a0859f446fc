"""吹哨报到 assessed both ways: the street that blows the whistle and the units that report."""

from __future__ import annotations

from datetime import timedelta

from tests.helpers import act_at, create_at
from tests.kpi.conftest import S1, bj


def test_a_whistle_counts_for_the_street_and_for_each_summoned_unit(api, db):
    t = bj(3, 2)
    with db.write() as s:
        order = create_at(s, t, lat=S1[1], lon=S1[0])
        act_at(s, order, "operator", "dispatch", t, unit="ST1")
        act_at(s, order, "super1", "add_co_unit", t + timedelta(hours=1), unit="BUR", task="拆除违建")
        act_at(s, order, "super1", "add_co_unit", t + timedelta(hours=1), unit="UT", task="管线改移")
        act_at(s, order, "bureau", "accept", t + timedelta(hours=2))
        act_at(s, order, "bureau", "reply", t + timedelta(days=1), text="已拆除")
        s.commit()
    r = api.get("operator", "/api/v1/kpi/whistles", params={"month": "2026-03"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["streets"] == [{"key": "S1", "name": "一街道", "whistles": 2, "orders": 1}]
    units = {u["key"]: u for u in body["units"]}
    assert (units["BUR"]["received"], units["BUR"]["accepted"], units["BUR"]["replied_in_time"]) == (1, 1, 1)
    assert (units["UT"]["accepted"], units["UT"]["acceptance_rate"], units["UT"]["in_time_rate"]) == (
        0,
        0.0,
        0.0,
    )


def test_a_summoned_unit_sees_its_own_reporting_and_not_other_streets(api, db):
    t = bj(3, 2)
    with db.write() as s:
        order = create_at(s, t, lat=S1[1], lon=S1[0])
        act_at(s, order, "operator", "dispatch", t, unit="ST1")
        act_at(s, order, "super1", "add_co_unit", t, unit="BUR", task="拆除违建")
        s.commit()
    assert [u["key"] for u in api.get("bureau", "/api/v1/kpi/whistles?month=2026-03").json()["units"]] == [
        "BUR"
    ]
    assert api.get("super2", "/api/v1/kpi/whistles?month=2026-03").json()["streets"] == []
