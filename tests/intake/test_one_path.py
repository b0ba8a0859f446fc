"""One intake path (issue 15, item 1): every door that files an order goes through intake.flows.receive,
so every door triages (auto-dispatches what the model is sure about, when the admin switched it on) and
enforces the principal's channel and priority rights. One test per door, plus the part link's event.

The staff's web new-order page (/orders/new, intake/web.py) is one of the doors too. Bulk imports
(transfer) do not come this way: historical rows are not triaged."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from huitian.assets import service as assets_service
from huitian.errors import Forbidden
from huitian.hotline import service as hotline_service
from huitian.hotline.schemas import AnswerAtOnce, KbEntryCreate
from huitian.intake import flows as intake_flows
from huitian.intake import patrol as patrol_service
from huitian.intake import photos as photos_service
from huitian.intake import public as public_service
from huitian.intake import qr as qr_service
from huitian.orders import service as orders_service
from huitian.orders.enums import Action, Channel
from huitian.orders.models import Order, OrderEvent
from huitian.orders.schemas import ActionRequest, OrderCreate
from huitian.proactive import service as proactive_service
from tests.assets.test_public import _form, make_part
from tests.dispatch.test_auto_dispatch import model_dir, set_threshold, trained  # noqa: F401
from tests.factories import IN_G1
from tests.helpers import count_orders, principal
from tests.intake.test_photos import jpeg
from tests.orders.test_filing_rights import _key
from tests.proactive.test_warnings import _a_warning
from tests.web.conftest import FormClient, login

LAMP = "路灯不亮了,晚上出门看不见"


@pytest.fixture
def auto(api, trained):  # noqa: F811
    """A trained model and auto-dispatch switched on with a threshold every suggestion clears."""
    set_threshold(api, 0.01)


def events(session, order_id: int) -> list[OrderEvent]:
    return list(
        session.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id))
    )


def assert_auto_dispatched(session, order_id: int) -> list[OrderEvent]:
    order = session.get(Order, order_id)
    history = events(session, order_id)
    dispatch = [e for e in history if e.kind == "dispatch"]
    assert order.status == "dispatched" and order.lead_unit_id is not None, [e.kind for e in history]
    assert dispatch and dispatch[0].actor_name == "system" and "自动派单" in dispatch[0].payload["reason"]
    return history


def assert_chain_holds(session, order: Order) -> None:
    """The order's event chain and state digest check out (the trained model's closed orders are set
    closed behind the chain's back, so only this order is looked at)."""
    report = orders_service.verify_histories(session)
    number = orders_service.public_number(order)
    assert [p for p in report["problems"] if p["order"] == number] == []


def newest(session) -> Order:
    return session.scalar(select(Order).order_by(Order.id.desc()).limit(1))


def test_the_json_door_auto_dispatches_and_refuses_a_channel_its_principal_may_not_use(api, db, auto):
    body = {"type": "complaint", "description": LAMP, "lat": IN_G1[1], "lon": IN_G1[0]}
    r = api.post("operator", "/api/v1/orders", body)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "dispatched"
    with db.read() as session:
        assert_auto_dispatched(session, r.json()["id"])
    refused = api.post("resident1", "/api/v1/orders", body | {"channel": "hotline"})
    assert refused.status_code == 403 and "channel" in refused.text
    refused = api.post("resident1", "/api/v1/orders", body | {"priority": "urgent"})
    assert refused.status_code == 403 and "priority" in refused.text


def test_the_hotline_door_auto_dispatches_a_call_and_refuses_a_principal_outside_the_centre(db, auto):
    data = OrderCreate(
        type="complaint", description=LAMP, channel=Channel.HOTLINE, lat=IN_G1[1], lon=IN_G1[0]
    )
    with db.write() as session:
        order = hotline_service.take_call(session, principal=principal(session, "operator"), data=data)
        session.commit()
        assert_auto_dispatched(session, order.id)
        with pytest.raises(Forbidden) as refused:
            hotline_service.take_call(session, principal=principal(session, "resident1"), data=data)
        assert refused.value.field == "channel"


def test_a_call_closed_at_once_and_an_answer_at_once_are_received_but_not_triaged(db, auto):
    with db.write() as session:
        operator = principal(session, "operator")
        data = OrderCreate(type="complaint", description=LAMP, channel=Channel.HOTLINE)
        close = ActionRequest(action=Action.CLOSE, version=1, outcome="transferred_emergency")
        closed = hotline_service.take_call(session, principal=operator, data=data, close=close)
        entry = hotline_service.create_entry(
            session,
            principal=operator,
            data=KbEntryCreate(title="路灯", answer="请拨打路灯热线", keywords="路灯"),
        )
        body = AnswerAtOnce(kb_entry=entry.id, description="路灯坏了找哪个部门")
        answered = hotline_service.answer_at_once(session, principal=operator, data=body)
        session.commit()
        for order in (closed, answered):
            assert order.status == "closed" and "dispatch" not in [e.kind for e in events(session, order.id)]
        with pytest.raises(Forbidden):
            hotline_service.answer_at_once(session, principal=principal(session, "grid1"), data=body)


