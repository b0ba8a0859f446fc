"""Open311 POSTs that arrive together are filed in one transaction (group commit, as the JSON create):
each request still succeeds or fails on its own."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from huitian.errors import BadRequest, Forbidden
from huitian.intake.api import file_batch
from huitian.intake.models import Open311Request
from huitian.intake.service import Filed, NewRequest
from tests.intake.conftest import BASE, IN_G1, order_count


def _req(key: str, **fields) -> NewRequest:
    base = {"api_key": key, "service_code": "010101", "lat": IN_G1["lat"], "long": IN_G1["long"]}
    return NewRequest(**(base | {"description": "路灯不亮"} | fields))


def test_a_group_files_the_good_requests_and_refuses_the_bad_ones_alone(db, api_key):
    before = order_count(db)
    results = file_batch(
        db,
        [
            _req(api_key, description="一号"),
            _req(api_key, service_code="999999"),
            _req("ht_wrong-key"),
            _req(api_key, description="二号", account_id="acc-2"),
        ],
    )
    first, unknown, wrong_key, second = results
    assert isinstance(first, Filed) and isinstance(second, Filed)
    assert isinstance(unknown, BadRequest) and "999999" in unknown.message
    assert isinstance(wrong_key, Forbidden) and "api_key" in wrong_key.message
    assert second.account_id == "acc-2" and first.number != second.number
    assert order_count(db) == before + 2
    with db.read() as session:
        extras = session.scalars(select(Open311Request.order_id).order_by(Open311Request.order_id)).all()
        assert set(extras) >= {first.order.id, second.order.id}
        assert session.scalar(select(func.count()).select_from(Open311Request)) == len(extras)


def test_posts_sent_at_the_same_moment_each_get_their_own_request_id(o311, db):
    before = order_count(db)
    answers: list = []

    def post(i: int) -> None:
        answers.append(o311.post(description=f"同时上报{i}"))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    ids = {r.json()[0]["service_request_id"] for r in answers}
    assert len(ids) == 12 and order_count(db) == before + 12
    bad = o311.client.post(f"{BASE}/requests.json", data={"api_key": o311.key, "service_code": "010101"})
    assert bad.status_code == 400 and order_count(db) == before + 12
