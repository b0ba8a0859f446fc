"""The command centre (/dashboard), its JSON figures (/api/v1/kpi/board, /map, /trend), the street
supervisor's area page (/area) and the orders behind a figure: what each figure counts is recounted here
through the order list API, and every figure's link leads to exactly those orders."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from huitian.kpi import service as kpi_service
from huitian.orders import flows
from tests.helpers import act_at, create_at
from tests.kpi.conftest import S2, bj, handled

NOW = bj(3, 20, 12)


def linked(api, who: str, link: str) -> set[int]:
    """The ids of the orders a page link (/orders?…) leads to, through the order list API."""
    parts = urlsplit(link)
    assert parts.path == "/orders", link
    params = [(k, v) for k, v in parse_qsl(parts.query) if k != "sort"] + [("limit", "500")]
    r = api.get(who, "/api/v1/orders", params=params)
    assert r.status_code == 200, r.text
    return {o["id"] for o in r.json()["items"]}


@pytest.fixture
def world(db):
    """In S1 (grid G1): one order closed in March, two open (one of them overdue after the sweep), one
    disputed (returned twice); in S2: one open order of ST2."""
    ids = {}
    with db.write() as s:
        ids["closed"] = handled(s, at=bj(3, 2), callback=(True, "satisfied"))
        act_at(s, s.get(kpi_service.Order, ids["closed"]), "operator", "close", bj(3, 2, 16))
        o = create_at(s, bj(3, 10), lat=40.07, lon=116.31)
        act_at(s, o, "operator", "dispatch", bj(3, 10, 11), unit="ST1")
        ids["late"] = o.id  # never accepted: overdue once the sweep runs
        o = create_at(s, bj(3, 20, 9), lat=40.07, lon=116.33)
        act_at(s, o, "operator", "dispatch", bj(3, 20, 10), unit="ST1")
        act_at(s, o, "handler1", "accept", bj(3, 20, 10, 30))
        ids["fresh"] = o.id
        o = create_at(s, bj(3, 20, 8), lat=40.07, lon=116.31)
        for hour in (9, 11):
            act_at(s, o, "operator", "dispatch", bj(3, 20, hour), unit="ST1")
            act_at(s, o, "handler1", "return", bj(3, 20, hour, 30), reason="不属于本单位职责")
        ids["disputed"] = o.id
        o = create_at(s, bj(3, 20, 9, 30), lat=S2[1], lon=S2[0])
        act_at(s, o, "operator", "dispatch", bj(3, 20, 10), unit="ST2")
        ids["s2"] = o.id
        flows.sweep_overdue(s, now=NOW)
        s.commit()
    with db.read() as s:
        statuses = {k: s.get(kpi_service.Order, v).status for k, v in ids.items()}
        late = s.get(kpi_service.Order, ids["late"]).escalated
    assert statuses["disputed"] == "disputed" and statuses["closed"] == "closed" and late >= 1
    return ids


def board(api, who: str, **params) -> dict:
    r = api.get(who, "/api/v1/kpi/board", params={"month": "2026-03", "day": "2026-03-20"} | params)
    assert r.status_code == 200, r.text
    return r.json()


def test_open_counts_by_state_are_the_orders_the_list_shows_and_their_links_lead_there(api, world):
    out = board(api, "operator")["counts"]
    assert out["open"] == 4 and out["overdue"] >= 1
    for state in out["states"]:
        behind = linked(api, "operator", state["link"])
        assert len(behind) == state["count"], state
    assert linked(api, "operator", out["open_link"]) == {
        world["late"],
        world["fresh"],
        world["disputed"],
        world["s2"],
    }
    assert world["late"] in linked(api, "operator", out["overdue_link"])
    assert world["fresh"] not in linked(api, "operator", out["overdue_link"])


@pytest.mark.parametrize("who", ["operator", "super1", "handler2", "lead1"])
def test_the_snapshot_gives_the_same_counts_as_the_live_scan(api, db, world, who):
    live = board(api, who)
    with db.write() as s:
        assert kpi_service.refresh_open(s, now=NOW) > 0
        s.commit()
    snap = board(api, who)
    assert live["counts"]["as_of"] is None and snap["counts"]["as_of"] is not None
    for key in ("open", "overdue", "escalated", "states"):
        assert snap["counts"][key] == live["counts"][key], key
    assert snap["children"] == live["children"]
    assert api.get(who, "/api/v1/kpi/map").json()["features"] == live_map(api, db, who)


def live_map(api, db, who: str) -> list:
    """The map's grid figures read from orders (the snapshot marker removed for the call)."""
    with db.write() as s:
        marker = s.get(kpi_service.KpiOpenSnapshot, 1)
        refreshed = marker.refreshed_at
        s.delete(marker)
        s.commit()
    try:
        return api.get(who, "/api/v1/kpi/map").json()["features"]
    finally:
        with db.write() as s:
            s.add(kpi_service.KpiOpenSnapshot(id=1, refreshed_at=refreshed))
            s.commit()


