"""The routing catalogue (派单目录): rules, category hints and 属地管理 as the fallback."""

from __future__ import annotations

from huitian.categories import service as categories_service
from huitian.categories.schemas import CategoryUpdate
from huitian.dispatch import service as dispatch_service
from huitian.dispatch.enums import RouteReason
from huitian.dispatch.schemas import RuleCreate
from tests.helpers import principal

G1 = "/D1/S1/C1/G1/"
S2 = "/D1/S2/"


def _route(db, category: str | None, area_path: str | None):
    with db.read() as session:
        cat_id = categories_service.get_by_code(session, code=category).id if category else None
        return dispatch_service.route(session, category_id=cat_id, area_path=area_path)


def _rule(db, **fields) -> int:
    with db.write() as session:
        rule = dispatch_service.create_rule(
            session, data=RuleCreate(**fields), principal=principal(session, "admin")
        )
        session.commit()
        return rule.id


def test_without_rules_an_order_goes_to_the_street_office_of_its_place(db):
    g1 = _route(db, "010101", G1)
    s2 = _route(db, "010101", S2)
    assert (g1.unit.code, g1.reason) == ("ST1", RouteReason.TERRITORIAL)
    assert (s2.unit.code, s2.reason) == ("ST2", RouteReason.TERRITORIAL)


def test_an_order_with_no_place_and_no_rule_gets_no_unit(db):
    route = _route(db, "010101", None)
    assert route.unit is None and route.reason == RouteReason.NONE


def test_a_rule_beats_the_territorial_fallback(db):
    rule_id = _rule(db, category="0101", unit="BUR")
    route = _route(db, "010101", G1)
    assert (route.unit.code, route.reason, route.rule_id) == ("BUR", RouteReason.RULE, rule_id)


def test_the_most_specific_category_wins_then_the_most_specific_area(db):
    _rule(db, category="01", unit="GOV")
    specific = _rule(db, category="010101", unit="BUR")
    in_s2 = _rule(db, category="010101", area="S2", unit="ST2")
    assert _route(db, "010101", G1).rule_id == specific
    assert _route(db, "010101", S2).rule_id == in_s2
    assert _route(db, "0101", G1).unit.code == "GOV"


def test_a_more_specific_category_beats_a_more_specific_area(db):
    _rule(db, category="01", area="G1", unit="ST1")
    wins = _rule(db, category="010101", unit="BUR")
    assert _route(db, "010101", G1).rule_id == wins


def test_a_rule_without_category_routes_every_category_of_its_area(db):
    _rule(db, area="S2", unit="GOV")
    assert _route(db, "020101", S2).unit.code == "GOV"
    assert _route(db, "020101", G1).unit.code == "ST1"


def test_a_deactivated_rule_no_longer_routes(db):
    rule_id = _rule(db, category="0101", unit="BUR")
    with db.write() as session:
        rule = dispatch_service.get_rule(session, rule_id=rule_id)
        dispatch_service.deactivate_rule(session, rule=rule, principal=principal(session, "admin"))
        session.commit()
    assert _route(db, "010101", G1).reason == RouteReason.TERRITORIAL


def test_a_category_hint_naming_a_unit_routes_to_it(db):
    with db.write() as session:
        cat = categories_service.get_by_code(session, code="02")
        categories_service.update_category(session, category=cat, data=CategoryUpdate(unit_hint="UT"))
        session.commit()
    route = _route(db, "020101", S2)
    assert (route.unit.code, route.reason) == ("UT", RouteReason.CATEGORY_HINT)


def test_a_category_hint_naming_a_kind_takes_the_unit_of_that_kind_serving_the_place(db):
    with db.write() as session:
        cat = categories_service.get_by_code(session, code="0201")
        categories_service.update_category(
            session, category=cat, data=CategoryUpdate(unit_hint="district_bureau")
        )
        session.commit()
    route = _route(db, "020101", G1)
    assert (route.unit.code, route.reason) == ("BUR", RouteReason.CATEGORY_HINT)
