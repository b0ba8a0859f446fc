"""Benchmark: server time of the staff console's pages on the demo data, through the real app.

Builds the Huitian demo database (`huitian demo --no-serve --db PATH`: 50,000 orders over 12 months) or
reuses one given with --db, then signs the demo users in through the login form and times, in-process
(FastAPI TestClient, so the figures are the app's own time: routing, auth, queries, templates), N rounds
of:

- `inbox`: GET /inbox as the street handler (`handler`) and as its unit lead (`unit_lead`, who also gets
  the unit's three rates and the pending extensions);
- `order`: GET /orders/{number} as the operator, for a sample of orders of every state (the ones with
  the longest histories included), and as the handler for its unit's open orders;
- `workspace`: GET /workspace as the operator (queue, classifier suggestions, duplicate candidates);
- `callbacks`: GET /callbacks as the operator.

Baselines in the same run, same client: GET /healthz (the app's trivial JSON endpoint) and GET /login
(the smallest HTML page: the same middleware, session and template machinery).

    .venv/bin/python bench/pages.py [--db PATH] [--rounds 20] [--sample 20]

Prints one JSON line: p50/p95 ms per page and the baselines. The goal (issue #5): inbox and order page
under 300 ms server time.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from huitian.app import create_app
from huitian.demo.catalog import DEMO_PASSWORD
from huitian.orders import service as orders_service
from huitian.orders.enums import HANDLING_STATUSES
from huitian.orders.models import Assignment, Order, OrderEvent
from huitian.units.models import Unit

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
HANDLER_UNIT = "ST-110114011"  # the demo handler's and unit lead's street office (demo/catalog.py)


def build(path: Path) -> None:
    exe = Path(sys.executable).with_name("huitian")
    subprocess.run([str(exe), "demo", "--no-serve", "--db", str(path)], check=True, stdout=subprocess.DEVNULL)


def sign_in(app, username: str) -> TestClient:
    client = TestClient(app)
    token = CSRF_RE.findall(client.get("/login").text)[0]
    r = client.post(
        "/login",
        data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, (username, r.status_code, r.text[:300])
    return client


def sample_orders(url: str, n: int, seed: int) -> tuple[list[str], list[str]]:
    """(numbers for the operator: random ones of every state plus the longest histories,
    numbers of the handler's unit's open orders)."""
    engine = create_engine(url)
    rng = random.Random(seed)
    with Session(engine) as conn:
        ids = list(conn.scalars(select(Order.id)))
        longest = list(
            conn.scalars(
                select(OrderEvent.order_id)
                .group_by(OrderEvent.order_id)
                .order_by(func.count().desc())
                .limit(max(1, n // 4))
            )
        )
        unit_id = conn.scalar(select(Unit.id).where(Unit.code == HANDLER_UNIT))
        mine = list(
            conn.scalars(
                select(Order.id)
                .join(Assignment, Assignment.order_id == Order.id)
                .where(Assignment.unit_id == unit_id, Order.status.in_([s.value for s in HANDLING_STATUSES]))
                .limit(n)
            )
        )
        picked = rng.sample(ids, min(len(ids), n - len(longest))) + longest

        def numbers(order_ids: list[int]) -> list[str]:
            rows = conn.scalars(select(Order).where(Order.id.in_(order_ids))).all()
            return [orders_service.public_number(o) for o in rows]

        out = numbers(picked), numbers(mine)
    engine.dispose()
    return out


def timed(client: TestClient, path: str) -> float:
    t0 = time.perf_counter()
    r = client.get(path)
    ms = (time.perf_counter() - t0) * 1000
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return ms


def figures(samples: list[float]) -> dict:
    s = sorted(samples)
    return {
        "p50_ms": round(statistics.median(s), 1),
        "p95_ms": round(s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))], 1),
        "max_ms": round(s[-1], 1),
        "n": len(s),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="an existing demo database (built there if missing)")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--sample", type=int, default=20, help="orders sampled for the order page")
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()

    tmp = None
    path = args.db
    if path is None:
        tmp = tempfile.TemporaryDirectory(prefix="huitian-pages-")
        path = Path(tmp.name) / "demo.db"
    t0 = time.perf_counter()
    built = not path.exists()
    if built:
        build(path)
    build_s = time.perf_counter() - t0
    url = f"sqlite:///{path}"
    operator_orders, handler_orders = sample_orders(url, args.sample, args.seed)

    app = create_app(url, run_worker=False)
    with TestClient(app) as anon:
        clients = {u: sign_in(app, u) for u in ("operator", "handler", "unit_lead")}
        op, handler, lead = clients["operator"], clients["handler"], clients["unit_lead"]
        pages: dict[str, list[tuple[TestClient, str]]] = {
            "inbox_handler": [(handler, "/inbox")],
            "inbox_lead": [(lead, "/inbox")],
            "order_operator": [(op, f"/orders/{n}") for n in operator_orders],
            "order_handler": [(handler, f"/orders/{n}") for n in handler_orders],
            "workspace": [(op, "/workspace")],
            "callbacks": [(op, "/callbacks")],
            "baseline_login": [(anon, "/login")],
            "baseline_healthz": [(anon, "/healthz")],
        }
        for targets in pages.values():  # warm up: caches, templates, the duplicate index
            for client, target in targets:
                timed(client, target)
        samples: dict[str, list[float]] = {k: [] for k in pages}
        for _ in range(args.rounds):
            for name, targets in pages.items():
                for client, target in targets:
                    samples[name].append(timed(client, target))
        inbox_rows = handler.get("/inbox").text.count('class="inbox-row ')
        queue_rows = op.get("/workspace").text.count("data-number=")
        for c in clients.values():
            c.close()

    engine = create_engine(url)
    with engine.connect() as conn:
        orders = conn.scalar(select(func.count()).select_from(Order))
    engine.dispose()
    out = {
        "bench": "pages",
        "db": "sqlite",
        "orders": orders,
        "built_demo": built,
        "build_s": round(build_s, 1),
        "rounds": args.rounds,
        "inbox_rows": inbox_rows,
        "workspace_queue_rows": queue_rows,
        "pages": {k: figures(v) for k, v in samples.items() if not k.startswith("baseline")},
        "baseline": {
            k.removeprefix("baseline_"): figures(v) for k, v in samples.items() if k.startswith("baseline")
        },
        "goal_ms": 300,
    }
    inbox_p95 = max(out["pages"]["inbox_handler"]["p95_ms"], out["pages"]["inbox_lead"]["p95_ms"])
    order_p95 = max(out["pages"]["order_operator"]["p95_ms"], out["pages"]["order_handler"]["p95_ms"])
    out["goal_met"] = inbox_p95 < 300 and order_p95 < 300
    print(json.dumps(out, ensure_ascii=False))
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