def test_todays_intake_is_counted_by_local_hour(api, world):
    intake = board(api, "operator")["intake"]
    # received on 20 March (Beijing): 08:00 (disputed), 09:00 (fresh), 09:30 (S2)
    assert intake["total"] == 3
    assert intake["hours"][8] == 1 and intake["hours"][9] == 2 and sum(intake["hours"]) == 3
    assert intake["link"].startswith("/orders?created_from=2026-03-20&created_to=2026-03-20")


def test_drill_down_goes_district_street_community_grid_and_each_open_link_leads_to_its_orders(api, world):
    top = board(api, "operator")
    assert [c["key"] for c in top["children"]] == ["D1"]
    district = board(api, "operator", area="D1")["children"]
    assert {c["key"]: c["open"] for c in district} == {"S1": 3, "S2": 1}
    s1 = next(c for c in district if c["key"] == "S1")
    assert s1["drill"] == "/dashboard?area=S1"
    assert linked(api, "operator", s1["open_link"]) == {world["late"], world["fresh"], world["disputed"]}
    assert s1["dispatched"] >= 1 and s1["resolution_rate"] == 1.0  # the March callback in S1
    community = board(api, "operator", area="S1")["children"]
    assert [(c["key"], c["open"]) for c in community] == [("C1", 3)]
    grids = {c["key"]: c for c in board(api, "operator", area="C1")["children"]}
    assert {k: g["open"] for k, g in grids.items()} == {"G1": 2, "G2": 1}
    assert grids["G1"]["drill"] is None  # the finest level: its orders are the next step
    assert linked(api, "operator", grids["G1"]["open_link"]) == {world["late"], world["disputed"]}
    assert linked(api, "operator", grids["G2"]["open_link"]) == {world["fresh"]}


def test_the_map_gives_each_grid_its_open_orders_and_a_point_per_open_order(api, world):
    r = api.get("super1", "/api/v1/kpi/map")
    assert r.status_code == 200, r.text
    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    grids = {f["properties"]["code"]: f["properties"] for f in fc["features"]}
    assert {k: (g["open"], g["overdue"]) for k, g in grids.items()} == {"G1": (2, 1), "G2": (1, 0)}
    assert all(f["geometry"]["type"] == "Polygon" for f in fc["features"])
    assert {p["id"] for p in fc["points"]} == {world["late"], world["fresh"], world["disputed"]}
    late = next(p for p in fc["points"] if p["id"] == world["late"])
    assert late["overdue"] is True and late["link"] == f"/orders/{late['number']}"


def test_scope_a_supervisor_sees_its_street_and_nothing_of_the_other(api, world):
    mine = board(api, "super1")
    assert mine["area"]["code"] == "S1" and mine["counts"]["open"] == 3
    assert api.get("super1", "/api/v1/kpi/board", params={"area": "S2"}).status_code == 404
    assert api.get("super1", "/api/v1/kpi/map", params={"area": "S2"}).status_code == 404
    assert api.get("super1", "/api/v1/kpi/board", params={"area": "NOPE"}).status_code == 404
    assert board(api, "super2")["counts"]["open"] == 1
    assert board(api, "handler2")["counts"]["open"] == 1  # the unit's own orders
    assert board(api, "planner")["counts"]["open"] == 4  # the district
    for path in ("/api/v1/kpi/board", "/api/v1/kpi/map", "/api/v1/kpi/trend?month=2026-03"):
        assert api.get("resident1", path).status_code == 403, path


def test_bad_parameters_are_422s_naming_the_field(api):
    r = api.get("operator", "/api/v1/kpi/board", params={"day": "20-03-2026"})
    assert r.status_code == 422 and r.json()["field"] == "day"
    r = api.get("operator", "/api/v1/kpi/board", params={"month": "2026-3"})
    assert r.status_code == 422 and r.json()["field"] == "month"
    r = api.get("operator", "/api/v1/kpi/trend", params={"month": "2026-03", "months": 99})
    assert r.status_code == 422 and r.json()["field"] == "months"


