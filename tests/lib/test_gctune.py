"""The collector tuning of a serving process: on for `serving=True` apps once started, off otherwise.

Run in a child process: gc.freeze() is for the whole interpreter and must not leak into the test run."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import gc, json, sys
from fastapi.testclient import TestClient
from huitian.app import create_app
from huitian.lib.gctune import YOUNG_THRESHOLD

out = {}
for serving in (False, True):
    with TestClient(create_app(sys.argv[1], run_worker=False, serving=serving)) as client:
        assert client.get("/healthz").status_code == 200
        out[str(serving)] = [gc.get_freeze_count(), gc.get_threshold()[0]]
out["young"] = YOUNG_THRESHOLD
print(json.dumps(out))
"""


def test_only_a_serving_app_freezes_the_heap_and_collects_less_often(db_url: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, db_url], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["False"] == [0, 700]  # CPython's defaults, untouched
    frozen, young = out["True"]
    assert frozen > 10_000  # the app, its routes and models are out of the collector's sight
    assert young == out["young"]
