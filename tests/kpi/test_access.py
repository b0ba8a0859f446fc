"""Who sees which figures, and bad requests named by their field."""

from __future__ import annotations

import pytest

from tests.kpi.conftest import S2, bj, handled


@pytest.fixture
def two_streets(db):
    with db.write() as s:
        handled(s, at=bj(3, 2), callback=(True, "satisfied"))
        handled(s, at=bj(3, 3), where=S2, unit="ST2", callback=(False, "dissatisfied"))
        s.commit()


def keys(api, who: str, by: str) -> set[str]:
    r = api.get(who, "/api/v1/kpi/rates", params={"month": "2026-03", "by": by})
    assert r.status_code == 200, r.text
    return {i["key"] for i in r.json()["items"]}


def test_a_handler_asking_for_every_unit_gets_only_its_own_unit(api, two_streets):
    assert keys(api, "handler2", "unit") == {"ST2"}
    assert keys(api, "handler2", "street") == {"S2"}


def test_a_street_supervisor_sees_its_street_and_the_centre_sees_all(api, two_streets):
    assert keys(api, "super1", "street") == {"S1"}
    assert keys(api, "operator", "street") == {"S1", "S2"}
    assert keys(api, "planner", "unit") == {"ST1", "ST2"}  # the planner's area is the district


def test_a_handler_cannot_reach_another_units_orders_through_the_drill_down(api, two_streets):
    r = api.get(
        "handler2",
        "/api/v1/kpi/orders",
        params={"month": "2026-03", "by": "unit", "key": "ST1", "measure": "resolution"},
    )
    assert r.status_code == 200 and r.json()["total"] == 0


def test_a_resident_gets_no_figures(api, two_streets):
    for path in (
        "/api/v1/kpi/rates?month=2026-03&by=street",
        "/api/v1/kpi/ranking?month=2026-03",
        "/api/v1/kpi/whistles?month=2026-03",
    ):
        assert api.get("resident1", path).status_code == 403, path


def test_figures_need_a_signed_in_user(api):
    assert api.client.get("/api/v1/kpi/rates?month=2026-03&by=street").status_code == 401


@pytest.mark.parametrize("month", ["2026-13", "2026-3", "March", "2026-03-01", ""])
def test_a_bad_month_is_a_422_naming_the_month(api, month):
    r = api.get("operator", "/api/v1/kpi/rates", params={"month": month, "by": "street"})
    assert r.status_code == 422 and r.json()["field"] == "month"


def test_a_bad_grouping_is_a_422_naming_by(api):
    r = api.get("operator", "/api/v1/kpi/rates", params={"month": "2026-03", "by": "grid"})
    assert r.status_code == 422 and r.json()["field"] == "by"


def test_a_missing_month_is_a_422(api):
    r = api.get("operator", "/api/v1/kpi/ranking")
    assert r.status_code == 422 and "month" in r.text


def test_an_unknown_key_or_measure_in_the_drill_down_is_a_422_naming_it(api):
    base = {"month": "2026-03", "by": "street", "key": "S1", "measure": "response"}
    r = api.get("operator", "/api/v1/kpi/orders", params=base | {"key": "NOPE"})
    assert r.status_code == 422 and r.json()["field"] == "key"
    r = api.get("operator", "/api/v1/kpi/orders", params=base | {"key": "C1"})  # a community, not a street
    assert r.status_code == 422 and r.json()["field"] == "key"
    r = api.get("operator", "/api/v1/kpi/orders", params=base | {"measure": "speed"})
    assert r.status_code == 422 and r.json()["field"] == "measure"
