"""Crash safety under SIGKILL: real `huitian serve` processes (embedded worker off) and separate
`huitian worker` processes on one database, sustained intake over HTTP from client threads, and random
SIGKILLs of servers and workers (each restarted at once). Every order the server acknowledged (201) must
be stored with a complete, consistent history; the hash chains must verify (`huitian audit verify`); no
missed deadline may be escalated twice, and none may be marked escalated without its event.

    .venv/bin/python bench/chaos.py [--db URL] [--seconds 40] [--kills 6] [--servers 1] [--workers 1]

Without --db a fresh SQLite file is used; a PostgreSQL URL names an empty (or already seeded) database.
Escalations happen during the run by time travel: a clock thread moves the deadlines of dispatched orders
into the past (as if their time limit had run out), and the workers' SLA sweep (every second) escalates.

Prints one JSON line: acknowledged, stored, lost (must be 0), kills, db, and the checks' figures; the
baseline is the acknowledgement rate of the calm first fifth of the run (no kills) against the rest."""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable
PASSWORD = "chaos-pass-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url: str, users: tuple[str, ...] = ("operator",)) -> None:
    """Migrate, and seed the small test world when the database has no users yet; `users` get the
    known password whoever seeded the database."""
    from sqlalchemy import func, select
    from tests import factories

    from huitian import migrate
    from huitian.auth import service as auth_service
    from huitian.auth.models import User
    from huitian.db import Database

    migrate.upgrade(url)
    db = Database(url)
    try:
        with db.write() as s:
            if not s.scalar(select(func.count()).select_from(User)):
                factories.build_world(s, password=PASSWORD)
            for user in s.scalars(select(User).where(User.username.in_(users))):
                user.password_hash = auth_service.hash_password(PASSWORD)
            s.commit()
    finally:
        db.dispose()


