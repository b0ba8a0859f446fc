"""Benchmark: order intake through the real HTTP server.

Starts `huitian serve` on a fresh SQLite database (uvicorn, one process unless --workers) and, beside it,
a bare FastAPI endpoint that inserts one row into SQLite (the baseline); then alternates rounds: N rows
through the baseline, N orders through POST /api/v1/orders as an operator, concurrently over keep-alive
connections. Reports medians over the rounds (this machine is noisy). Prints one JSON line.

    .venv/bin/python bench/intake.py [--n 3000] [--rounds 3] [--concurrency 32] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _http import load, post_json  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def prepare(db_path: Path) -> None:
    """Schema, a small area with geometry, a unit, a category, an operator."""
    from huitian import migrate
    from huitian.areas import service as areas_service
    from huitian.areas.schemas import AreaCreate
    from huitian.auth import service as auth_service
    from huitian.auth.schemas import UserCreate
    from huitian.categories import service as categories_service
    from huitian.categories.schemas import CategoryCreate
    from huitian.db import Database

    url = f"sqlite:///{db_path}"
    migrate.upgrade(url)
    db = Database(url)
    box = {
        "type": "Polygon",
        "coordinates": [
            [[116.30, 40.05], [116.40, 40.05], [116.40, 40.10], [116.30, 40.10], [116.30, 40.05]]
        ],
    }
    with db.write() as s:
        areas_service.create_area(
            s, data=AreaCreate(code="110114", name="昌平区", level="district", geometry=box)
        )
        for i in range(10):
            x = 116.30 + i * 0.01
            cell = {
                "type": "Polygon",
                "coordinates": [[[x, 40.05], [x + 0.01, 40.05], [x + 0.01, 40.10], [x, 40.10], [x, 40.05]]],
            }
            areas_service.create_area(
                s,
                data=AreaCreate(code=f"G{i}", name=f"网格{i}", level="grid", parent="110114", geometry=cell),
            )
        categories_service.create_category(s, data=CategoryCreate(code="01", name="城乡建设"))
        auth_service.create_user(
            s, data=UserCreate(username="operator", password="bench-pass-1", role="operator")
        )
        s.commit()
    db.dispose()


def start(cmd: list[str], env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        cmd, env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    wait_up(port, proc)
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def order_bodies(n: int, seed: int = 7) -> list[bytes]:
    rnd = random.Random(seed)
    kinds = ["complaint", "help", "consultation", "report", "suggestion"]
    return [
        json.dumps(
            {
                "type": rnd.choice(kinds),
                "description": f"市民来电反映:第{i}号楼前路灯不亮,夜间出行不便,请尽快维修。",
                "lat": 40.05 + rnd.random() * 0.05,
                "lon": 116.30 + rnd.random() * 0.1,
                "category_code": "01",
                "citizen_phone": f"138{rnd.randrange(10**8):08d}",
                "channel": "hotline",
            },
            ensure_ascii=False,
        ).encode()
        for i in range(n)
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000, help="orders per round")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (baseline, ours, …)")
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db_path = tmp / "huitian.db"
        prepare(db_path)
        bare_port, app_port = free_port(), free_port()
        bare = start(
            [
                PY,
                "-m",
                "uvicorn",
                "_bare_app:app",
                "--port",
                str(bare_port),
                "--no-access-log",
                "--log-level",
                "warning",
                "--app-dir",
                str(ROOT / "bench"),
                "--workers",
                str(args.workers),
            ],
            {"BARE_DB": str(tmp / "bare.db")},
            bare_port,
        )
        app = start(
            [
                PY,
                "-m",
                "huitian.cli",
                "serve",
                "--db",
                str(db_path),
                "--port",
                str(app_port),
                "--workers",
                str(args.workers),
            ],
            {"HUITIAN_EMBEDDED_WORKER": "0"},
            app_port,
        )
        try:
            token = post_json(
                "127.0.0.1",
                app_port,
                "/api/v1/auth/token",
                {"username": "operator", "password": "bench-pass-1"},
            )["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            # Warm both up, then alternate rounds so that both see the same (noisy) machine.
            asyncio.run(load("127.0.0.1", bare_port, "/items", bare_bodies(300), {}, args.concurrency))
            asyncio.run(
                load(
                    "127.0.0.1",
                    app_port,
                    "/api/v1/orders",
                    order_bodies(300, seed=1),
                    headers,
                    args.concurrency,
                )
            )
            base_rounds, our_rounds = [], []
            for r in range(args.rounds):
                base_rounds.append(
                    asyncio.run(
                        load("127.0.0.1", bare_port, "/items", bare_bodies(args.n, r), {}, args.concurrency)
                    )
                )
                our_rounds.append(
                    asyncio.run(
                        load(
                            "127.0.0.1",
                            app_port,
                            "/api/v1/orders",
                            order_bodies(args.n, seed=100 + r),
                            headers,
                            args.concurrency,
                        )
                    )
                )
        finally:
            stop(app)
            stop(bare)

    ours = statistics.median(r["per_s"] for r in our_rounds)
    base = statistics.median(r["per_s"] for r in base_rounds)
    errors: dict[int, int] = {}
    for r in our_rounds:
        for k, v in r["errors"].items():
            errors[k] = errors.get(k, 0) + v
    print(
        json.dumps(
            {
                "bench": "intake",
                "n": sum(r["n"] for r in our_rounds),
                "rounds": args.rounds,
                "concurrency": args.concurrency,
                "workers": args.workers,
                "orders_per_s": round(ours, 1),
                "baseline_per_s": round(base, 1),
                "ratio": round(ours / base, 3),
                "p50_ms": round(statistics.median(r["p50_ms"] for r in our_rounds), 2),
                "p99_ms": round(statistics.median(r["p99_ms"] for r in our_rounds), 2),
                "baseline_p50_ms": round(statistics.median(r["p50_ms"] for r in base_rounds), 2),
                "baseline_p99_ms": round(statistics.median(r["p99_ms"] for r in base_rounds), 2),
                "rounds_orders_per_s": [round(r["per_s"], 1) for r in our_rounds],
                "rounds_baseline_per_s": [round(r["per_s"], 1) for r in base_rounds],
                "errors": errors or None,
            },
            ensure_ascii=False,
        )
    )


def bare_bodies(n: int, seed: int = 0) -> list[bytes]:
    return [
        json.dumps(
            {"type": "complaint", "description": f"市民来电反映:第{i}号楼前路灯不亮,夜间出行不便。"},
            ensure_ascii=False,
        ).encode()
        for i in range(seed * n, (seed + 1) * n)
    ]


if __name__ == "__main__":
    main()
