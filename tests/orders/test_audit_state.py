"""`huitian audit verify` checks each order's stored state against its event chain (issue 14, item 6): a
direct edit of the order row or of its assignments, with the events left as they were, is found and
named; orders changed only through the service verify clean."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from huitian.auth.service import SYSTEM
from huitian.cli import app
from huitian.lib import chain
from huitian.orders import flows
from huitian.orders import service as orders_service
from huitian.orders.enums import EventKind
from huitian.orders.models import Assignment, Order, OrderEvent
from huitian.orders.schemas import ActionRequest
from huitian.units import service as units_service
from tests.helpers import api, called_back, closed, dispatched, disputed, new_order  # noqa: F401


def audit(db_url: str):
    result = CliRunner().invoke(app, ["audit", "verify", "--db", db_url])
    assert len(result.output.strip().splitlines()) == 1, result.output  # one JSON line
    return result, json.loads(result.output)


def test_orders_changed_only_through_the_service_verify_clean(api, db, db_url):  # noqa: F811
    closed(api)
    called_back(api, resolved=True, satisfaction="satisfied")
    disputed(api)
    target = new_order(api)
    told = api.act("operator", new_order(api), "merge", into=str(target["id"]))
    api.act("operator", target, "dispatch", unit="ST1")
    api.act("handler1", target, "accept")
    api.act("handler1", target, "contact", note="电话联系")
    api.act("handler1", target, "reply", text="已修复")  # the merged caller is told too (its own event)
    api.act("operator", told, "callback", resolved=True, satisfaction="satisfied")
    order = dispatched(api)
    api.act("operator", order, "add_co_unit", unit="BUR", task="清理占道")
    api.act("handler1", order, "accept")
    api.act("handler1", order, "request_extension", days=3, reason="需协调物业")
    api.act("operator", order, "decide_extension", approve=True)
    api.act("operator", order, "mark_unreasonable", reason="重复诉求")
    with db.write() as session:  # the SLA sweep's overdue events, from a later clock
        assert flows.sweep_overdue(session, now=datetime.now(UTC) + timedelta(days=60)) > 0
        session.commit()
    result, report = audit(db_url)
    assert result.exit_code == 0, result.output
    assert report["problems"] == []
    assert report["states_checked"] == report["orders_checked"] > 5


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("description", "改过的诉求内容"),
        ("satisfaction", "satisfied"),
        ("status", "closed"),
        ("resolved", True),
    ],
)
def test_a_direct_edit_of_the_order_row_is_found_and_named(api, db, db_url, column, value):  # noqa: F811
    order = called_back(api)  # resolved: false, dissatisfied
    other = new_order(api)
    with db.write() as session:
        session.execute(update(Order).where(Order.id == order["id"]).values({column: value}))
        session.commit()
    result, report = audit(db_url)
    assert result.exit_code == 1, result.output
    assert [(p["order"], p["fields"]) for p in report["problems"]] == [(order["number"], [column])]
    assert column in report["problems"][0]["problem"]
    assert other["number"] not in result.output


def test_a_direct_edit_in_plain_sql_of_two_fields_names_both(api, db, db_url):  # noqa: F811
    order = closed(api)
    with db.write() as session:
        session.execute(
            text("UPDATE orders SET description = 'x', citizen_phone = '13900000000' WHERE id = :id"),
            {"id": order["id"]},
        )
        session.commit()
    result, report = audit(db_url)
    assert result.exit_code == 1
    assert report["problems"][0]["fields"] == ["description", "citizen_phone"]


def test_a_changed_lead_unit_in_the_assignments_table_is_found(api, db, db_url):  # noqa: F811
    order = dispatched(api)
    with db.write() as session:
        other = units_service.get_by_code(session, code="ST2").id
        session.execute(
            update(Assignment)
            .where(Assignment.order_id == order["id"], Assignment.role == "lead")
            .values(unit_id=other)
        )
        session.commit()
    result, report = audit(db_url)
    assert result.exit_code == 1
    assert [(p["order"], p["fields"]) for p in report["problems"]] == [(order["number"], ["assignments"])]


def test_a_changed_lead_unit_on_the_order_row_is_found(api, db, db_url):  # noqa: F811
    order = dispatched(api)
    with db.write() as session:
        other = units_service.get_by_code(session, code="ST2").id
        session.execute(update(Order).where(Order.id == order["id"]).values(lead_unit_id=other))
        session.commit()
    _, report = audit(db_url)
    assert report["problems"][0]["fields"] == ["lead_unit_id"]


def test_a_deleted_assignment_is_found(api, db, db_url):  # noqa: F811
    order = dispatched(api)
    with db.write() as session:
        session.execute(
            text("DELETE FROM assignments WHERE order_id = :id AND role = 'supervise'"), {"id": order["id"]}
        )
        session.commit()
    result, report = audit(db_url)
    assert result.exit_code == 1 and report["problems"][0]["fields"] == ["assignments"]


def test_an_untouched_database_verifies(api, db_url):  # noqa: F811
    new_order(api)
    result, report = audit(db_url)
    assert result.exit_code == 0 and report["problems"] == [] and report["states_checked"] == 1


def test_events_from_before_state_digests_still_verify(api, db, db_url):  # noqa: F811
    """An order whose newest event has no digest (written before the migration) is checked as before:
    its chain only."""
    order = new_order(api)
    with db.write() as session:
        event = session.scalar(select(OrderEvent).where(OrderEvent.order_id == order["id"]))
        values = {c: getattr(event, c) for c in ("kind", "from_status", "to_status", "actor_id")}
        values |= {c: getattr(event, c) for c in ("actor_name", "actor_role", "unit_id", "created_at")}
        values |= {"payload": event.payload, "state_digest": None}
        old_hash = chain.event_hash(None, values)
        session.execute(
            update(OrderEvent).where(OrderEvent.id == event.id).values(state_digest=None, hash=old_hash)
        )
        session.execute(update(Order).where(Order.id == order["id"]).values(history_hash=old_hash))
        session.commit()
    result, report = audit(db_url)
    assert result.exit_code == 0, result.output
    assert report["states_checked"] == 0


def test_a_placement_note_and_a_system_dispatch_keep_the_state_covered(api, db, db_url):  # noqa: F811
    order = new_order(api)
    with db.write() as session:
        row = session.get(Order, order["id"])
        req = ActionRequest(action="dispatch", version=row.version, unit="ST1")
        flows.perform(session, order=row, principal=SYSTEM, req=req)
        orders_service.add_event(
            session, order=row, kind=EventKind.NOTE, principal=SYSTEM, payload={"text": "备注"}
        )
        session.commit()
    result, _ = audit(db_url)
    assert result.exit_code == 0, result.output


def test_imported_orders_carry_their_state_and_an_edit_of_one_is_found(db, db_url, tmp_path):
    from huitian.transfer import service as transfer_service
    from tests.transfer.test_import_export import GOOD, write_csv

    rows = [*GOOD, ["投诉", "一社区门口垃圾堆放", "010101", "", ""]]
    with db.write() as session:
        assert transfer_service.import_orders(session, path=write_csv(tmp_path / "in.csv", rows)).written == 4
        session.commit()
    result, report = audit(db_url)
    assert result.exit_code == 0, result.output
    assert report["states_checked"] == 4
    with db.write() as session:
        session.execute(text("UPDATE orders SET address = '别处' WHERE id = (SELECT MIN(id) FROM orders)"))
        session.commit()
    result, report = audit(db_url)
    assert result.exit_code == 1 and report["problems"][0]["fields"] == ["address"]
