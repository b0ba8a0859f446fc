"""50 concurrent actors, each with its own HTTP client, against a real `huitian serve` process, on the
same three orders: every action is either applied (200) or refused with 409 (a stale version, or a state
that no longer allows it); no update is lost (each order's version and event count grow by exactly the
number of 200s), and every history stays a valid walk through the state machine."""

from __future__ import annotations

import random
import sys
import threading
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import select

from huitian.db import Database
from huitian.orders.enums import OrderStatus
from huitian.orders.models import Order, OrderEvent
from tests.conftest import PASSWORD

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import chaos  # noqa: E402

ACTORS = 50
ROUNDS = 4
# who does what: notes from the centre, the supervisor and the unit lead; contact and reply by the handler
MOVES = [
    ("operator", {"action": "note", "text": "热线中心跟进"}),
    ("super1", {"action": "note", "text": "街道督办"}),
    ("lead1", {"action": "note", "text": "单位负责人批示"}),
    ("handler1", {"action": "contact", "note": "已电话联系市民"}),
    ("handler1", {"action": "contact", "note": "再次联系"}),
]
REPLY = ("handler1", {"action": "reply", "text": "已修复路灯"})


def test_fifty_actors_on_three_orders_lose_no_update(db_url: str, db: Database, tmp_path: Path):
    server = chaos.Proc("server", db_url, tmp_path, 0)
    server.start()
    try:
        server.wait_up()
        base = f"http://127.0.0.1:{server.port}"
        with httpx.Client(base_url=base, timeout=30) as http:
            tokens = {
                u: http.post("/api/v1/auth/token", json={"username": u, "password": PASSWORD}).json()[
                    "access_token"
                ]
                for u in ("operator", "super1", "lead1", "handler1")
            }

            def call(user: str, method: str, path: str, body: dict | None = None) -> httpx.Response:
                return http.request(
                    method, path, json=body, headers={"Authorization": f"Bearer {tokens[user]}"}
                )

            orders = []
            for _ in range(3):
                body = {
                    "type": "complaint",
                    "description": "路灯不亮,晚上看不清路",
                    "lat": 40.07,
                    "lon": 116.31,
                }
                o = call("operator", "POST", "/api/v1/orders", body).json()
                o = call(
                    "operator",
                    "POST",
                    f"/api/v1/orders/{o['id']}/actions",
                    {"action": "dispatch", "version": o["version"], "unit": "ST1"},
                ).json()
                o = call(
                    "handler1",
                    "POST",
                    f"/api/v1/orders/{o['id']}/actions",
                    {"action": "accept", "version": o["version"]},
                ).json()
                assert o["status"] == "accepted", o
                orders.append(o)
        with db.read() as s:
            before = {o["id"]: (s.get(Order, o["id"]).version, _events(s, o["id"]).__len__()) for o in orders}

        outcomes: Counter[tuple[int, int, str]] = Counter()  # (order, status code, field)
        problems: list[str] = []
        lock = threading.Lock()
        start = threading.Barrier(ACTORS)

        def actor(i: int) -> None:
            rng = random.Random(i)
            with httpx.Client(base_url=base, timeout=60) as own:
                start.wait()
                for _ in range(ROUNDS):
                    o = rng.choice(orders)
                    user, move = REPLY if rng.random() < 0.03 else rng.choice(MOVES)
                    headers = {"Authorization": f"Bearer {tokens[user]}"}
                    current = own.get(f"/api/v1/orders/{o['id']}", headers=headers).json()
                    r = own.post(
                        f"/api/v1/orders/{o['id']}/actions",
                        json={**move, "version": current["version"]},
                        headers=headers,
                    )
                    field = r.json().get("field", "") if r.status_code != 200 else ""
                    with lock:
                        outcomes[(o["id"], r.status_code, field)] += 1
                        if r.status_code not in (200, 409):
                            problems.append(f"{user} {move['action']}: {r.status_code} {r.text[:200]}")
                        if r.status_code == 409 and field == "version" and "current_version" not in r.json():
                            problems.append("a stale-version 409 without the current version")

        threads = [threading.Thread(target=actor, args=(i,)) for i in range(ACTORS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.stop()

    assert not problems, problems[:5]
    assert sum(outcomes.values()) == ACTORS * ROUNDS
    stale = sum(n for (_, code, field), n in outcomes.items() if code == 409 and field == "version")
    assert stale > 0, f"50 actors on 3 orders should have collided: {outcomes}"
    with db.read() as s:
        for o in orders:
            applied = sum(n for (oid, code, _), n in outcomes.items() if oid == o["id"] and code == 200)
            order = s.get(Order, o["id"])
            events = _events(s, o["id"])
            version0, events0 = before[o["id"]]
            assert order.version - version0 == applied, order.number if hasattr(order, "number") else o
            assert len(events) - events0 == applied
            assert OrderStatus(order.status) in (
                OrderStatus.ACCEPTED,
                OrderStatus.CONTACTED,
                OrderStatus.REPLIED,
            )
            status = None
            for e in events:  # a walk through the state machine, ending where the order is
                assert e.from_status in (None, status) or status is None, (e.kind, e.from_status, status)
                status = e.to_status or status
            assert status == order.status


def _events(session, order_id: int) -> list[OrderEvent]:
    return list(
        session.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id))
    )
