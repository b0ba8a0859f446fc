"""Benchmark: point placement (point → finest area) through `areas_service.locate` versus a raw shapely
STRtree query on the same points, in the same run.

Builds the demo's areas (src/huitian/demo/data/areas.geojson, via the demo builder with orders=0) into a
temporary SQLite database, draws N seeded random points over the district's bounding box (some fall
outside every area, as real mis-placed points do), then times:

- `locate`: `areas_service.locate(session, lon=, lat=)` per point (the STRtree is built before timing);
- `raw_loop`: a bare `shapely.STRtree(geoms).query(Point, predicate="intersects")` per point, on the same
  geometries in the same finest-first order (the fair baseline: the same one-point-at-a-time work);
- `raw_bulk`: one vectorised `STRtree.query(points, predicate="intersects")` over all points (the
  ceiling for bulk work).

Takes the best of --rounds for each, checks that every method places every point in the same area,
and prints one JSON line.

Address placement (orders without a point, `areas.service.place_text`): --addresses texts, each
naming a random demo community by its compound name (天通北苑第二社区 → 天通北苑二区) inside a sentence,
or (one in ten) no place at all; timed against a naive baseline in the same run that tests every name
form with `in` (longest first), and scored on how many land in the community they name.

    .venv/bin/python bench/placement.py [--n 100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import select

from huitian import migrate
from huitian.areas import service as areas_service
from huitian.areas.enums import AreaLevel
from huitian.areas.gazetteer import LEVEL_RANK, compound_name, names_of
from huitian.areas.models import Area
from huitian.db import Database
from huitian.demo.build import build_demo
from huitian.lib.textnorm import normalise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--addresses", type=int, default=20_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'placement.db'}"
        migrate.upgrade(url)
        db = Database(url)
        build_demo(db.engine, orders=0)
        with db.read() as session:
            rows = session.execute(
                select(Area.id, Area.path, Area.level, Area.geometry).where(
                    Area.geometry.is_not(None), Area.active.is_(True)
                )
            ).all()
            depth = {lvl.value: lvl.depth for lvl in AreaLevel}
            # The same order locate() uses: finest first, then as loaded.
            rows = sorted(rows, key=lambda r: -depth[r.level])
            geoms = [shape(r.geometry) for r in rows]
            ids = np.array([r.id for r in rows])
            minx, miny, maxx, maxy = shapely.total_bounds(geoms)
            rng = np.random.default_rng(args.seed)
            lons = rng.uniform(minx, maxx, args.n)
            lats = rng.uniform(miny, maxy, args.n)
            pairs = list(zip(lons.tolist(), lats.tolist(), strict=True))

            areas_service.locate(session, lon=pairs[0][0], lat=pairs[0][1])  # build the service's tree

            def run_locate() -> list[int | None]:
                out = []
                for lon, lat in pairs:
                    hit = areas_service.locate(session, lon=lon, lat=lat)
                    out.append(hit[0] if hit else None)
                return out

            for g in geoms:
                shapely.prepare(g)
            tree = shapely.STRtree(geoms)

            def run_raw_loop() -> list[int | None]:
                out = []
                for lon, lat in pairs:
                    hits = tree.query(shapely.Point(lon, lat), predicate="intersects")
                    out.append(int(ids[hits.min()]) if len(hits) else None)
                return out

            points = shapely.points(lons, lats)

            def run_raw_bulk() -> list[int | None]:
                point_idx, geom_idx = tree.query(points, predicate="intersects")
                best = np.full(args.n, np.iinfo(np.int64).max)
                np.minimum.at(best, point_idx, geom_idx)
                return [None if b == np.iinfo(np.int64).max else int(ids[b]) for b in best]

            timings: dict[str, float] = {}
            results: dict[str, list[int | None]] = {}
            for _ in range(args.rounds):
                for name, fn in (
                    ("locate", run_locate),
                    ("raw_loop", run_raw_loop),
                    ("raw_bulk", run_raw_bulk),
                ):
                    started = time.perf_counter()
                    results[name] = fn()
                    elapsed = time.perf_counter() - started
                    timings[name] = min(timings.get(name, float("inf")), elapsed)
            address = _addresses(session, n=args.addresses, seed=args.seed)
        db.dispose()

    agree = results["locate"] == results["raw_loop"] == results["raw_bulk"]
    rate = {k: round(args.n / v) for k, v in timings.items()}
    print(
        json.dumps(
            {
                "bench": "placement",
                "n_points": args.n,
                "n_areas_indexed": len(geoms),
                "placed": sum(r is not None for r in results["locate"]),
                "rounds": args.rounds,
                "locate_points_per_s": rate["locate"],
                "raw_strtree_loop_points_per_s": rate["raw_loop"],
                "raw_strtree_bulk_points_per_s": rate["raw_bulk"],
                "locate_vs_raw_loop": round(rate["locate"] / rate["raw_loop"], 3),
                "locate_vs_raw_bulk": round(rate["locate"] / rate["raw_bulk"], 3),
                "same_areas": agree,
                **address,
                "shapely": shapely.__version__,
                "python": platform.python_version(),
            },
            ensure_ascii=False,
        )
    )
    if not agree:
        sys.exit(1)


def _addresses(session, *, n: int, seed: int) -> dict:
    """Address texts through the gazetteer versus a naive every-name `in` scan, same texts, same run."""
    rows = session.execute(select(Area.id, Area.name, Area.level).where(Area.active.is_(True))).all()
    communities = [r for r in rows if r.level == AreaLevel.COMMUNITY.value]
    rng = np.random.default_rng(seed)
    texts, truth = [], []
    for i in range(n):
        if i % 10 == 9:
            texts.append(f"来电反映家门口的路灯坏了{i}号")
            truth.append(None)
            continue
        c = communities[int(rng.integers(len(communities)))]
        texts.append(f"来电人住{compound_name(c.name)}{int(rng.integers(1, 30))}号楼,楼道灯不亮已一周")
        truth.append(c.id)
    areas_service.invalidate_places()
    areas_service.place_text(session, address=texts[0])  # build the gazetteer before timing
    started = time.perf_counter()
    ours = [areas_service.place_text(session, address=t) for t in texts]
    ours_s = time.perf_counter() - started
    forms = sorted(
        ((f, LEVEL_RANK.get(r.level, 0), r.id) for r in rows for f in names_of(r.name, r.level)),
        key=lambda x: (-len(x[0]), -x[1]),
    )
    started = time.perf_counter()
    naive = []
    for t in texts:
        t = normalise(t)
        naive.append(next((area_id for form, _, area_id in forms if form in t), None))
    naive_s = time.perf_counter() - started
    ours_ids = [p[0] if p else None for p in ours]
    return {
        "address_texts": n,
        "address_names": len(forms),
        "address_texts_per_s": round(n / ours_s),
        "address_naive_scan_texts_per_s": round(n / naive_s),
        "address_vs_naive": round(naive_s / ours_s, 1),
        "address_correct": round(sum(a == b for a, b in zip(ours_ids, truth, strict=True)) / n, 4),
        "address_same_as_naive": round(sum(a == b for a, b in zip(ours_ids, naive, strict=True)) / n, 4),
    }


if __name__ == "__main__":
    main()
