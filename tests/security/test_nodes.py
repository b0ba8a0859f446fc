"""Several nodes: two `huitian serve` processes and two `huitian worker` processes on one database
under intake (bench/chaos.py without kills): nothing lost, no escalation twice, no escalation without
its event. On PostgreSQL when HUITIAN_TEST_DATABASE_URL names a server; on SQLite too, where the
processes share the file through its writer lock."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import chaos  # noqa: E402


def test_two_servers_and_two_workers_escalate_each_miss_once_and_lose_no_event(db_url: str):
    out = chaos.run(db_url, seconds=15, kills=0, servers=2, workers=2, clients=4, seed=4)
    assert out["acknowledged"] > 0 and out["lost"] == 0 and out["stored"] == out["acknowledged"], out
    assert out["history_problems"] == 0, out["history_examples"]
    assert out["audit_rc"] == 0 and out["chain_problems"] == 0, out
    assert out["escalations"] > 0, out
    assert out["double_escalations"] == 0 and out["escalated_without_one_event"] == 0, out
