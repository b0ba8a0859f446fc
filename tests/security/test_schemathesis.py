"""A short schemathesis pass over the order operations of our own OpenAPI, as an operator with a
bearer token, against a real `huitian serve` on a small demo: no 5xx, no response outside its documented
schema, no undocumented status. The long run over every operation and six principals is
bench/schemathesis_api.py."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import schemathesis_api  # noqa: E402


def test_generated_requests_to_the_order_api_get_no_5xx_and_match_the_schema(tmp_path: Path):
    # a fresh SQLite file: the bench builds its small demo into an empty database (the test template
    # holds the test world, whose users are not the demo's); `--db` runs the bench on PostgreSQL
    out = schemathesis_api.run(
        f"sqlite:///{tmp_path / 'fuzz.db'}",
        max_examples=5,
        seed=12345,
        tmp=tmp_path,
        extra=["--include-path-regex", "^/api/v1/orders"],
        roles=("operator",),
        orders=200,
    )
    role = out["roles"]["operator"]
    assert role["operations"] >= 8 and out["cases"] > 200, out["roles"]
    assert out["failures_total"] == 0, (out["failures"], out["tails"]["operator"])
    assert out["server_errors"] == out["schema_violations"] == out["status_violations"] == 0
