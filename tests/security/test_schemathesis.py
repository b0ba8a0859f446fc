"""A short schemathesis pass over the order operations of our own OpenAPI, as an operator with a
bearer token, against a real `huitian serve`: no 5xx, no response outside its documented schema.
The long run over every operation and two roles is bench/schemathesis_api.py."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import schemathesis_api  # noqa: E402


def test_generated_requests_to_the_order_api_get_no_5xx_and_match_the_schema(db_url: str, tmp_path: Path):
    out = schemathesis_api.run(
        db_url,
        max_examples=5,
        seed=12345,
        tmp=tmp_path,
        extra=["--include-path-regex", "^/api/v1/orders"],
        roles=("operator",),
    )
    role = out["roles"]["operator"]
    assert role["operations"] >= 8 and out["cases"] > 200, out["roles"]
    assert out["failures"] == 0, out["tails"]["operator"]
