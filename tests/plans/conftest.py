from __future__ import annotations

import pytest

from huitian.plans import service


@pytest.fixture
def plan(db) -> dict:
    """The seed plans, loaded; the 2022 work plan's ids and the task numbers' ids."""
    with db.write() as s:
        _, annual = service.load_seed_plans(s)
        s.commit()
        read = service.read_plan(s, plan_id=annual.id)
    return {"id": annual.id, "tasks": {t.number: t.id for t in read.tasks}}
