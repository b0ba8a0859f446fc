"""Who may file what (issue 14, item 10): channel and priority rights, checked in the one intake path
every door reaches (orders.service.order_values), so that no door can file what its principal may not.

The expected rights are written out here on their own, not read from the service's tables."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from huitian.assets import service as assets_service
from huitian.auth import service as auth_service
from huitian.auth.enums import Role
from huitian.errors import Forbidden
from huitian.hotline import service as hotline_service
from huitian.hotline.schemas import AnswerAtOnce, KbEntryCreate
from huitian.intake import patrol as patrol_service
from huitian.intake import photos as photos_service
from huitian.intake.public import PUBLIC_RESIDENT
from huitian.orders import service as orders_service
from huitian.orders.enums import Channel
from huitian.orders.models import Order
from huitian.orders.schemas import OrderCreate
from huitian.proactive import service as proactive_service
from huitian.transfer import service as transfer_service
from tests.assets.test_public import _form, make_part
from tests.factories import IN_G1
from tests.helpers import api, count_orders, principal  # noqa: F401
from tests.intake.test_phone_page import file as phone_file
from tests.intake.test_photos import jpeg
from tests.proactive.test_warnings import _a_warning
from tests.transfer.test_import_export import write_csv
from tests.web.conftest import browser  # noqa: F401

USER_OF = {
    Role.RESIDENT: "resident1",
    Role.OPERATOR: "operator",
    Role.HANDLER: "handler1",
    Role.UNIT_LEAD: "lead1",
    Role.SUPERVISOR: "super1",
    Role.GRID_WORKER: "grid1",
    Role.PLANNER: "planner",
    Role.ADMIN: "admin",
}
R, OP, H, L, S, G, P, A = (
    Role.RESIDENT,
    Role.OPERATOR,
    Role.HANDLER,
    Role.UNIT_LEAD,
    Role.SUPERVISOR,
    Role.GRID_WORKER,
    Role.PLANNER,
    Role.ADMIN,
)
# channel -> the roles that may file through it (signed-in users).
MAY_FILE = {
    "hotline": {OP, A},
    "web": {R, OP, A},
    "app": {R, OP, A},
    "wechat": {R, OP, A},
    "qr": {R, OP, A},
    "open311": set(),
    "patrol": {G, S, P, OP, A},
    "import": {OP, A},
    "api": {R, G, OP, A},
}
MAY_SET_URGENT = {OP, A}
CASES = [(channel, role) for channel in MAY_FILE for role in USER_OF]


def _body(**fields) -> dict:
    return {"type": "complaint", "description": "小区门口路灯不亮", "lat": IN_G1[1], "lon": IN_G1[0]} | fields


def _total(client) -> int:
    with client.app.state.db.read() as session:
        return count_orders(session)


def test_the_matrix_covers_every_channel():
    assert set(MAY_FILE) == {c.value for c in Channel}


@pytest.mark.parametrize(("channel", "role"), CASES, ids=[f"{c}-{r.value}" for c, r in CASES])
def test_each_role_files_through_the_channels_it_may_and_no_other(api, client, channel, role):  # noqa: F811
    before = _total(client)
    r = api.post(USER_OF[role], "/api/v1/orders", _body(channel=channel))
    if role in MAY_FILE[channel]:
        assert r.status_code == 201, r.text
        assert r.json()["channel"] == channel
        assert _total(client) == before + 1
    else:
        assert r.status_code == 403, r.text
        assert r.json()["field"] == "channel" and channel in r.json()["detail"]
        assert _total(client) == before  # nothing written


@pytest.mark.parametrize("role", list(USER_OF), ids=[r.value for r in USER_OF])
def test_only_the_hotline_centre_sets_an_urgent_priority(api, client, role):  # noqa: F811
    channel = "patrol" if role in (S, P, G) else "api"  # a channel the role may use, so priority decides
    if role in (H, L):
        channel = None  # units file nothing at all
    before = _total(client)
    extra = {"channel": channel} if channel else {}
    r = api.post(USER_OF[role], "/api/v1/orders", _body(priority="urgent", **extra))
    if role in MAY_SET_URGENT:
        assert r.status_code == 201, r.text
        assert (r.json()["priority"], r.json()["time_limit_class"]) == ("urgent", "emergency")
    else:
        assert r.status_code == 403, r.text
        assert r.json()["field"] == ("channel" if channel is None else "priority")
        assert _total(client) == before


def _key(client, role: Role | None = None, unit: str | None = None) -> str:
    with client.app.state.db.write() as session:
        _, key = auth_service.create_api_key(session, name=f"k-{role}-{unit}", unit_code=unit, role=role)
        session.commit()
    return key


@pytest.mark.parametrize("channel", [c.value for c in Channel])
def test_an_api_key_files_only_through_the_machine_channels(client, channel):
    key = _key(client)  # the centre's key (operator role): its role alone would allow hotline, import…
    r = client.post("/api/v1/orders", json=_body(channel=channel), headers={"X-API-Key": key})
    if channel in ("open311", "app", "wechat", "api"):
        assert r.status_code == 201, r.text
    else:
        assert r.status_code == 403 and r.json()["field"] == "channel", r.text


def test_a_units_api_key_may_not_set_an_urgent_priority(client):
    key = _key(client, unit="ST1")
    r = client.post("/api/v1/orders", json=_body(priority="urgent"), headers={"X-API-Key": key})
    assert r.status_code == 403 and r.json()["field"] == "priority", r.text
    assert client.post("/api/v1/orders", json=_body(), headers={"X-API-Key": key}).status_code == 201


# --- every other door --------------------------------------------------------------------------------------


def test_the_web_page_files_a_residents_request_as_web_and_drops_an_urgent_priority(api, browser):  # noqa: F811
    resident = browser("resident1")
    form = {"type": "complaint", "description": "楼道灯坏了", "priority": "urgent", "channel": "patrol"}
    assert "紧急程度" not in resident.get("/orders/new").text  # no priority offered to a resident
    assert resident.client.post("/orders/new", data=form).status_code == 200
    mine = api.listing("resident1")["items"]
    assert [(o["channel"], o["priority"], o["proactive"]) for o in mine] == [("web", "normal", False)]
    handler = browser("handler1")
    assert handler.client.post("/orders/new", data=form).status_code == 403
    assert len(api.listing("operator")["items"]) == 1


def test_hotline_entry_cannot_file_for_a_principal_outside_the_centre(db):
    with db.write() as session:
        data = OrderCreate(type="complaint", description="来电反映路灯不亮", channel=Channel.HOTLINE)
        with pytest.raises(Forbidden) as refused:
            hotline_service.take_call(session, principal=principal(session, "resident1"), data=data)
        assert refused.value.field == "channel" and count_orders(session) == 0
        urgent = OrderCreate(**(data.model_dump() | {"priority": "urgent"}))
        order = hotline_service.take_call(session, principal=principal(session, "operator"), data=urgent)
        assert (order.channel, order.priority) == ("hotline", "urgent")


def test_answer_at_once_files_a_hotline_order_for_the_centre_only(db):
    with db.write() as session:
        operator = principal(session, "operator")
        entry = hotline_service.create_entry(
            session,
            principal=operator,
            data=KbEntryCreate(title="居住证", answer="到派出所办理", keywords="居住证"),
        )
        body = AnswerAtOnce(kb_entry=entry.id, description="居住证怎么办")
        with pytest.raises(Forbidden):
            hotline_service.answer_at_once(session, principal=principal(session, "grid1"), data=body)
        assert count_orders(session) == 0
        order = hotline_service.answer_at_once(session, principal=operator, data=body)
        assert (order.channel, order.priority) == ("hotline", "normal")


def test_the_qr_form_files_a_qr_order_at_normal_priority(client, db):
    code = make_part(db)
    form = _form(client, code) | {"description": "路灯不亮", "priority": "urgent", "channel": "patrol"}
    assert client.post(f"/p/{code}", data=form, follow_redirects=False).status_code == 303
    with db.read() as session:
        order = session.scalar(select(Order))
        assert (order.channel, order.priority, order.proactive) == ("qr", "normal", False)
    assert assets_service.QR_PUBLIC.role == Role.RESIDENT  # the public: may not file patrol or urgent


def test_the_phone_page_files_web_at_normal_priority_whatever_the_form_says(client, db):
    r = phone_file(client, priority="urgent", channel="patrol", type="report")
    assert r.status_code == 200, r.text
    with db.read() as session:
        order = session.scalar(select(Order))
        assert (order.channel, order.priority, order.proactive) == ("web", "normal", False)
    with db.write() as session:  # and the public principal it files as cannot reach patrol or urgent
        for change, field in (({"channel": Channel.PATROL}, "channel"), ({"priority": "urgent"}, "priority")):
            data = OrderCreate(type="complaint", description="x", channel=Channel.WEB).model_copy(
                update=change
            )
            with pytest.raises(Forbidden) as refused:
                orders_service.create_order(session, data=data, principal=PUBLIC_RESIDENT)
            assert refused.value.field == field


def test_the_patrol_page_files_patrol_for_grid_workers_only(db, tmp_path, monkeypatch):
    monkeypatch.setenv("HUITIAN_UPLOAD_DIR", str(tmp_path / "uploads"))
    with db.write() as session:
        photos = [patrol_photo()]
        with pytest.raises(Forbidden):
            patrol_service.report(
                session, principal=principal(session, "resident1"), category_code="010101", photos=photos
            )
        done = patrol_service.report(
            session,
            principal=principal(session, "grid1"),
            category_code="010101",
            photos=photos,
            lat=IN_G1[1],
            lon=IN_G1[0],
        )
        assert (done.order.channel, done.order.priority) == ("patrol", "normal")


def patrol_photo():
    return photos_service.check(jpeg())


def test_open311_refuses_an_urgent_request_from_a_units_key_naming_the_priority(client, db):
    key = _key(client, unit="ST1")
    form = {
        "api_key": key,
        "service_code": "010101",
        "lat": "40.07",
        "long": "116.31",
        "description": "路灯不亮",
        "attribute[priority]": "urgent",
    }
    r = client.post("/open311/v2/requests.json", data=form)
    assert r.status_code == 403, r.text
    assert "priority" in r.json()[0]["description"] and _total(client) == 0
    centre = _key(client)
    r = client.post("/open311/v2/requests.json", data=form | {"api_key": centre})
    assert r.status_code == 200, r.text
    with db.read() as session:
        assert session.scalar(select(Order.priority)) == "urgent"


def test_a_bulk_import_by_a_principal_that_may_not_import_writes_nothing(db, tmp_path):
    path = write_csv(tmp_path / "in.csv", [["投诉", "路灯不亮", "010101", "13800000001", ""]])
    with db.write() as session:
        report = transfer_service.import_orders(session, path=path, principal=principal(session, "resident1"))
        assert report.written == 0 and count_orders(session) == 0
        assert report.errors[0].field == "channel"
        report = transfer_service.import_orders(session, path=path)  # the importer (hotline centre)
        assert report.written == 1


def test_a_warning_becomes_a_patrol_order_for_those_who_decide_warnings(db):
    wid = _a_warning(db)
    with db.write() as session:
        with pytest.raises(Forbidden):
            proactive_service.warning_order(session, principal=principal(session, "handler1"), warning_id=wid)
        order = proactive_service.warning_order(
            session, principal=principal(session, "planner"), warning_id=wid
        )
        assert (order.channel, order.priority, order.proactive) == ("patrol", "normal", True)
