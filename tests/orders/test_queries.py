"""Orders' public read interface (orders.queries) and the placement write (orders.service.place_orders),
through which duplicates and intelligence reach the orders without touching the orders table (issue 15)."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from typer.testing import CliRunner

from huitian.auth.service import SYSTEM
from huitian.categories import service as categories_service
from huitian.cli import app
from huitian.orders import queries
from huitian.orders import service as orders_service
from huitian.orders.models import Order, OrderEvent
from huitian.units import service as units_service
from tests.helpers import api, closed, dispatched, new_order, principal  # noqa: F401


def test_open_texts_are_the_open_orders_after_an_id_with_the_index_fields(api, db):  # noqa: F811
    first, second = new_order(api), new_order(api, description="井盖丢了")
    done = closed(api)
    with db.read() as session:
        rows = queries.open_texts(session)
        assert [r.id for r in rows] == [first["id"], second["id"]]  # by id, the closed one left out
        assert rows[1]._fields == queries.OPEN_TEXT_FIELDS
        assert rows[1].description == "井盖丢了" and rows[1].citizen_phone == first["citizen_phone"]
        assert [r.id for r in queries.open_texts(session, after_id=first["id"])] == [second["id"]]
        assert queries.open_texts(session, after_id=done["id"]) == []


def test_open_visible_keeps_what_is_open_and_what_the_principal_sees(api, db):  # noqa: F811
    mine, other, done = dispatched(api), new_order(api), closed(api)
    ids = [mine["id"], other["id"], done["id"], 10**9]
    with db.read() as session:
        assert [o.id for o in queries.open_visible(session, principal=SYSTEM, ids=ids)] == [
            mine["id"],
            other["id"],
        ]
        handler = principal(session, "handler1")  # a member of ST1: sees what was dispatched to it
        assert [o.id for o in queries.open_visible(session, principal=handler, ids=ids)] == [mine["id"]]
        assert queries.open_visible(session, principal=SYSTEM, ids=[]) == []


def test_training_reads_and_their_counts_agree(api, db):  # noqa: F811
    done, _open = closed(api), new_order(api)
    with db.read() as session:
        leaf = [c.id for c in categories_service.list_categories(session, level=3)]
        by_category = queries.closed_in_categories(session, category_ids=leaf)
        by_unit = queries.closed_with_lead_unit(session)
        assert len(by_category) == queries.count_closed_in_categories(session, category_ids=leaf) == 1
        assert len(by_unit) == queries.count_closed_with_lead_unit(session) == 1
        assert queries.closed_in_categories(session, category_ids=[]) == []
        assert queries.count_closed_in_categories(session, category_ids=[]) == 0
        final = queries.final_fields(session, ids=[done["id"], 10**9])
        assert set(final) == {done["id"]}
        units = units_service.directory(session)
        assert units[final[done["id"]].lead_unit_id].code == "ST1"
        assert by_unit[0].lead_unit_id == final[done["id"]].lead_unit_id
        assert by_category[0].category_id == final[done["id"]].category_id


def test_final_fields_reads_long_id_lists_in_chunks(api, db, monkeypatch):  # noqa: F811
    orders = [new_order(api) for _ in range(3)]
    monkeypatch.setattr(queries, "CHUNK", 2)
    with db.read() as session:
        assert set(queries.final_fields(session, ids=[o["id"] for o in orders])) == {o["id"] for o in orders}


def test_place_orders_places_only_the_unplaced_with_an_event_and_the_chain_verifies(
    api,  # noqa: F811
    db,
    db_url,
):
    bare = api.create("operator", description="没有地名的事", address="不知道", category_code="010101")
    pointed = new_order(api)
    assert bare["area_path"] is None and pointed["area_path"] is not None
    with db.write() as session:
        assert [r.id for r in queries.unplaced(session)] == [bare["id"]]
        area = session.get(Order, pointed["id"])
        target = (area.area_id, area.area_path)
        before = session.scalar(select(func.count()).select_from(OrderEvent))
        placed = orders_service.place_orders(
            session,
            areas={bare["id"]: target, pointed["id"]: (999, "/X/")},
            principal=SYSTEM,
            text="按地址文字定位(地名匹配)",
            source="address",
        )
        assert placed == 1
        assert orders_service.place_orders(session, areas={}, principal=SYSTEM, text="", source="") == 0
        session.commit()
    with db.read() as session:
        row, kept = session.get(Order, bare["id"]), session.get(Order, pointed["id"])
        assert (row.area_id, row.area_path) == target
        assert (kept.area_id, kept.area_path) == (target[0], pointed["area_path"])  # left alone
        events = orders_service.events_of(session, order_id=bare["id"])
        assert events[-1].kind == "note" and events[-1].payload == {
            "text": "按地址文字定位(地名匹配)",
            "placed": {"area_path": target[1], "source": "address"},
        }
        assert session.scalar(select(func.count()).select_from(OrderEvent)) == before + 1
        assert queries.unplaced(session) == []
    result = CliRunner().invoke(app, ["audit", "verify", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["states_checked"] >= 2
