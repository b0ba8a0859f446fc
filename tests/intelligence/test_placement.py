"""Orders without coordinates are placed from their address text (then their description) through the
gazetteer of the areas; in bulk too, with an event saying so."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from huitian.areas import service as areas_service
from huitian.intelligence import placement
from huitian.orders.models import Order
from tests.helpers import create_at, event_kinds


@pytest.fixture(autouse=True)
def fresh_gazetteer():
    areas_service.invalidate_places()
    yield
    areas_service.invalidate_places()


def test_an_address_naming_a_known_community_places_the_order_there(api):
    order = api.create(
        "operator", description="楼道灯坏了", address="一社区5号楼2单元", category_code="010101"
    )
    assert order["area_path"] == "/D1/S1/C1/" and order["lat"] is None
    assert placement.placement_source(lat=order["lat"], area_id=1) == placement.ADDRESS


def test_the_description_is_read_when_the_address_names_nothing(api):
    order = api.create("operator", description="二街道菜市场门口积水", address="门口", category_code="010101")
    assert order["area_path"] == "/D1/S2/"


def test_the_most_specific_place_wins_and_a_point_is_not_overridden(api):
    grid = api.create("operator", description="一街道一社区第2网格路灯坏了", category_code="010101")
    assert grid["area_path"] == "/D1/S1/C1/G2/"
    pointed = api.create(
        "operator", description="二街道路灯坏了", lat=40.07, lon=116.31, category_code="010101"
    )
    assert pointed["area_path"] == "/D1/S1/C1/G1/"  # the point's grid, not the street the text names


def test_an_unknown_place_leaves_the_order_unplaced(api):
    order = api.create("operator", description="咨询社保卡办理流程", address="不知道", category_code="010101")
    assert order["area_path"] is None
    assert placement.placement_source(lat=None, area_id=None) == placement.NONE
    assert placement.placement_source(lat=40.0, area_id=3) == placement.POINT


def test_orders_written_before_the_name_was_known_are_placed_in_bulk_with_an_event(db):
    from datetime import UTC, datetime

    with db.write() as session:
        order = create_at(session, datetime.now(UTC), description="三社区路灯坏了", address="三社区")
        unplaced = create_at(session, datetime.now(UTC), description="没有地名")
        assert order.area_id is None
        # The area named by the text is created afterwards.
        from huitian.areas.enums import AreaLevel
        from huitian.areas.schemas import AreaCreate

        areas_service.create_area(
            session, data=AreaCreate(code="C3", name="三社区", level=AreaLevel.COMMUNITY, parent="S2")
        )
        # Creating it cleared this process's cached gazetteer (other processes: within its time to live).
        assert placement.place_unplaced(session, batch=1) == 1
        session.commit()
    with db.read() as session:
        placed = session.scalar(select(Order).where(Order.id == order.id))
        assert placed.area_path == "/D1/S2/C3/"
        assert event_kinds(session, order.id)[-1] == "note"
        assert session.get(Order, unplaced.id).area_id is None


def test_the_backfill_is_for_admins_and_places_what_the_text_names(api, db):
    from datetime import UTC, datetime

    with db.write() as session:
        create_at(session, datetime.now(UTC), description="路灯坏了", address="四号院")
        from huitian.areas.enums import AreaLevel
        from huitian.areas.schemas import AreaCreate

        areas_service.create_area(
            session, data=AreaCreate(code="C4", name="四号院社区", level=AreaLevel.COMMUNITY, parent="S1")
        )
        session.commit()
    assert api.post("operator", "/api/v1/intelligence/placement/backfill").status_code == 403
    r = api.post("admin", "/api/v1/intelligence/placement/backfill")
    assert r.status_code == 200 and r.json() == {"placed": 1}
    assert api.post("admin", "/api/v1/intelligence/placement/backfill").json() == {"placed": 0}
