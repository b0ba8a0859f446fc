"""The gazetteer places an address text in the most specific named area."""

from __future__ import annotations

from huitian.areas.gazetteer import Entry, Gazetteer, compound_name
from huitian.demo import catalog


def demo_gazetteer() -> Gazetteer:
    return Gazetteer(Entry(a["name"], a["code"], a["level"]) for a in catalog.area_properties())


def test_a_compound_name_in_the_address_places_the_order_in_its_community():
    com = next(a for a in catalog.area_properties() if a["name"] == "天通北苑第二社区")
    found = demo_gazetteer().match("来电人家住天通北苑二区12号楼3单元，楼道灯不亮")
    assert found is not None and found.code == com["code"] and found.level == "community"


def test_a_street_name_alone_places_the_order_in_its_street():
    street = next(a for a in catalog.area_properties() if a["level"] == "street")
    found = demo_gazetteer().match(f"{street['name']}附近道路积水")
    assert found is not None and found.code == street["code"]


def test_a_text_without_a_known_place_is_not_placed():
    assert demo_gazetteer().match("咨询社保卡办理流程") is None


def test_compound_names_read_as_residents_say_them():
    assert compound_name("天通北苑第二社区") == "天通北苑二区"
    assert compound_name("龙泽苑社区") == "龙泽苑"
    assert compound_name("朱辛庄村") == "朱辛庄村"
