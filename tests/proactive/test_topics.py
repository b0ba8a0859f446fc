"""每月一题: candidate topics with key phrases from their own orders, choosing a topic, its effect."""

from __future__ import annotations

from datetime import datetime

from huitian.proactive import service as proactive_service
from huitian.proactive.schemas import TopicCreate
from tests.helpers import principal
from tests.proactive.conftest import BJ, G1, G2, orders

LAMPS = [
    "小区东门路灯不亮,晚上一片漆黑,老人摔倒",
    "路灯坏了好几天,晚上漆黑一片",
    "楼下路灯不亮,夜里漆黑看不清",
]
HEAT = ["暖气不热,室温只有十五度", "家里暖气片冰凉,室温太低", "暖气不热,孩子冻感冒了"]


def bj(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, tzinfo=BJ)


def _october(session):
    for i in range(6):
        orders(session, n=1, at=bj(10, 3 + i), where=G1, category="010101", text=LAMPS[i % 3])
    for i in range(4):
        orders(session, n=1, at=bj(10, 10 + i), where=G2, category="020101", text=HEAT[i % 3])
    orders(session, n=2, at=bj(9, 10), where=G1, category="010101", text="路灯不亮")


def test_candidates_rank_clusters_and_their_key_phrases_come_from_their_orders(db, api):
    with db.write() as session:
        _october(session)
        session.commit()
    r = api.get("super1", "/api/v1/topics/candidates", params={"month": "2026-10", "level": "grid"})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(c["area_code"], c["category_code"], c["volume"]) for c in items] == [
        ("G1", "0101", 6),
        ("G2", "0201", 4),
    ]
    lamps, heat = items
    assert lamps["previous_volume"] == 2 and lamps["growth"] == 2.0
    lamp_terms = {t for text in LAMPS for t in proactive_service.terms(text)}
    heat_terms = {t for text in HEAT for t in proactive_service.terms(text)}
    assert lamps["key_phrases"] and set(lamps["key_phrases"]) <= lamp_terms
    assert "漆黑" in lamps["key_phrases"] and not set(lamps["key_phrases"]) & heat_terms
    assert "暖气" in heat["key_phrases"] and set(heat["key_phrases"]) <= heat_terms
    assert {t["text"] for t in lamps["representative"]} <= set(LAMPS)


def test_bad_months_and_levels_are_refused(api):
    assert (
        api.get("super1", "/api/v1/topics/candidates", params={"month": "2026-13"}).json()["field"] == "month"
    )
    r = api.get("super1", "/api/v1/topics/candidates", params={"month": "2026-10", "level": "city"})
    assert r.status_code == 422 and r.json()["field"] == "level"


def test_a_chosen_topic_links_its_orders_tasks_and_units(db, api):
    with db.write() as session:
        _october(session)
        session.commit()
    body = {
        "month": "2026-10",
        "area": "G1",
        "category": "010101",
        "tasks": [{"unit": "ST1", "title": "排查路灯"}],
    }
    r = api.post("super1", "/api/v1/topics", body)
    assert r.status_code == 201, r.text
    topic = r.json()
    assert topic["category_code"] == "0101" and topic["units"] == ["一街道办事处"]
    assert "漆黑" in topic["key_phrases"]
    linked = api.get("super1", f"/api/v1/topics/{topic['id']}/orders").json()
    assert linked["total"] == 6 and all(o["area_path"].endswith("/G1/") for o in linked["items"])
    assert api.post("super1", "/api/v1/topics", body).status_code == 409
    bad = api.post(
        "super1", "/api/v1/topics", body | {"area": "G2", "tasks": [{"unit": "NOPE", "title": "x"}]}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "tasks[0].unit"
    done = api.post("super1", f"/api/v1/topics/{topic['id']}/tasks/{topic['tasks'][0]['id']}/done")
    assert done.json()["tasks"][0]["status"] == "done"
    micro = api.post("planner", f"/api/v1/topics/{topic['id']}/micro")
    assert micro.status_code == 201 and micro.json()["source"] == "topic"


def test_topics_are_seen_in_their_street_only(db, api):
    with db.write() as session:
        _october(session)
        session.commit()
    body = {"month": "2026-10", "area": "G1", "category": "010101"}
    tid = api.post("super1", "/api/v1/topics", body).json()["id"]
    assert api.get("super2", f"/api/v1/topics/{tid}").status_code == 404
    assert api.get("super2", f"/api/v1/topics/{tid}/effect").status_code == 404
    assert api.get("super2", "/api/v1/topics").json()["items"] == []
    assert api.post("super2", "/api/v1/topics", body | {"area": "G2"}).status_code == 403
    assert api.get("planner", f"/api/v1/topics/{tid}").status_code == 200
    assert api.get("handler1", "/api/v1/topics").status_code == 403
    r = api.get("super2", "/api/v1/topics/candidates", params={"month": "2026-10", "level": "grid"})
    assert r.json()["items"] == []


def test_the_effect_is_a_difference_in_differences_against_comparable_areas(db):
    """September: G1 10, G2 10 street-lamp complaints. October is the topic's month. November: G1 2,
    G2 9. Treated change −8, comparison change −1: the topic's effect is −7 a month."""
    with db.write() as session:
        orders(session, n=10, at=bj(9, 20), where=G1, spread_h=20)
        orders(session, n=10, at=bj(9, 20), where=G2, spread_h=20)
        orders(session, n=30, at=bj(10, 25), where=G1, spread_h=10)  # the topic's month: not counted
        orders(session, n=2, at=bj(11, 20), where=G1, spread_h=20)
        orders(session, n=9, at=bj(11, 20), where=G2, spread_h=20)
        orders(session, n=5, at=bj(11, 20), where=G2, category="020101", text="暖气不热")  # other category
        who = principal(session, "super1")
        topic = proactive_service.choose_topic(
            session, principal=who, data=TopicCreate(month="2026-10", area="G1", category="0101")
        )
        early = proactive_service.effect(session, principal=who, topic_id=topic.id, months=1, now=bj(11, 20))
        assert early.did is None and early.months_after == 0
        out = proactive_service.effect(session, principal=who, topic_id=topic.id, months=1, now=bj(12, 5))
    assert (out.treated_before, out.treated_after) == (10, 2)
    assert (out.comparison_before, out.comparison_after) == (10, 9)
    assert out.comparison_areas == ["G2"]
    assert out.did == -7
