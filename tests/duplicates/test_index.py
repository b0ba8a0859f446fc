"""DuplicateIndex on its own: blocking by place, area, caller and city part; the reasons that scored;
orders added after lookups are still found (the buckets grow between lookups)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from huitian.intelligence.duplicates import DuplicateIndex, HashedTfidf, Item

T0 = datetime(2026, 11, 1, 9, tzinfo=UTC)
LAMP = "小区门口路灯不亮,晚上看不见路"


def index(items: list[Item]) -> DuplicateIndex:
    vec = HashedTfidf(bits=16).fit([it.text for it in items] + ["暖气不热", "垃圾没人清运"])
    idx = DuplicateIndex(vec, capacity=2)
    idx.add(items)
    return idx


def test_the_same_matter_nearby_is_found_and_another_place_is_not():
    near = Item(1, LAMP, T0, lat=40.07, lon=116.31)
    far = Item(2, LAMP, T0, lat=40.09, lon=116.39)
    idx = index([near, far])
    found = idx.candidates(Item(9, "路灯不亮了,小区门口", T0 + timedelta(hours=2), lat=40.0701, lon=116.3101))
    assert [c.id for c in found] == [1]
    assert {"similar_text", "nearby", "recent"} <= set(found[0].reasons)


def test_area_caller_and_city_part_are_matched_without_points_and_unknown_values_match_nothing():
    items = [
        Item(1, LAMP, T0, area_path="/D1/S1/C1/"),
        Item(2, "楼道灯坏了", T0, phone="13800000001"),
        Item(3, "井盖松动", T0, asset_id=42),
        Item(4, LAMP, T0, area_path="/D1/S2/"),
    ]
    idx = index(items)
    by_area = idx.candidates(Item(9, LAMP, T0 + timedelta(hours=1), area_path="/D1/S1/C1/"))
    assert [c.id for c in by_area] == [1] and "same_area" in by_area[0].reasons
    by_caller = idx.candidates(Item(9, "楼道的灯坏了", T0, phone="13800000001"), threshold=0.3)
    assert [c.id for c in by_caller] == [2] and "same_caller" in by_caller[0].reasons
    by_asset = idx.candidates(Item(9, "井盖松了", T0, asset_id=42), threshold=0.3)
    assert [c.id for c in by_asset] == [3] and "same_asset" in by_asset[0].reasons
    assert idx.candidates(Item(9, LAMP, T0, area_path="/D9/", phone="13999999999", asset_id=7)) == []


def test_orders_added_between_lookups_are_found_and_removed_ones_are_not():
    idx = index([Item(1, LAMP, T0, lat=40.07, lon=116.31)])
    q = Item(99, LAMP, T0, lat=40.07, lon=116.31, phone="13800000001")
    assert [c.id for c in idx.candidates(q)] == [1]
    idx.add([Item(i, LAMP, T0, lat=40.07, lon=116.31, phone="13800000001") for i in range(2, 40)])
    assert len(idx.candidates(q, limit=100)) == 39
    idx.remove(1)
    assert 1 not in {c.id for c in idx.candidates(q, limit=100)}
