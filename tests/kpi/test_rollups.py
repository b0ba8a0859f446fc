"""The monthly rollup cube: the same figures without rescanning orders, brought up to date by a job."""

from __future__ import annotations

from datetime import timedelta

from huitian.kpi import service as kpi_service
from tests.helpers import act_at
from tests.kpi.conftest import S2, bj, handled


def rates(api, who="operator", by="street") -> dict:
    r = api.get(who, "/api/v1/kpi/rates", params={"month": "2026-03", "by": by})
    assert r.status_code == 200, r.text
    return r.json()


def test_a_rolled_up_month_gives_the_same_figures_as_a_scan_for_every_grouping_and_scope(api, db):
    with db.write() as s:
        handled(s, at=bj(3, 2), callback=(True, "satisfied"))
        handled(s, at=bj(3, 3), contact_after_h=30, callback=(True, "basically_satisfied"), unreasonable=True)
        handled(s, at=bj(3, 4), where=S2, unit="ST2", callback=(False, "basically_satisfied"))
        s.commit()
    cases = [(who, by) for who in ("operator", "handler2", "super1") for by in ("street", "unit", "category")]
    live = {c: rates(api, *c) for c in cases}
    with db.write() as s:
        # two cells: (ST1, G1, 010101) holds both S1 orders, (ST2, S2, 010101) the third
        assert kpi_service.refresh(s, months=["2026-03"]) == {"2026-03": 2}
        s.commit()
    for c in cases:
        cube = rates(api, *c)
        assert cube["source"] == "rollup" and live[c]["source"] == "live"
        assert cube["items"] == live[c]["items"], c


def test_a_change_after_the_refresh_shows_once_the_job_has_run_again(api, db):
    with db.write() as s:
        order_id = handled(s, at=bj(3, 2), callback=(True, "satisfied"))
        kpi_service.refresh(s, months=["2026-03"], now=bj(3, 20))
        s.commit()
    with db.write() as s:
        order = s.get(kpi_service.Order, order_id)
        act_at(s, order, "operator", "mark_unreasonable", bj(5, 3), reason="违法诉求")
        s.commit()
    assert rates(api)["items"][0]["excluded"] == 0  # the cube is as of its last refresh
    with db.write() as s:
        todo = kpi_service.months_to_refresh(s, now=bj(5, 3) + timedelta(hours=1))
        assert todo == ["2026-03", "2026-04", "2026-05"]  # March: the changed order's month
        kpi_service.refresh(s, months=todo)
        s.commit()
    assert rates(api)["items"][0]["excluded"] == 1


def test_only_an_admin_may_refresh_the_rollups_through_the_api(api):
    assert api.post("lead1", "/api/v1/kpi/rollups/refresh?month=2026-03").status_code == 403
    r = api.post("admin", "/api/v1/kpi/rollups/refresh?month=2026-03")
    assert r.status_code == 200 and r.json() == {"months": {"2026-03": 0}}
