"""Helpers for the order, SLA and auth tests: a quicker `api` (tokens issued directly, no argon2
round per user per test: the token endpoint itself is tested in tests/orders/test_access.py), orders
brought to each state of the lifecycle, and service-level principals for tests that pass `now`."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huitian.auth import service as auth_service
from huitian.auth.service import Principal
from huitian.orders import flows
from huitian.orders import service as orders_service
from huitian.orders.models import Order, OrderEvent
from huitian.orders.schemas import ActionRequest, OrderCreate
from tests.conftest import Api
from tests.factories import IN_G1, IN_S2

PHONE = "13812345678"
MASKED_PHONE = "138****5678"
NAME = "张三丰"
MASKED_NAME = "张**"


class QuickApi(Api):
    """`tests.conftest.Api`, but a user's bearer token is signed directly with the app's secret."""

    def headers(self, username: str) -> dict[str, str]:
        if username not in self._tokens:
            state = self.client.app.state
            with state.db.read() as session:
                user = auth_service.get_user_by_username(session, username=username)
                assert user is not None, username
                self._tokens[username] = auth_service.issue_token(secret=state.secret, user=user)
        return {"Authorization": f"Bearer {self._tokens[username]}"}

    def order(self, order: dict, username: str = "operator") -> dict:
        r = self.get(username, f"/api/v1/orders/{order['id']}")
        assert r.status_code == 200, r.text
        return r.json()

    def try_act(self, username: str, order: dict, action: str, version: int | None = None, **params):
        """Post an action without asserting its status; returns the raw response."""
        if version is None:
            version = self.order(order)["version"]
        body = {"action": action, "version": version, **params}
        return self.post(username, f"/api/v1/orders/{order['id']}/actions", body)

    def listing(self, username: str, **params) -> dict:
        r = self.get(username, "/api/v1/orders", params={"limit": 500, **params})
        assert r.status_code == 200, r.text
        return r.json()

    def ids(self, username: str, **params) -> set[int]:
        return {o["id"] for o in self.listing(username, **params)["items"]}


@pytest.fixture
def api(client) -> QuickApi:
    return QuickApi(client)


def kinds(order: dict) -> list[str]:
    return [e["kind"] for e in order["events"]]


def units_by_role(order: dict) -> dict[str, list[tuple[str, str]]]:
    """{'lead': [(unit, status)], 'co': [...], 'supervise': [...]} of an order as read."""
    out: dict[str, list[tuple[str, str]]] = {"lead": [], "co": [], "supervise": []}
    for a in order["assignments"]:
        out[a["role"]].append((a["unit"], a["status"]))
    return out


# --- orders brought to each state ---------------------------------------------------------------------


def new_order(
    api: QuickApi, username: str = "operator", where: tuple[float, float] = IN_G1, **fields
) -> dict:
    """A complaint in grid G1 (street S1) with the citizen's name and phone."""
    body = (
        dict(lat=where[1], lon=where[0], category_code="010101", citizen_name=NAME, citizen_phone=PHONE)
        | fields
    )
    return api.create(username, **body)


def in_s2(api: QuickApi, username: str = "operator", **fields) -> dict:
    return new_order(api, username, where=IN_S2, **fields)


def dispatched(api: QuickApi, unit: str = "ST1", **fields) -> dict:
    return api.act("operator", new_order(api, **fields), "dispatch", unit=unit)


def accepted(api: QuickApi, **fields) -> dict:
    return api.act("handler1", dispatched(api, **fields), "accept")


def contacted(api: QuickApi, **fields) -> dict:
    return api.act("handler1", accepted(api, **fields), "contact", note="电话联系,约定上门")


def replied(api: QuickApi, **fields) -> dict:
    return api.act("handler1", contacted(api, **fields), "reply", text="已修复")


def called_back(api: QuickApi, resolved: bool = False, satisfaction: str = "dissatisfied", **fields) -> dict:
    return api.act(
        "operator", replied(api, **fields), "callback", resolved=resolved, satisfaction=satisfaction
    )


def closed(api: QuickApi, resolved: bool = False, satisfaction: str = "dissatisfied", **fields) -> dict:
    return api.act("operator", called_back(api, resolved, satisfaction, **fields), "close")


def disputed(api: QuickApi, **fields) -> dict:
    order = new_order(api, **fields)
    for _ in range(2):
        api.act("operator", order, "dispatch", unit="ST1")
        order = api.act("handler1", order, "return", reason="不属于本街道职责")
    return order


def merged(api: QuickApi, **fields) -> dict:
    target = new_order(api, **fields)
    return api.act("operator", new_order(api, **fields), "merge", into=str(target["id"]))


# --- service level, for tests that control the clock ---------------------------------------------------


def principal(session: Session, username: str) -> Principal:
    user = auth_service.get_user_by_username(session, username=username)
    assert user is not None, username
    return auth_service.principal_for_user(session, user=user)


def create_at(session: Session, now: datetime, **fields) -> Order:
    body = {"type": "complaint", "description": "路灯不亮", "category_code": "010101"} | fields
    order = orders_service.create_order(
        session, data=OrderCreate(**body), principal=principal(session, "operator"), now=now
    ).order
    session.flush()
    return order


def act_at(session: Session, order: Order, username: str, action: str, now: datetime, **params) -> Order:
    req = ActionRequest(action=action, version=order.version, **params)
    return flows.perform(session, order=order, principal=principal(session, username), req=req, now=now)


def count_orders(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Order)) or 0


def event_kinds(session: Session, order_id: int) -> list[str]:
    return list(
        session.scalars(
            select(OrderEvent.kind).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        )
    )


def run_async(coro):
    """asyncio.run(coro) in a thread of its own: the browser tests' Playwright (sync API) keeps an event
    loop running in the main thread, where asyncio.run refuses to start a second one."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