def test_the_category_trend_counts_dispatched_orders_per_month(api, db, world):
    with db.write() as s:
        handled(s, at=bj(2, 3), category="020101", unit="UT", callback=(True, "satisfied"))
        s.commit()
    r = api.get("operator", "/api/v1/kpi/trend", params={"month": "2026-03", "months": 3})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["months"] == ["2026-01", "2026-02", "2026-03"]
    series = {s["key"]: s["data"] for s in out["series"]}
    # March: closed + late + fresh + S2 dispatched (the disputed order waits undispatched)
    assert series == {"01": [0, 0, 4], "02": [0, 1, 0]}
    with db.write() as s:
        kpi_service.refresh(s, months=["2026-02", "2026-03"])
        s.commit()
    again = api.get("operator", "/api/v1/kpi/trend", params={"month": "2026-03", "months": 3}).json()
    assert again == out


def test_the_dashboard_page_shows_the_figures_with_links_and_the_big_screen_variant(api, world):
    r = api.get("operator", "/dashboard", params={"area": "D1", "month": "2026-03"})
    assert r.status_code == 200, r.text
    page = r.text
    assert "指挥中心" in page and 'href="/dashboard?area=S1"' in page
    assert "/static/kpi.js" in page and "/static/kpi.css" in page and "<script>" not in page
    assert 'data-src="/api/v1/kpi/map?area=D1"' in page
    assert "/reports/street/S1?month=2026-03" in page and "/reports/unit/ST1?month=2026-03" in page
    assert "/dashboard/orders?month=2026-03&amp;by=unit&amp;key=ST1&amp;measure=resolution" in page
    big = api.get("operator", "/dashboard", params={"screen": "big"})
    assert big.status_code == 200 and "kpi-big" in big.text
    assert api.get("super1", "/dashboard", params={"area": "S2"}).status_code == 404
    assert api.client.get("/dashboard", follow_redirects=False).status_code == 303


def test_the_orders_behind_a_rate_are_listed_with_links(api, world, db):
    with db.read() as s:
        number = kpi_service.orders_service.public_number(s.get(kpi_service.Order, world["closed"]))
    params = {"month": "2026-03", "by": "street", "key": "S1", "measure": "resolution"}
    r = api.get("operator", "/dashboard/orders", params=params)
    assert r.status_code == 200, r.text
    assert f'href="/orders/{number}"' in r.text and 'id="behind-total">1<' in r.text
    r = api.get("operator", "/dashboard/orders", params=params | {"measure": "speed"})
    assert r.status_code == 422 and "measure" in r.text


def test_the_area_page_shows_a_supervisor_its_disputes_overdue_and_map(api, world, db):
    with db.read() as s:
        disputed = kpi_service.orders_service.public_number(s.get(kpi_service.Order, world["disputed"]))
        late = kpi_service.orders_service.public_number(s.get(kpi_service.Order, world["late"]))
        other = kpi_service.orders_service.public_number(s.get(kpi_service.Order, world["s2"]))
    r = api.get("super1", "/area")
    assert r.status_code == 200, r.text
    assert (
        "辖区概况" in r.text and f'href="/orders/{disputed}"' in r.text and f'href="/orders/{late}"' in r.text
    )
    assert other not in r.text
    assert 'id="kpi-map"' in r.text and "共 1 件" in r.text
    assert api.get("handler1", "/area").status_code == 404
    assert api.get("operator", "/area").status_code == 404
    assert api.get("operator", "/area", params={"area": "S2"}).status_code == 200


def test_a_supervisors_breadcrumbs_link_only_to_areas_it_may_open(api):
    page = api.get("super1", "/dashboard").text
    assert 'href="/dashboard?area=S1"' in page and 'href="/dashboard?area=D1"' not in page
    assert "测试区" in page  # shown, as plain text
    page = api.get("operator", "/dashboard", params={"area": "S1"}).text
    assert 'href="/dashboard?area=D1"' in page


def test_the_nav_offers_the_command_centre_and_to_supervisors_the_area_page(api):
    page = api.get("super1", "/dashboard").text
    assert 'href="/dashboard"' in page and 'href="/area"' in page
    page = api.get("handler1", "/dashboard").text
    assert 'href="/dashboard"' in page and 'href="/area"' not in page


def test_an_order_received_after_the_day_is_not_todays(api, world, db):
    with db.write() as s:
        create_at(s, bj(3, 20) + timedelta(days=1), lat=40.07, lon=116.31)
        s.commit()
    assert board(api, "operator")["intake"]["total"] == 3