def test_the_phone_page_auto_dispatches_and_fixes_its_own_channel(client, db, auto):
    data = {"description": LAMP, "address": "一社区3号楼南侧", "channel": "patrol", "priority": "urgent"}
    r = client.post("/m", data=data | _csrf(client, "/m"))
    assert r.status_code == 200, r.text
    with db.read() as session:
        order = newest(session)
        assert (order.channel, order.priority) == ("web", "normal")
        assert_auto_dispatched(session, order.id)
    with db.write() as session:  # its public principal may not use another channel
        data = OrderCreate(type="complaint", description=LAMP, channel=Channel.PATROL)
        with pytest.raises(Forbidden) as refused:
            intake_flows.receive_one(session, data=data, principal=public_service.PUBLIC_RESIDENT)
        assert refused.value.field == "channel"


def _csrf(client, path: str) -> dict:
    import re

    html = client.get(path).text
    return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)}


def test_the_patrol_door_auto_dispatches_and_refuses_those_who_do_not_patrol(db, tmp_path, monkeypatch, auto):
    monkeypatch.setenv("HUITIAN_UPLOAD_DIR", str(tmp_path / "uploads"))
    photos = [photos_service.check(jpeg())]
    where = {"lat": IN_G1[1], "lon": IN_G1[0], "category_code": "010101", "photos": photos}
    with db.write() as session:
        done = patrol_service.report(
            session, principal=principal(session, "grid1"), description=LAMP, **where
        )
        session.commit()
        assert done.order.channel == "patrol"
        assert_auto_dispatched(session, done.order.id)
        with pytest.raises(Forbidden):
            patrol_service.report(session, principal=principal(session, "resident1"), **where)


def test_the_open311_door_auto_dispatches_and_refuses_a_priority_its_key_may_not_set(client, db, auto):
    form = {
        "api_key": _key(client),
        "service_code": "010101",
        "lat": str(IN_G1[1]),
        "long": str(IN_G1[0]),
        "description": LAMP,
    }
    r = client.post("/open311/v2/requests.json", data=form)
    assert r.status_code == 200, r.text
    with db.read() as session:
        order = newest(session)
        assert order.channel == "open311"
        assert_auto_dispatched(session, order.id)
    unit_key = form | {"api_key": _key(client, unit="ST1"), "attribute[priority]": "urgent"}
    r = client.post("/open311/v2/requests.json", data=unit_key)
    assert r.status_code == 403 and "priority" in r.json()[0]["description"]


def test_a_warning_order_is_auto_dispatched_after_its_note_and_refused_to_those_who_do_not_decide(db, auto):
    wid = _a_warning(db)
    with db.write() as session:
        with pytest.raises(Forbidden):
            proactive_service.warning_order(session, principal=principal(session, "handler1"), warning_id=wid)
        before = count_orders(session)
        order = proactive_service.warning_order(
            session, principal=principal(session, "planner"), warning_id=wid, description=LAMP
        )
        session.commit()
        assert count_orders(session) == before + 1 and (order.channel, order.proactive) == ("patrol", True)
        kinds = [e.kind for e in assert_auto_dispatched(session, order.id)]
        assert kinds[:3] == ["created", "note", "dispatch"]
        assert_chain_holds(session, order)


def test_the_qr_door_links_its_part_with_an_event_and_auto_dispatches_without_a_maintainer(client, db, auto):
    code = make_part(db, unit=None)
    form = _form(client, code) | {"description": LAMP, "channel": "patrol", "priority": "urgent"}
    assert client.post(f"/p/{code}", data=form, follow_redirects=False).status_code == 303
    with db.read() as session:
        order = newest(session)
        asset = assets_service.get_by_code(session, code=code)
        assert (order.channel, order.priority, order.asset_id) == ("qr", "normal", asset.id)
        history = assert_auto_dispatched(session, order.id)
        assert [e.kind for e in history][:2] == ["created", "asset_linked"]
        assert history[1].payload == {"asset_id": asset.id} and history[1].actor_name == "qr:public"
        assert_chain_holds(session, order)


def test_the_qr_door_dispatches_to_the_maintainer_by_rule_not_by_the_model(db, auto):
    code = make_part(db, unit="UT")
    with db.write() as session:
        asset = assets_service.get_by_code(session, code=code)
        order = qr_service.file_request(session, asset=asset, description=LAMP)
        session.commit()
        history = events(session, order.id)
        assert [e.kind for e in history] == ["created", "asset_linked", "dispatch"]
        assert "自动派单" not in (history[2].payload.get("reason") or "")
        assert order.lead_unit_id == asset.unit_id
        assert_chain_holds(session, order)


def test_the_staff_new_order_page_auto_dispatches_and_files_through_its_own_channel(app, api, db, auto):
    with FormClient(app) as op:
        login(op, "operator")
        form = {"type": "complaint", "description": LAMP, "lat": str(IN_G1[1]), "lon": str(IN_G1[0])}
        r = op.post("/orders/new", data=form, follow_redirects=False)
        assert r.status_code == 303, r.text
        number = r.headers["location"].rsplit("/", 1)[1]
    order = api.get("operator", f"/api/v1/orders/{number}").json()
    assert order["channel"] == "hotline" and order["status"] == "dispatched"
    with db.read() as session:
        assert_auto_dispatched(session, order["id"])
    with FormClient(app) as unit:  # a handler may file nothing: refused, nothing written
        login(unit, "handler1")
        before = api.listing("operator")["total"]
        assert unit.post("/orders/new", data=form, follow_redirects=False).status_code == 403
        assert api.listing("operator")["total"] == before
