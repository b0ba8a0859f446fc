"""Units, the taxonomy and the routing catalogue through their admin forms: create, edit, and the
service's validation shown beside the field with nothing written."""

from __future__ import annotations

from huitian.dispatch import service as dispatch_service
from huitian.units import service as units_service
from tests.admin.conftest import field_error, post

# --- units ---------------------------------------------------------------------------------------------


def test_the_admin_creates_a_unit_with_its_jurisdiction_and_edits_it(admin, app):
    r = post(
        admin,
        "/admin/units/new",
        {"code": "WATER", "name": "自来水公司", "kind": "utility", "phone": "96116", "areas": "S1, S2"},
    )
    assert r.headers["location"] == "/admin/units/WATER"
    with app.state.db.read() as session:
        unit = units_service.get_by_code(session, code="WATER")
        assert (unit.name, unit.kind, unit.phone) == ("自来水公司", "utility", "96116")
        assert units_service.area_codes(session, unit_id=unit.id) == ["S1", "S2"]
    post(
        admin, "/admin/units/WATER", {"name": "北京自来水集团", "phone": "", "areas": "G1 G2", "active": "0"}
    )
    with app.state.db.read() as session:
        unit = units_service.get_by_code(session, code="WATER")
        assert (unit.name, unit.phone, unit.active) == ("北京自来水集团", None, False)
        assert units_service.area_codes(session, unit_id=unit.id) == ["G1", "G2"]
    page = admin.get("/admin/units", params={"kind": "utility", "q": "自来水"}).text
    assert "北京自来水集团" in page and "G1、G2" in page and "热力公司" not in page


def test_unit_errors_are_shown_beside_their_fields_and_nothing_is_written(admin, app):
    page = post(
        admin, "/admin/units/new", {"code": "ST1", "name": "重复", "kind": "utility"}, expect=409
    ).text
    assert "ST1" in field_error(page, "f-code") and 'value="重复"' in page  # what was typed stays
    page = post(
        admin, "/admin/units/new", {"code": "bad code!", "name": "", "kind": "utility"}, expect=422
    ).text
    assert field_error(page, "f-code") == "只能使用字母、数字、下划线(_)和连字符(-)"
    page = post(
        admin,
        "/admin/units/new",
        {"code": "NEW", "name": "新单位", "kind": "utility", "areas": "S1 NOPE"},
        422,
    ).text
    assert "NOPE" in page and 'id="f-areas-error"' in page
    with app.state.db.read() as session:
        assert "NEW" not in {u.code for u in units_service.list_units(session)}


# --- the taxonomy --------------------------------------------------------------------------------------


def test_the_admin_creates_a_third_level_category_and_edits_its_time_limit_and_hint(admin, api):
    r = post(
        admin,
        "/admin/categories",
        {
            "code": "010102",
            "name": "井盖缺失",
            "parent": "0101",
            "time_limit_class": "emergency",
            "unit_hint": "BUR",
        },
    )
    assert r.headers["location"] == "/admin/categories/010102"
    cat = api.get("admin", "/api/v1/categories/010102").json()
    assert (cat["level"], cat["path"], cat["time_limit_class"], cat["unit_hint"]) == (
        3,
        "/01/0101/010102/",
        "emergency",
        "BUR",
    )
    post(
        admin,
        "/admin/categories/010102",
        {"name": "井盖缺失或破损", "time_limit_class": "ordinary", "unit_hint": "", "active": "1"},
    )
    cat = api.get("admin", "/api/v1/categories/010102").json()
    assert (cat["name"], cat["time_limit_class"], cat["unit_hint"]) == ("井盖缺失或破损", "ordinary", None)
    tree = admin.get("/admin/categories").text
    assert "城乡建设" in tree and "井盖缺失或破损" in tree and "一般(7个工作日)" in tree


def test_a_fourth_level_is_refused_beside_the_parent_field(admin, api):
    page = post(
        admin, "/admin/categories", {"code": "X4", "name": "四级", "parent": "010101"}, expect=422
    ).text
    assert "three levels" in field_error(page, "f-parent")
    assert api.get("admin", "/api/v1/categories/X4").status_code == 404


# --- the routing catalogue -----------------------------------------------------------------------------


def test_the_admin_adds_edits_and_deactivates_a_rule_and_the_log_shows_each_change(admin, app):
    post(admin, "/admin/routing", {"category": "0101", "area": "S1", "unit": "BUR", "note": "城管职责"})
    with app.state.db.read() as session:
        (rule,) = dispatch_service.list_rules(session)
        assert dispatch_service.snapshot(session, rule) == {
            "category": "0101",
            "area": "S1",
            "unit": "BUR",
            "note": "城管职责",
            "active": True,
        }
    r = post(admin, f"/admin/routing/{rule.id}", {"unit": "ST1", "note": "属地街道", "active": "1"})
    assert r.headers["location"] == f"/admin/routing/{rule.id}"
    post(admin, f"/admin/routing/{rule.id}/deactivate", {})
    with app.state.db.read() as session:
        changes = [c.change for c in dispatch_service.history(session, rule_id=rule.id)]
        assert changes == ["deactivate", "update", "create"]
        assert dispatch_service.get_rule(session, rule_id=rule.id).active is False
    log = admin.get(f"/admin/routing/{rule.id}").text
    assert log.count("<td>admin</td>") == 3 and "新增" in log and "修改" in log and "停用" in log


def test_a_second_rule_for_the_same_category_and_area_is_refused(admin, app):
    post(admin, "/admin/routing", {"category": "0101", "area": "S1", "unit": "BUR"})
    page = post(admin, "/admin/routing", {"category": "0101", "area": "S1", "unit": "ST1"}, expect=409).text
    assert "already routes" in field_error(page, "f-category")
    page = post(
        admin, "/admin/routing", {"category": "0101", "area": "NOWHERE", "unit": "ST1"}, expect=422
    ).text
    assert "NOWHERE" in field_error(page, "f-area")
    page = post(admin, "/admin/routing", {"category": "0101"}, expect=422).text
    assert field_error(page, "f-unit")
    with app.state.db.read() as session:
        assert len(dispatch_service.list_rules(session)) == 1