class Proc:
    """One server or worker process that can be killed and started again."""

    def __init__(self, kind: str, url: str, log_dir: Path, n: int) -> None:
        self.kind, self.url, self.n = kind, url, n
        self.port = free_port() if kind == "server" else None
        self.log = open(log_dir / f"{kind}{n}.log", "ab")  # noqa: SIM115
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "HUITIAN_EMBEDDED_WORKER": "0", "HUITIAN_SWEEP_INTERVAL_S": "1"}
        if self.kind == "server":
            cmd = [PY, "-m", "huitian.cli", "serve", "--db", self.url, "--port", str(self.port)]
        else:
            cmd = [PY, "-m", "huitian.cli", "worker", "--db", self.url]
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=self.log, cwd=ROOT)

    def wait_up(self, timeout: float = 180) -> None:
        if self.port is None:
            return
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind}{self.n} exited with {self.proc.returncode}: {self.tail()}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.kind}{self.n} did not start: {self.tail()}")

    def tail(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_bytes()[-1500:].decode(errors="replace")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        if self.proc:
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


class Intake:
    """Client threads: file orders (and dispatch some) as the operator, round-robin over the servers."""

    def __init__(self, servers: list[Proc], clients: int) -> None:
        self.servers, self.clients = servers, clients
        self.acked: dict[int, str] = {}  # order id -> number, for every 201
        self.dispatched: set[int] = set()  # every 200 to a dispatch
        self.ack_times: list[float] = []
        self.errors: Counter[str] = Counter()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.token: str | None = None

    def _login(self, http: httpx.Client, base: str) -> str:
        r = http.post(f"{base}/api/v1/auth/token", json={"username": "operator", "password": PASSWORD})
        r.raise_for_status()
        return r.json()["access_token"]

    def run(self, i: int) -> None:
        rng = random.Random(i)
        http = httpx.Client(timeout=20)
        n = 0
        token = None
        while not self.stop.is_set():
            base = f"http://127.0.0.1:{self.servers[(i + n) % len(self.servers)].port}"
            n += 1
            try:
                token = token or self._login(http, base)
                headers = {"Authorization": f"Bearer {token}"}
                body = {
                    "type": "complaint",
                    "description": f"混沌测试 {i}-{n}:小区门口路灯不亮,晚上行人看不清路",
                    "lat": 40.07,
                    "lon": 116.31,
                    "citizen_phone": "13800000000",
                }
                r = http.post(f"{base}/api/v1/orders", json=body, headers=headers)
                if r.status_code != 201:
                    self.errors[f"create {r.status_code}"] += 1
                    continue
                order = r.json()
                with self.lock:
                    self.acked[order["id"]] = order["number"]
                    self.ack_times.append(time.monotonic())
                if rng.random() < 0.5 and order["status"] == "received":
                    act = {"action": "dispatch", "version": order["version"], "unit": "ST1"}
                    r = http.post(f"{base}/api/v1/orders/{order['id']}/actions", json=act, headers=headers)
                    if r.status_code == 200:
                        with self.lock:
                            self.dispatched.add(order["id"])
                    else:
                        self.errors[f"dispatch {r.status_code}"] += 1
            except (httpx.HTTPError, OSError) as exc:  # the server was killed: not acknowledged, go on
                self.errors[type(exc).__name__] += 1
                time.sleep(0.1)
        http.close()


def time_travel(url: str, stop: threading.Event) -> None:
    """Move the deadlines of dispatched orders into the past, as if their time limits ran out."""
    from datetime import timedelta

    from sqlalchemy import update

    from huitian.db import Database, utcnow
    from huitian.orders.models import Order

    db = Database(url)
    try:
        while not stop.wait(0.7):
            past = utcnow() - timedelta(minutes=1)
            try:
                with db.write() as s:
                    s.execute(
                        update(Order)
                        .where(Order.status == "dispatched", Order.accept_due > past)
                        .values(accept_due=past, reply_due=past)
                        .execution_options(synchronize_session=False)
                    )
                    s.commit()
            except Exception:  # a busy database: try again on the next tick
                continue
    finally:
        db.dispose()


def check(url: str, acked: dict[int, str], dispatched: set[int]) -> dict:
    """What the database holds against what was acknowledged."""
    from sqlalchemy import select

    from huitian.db import Database
    from huitian.orders import service as orders_service
    from huitian.orders.models import Order, OrderEvent
    from huitian.sla.enums import Deadline

    db = Database(url)
    history_problems: list[str] = []
    try:
        with db.read() as s:
            orders = {
                o.id: o
                for chunk in _chunks(sorted(acked), 500)
                for o in s.scalars(select(Order).where(Order.id.in_(chunk)))
            }
            events: dict[int, list[OrderEvent]] = {}
            for e in s.scalars(select(OrderEvent).order_by(OrderEvent.id)):
                events.setdefault(e.order_id, []).append(e)
            all_orders = list(s.scalars(select(Order)))
        stored = [i for i in acked if i in orders and orders_service.public_number(orders[i]) == acked[i]]
        for oid in stored:
            o, evs = orders[oid], events.get(oid, [])
            if not evs or evs[0].kind != "created":
                history_problems.append(f"{acked[oid]}: history does not start with 'created'")
                continue
            status = evs[0].to_status
            for e in evs[1:]:
                if e.from_status is not None and e.from_status != status:
                    history_problems.append(f"{acked[oid]}: event {e.id} from {e.from_status}, was {status}")
                status = e.to_status or status
            if status != o.status:
                history_problems.append(f"{acked[oid]}: history ends in {status}, order is {o.status}")
            if oid in dispatched and not any(e.kind == "dispatch" for e in evs):
                history_problems.append(f"{acked[oid]}: acknowledged dispatch has no event")
        escalations = Counter(
            (e.order_id, e.payload.get("deadline"), e.payload.get("due"))
            for evs in events.values()
            for e in evs
            if e.kind == "overdue"
        )
        doubles = sum(1 for n in escalations.values() if n > 1)
        # every deadline marked escalated has its event, and only one (one handling round per order here)
        per_deadline = Counter((oid, d) for (oid, d, _due) in escalations.elements())
        unmarked = 0
        for o in all_orders:
            for d in Deadline:
                if o.escalated & d.bit and per_deadline[(o.id, d.value)] != 1:
                    unmarked += 1
    finally:
        db.dispose()
    verify = subprocess.run(
        [PY, "-m", "huitian.cli", "audit", "verify", "--db", url], capture_output=True, text=True, cwd=ROOT
    )
    audit = json.loads(verify.stdout.strip().splitlines()[-1]) if verify.stdout.strip() else {}
    return {
        "stored": len(stored),
        "lost": len(acked) - len(stored),
        "history_problems": len(history_problems),
        "history_examples": history_problems[:3],
        "escalations": sum(escalations.values()),
        "double_escalations": doubles,
        "escalated_without_one_event": unmarked,
        "audit_rc": verify.returncode,
        "orders_checked": audit.get("orders_checked"),
        "chain_problems": len(audit.get("problems", [])) if audit else None,
        "chain_examples": audit.get("problems", [])[:3] if audit else verify.stderr[-500:],
    }


def _chunks(items: list, n: int):
    for k in range(0, len(items), n):
        yield items[k : k + n]


def run(url: str, *, seconds: float, kills: int, servers: int, workers: int, clients: int, seed: int) -> dict:
    rng = random.Random(seed)
    prepare(url)
    with tempfile.TemporaryDirectory() as logs:
        procs = [Proc("server", url, Path(logs), n) for n in range(servers)]
        procs += [Proc("worker", url, Path(logs), n) for n in range(workers)]
        for p in procs:
            p.start()
        for p in procs:
            p.wait_up()
        intake = Intake([p for p in procs if p.kind == "server"], clients)
        threads = [threading.Thread(target=intake.run, args=(i,), daemon=True) for i in range(clients)]
        clock_stop = threading.Event()
        clock = threading.Thread(target=time_travel, args=(url, clock_stop), daemon=True)
        t0 = time.monotonic()
        for t in threads + [clock]:
            t.start()
        calm = seconds / 5
        time.sleep(calm)
        done_kills: Counter[str] = Counter()
        # the kills fall at random moments of the rest of the run
        moments = sorted(rng.uniform(calm, seconds - 2) for _ in range(kills))
        for kill_no, at in enumerate(moments):
            time.sleep(max(0.0, t0 + at - time.monotonic()))
            # in turn: a server, a worker, everything at once (each chosen at random among its kind)
            servers_ = [p for p in procs if p.kind == "server"]
            workers_ = [p for p in procs if p.kind == "worker"] or servers_
            victims = [[rng.choice(servers_)], [rng.choice(workers_)], procs][kill_no % 3]
            for v in victims:
                v.kill()
                done_kills[v.kind] += 1
            for v in victims:
                v.start()
            for v in victims:
                v.wait_up()
        time.sleep(max(0.0, t0 + seconds - time.monotonic()))
        intake.stop.set()
        for t in threads:
            t.join(timeout=30)
        clock_stop.set()
        clock.join(timeout=10)
        time.sleep(3)  # a last sweep by the workers for the deadlines moved last
        for p in procs:
            p.stop()
    calm_acks = sum(1 for t in intake.ack_times if t < t0 + calm)
    rest_acks = len(intake.ack_times) - calm_acks
    figures = check(url, intake.acked, intake.dispatched)
    return {
        "db": "sqlite" if url.startswith("sqlite") else "postgresql",
        "acknowledged": len(intake.acked),
        "stored": figures.pop("stored"),
        "lost": figures.pop("lost"),
        "kills": sum(done_kills.values()),
        "kills_by_kind": dict(done_kills),
        "dispatched": len(intake.dispatched),
        **figures,
        "servers": servers,
        "workers": workers,
        "clients": clients,
        "seconds": seconds,
        "acks_per_s_under_kills": round(rest_acks / max(seconds - calm, 1e-9), 1),
        "baseline_acks_per_s_calm": round(calm_acks / calm, 1),
        "client_errors": dict(intake.errors),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    ap.add_argument("--seconds", type=float, default=40)
    ap.add_argument("--kills", type=int, default=6)
    ap.add_argument("--servers", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--seed", type=int, default=8)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'chaos.db'}"
        out = run(
            url,
            seconds=args.seconds,
            kills=args.kills,
            servers=args.servers,
            workers=args.workers,
            clients=args.clients,
            seed=args.seed,
        )
    print(json.dumps(out, ensure_ascii=False))
    sys.exit(0 if out["lost"] == 0 and not out["double_escalations"] and out["audit_rc"] == 0 else 1)


if __name__ == "__main__":
    main()
