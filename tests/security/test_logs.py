"""Personal data is never logged: a real `huitian serve` and `huitian worker` (their own processes, their
output captured as an operator would see it) go through intake, the caller look-up by phone, dispatch,
handling, bad input carrying the phone, an export and a failed login; neither the citizen's name nor
phone appears in any line they wrote."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import chaos  # noqa: E402
from tests.factories import IN_G1  # noqa: E402

NAME, PHONE = "欧阳秀兰", "13987654321"


def test_neither_name_nor_phone_reaches_the_server_or_worker_logs(db_url: str, tmp_path: Path):
    chaos.prepare(db_url, users=("operator", "handler1"))
    server = chaos.Proc("server", db_url, tmp_path, 1)
    worker = chaos.Proc("worker", db_url, tmp_path, 1)
    server.start()
    worker.start()
    try:
        server.wait_up()
        base = f"http://127.0.0.1:{server.port}"
        with httpx.Client(base_url=base, timeout=30) as http:

            def auth(user: str) -> dict:
                r = http.post("/api/v1/auth/token", json={"username": user, "password": chaos.PASSWORD})
                assert r.status_code == 200, r.text
                return {"Authorization": f"Bearer {r.json()['access_token']}"}

            op, handler = auth("operator"), auth("handler1")
            body = {
                "type": "complaint",
                "description": f"{NAME}来电:楼下路灯不亮,回电{PHONE}",
                "lat": IN_G1[1],
                "lon": IN_G1[0],
                "category_code": "010101",
                "citizen_name": NAME,
                "citizen_phone": PHONE,
            }
            order = http.post("/api/v1/orders", json=body, headers=op).json()
            assert http.get(f"/api/v1/hotline/callers/{PHONE}", headers=op).status_code == 200
            bad = http.post("/api/v1/orders", json={**body, "lat": 999}, headers=op)
            assert bad.status_code == 422
            for user, action, extra in (
                ("op", "dispatch", {"unit": "ST1"}),
                ("handler", "accept", {}),
                ("handler", "contact", {"note": f"已电话联系{NAME}({PHONE})"}),
                ("handler", "reply", {"text": f"已修复,告知{NAME}"}),
            ):
                current = http.get(f"/api/v1/orders/{order['id']}", headers=op).json()
                r = http.post(
                    f"/api/v1/orders/{order['id']}/actions",
                    json={"action": action, "version": current["version"], **extra},
                    headers=op if user == "op" else handler,
                )
                assert r.status_code == 200, r.text
            assert http.get("/api/v1/orders.xlsx", headers=op).status_code == 200
            failed = http.post("/api/v1/auth/token", json={"username": PHONE, "password": "x"})
            assert failed.status_code == 401
        time.sleep(2)  # a sweep or two of the worker
    finally:
        server.stop()
        worker.stop()
    logs = {p.name: p.read_text(errors="replace") for p in tmp_path.glob("*.log")}
    assert set(logs) == {"server1.log", "worker1.log"}
    assert any(logs.values()), "the processes wrote nothing at all: the test would prove nothing"
    for name, text in logs.items():
        assert PHONE not in text, name
        assert NAME not in text, name
