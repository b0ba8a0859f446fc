"""Benchmark: importing N generated historical orders from a CSV file (transfer.service.import_orders:
read and check every row, in a second process above PIPELINE_MIN_BYTES, write in chunks by the
driver's executemany with ids allocated in bulk and each order's `created` event and hash, one commit)
on a fresh SQLite database, against a baseline measured in the same run: Python's sqlite3 `executemany`
of the same rows' values into a plain table with the orders table's columns (no validation, no events,
no deadlines). Prints one JSON line: rows/s (wall), rows per CPU-second of this (the writing) process,
and the CPU seconds of the reading process.

    .venv/bin/python bench/import.py [--n 1000000] [--chunk 20000] [--created-at] [--no-pipeline]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

TYPES = ["投诉", "求助", "咨询", "建议", "举报"]
TEXTS = [
    "小区门口路灯不亮,晚上行人看不清路",
    "楼下餐馆油烟扰民",
    "暖气不热,室温不达标",
    "井盖丢失存在安全隐患",
]


def generate(path: Path, n: int, with_time: bool) -> None:
    rnd = random.Random(7)
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["类型", "诉求内容", "分类代码", "联系电话", "地址", "受理时间"])
        for i in range(n):
            w.writerow(
                [
                    rnd.choice(TYPES),
                    f"{rnd.choice(TEXTS)}({i})",
                    rnd.choice(["010101", "020101", ""]),
                    f"139{rnd.randrange(10**8):08d}",
                    f"回龙观{rnd.randrange(1, 400)}号楼",
                    f"2024-{rnd.randrange(1, 13):02d}-{rnd.randrange(1, 29):02d} 09:00" if with_time else "",
                ]
            )


def prepare(url: str) -> None:
    from huitian import migrate
    from huitian.categories import service as categories_service
    from huitian.categories.schemas import CategoryCreate
    from huitian.db import Database
    from huitian.sla.enums import TimeLimitClass

    migrate.upgrade(url)
    db = Database(url)
    with db.write() as session:
        for code, name, parent, klass in [
            ("01", "城乡建设", None, TimeLimitClass.ORDINARY),
            ("0101", "市政设施", "01", TimeLimitClass.ORDINARY),
            ("010101", "路灯不亮", "0101", TimeLimitClass.ORDINARY),
            ("02", "供暖", None, TimeLimitClass.UTILITY),
            ("0201", "暖气不热", "02", TimeLimitClass.UTILITY),
            ("020101", "室温不达标", "0201", TimeLimitClass.UTILITY),
        ]:
            categories_service.create_category(
                session, data=CategoryCreate(code=code, name=name, parent=parent, time_limit_class=klass)
            )
        session.commit()
    db.dispose()


def baseline(path: Path, db_path: Path) -> tuple[float, float]:
    con = sqlite3.connect(db_path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute(
        "CREATE TABLE raw (id INTEGER PRIMARY KEY, type TEXT, description TEXT, category TEXT, phone TEXT,"
        " address TEXT, created TEXT)"
    )
    started, cpu = time.perf_counter(), time.process_time()
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = csv.reader(f)
        next(rows)
        con.execute("BEGIN")
        con.executemany("INSERT INTO raw VALUES (NULL, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("COMMIT")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    con.close()
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=20_000)
    parser.add_argument("--created-at", action="store_true", help="map a 受理时间 column (per-row times)")
    parser.add_argument("--no-pipeline", action="store_true", help="read and check in this process too")
    args = parser.parse_args()

    from huitian.db import Database
    from huitian.transfer import service as transfer_service

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        csv_path = tmpdir / "orders.csv"
        generate(csv_path, args.n, args.created_at)
        base_s, base_cpu = baseline(csv_path, tmpdir / "baseline.db")
        url = f"sqlite:///{tmpdir / 'huitian.db'}"
        prepare(url)
        db = Database(url)
        mapping = None if args.created_at else {"created_at": "-"}  # "-" is no column: not mapped
        pipeline = False if args.no_pipeline else None  # None: by the file's size, as the CLI does
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        started, cpu = time.perf_counter(), time.process_time()
        with db.write() as session:
            report = transfer_service.import_orders(
                session, path=csv_path, mapping=mapping, chunk=args.chunk, pipeline=pipeline
            )
            session.commit()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        reader_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
        db.dispose()
    assert report.ok and report.written == args.n, report.to_dict()
    print(
        json.dumps(
            {
                "bench": "import",
                "db": "sqlite",
                "n": args.n,
                "chunk": args.chunk,
                "created_at_mapped": args.created_at,
                "pipeline": reader_cpu > 0,
                "rows_per_s": round(args.n / elapsed),
                "seconds": round(elapsed, 2),
                "baseline_executemany_rows_per_s": round(args.n / base_s),
                "ratio_to_baseline": round(base_s / elapsed, 3),
                # CPU seconds of this process (the writer; the database is in-process): steadier than wall
                # time on a shared machine, though disk waits are left out. The reader's are apart.
                "rows_per_cpu_s": round(args.n / cpu),
                "cpu_seconds": round(cpu, 2),
                "reader_cpu_seconds": round(reader_cpu, 2),
                "baseline_rows_per_cpu_s": round(args.n / base_cpu),
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
