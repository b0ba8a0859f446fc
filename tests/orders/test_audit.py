"""Each order's events form a hash chain; `huitian audit verify` finds any change to the history."""

import json

from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from huitian.cli import app
from huitian.orders.models import Order, OrderEvent
from tests.helpers import closed, dispatched


def audit(db_url: str):
    return CliRunner().invoke(app, ["audit", "verify", "--db", db_url])


def test_an_untouched_history_verifies(api, db_url):
    closed(api)
    dispatched(api)
    result = audit(db_url)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["orders_checked"] == 2
    assert report["events_checked"] > 8
    assert report["problems"] == []


def test_an_edited_event_is_found(api, db, db_url):
    order = closed(api)
    with db.write() as s:
        s.execute(
            update(OrderEvent)
            .where(OrderEvent.order_id == order["id"], OrderEvent.kind == "callback")
            .values(payload={"resolved": True, "satisfaction": "satisfied"})
        )
        s.commit()
    result = audit(db_url)
    assert result.exit_code == 1
    problems = json.loads(result.output)["problems"]
    assert [p["order"] for p in problems] == [order["number"]]
    assert "callback" in problems[0]["problem"]


def test_a_deleted_last_event_is_found(api, db, db_url):
    order = dispatched(api)
    with db.write() as s:
        last = s.scalar(
            select(OrderEvent.id).where(OrderEvent.order_id == order["id"]).order_by(OrderEvent.id.desc())
        )
        s.execute(delete(OrderEvent).where(OrderEvent.id == last))
        s.commit()
    result = audit(db_url)
    assert result.exit_code == 1
    assert "head hash" in json.loads(result.output)["problems"][0]["problem"]


def test_every_action_and_the_sweep_extend_the_chain(api, db):
    order = dispatched(api)
    with db.read() as s:
        head = s.get(Order, order["id"]).history_hash
        newest = s.scalar(
            select(OrderEvent.hash).where(OrderEvent.order_id == order["id"]).order_by(OrderEvent.id.desc())
        )
    assert head == newest
