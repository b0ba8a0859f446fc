"""Benchmark: assessment at city scale — dashboard API p95 and monthly ranking time from the rollup cube,
against the same aggregation by a full scan in DuckDB, in the same run.

Generates N seeded orders over the 12 months of 2025 (30 streets × 10 communities, 80 units, 10 × 5
categories; ~1 % unreasonable, ~85 % called back, those whose callback would fall after the year's end
still open), with numpy column-wise, and bulk-inserts them in time order into a fresh database (a
temporary SQLite file through one raw connection with executemany, or a new database on the PostgreSQL
server given with --pg, by COPY), then times:

- `rollup_s`: building the cube for all 12 months (kpi.service.refresh, a scan of orders per month);
- `live_month_s`: one month's counters scanned from orders (what a read costs without the cube);
- `open_refresh_s`: rebuilding the snapshot of open orders (kpi.service.refresh_open, the minute job);
- `dashboard_p95_ms`: every JSON call of the dashboard page — /api/v1/kpi/rates for the four groupings,
  /board, /map and /trend — through the app (in-process ASGI), p95 over all rounds (wall clock), and
  `dashboard_p95_cpu_ms` the same calls' CPU time (on a shared machine the wall clock waits for the CPU:
  `load_average` says how busy it was);
- `ranking_s`: GET /api/v1/kpi/ranking (median of the rounds; the month and the previous one);
- `duckdb_scan_s`: the baseline: the same month's per-street counters by a full scan of all N orders
  held in DuckDB (numpy columns), and `duckdb_cube_s`: the whole year's cube by one DuckDB GROUP BY.

    .venv/bin/python bench/kpi.py [--n 1000000] [--pg postgresql+psycopg://postgres@127.0.0.1:55432/postgres]

Needs `duckdb` (pip install duckdb). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text, true
from sqlalchemy.engine import make_url

from huitian import migrate
from huitian.app import create_app
from huitian.areas import service as areas_service
from huitian.areas.enums import AreaLevel
from huitian.areas.schemas import AreaCreate
from huitian.auth import service as auth_service
from huitian.auth.enums import Role
from huitian.auth.schemas import UserCreate
from huitian.categories import service as categories_service
from huitian.categories.schemas import CategoryCreate
from huitian.db import Database
from huitian.kpi import service as kpi_service
from huitian.units import service as units_service
from huitian.units.enums import UnitKind
from huitian.units.schemas import UnitCreate

STREETS, COMMUNITIES, UNITS, CATS = 30, 10, 80, 10
YEAR_START = datetime(2024, 12, 31, 16, tzinfo=UTC).timestamp()  # 2025-01-01 00:00 in Beijing
YEAR_S = 365 * 86400
MONTH = "2025-06"


def build_world(db: Database) -> tuple[list[str], list[int], list[int]]:
    with db.write() as s:
        areas_service.create_area(s, data=AreaCreate(code="D", name="大区", level=AreaLevel.DISTRICT))
        paths = []
        for i in range(STREETS):
            st = f"S{i:02d}"
            areas_service.create_area(
                s, data=AreaCreate(code=st, name=f"街道{i}", level=AreaLevel.STREET, parent="D")
            )
            for j in range(COMMUNITIES):
                c = f"{st}C{j}"
                area = areas_service.create_area(
                    s, data=AreaCreate(code=c, name=f"社区{i}-{j}", level=AreaLevel.COMMUNITY, parent=st)
                )
                paths.append(area.path)
        unit_ids = [
            units_service.create_unit(
                s, data=UnitCreate(code=f"U{k:02d}", name=f"单位{k}", kind=UnitKind.DISTRICT_BUREAU)
            ).id
            for k in range(UNITS)
        ]
        cat_ids = []
        for i in range(CATS):
            categories_service.create_category(s, data=CategoryCreate(code=f"{i:02d}", name=f"类{i}"))
            for j in range(5):
                cat = categories_service.create_category(
                    s, data=CategoryCreate(code=f"{i:02d}{j:02d}", name=f"类{i}-{j}", parent=f"{i:02d}")
                )
                cat_ids.append(cat.id)
        auth_service.create_user(
            s, data=UserCreate(username="op", password="bench-pass-1", role=Role.OPERATOR, display_name="op")
        )
        s.commit()
    return paths, unit_ids, cat_ids


YEAR_END = YEAR_START + YEAR_S  # "now" for the data: orders called back later are still open


def generate(n: int, seed: int, n_paths: int, n_units: int, n_cats: int) -> dict[str, np.ndarray]:
    """N orders dispatched uniformly over the year, in time order (as they arrive). An order whose
    callback would fall after the year's end is still open at "now" (about 2 % of a year's orders)."""
    rng = np.random.default_rng(seed)
    dispatched = np.sort(YEAR_START + rng.uniform(0, YEAR_S, n))
    contact_delay = rng.exponential(10 * 3600, n)
    called_back = dispatched + rng.uniform(1, 20, n) * 86400
    called = (rng.random(n) < 0.85) & (called_back < YEAR_END)
    closed = called | (called_back < YEAR_END)  # closed without a callback (citizen not reached)
    return {
        "unit": rng.integers(0, n_units, n),
        "path": rng.integers(0, n_paths, n),
        "cat": rng.integers(0, n_cats, n),
        "dispatched": dispatched,
        "contacted": dispatched + contact_delay,
        "contact_due": dispatched + 24 * 3600,
        "reply_due": dispatched + 15 * 86400,
        "called": called,
        "closed": closed,
        "called_back": np.where(called, called_back, np.nan),
        "resolved": called & (rng.random(n) < 0.7),
        "sat": np.where(called, rng.choice(3, n, p=[0.6, 0.25, 0.15]), -1),  # 0 satisfied, 1 basic, 2 not
        "unreasonable": rng.random(n) < 0.01,
        "escalated": np.where(~closed & (rng.random(n) < 0.1), rng.integers(1, 3, n), 0),
        "lon": 116.2 + rng.random(n) * 0.4,
        "lat": 39.8 + rng.random(n) * 0.3,
    }


COLUMNS = (
    "channel type title description status lead_unit_id area_path category_id created_at updated_at "
    "dispatched_at contacted_at contact_due reply_due called_back_at resolved satisfaction unreasonable "
    "escalated lat lon priority proactive time_limit_class extension_days reopen_count version"
).split()


def _stamps(x: np.ndarray, pg: bool) -> list[str | None]:
    """Epoch seconds → the column's text form (SQLite: SQLAlchemy's naive UTC; PostgreSQL: ISO + zone)."""
    s = np.datetime_as_string((x * 1e6).astype("datetime64[us]"), unit="us")
    out = [v.replace("T", " ") + ("+00" if pg else "") for v in s.tolist()]
    if np.isnan(x).any():
        nan = np.isnan(x)
        out = [None if bad else v for v, bad in zip(out, nan.tolist(), strict=True)]
    return out


def _rows(cols: dict[str, np.ndarray], lo: int, hi: int, paths, unit_ids, cat_ids, pg: bool):
    """The chunk's rows as tuples in COLUMNS order, built column-wise with numpy."""
    sats = np.array(["satisfied", "basically_satisfied", "dissatisfied", None], dtype=object)
    c = {k: v[lo:hi] for k, v in cols.items()}
    m = hi - lo
    disp = _stamps(c["dispatched"], pg)
    called = c["called"]
    status = np.where(c["closed"], "closed", np.where(c["escalated"] > 0, "accepted", "contacted"))
    resolved = np.where(called, c["resolved"], None)
    return zip(
        ["hotline"] * m,
        ["complaint"] * m,
        [""] * m,
        ["bench"] * m,
        status.tolist(),
        np.asarray(unit_ids)[c["unit"]].tolist(),
        np.asarray(paths, dtype=object)[c["path"]].tolist(),
        np.asarray(cat_ids)[c["cat"]].tolist(),
        disp,
        disp,
        disp,
        _stamps(c["contacted"], pg),
        _stamps(c["contact_due"], pg),
        _stamps(c["reply_due"], pg),
        _stamps(c["called_back"], pg),
        resolved.tolist(),
        sats[np.where(called, c["sat"], 3)].tolist(),
        c["unreasonable"].tolist(),
        c["escalated"].tolist(),
        c["lat"].tolist(),
        c["lon"].tolist(),
        ["normal"] * m,
        [False] * m,
        ["ordinary"] * m,
        [0] * m,
        [0] * m,
        [1] * m,
        strict=True,
    )


