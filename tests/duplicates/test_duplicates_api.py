"""Duplicate candidates through the API, on the real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from huitian.duplicates import service as duplicates_service
from tests.factories import IN_G1, IN_S2
from tests.helpers import new_order

NEAR_G1 = (IN_G1[0] + 0.0004, IN_G1[1] + 0.0003)  # about 45 m away
LAMP = "回龙观新村12号楼东侧门口的路灯坏了不亮，晚上行人看不清路，请尽快维修"
LAMP_AGAIN = "市民反映：回龙观新村12号楼东门口路灯不亮已经好几天了，夜里看不清路，希望尽快修好路灯"
NOISE = "回龙观新村12号楼东侧工地夜间施工噪音扰民，影响休息，请相关部门查处"


@pytest.fixture(autouse=True)
def _fresh_index():
    duplicates_service.reset()
    yield
    duplicates_service.reset()


def candidates(api, order: dict, username: str = "operator", expect: int = 200) -> list[dict]:
    r = api.get(username, f"/api/v1/orders/{order['id']}/duplicates")
    assert r.status_code == expect, r.text
    return r.json()["candidates"] if expect == 200 else []


def ids(found: list[dict]) -> set[int]:
    return {c["id"] for c in found}


def test_a_paraphrased_report_of_the_same_lamp_nearby_is_a_candidate(api):
    first = new_order(api, description=LAMP, citizen_phone="13800000001")
    second = new_order(api, description=LAMP_AGAIN, where=NEAR_G1, citizen_phone="13900000002")
    found = candidates(api, second)
    assert ids(found) == {first["id"]}
    assert "similar_text" in [r["code"] for r in found[0]["reasons"]]
    assert found[0]["distance_m"] < 100


def test_a_different_matter_at_the_same_place_is_not_a_candidate(api):
    new_order(api, description=NOISE, citizen_phone="13800000001")
    lamp = new_order(api, description=LAMP, citizen_phone="13900000002")
    assert candidates(api, lamp) == []


def test_the_same_callers_same_matter_is_a_candidate_even_without_a_point(api):
    first = new_order(api, description=LAMP)
    again = api.create(description=LAMP_AGAIN, citizen_phone=first["citizen_phone"] or "13812345678")
    found = candidates(api, again)
    assert ids(found) == {first["id"]}
    assert "same_caller" in [r["code"] for r in found[0]["reasons"]]


def test_the_same_text_far_away_is_not_a_candidate(api):
    new_order(api, description=LAMP, citizen_phone="13800000001")
    far = new_order(api, description=LAMP, where=IN_S2, citizen_phone="13900000002")
    assert candidates(api, far) == []


def test_merged_and_closed_orders_are_not_candidates(api):
    target = new_order(api, description=LAMP, citizen_phone="13800000001")
    merged = new_order(api, description=LAMP_AGAIN, citizen_phone="13800000003")
    api.act("operator", merged, "merge", into=str(target["id"]))
    probe = new_order(api, description=LAMP_AGAIN, where=NEAR_G1, citizen_phone="13900000002")
    assert ids(candidates(api, probe)) == {target["id"]}
    api.act("operator", target, "mark_unreasonable", reason="测试")  # still open: stays a candidate
    assert ids(candidates(api, probe)) == {target["id"]}


def test_an_order_merged_after_the_index_was_built_is_dropped(api):
    target = new_order(api, description=LAMP, citizen_phone="13800000001")
    other = new_order(api, description=LAMP_AGAIN, where=NEAR_G1, citizen_phone="13900000002")
    assert ids(candidates(api, other)) == {target["id"]}
    api.act("operator", target, "merge", into=str(other["id"]))
    assert candidates(api, other) == []


def test_only_the_hotline_centre_sees_duplicates(api):
    order = new_order(api, description=LAMP)
    candidates(api, order, "handler1", expect=403)
    candidates(api, order, "super1", expect=403)
    candidates(api, order, "resident1", expect=403)
    candidates(api, order, "admin")


def test_an_unknown_order_is_404_and_a_bad_limit_names_the_field(api):
    r = api.get("operator", "/api/v1/orders/99999/duplicates")
    assert r.status_code == 404
    order = new_order(api, description=LAMP)
    r = api.get("operator", f"/api/v1/orders/{order['id']}/duplicates", params={"limit": 0})
    assert r.status_code == 422 and "limit" in r.text


def test_the_index_keeps_orders_within_the_time_window_only():
    from huitian.intelligence.duplicates import DuplicateIndex, Item

    t0 = datetime(2025, 3, 1, 9, tzinfo=UTC)
    old = Item(1, LAMP, t0, IN_G1[1], IN_G1[0])
    index = DuplicateIndex.build([old])
    assert [
        c.id for c in index.candidates(Item(2, LAMP_AGAIN, t0 + timedelta(hours=20), *NEAR_G1[::-1]))
    ] == [1]
    assert index.candidates(Item(3, LAMP_AGAIN, t0 + timedelta(days=5), *NEAR_G1[::-1])) == []


def test_a_candidates_title_reads_masked_for_an_admin_and_as_typed_for_an_operator(api):
    title = "王小明来电13812345678:路灯不亮"
    first = new_order(api, description=LAMP, title=title, citizen_name="王小明", citizen_phone="13800000001")
    second = new_order(api, description=LAMP_AGAIN, where=NEAR_G1, citizen_phone="13900000002")
    assert [c["title"] for c in candidates(api, second) if c["id"] == first["id"]] == [title]
    assert [c["title"] for c in candidates(api, second, "admin") if c["id"] == first["id"]] == [
        "王**来电138****5678:路灯不亮"
    ]
