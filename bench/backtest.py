"""Backtest of the 未诉先办 spike detector (huitian.proactive.detectors.spike_test, the product's own) on the
demo history and on the real LA and NYC 311 samples in ../shared/data, against a naive baseline, in one run.

Walk forward period by period (a week on the demo; the real samples cover hours to days, see below). At
the end of period t every cell (place × category) gets the detector's verdict on its count of period t,
from the counts before t only: the recent baseline (the `recent` periods before t) and, where the history
reaches back one season, the seasonal one (the same period one season earlier and its two neighbours).

A *surge* at period s in a cell: count(s) ≥ max(k, 2 × B(s)), where B(s) = max(mean of the six periods
ending three periods before s, the seasonal mean at s) — the baseline leaves out the two periods just
before s so that a building surge does not raise its own bar. A warning at t is a *hit* when a surge
follows in the same cell within the horizon (t+1 … t+h), else a *false alarm*; a surge is *caught* when a
warning came in the h periods before it. precision = hits ÷ warnings; recall = caught ÷ surges; lead = the
mean number of periods between the first warning and the surge it announced.

The naive baseline ("last period ×2"): warn when count(t) ≥ max(k, 2 × count(t−1)). The ablation
"recent_only" is the detector without the seasonal baseline.

Data:
- demo: `huitian demo`'s builder (50,000 orders over the 12 months before --now) into a temporary SQLite
  file (or --demo-db, a built demo database); cells = grid × second-level category (the product's grain,
  `demo_grid`) and community × second-level category (`demo_community`), period = week, season = 52
  weeks (so the demo's single year gives no seasonal baseline: its figures are recent-only), horizon 2
  weeks. The product's own compute_warnings is also timed once on the database (`demo_product`).
- la: MyLA311, 10,000 requests of 1–3 Jan 2020 (2.5 days): cells = neighbourhood council × request
  type, period = 3 hours, season = 1 day (8 periods), horizon 2 periods.
- nyc: NYC 311, 4,999 requests of one afternoon/evening (28 Feb 2023): cells = borough × complaint type,
  period = 1 hour, no season (12 hours of data), horizon 2 periods.
- nyc2018: NYC 311, 1,000 requests mostly of 2018: cells = complaint type (city-wide), period = week,
  season = 52 weeks, horizon 2 weeks.
The real samples are short: their figures say whether the detector behaves, not how well it would do on a
year of a city's data.

    .venv/bin/python bench/backtest.py [--orders 50000] [--no-demo] [--k 5]

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import fmean

from huitian.proactive.service import SpikeParams, spike_test

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
RECENT = 6


@dataclass(frozen=True)
class Series:
    name: str
    counts: dict[tuple, list[int]]  # cell -> count per period
    periods: int
    season: int | None  # periods per season (None: no seasonal baseline)
    horizon: int
    period_label: str


def bucket(
    events: Iterable[tuple[tuple, datetime]], start: datetime, step: timedelta, name: str, **kw
) -> Series:
    rows = list(events)
    end = max(t for _, t in rows)
    periods = int((end - start) / step) + 1
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0] * periods)
    for cell, t in rows:
        i = int((t - start) / step)
        if 0 <= i < periods:
            counts[cell][i] += 1
    return Series(name=name, counts=dict(counts), periods=periods, **kw)


def seasonal(c: list[int], t: int, season: int | None) -> list[int] | None:
    if not season or t - season - 1 < 0:
        return None
    return [c[t - season + d] for d in (-1, 0, 1) if t - season + d < t]


def surges(series: Series, k: int) -> set[tuple[tuple, int]]:
    out = set()
    for cell, c in series.counts.items():
        for s in range(RECENT + 2, series.periods):
            if c[s] < k:
                continue
            base = fmean(c[s - RECENT - 2 : s - 2])
            sea = seasonal(c, s, series.season)
            b = max(base, fmean(sea) if sea else 0.0)
            if c[s] >= max(k, 2 * b):
                out.add((cell, s))
    return out


Detector = Callable[[list[int], int, int | None], bool]


def product(params: SpikeParams, use_season: bool = True) -> Detector:
    def fire(c: list[int], t: int, season: int | None) -> bool:
        if c[t] < params.min_count:  # the product's own prefilter (spike_test would say no as well)
            return False
        return spike_test(
            c[t], c[t - RECENT : t], seasonal(c, t, season) if use_season else None, params
        ).fire

    return fire


def naive(k: int) -> Detector:
    def fire(c: list[int], t: int, season: int | None) -> bool:
        return c[t] >= max(k, 2 * c[t - 1])

    return fire


def evaluate(series: Series, detector: Detector, truth: set[tuple[tuple, int]]) -> dict:
    warnings = hits = 0
    caught: dict[tuple[tuple, int], int] = {}
    for cell, c in series.counts.items():
        for t in range(RECENT, series.periods - 1):
            if not detector(c, t, series.season):
                continue
            warnings += 1
            ahead = [
                s for s in range(t + 1, min(t + series.horizon, series.periods - 1) + 1) if (cell, s) in truth
            ]
            if ahead:
                hits += 1
                for s in ahead:
                    caught[(cell, s)] = max(caught.get((cell, s), 0), s - t)
    judged = {x for x in truth if x[1] > RECENT}
    found = [caught[x] for x in judged if x in caught]
    return {
        "warnings": warnings,
        "hits": hits,
        "false_alarms": warnings - hits,
        "precision": round(hits / warnings, 4) if warnings else None,
        "surges": len(judged),
        "caught": len(found),
        "recall": round(len(found) / len(judged), 4) if judged else None,
        "lead_periods": round(fmean(found), 3) if found else None,
    }


def run(series: Series, k: int, params: SpikeParams) -> dict:
    started = time.perf_counter()
    truth = surges(series, k)
    out = {
        "cells": len(series.counts),
        "periods": series.periods,
        "period": series.period_label,
        "seasonal_baseline": bool(series.season and series.periods > series.season + RECENT),
        "detector": evaluate(series, product(params), truth),
        "naive_last_period_x2": evaluate(series, naive(k), truth),
    }
    if out["seasonal_baseline"]:
        out["detector_recent_only"] = evaluate(series, product(params, use_season=False), truth)
    out["seconds"] = round(time.perf_counter() - started, 3)
    return out


# --- data sources ---------------------------------------------------------------------------------------


def la() -> Series:
    rows = []
    with open(DATA / "la311_sample" / "myla311_2020-01_10k.csv", newline="") as f:
        for r in csv.DictReader(f):
            rows.append(
                ((r["nc"] or "?", r["requesttype"]), datetime.strptime(r["createddate"], "%Y-%m-%d %H:%M:%S"))
            )
    start = min(t for _, t in rows).replace(hour=0, minute=0)
    return bucket(rows, start, timedelta(hours=3), "la", season=8, horizon=2, period_label="3h")


def _nyc(path: Path, cell: Callable[[dict], tuple]) -> list[tuple[tuple, datetime]]:
    with open(path, newline="") as f:
        return [
            (cell(r), datetime.strptime(r["Created Date"], "%m/%d/%Y %I:%M:%S %p")) for r in csv.DictReader(f)
        ]


def nyc() -> Series:
    rows = _nyc(
        DATA / "nyc311_sample" / "nyc311_sample_4999.csv", lambda r: (r["Borough"], r["Complaint Type"])
    )
    start = min(t for _, t in rows).replace(minute=0, second=0)
    return bucket(rows, start, timedelta(hours=1), "nyc", season=None, horizon=2, period_label="1h")


def nyc2018() -> Series:
    rows = _nyc(DATA / "nyc311_sample" / "nyc311_2018_sample_1000.csv", lambda r: (r["Complaint Type"],))
    rows = [(c, t) for c, t in rows if t.year >= 2017]  # a few stray rows reach back to 2014
    start = min(t for _, t in rows).replace(hour=0, minute=0, second=0)
    return bucket(rows, start, timedelta(days=7), "nyc2018", season=52, horizon=2, period_label="week")


def demo(n_orders: int, now: datetime, path: str | None) -> tuple[list[Series], dict]:
    """The demo's orders by grid and by community (× second-level category), week by week, from a
    freshly built demo (or the built demo database at `path`), and the product's compute_warnings
    timed once on it."""
    from sqlalchemy import select

    from huitian import migrate
    from huitian.areas.models import Area
    from huitian.categories.models import Category
    from huitian.db import Database
    from huitian.demo.build import build_demo, is_built
    from huitian.orders.models import Order
    from huitian.proactive import service as proactive_service

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{path}" if path else f"sqlite:///{tmp}/demo.db"
        migrate.upgrade(url)
        db = Database(url)
        try:
            built_s = None
            if not is_built(db.engine):
                t0 = time.perf_counter()
                build_demo(db.engine, orders=n_orders, now=now)
                built_s = round(time.perf_counter() - t0, 1)
            with db.read() as session:
                cats = {c.id: c.path for c in session.scalars(select(Category))}
                group = {i: "/".join(p.strip("/").split("/")[:2]) for i, p in cats.items()}
                parent = dict(session.execute(select(Area.id, Area.parent_id)).all())
                rows = [
                    (area_id, group.get(cat_id), created.astimezone(UTC))
                    for area_id, cat_id, created in session.execute(
                        select(Order.area_id, Order.category_id, Order.created_at).where(
                            Order.area_id.is_not(None),
                            Order.category_id.is_not(None),
                            Order.proactive.is_(False),
                        )
                    )
                ]
                end = max(t for *_, t in rows)
            with db.write() as session:
                t0 = time.perf_counter()
                made = proactive_service.compute_warnings(session, now=end)
                compute_s = time.perf_counter() - t0
                kinds: dict[str, int] = defaultdict(int)
                for w in made:
                    kinds[w.kind] += 1
                session.rollback()
        finally:
            db.dispose()
    start = end - timedelta(weeks=52)
    kw = dict(season=52, horizon=2, period_label="week")
    grid = bucket((((a, g), t) for a, g, t in rows), start, timedelta(days=7), "demo_grid", **kw)
    community = bucket(
        (((parent.get(a), g), t) for a, g, t in rows), start, timedelta(days=7), "demo_community", **kw
    )
    extra = {
        "orders": len(rows),
        "build_s": built_s,
        "compute_warnings_s": round(compute_s, 3),
        "warnings_at_end": dict(kinds),
    }
    return [grid, community], extra


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--orders", type=int, default=50_000)
    ap.add_argument("--no-demo", action="store_true")
    ap.add_argument("--k", type=int, default=5, help="least count of a surge (and of the naive baseline)")
    ap.add_argument("--now", default="2026-11-20T10:00:00+08:00", help="end of the demo history")
    ap.add_argument(
        "--demo-db", default=None, help="a built demo SQLite file to read instead of building one"
    )
    args = ap.parse_args()
    params = SpikeParams(min_count=args.k)
    out: dict = {
        "bench": "backtest",
        "k": args.k,
        "surge": "count >= max(k, 2 x baseline)",
        "alpha": params.alpha,
    }
    if not args.no_demo:
        several, extra = demo(args.orders, datetime.fromisoformat(args.now).astimezone(UTC), args.demo_db)
        out["demo_product"] = extra
        for series in several:
            out[series.name] = run(series, args.k, params)
    if not DATA.exists():
        print(f"no data folder at {DATA}: real samples skipped", file=sys.stderr)
    else:
        for make in (la, nyc, nyc2018):
            series = make()
            out[series.name] = run(series, args.k, params)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
