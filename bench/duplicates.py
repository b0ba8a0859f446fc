"""Benchmark: duplicate candidates, quality and lookup latency, in one run; prints one JSON line.

Quality: precision and recall at the index's default threshold on the labelled pairs of
bench/dup_labels.py (demo set and real-message set; see that file for how they are built). A pair
(query, other) counts as predicted duplicate when `other`, alone in an index fitted on the whole set, is
returned for `query` at or above the threshold (blocking applies). Also prints the best-F1 threshold of
the demo set, for information only (the threshold is not tuned on the real set).

Latency: N synthetic open orders (demo-generator texts, points uniform over the Huilongguan–Tiantongyuan
box, times over 30 days, callers from a pool) in a `DuplicateIndex`; Q new orders are looked up one at a
time (vectorising the query text included). Baseline in the same run: `scan`, the same scoring over a
vectorised NumPy scan of every open order (time window and radius tested on all N arrays, text scored
on the survivors), i.e. what a lookup costs without the blocking buckets.

    .venv/bin/python bench/duplicates.py [--n 200000] [--queries 2000]
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dup_labels import LabelledSet, demo_set, real_set  # noqa: E402

from huitian.duplicates.service import background_texts  # noqa: E402
from huitian.intelligence.duplicates import EARTH_M_PER_DEG, DuplicateIndex, Item  # noqa: E402

BOX = (116.28, 40.03, 116.46, 40.12)  # lon0, lat0, lon1, lat1


def quality(ls: LabelledSet, **options) -> tuple[dict, list[tuple[float, bool]]]:
    index = DuplicateIndex.build(list(ls.items.values()), background=background_texts(), **options)
    scored = [(index.pair_score(ls.items[q], ls.items[o]), lab) for q, o, lab, _ in ls.pairs]
    return _pr(scored, index.threshold), scored


def _pr(scored: list[tuple[float, bool]], threshold: float) -> dict:
    tp = sum(1 for s, lab in scored if s >= threshold and lab)
    fp = sum(1 for s, lab in scored if s >= threshold and not lab)
    fn = sum(1 for s, lab in scored if s < threshold and lab)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"threshold": threshold, "precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4),
            "pairs": len(scored), "positives": tp + fn}  # fmt: skip


def best_threshold(scored: list[tuple[float, bool]]) -> dict:
    return max((_pr(scored, t / 100) for t in range(20, 80)), key=lambda d: d["f1"])


def synthetic(n: int, seed: int = 3) -> list[Item]:
    rng = np.random.default_rng(seed)
    texts = background_texts(20_000, seed=5)
    t0 = datetime(2025, 3, 1, tzinfo=UTC).timestamp()
    lons = rng.uniform(BOX[0], BOX[2], n)
    lats = rng.uniform(BOX[1], BOX[3], n)
    ts = t0 + rng.uniform(0, 30 * 86_400, n)
    phones = rng.integers(0, n // 3 + 1, n)
    pick = rng.integers(0, len(texts), n)
    return [
        Item(
            id=i + 1,
            text=texts[pick[i]],
            created_at=datetime.fromtimestamp(ts[i], UTC),
            lat=float(lats[i]),
            lon=float(lons[i]),
            phone=f"139{phones[i]:08d}",
        )
        for i in range(n)
    ]


def scan(index: DuplicateIndex, q: Item) -> list[int]:
    """Baseline: the index's scoring over every stored order, no buckets."""
    n = index._n
    t = q.created_at.timestamp()
    dy = (index._lat[:n] - q.lat) * EARTH_M_PER_DEG
    dx = (index._lon[:n] - q.lon) * EARTH_M_PER_DEG * math.cos(math.radians(q.lat))
    dist = np.sqrt(dx * dx + dy * dy)
    ok = index._alive[:n] & (np.abs(index._t[:n] - t) <= index.window_s) & (dist <= index.radius_m)
    slots = np.flatnonzero(ok)
    qc, qv = index._sparse_rows_full(q.text)
    scratch = index._scratch
    scratch[qc] = qv
    text = (scratch[index._cols[slots]] * index._vals[slots]).sum(axis=1)
    scratch[qc] = 0.0
    w = index.weights
    score = w.text * text + w.near * (1 - dist[slots] / index.radius_m)
    score += w.recent * (1 - np.abs(index._t[slots] - t) / index.window_s)
    return [int(index._ids[s]) for s in slots[score >= index.threshold]]


def pct(xs: list[float], p: float) -> float:
    return round(float(np.percentile(xs, p)) * 1000, 3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--queries", type=int, default=2000)
    args = ap.parse_args()

    demo = demo_set()
    q_demo, scored = quality(demo)
    q_real, _ = quality(real_set(), window_h=24 * 365 * 4)

    t = time.perf_counter()
    items = synthetic(args.n)
    t_gen = time.perf_counter() - t
    t = time.perf_counter()
    index = DuplicateIndex.build(items, background=background_texts())
    t_build = time.perf_counter() - t
    rng = random.Random(1)
    queries = []
    for k in range(args.queries):
        base = items[rng.randrange(len(items))]
        queries.append(
            Item(
                id=10**9 + k,
                text=base.text,
                created_at=base.created_at + timedelta(hours=rng.uniform(0, 12)),
                lat=base.lat + rng.uniform(-5e-4, 5e-4),
                lon=base.lon + rng.uniform(-5e-4, 5e-4),
            )  # fmt: skip
        )
    lat_index, lat_scan, found = [], [], []
    for q in queries:
        t = time.perf_counter()
        found.append(len(index.candidates(q)))
        lat_index.append(time.perf_counter() - t)
    for q in queries[: max(args.queries // 10, 50)]:
        t = time.perf_counter()
        scan(index, q)
        lat_scan.append(time.perf_counter() - t)
    t = time.perf_counter()
    index.add(synthetic(1000, seed=9))
    t_add = (time.perf_counter() - t) / 1000
    out = {
        "bench": "duplicates",
        "python": platform.python_version(),
        "quality_demo": q_demo,
        "quality_demo_best_f1": best_threshold(scored),
        "quality_real": q_real,
        "n_open": args.n,
        "queries": args.queries,
        "build_s": round(t_build, 2),
        "gen_s": round(t_gen, 2),
        "add_ms_per_order": round(t_add * 1000, 3),
        "index_p50_ms": pct(lat_index, 50),
        "index_p99_ms": pct(lat_index, 99),
        "scan_p50_ms": pct(lat_scan, 50),
        "scan_p99_ms": pct(lat_scan, 99),
        "p99_ratio_scan_over_index": round(pct(lat_scan, 99) / max(pct(lat_index, 99), 1e-9), 1),
        "mean_candidates": round(float(np.mean(found)), 2),
    }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
