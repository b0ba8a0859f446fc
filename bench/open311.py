"""Benchmark: Open311 POST requests.json through the real server vs the JSON API's create, same run.

Starts `huitian serve` on a fresh SQLite database (bench/intake.py's world, plus an API key), posts N
form-encoded service requests to /open311/v2/requests.json, then N JSON orders to /api/v1/orders (the
baseline), each over `concurrency` keep-alive connections. Prints one JSON line with the ratio.

    .venv/bin/python bench/open311.py [--n 3000] [--concurrency 32] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).parent))
from _http import load, post_json  # noqa: E402

from intake import PY, free_port, order_bodies, prepare, start, stop  # noqa: E402

FORM = "application/x-www-form-urlencoded"


def add_key(db_path: Path) -> str:
    from huitian.auth import service as auth_service
    from huitian.db import Database

    db = Database(f"sqlite:///{db_path}")
    with db.write() as s:
        _, key = auth_service.create_api_key(s, name="bench")
        s.commit()
    db.dispose()
    return key


def form_bodies(n: int, key: str, seed: int = 7) -> list[bytes]:
    rnd = random.Random(seed)
    return [
        urlencode(
            {
                "api_key": key,
                "service_code": "01",
                "lat": f"{40.05 + rnd.random() * 0.05:.6f}",
                "long": f"{116.30 + rnd.random() * 0.1:.6f}",
                "description": f"第{i}号楼前路灯不亮,夜间出行不便,请尽快维修。",
                "phone": f"138{rnd.randrange(10**8):08d}",
                "attribute[type]": "complaint",
            }
        ).encode()
        for i in range(n)
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "huitian.db"
        prepare(db_path)
        key = add_key(db_path)
        port = free_port()
        cmd = [PY, "-m", "huitian.cli", "serve", "--db", str(db_path), "--port", str(port)]
        app = start([*cmd, "--workers", str(args.workers)], {"HUITIAN_EMBEDDED_WORKER": "0"}, port)
        try:
            o311 = "/open311/v2/requests.json"
            asyncio.run(load("127.0.0.1", port, o311, form_bodies(300, key, 1), {}, args.concurrency, FORM))
            ours = asyncio.run(
                load("127.0.0.1", port, o311, form_bodies(args.n, key), {}, args.concurrency, FORM)
            )
            token = post_json(
                "127.0.0.1", port, "/api/v1/auth/token", {"username": "operator", "password": "bench-pass-1"}
            )["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            api = "/api/v1/orders"
            asyncio.run(load("127.0.0.1", port, api, order_bodies(300, seed=1), headers, args.concurrency))
            base = asyncio.run(load("127.0.0.1", port, api, order_bodies(args.n), headers, args.concurrency))
        finally:
            stop(app)
    print(
        json.dumps(
            {
                "bench": "open311",
                "n": ours["n"],
                "concurrency": args.concurrency,
                "workers": args.workers,
                "open311_per_s": round(ours["per_s"], 1),
                "json_api_per_s": round(base["per_s"], 1),
                "ratio": round(ours["per_s"] / base["per_s"], 3),
                "p50_ms": round(ours["p50_ms"], 2),
                "p99_ms": round(ours["p99_ms"], 2),
                "json_api_p50_ms": round(base["p50_ms"], 2),
                "json_api_p99_ms": round(base["p99_ms"], 2),
                "errors": ours["errors"] or None,
                "sample_error": ours["sample_error"],
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