def load(db: Database, cols: dict[str, np.ndarray], paths, unit_ids, cat_ids, chunk: int = 100_000) -> None:
    """Bulk insert in chunks: SQLite through one raw connection (executemany, no fsync while loading),
    PostgreSQL by COPY; then ANALYZE."""
    n = len(cols["unit"])
    names = ", ".join(COLUMNS)
    if db.is_sqlite:
        import sqlite3

        conn = sqlite3.connect(db.engine.url.database)
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-1000000")
        marks = ", ".join("?" * len(COLUMNS))
        for lo in range(0, n, chunk):
            conn.executemany(
                f"INSERT INTO orders ({names}) VALUES ({marks})",
                _rows(cols, lo, min(n, lo + chunk), paths, unit_ids, cat_ids, pg=False),
            )
            conn.commit()
            if (lo // chunk) % 10 == 9:
                step(f"loaded {lo + chunk:,}")
        conn.execute("ANALYZE")
        conn.commit()
        conn.close()
        return
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        for lo in range(0, n, chunk):
            with cur.copy(f"COPY orders ({names}) FROM STDIN") as copy:
                for row in _rows(cols, lo, min(n, lo + chunk), paths, unit_ids, cat_ids, pg=True):
                    copy.write_row(row)
            raw.commit()
        cur.execute("ANALYZE orders")
        raw.commit()
    finally:
        raw.close()


def duckdb_baseline(cols: dict[str, np.ndarray], paths: list[str]) -> tuple[float, float]:
    """The month's per-street counters, and the year's cube, by full scans of the numpy columns."""
    street_of = np.array([int(p.strip("/").split("/")[1][1:]) for p in paths])
    tbl = cols | {"street": street_of[cols["path"]]}  # noqa: F841  (DuckDB scans it by name)
    con = duckdb.connect()
    start = datetime(2025, 5, 31, 16, tzinfo=UTC).timestamp()
    end = datetime(2025, 6, 30, 16, tzinfo=UTC).timestamp()
    d = f"NOT unreasonable AND dispatched >= {start} AND dispatched < {end}"
    c = f"NOT unreasonable AND called_back >= {start} AND called_back < {end}"
    month_sql = f"""
        SELECT street, sum(CASE WHEN {d} THEN 1 ELSE 0 END),
          sum(CASE WHEN {d} AND contacted <= contact_due THEN 1 ELSE 0 END),
          sum(CASE WHEN {c} THEN 1 ELSE 0 END), sum(CASE WHEN {c} AND resolved THEN 1 ELSE 0 END),
          sum(CASE WHEN {c} AND sat = 0 THEN 1 ELSE 0 END), sum(CASE WHEN {c} AND sat = 1 THEN 1 ELSE 0 END),
          sum(CASE WHEN unreasonable AND (dispatched >= {start} AND dispatched < {end}
                   OR called_back >= {start} AND called_back < {end}) THEN 1 ELSE 0 END)
        FROM tbl GROUP BY street"""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        con.sql(month_sql).fetchall()
        best = min(best, time.perf_counter() - t0)
    cube_sql = """
        SELECT unit, path, cat, floor((dispatched + 8 * 3600 - 1735660800) / (86400 * 30.4)) AS m, count(*),
          sum(CASE WHEN contacted <= contact_due THEN 1 ELSE 0 END),
          sum(CASE WHEN resolved THEN 1 ELSE 0 END),
          sum(CASE WHEN sat = 0 THEN 1 ELSE 0 END), sum(CASE WHEN sat = 1 THEN 1 ELSE 0 END)
        FROM tbl GROUP BY ALL"""
    t0 = time.perf_counter()
    con.sql(cube_sql).fetchall()
    return best, time.perf_counter() - t0


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1] if len(xs) >= 20 else max(xs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--pg", help="PostgreSQL server URL (a new database is created and dropped)")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument(
        "--keep",
        metavar="FILE",
        help="SQLite file to build and keep; when it exists already, its orders and cube are reused "
        "(generation, load and rollups are skipped: load_s and rollup_s are then null)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        admin_engine = None
        if args.pg:
            admin = make_url(args.pg)
            name = f"huitian_bench_{uuid.uuid4().hex[:8]}"
            admin_engine = create_engine(admin, isolation_level="AUTOCOMMIT")
            with admin_engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = admin.set(database=name).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{Path(args.keep or Path(tmp) / 'bench.db').resolve()}"
        try:
            out = run(url, args)
        finally:
            if admin_engine is not None:
                with admin_engine.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(json.dumps(out))


T0 = time.perf_counter()


def step(what: str) -> None:
    """Progress on stderr (the JSON line alone goes to stdout)."""
    print(f"[{time.perf_counter() - T0:7.1f} s] {what}", file=sys.stderr, flush=True)


def run(url: str, args) -> dict:
    reuse = bool(args.keep) and Path(args.keep).exists()
    migrate.upgrade(url)
    db = Database(url)
    if reuse:
        with db.read() as s:
            paths = [a.path for a in areas_service.list_areas(s, level=AreaLevel.COMMUNITY)]
        cols = generate(args.n, args.seed, len(paths), UNITS, CATS * 5)
        t0 = time.perf_counter()
        with db.write() as s:  # the snapshot of open orders is the minute job's: rebuilt each run
            open_cells = kpi_service.refresh_open(s)
            s.commit()
        open_refresh_s = time.perf_counter() - t0
        return measure(db, url, args, cols, paths, None, None, open_refresh_s) | {"open_cells": open_cells}
    paths, unit_ids, cat_ids = build_world(db)
    cols = generate(args.n, args.seed, len(paths), len(unit_ids), len(cat_ids))
    step("generated")
    t0 = time.perf_counter()
    load(db, cols, paths, unit_ids, cat_ids)
    load_s = time.perf_counter() - t0
    step("loaded")

    with db.read() as s:
        t0 = time.perf_counter()
        live_cells = len(s.execute(kpi_service._live_cells(MONTH, true())).all())
        live_month_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with db.write() as s:
        kpi_service.refresh(s, months=[f"2025-{m:02d}" for m in range(1, 13)])
        s.commit()
    rollup_s = time.perf_counter() - t0
    step("rolled up")
    t0 = time.perf_counter()
    with db.write() as s:
        open_cells = kpi_service.refresh_open(s)
        s.commit()
    open_refresh_s = time.perf_counter() - t0
    return measure(db, url, args, cols, paths, load_s, rollup_s, open_refresh_s) | {
        "live_month_s": round(live_month_s, 3),
        "live_month_cells": live_cells,
        "open_cells": open_cells,
    }


def measure(db, url, args, cols, paths, load_s, rollup_s, open_refresh_s) -> dict:
    def rnd(x, nd):
        return None if x is None else round(x, nd)

    app = create_app(url, run_worker=False)
    with TestClient(app) as client:
        r = client.post("/api/v1/auth/token", json={"username": "op", "password": "bench-pass-1"})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        # What the dashboard page asks for: the rates by four groupings, the board (open orders by state,
        # the day's intake by hour, the streets with their open orders and rates), the map, the trend.
        calls = [
            ("/api/v1/kpi/rates", {"month": MONTH, "by": by})
            for by in ("street", "unit", "community", "category")
        ]
        calls += [
            ("/api/v1/kpi/board", {"area": "D", "month": MONTH, "day": "2025-06-15"}),
            ("/api/v1/kpi/map", {"area": "S00"}),
            ("/api/v1/kpi/trend", {"month": MONTH, "months": 6}),
        ]
        dash: list[float] = []
        cpu: list[float] = []  # the process's CPU time per call: what the call costs on a machine of its own
        per_call: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for path, params in calls:
                t0, c0 = time.perf_counter(), time.process_time()
                resp = client.get(path, params=params, headers=headers)
                dash.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
                per_call.setdefault(path.rsplit("/", 1)[1] + ":" + params.get("by", ""), []).append(dash[-1])
                assert resp.status_code == 200, resp.text
                assert path != "/api/v1/kpi/rates" or resp.json()["source"] == "rollup", resp.text
        if args.verbose:
            for name, xs in per_call.items():
                print(name, round(p95(xs), 1))
        ranking = []
        for _ in range(max(5, args.rounds // 3)):
            t0 = time.perf_counter()
            resp = client.get("/api/v1/kpi/ranking", params={"month": MONTH}, headers=headers)
            ranking.append(time.perf_counter() - t0)
            assert resp.status_code == 200 and resp.json()["ranked"] == STREETS, resp.text
    duck_s, duck_cube_s = duckdb_baseline(cols, paths)
    db.dispose()
    return {
        "bench": "kpi",
        "orders": args.n,
        "db": "postgresql" if url.startswith("postgresql") else "sqlite",
        "dashboard_p95_ms": round(p95(dash), 2),
        "dashboard_p95_cpu_ms": round(p95(cpu), 2),
        "load_average": round(os.getloadavg()[0], 1),
        "ranking_s": round(statistics.median(ranking), 4),
        "duckdb_scan_s": round(duck_s, 4),
        "duckdb_cube_s": round(duck_cube_s, 4),
        "rollup_s": rnd(rollup_s, 2),
        "open_refresh_s": rnd(open_refresh_s, 3),
        "load_s": rnd(load_s, 1),
        "month": MONTH,
    }


if __name__ == "__main__":
    main()
