"""A short run of bench/chaos.py: SIGKILL the server and the worker under intake, restart them, and
lose nothing. On SQLite, and on PostgreSQL when HUITIAN_TEST_DATABASE_URL names a server."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import chaos  # noqa: E402


def test_sigkilled_server_and_worker_lose_no_acknowledged_order_and_escalate_once(db_url: str):
    out = chaos.run(db_url, seconds=15, kills=3, servers=1, workers=1, clients=3, seed=3)
    assert out["kills"] >= 3 and out["acknowledged"] > 0, out
    assert {"server", "worker"} <= set(out["kills_by_kind"]), out["kills_by_kind"]
    assert out["lost"] == 0 and out["stored"] == out["acknowledged"], out
    assert out["history_problems"] == 0, out["history_examples"]
    assert out["audit_rc"] == 0 and out["chain_problems"] == 0, out
    assert out["escalations"] > 0, "the time travel should have made deadlines run out during the run"
    assert out["double_escalations"] == 0 and out["escalated_without_one_event"] == 0, out
