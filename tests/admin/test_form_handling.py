"""The admin edit forms all go one way (web/forms.py `submit`): a change the service refuses is shown
beside its field with what was typed, and leaves nothing half-written; a form posted to something that
is not there answers the 404 page."""

from __future__ import annotations

import re

import pytest

from huitian.dispatch import service as dispatch_service
from huitian.sla import service as sla_service
from huitian.units import service as units_service
from tests.admin.conftest import field_error, post


def _unit(app, code: str):
    with app.state.db.read() as session:
        unit = units_service.get_by_code(session, code=code)
        return unit.name, unit.active, units_service.area_codes(session, unit_id=unit.id)


def test_a_refused_unit_edit_keeps_what_was_typed_and_changes_nothing(admin, app):
    before = _unit(app, "ST1")
    page = post(admin, "/admin/units/ST1", {"name": "改了名", "areas": "G1 NOPE", "active": "0"}, 422).text
    assert "NOPE" in re.search(r'id="f-areas-error">([^<]*)<', page)[1]
    assert 'value="改了名"' in page
    page = post(admin, "/admin/units/ST1", {"name": "", "areas": "G1", "active": "0"}, 422).text
    assert field_error(page, "f-name") == "至少 1 个字符"
    assert _unit(app, "ST1") == before


def test_a_refused_category_edit_changes_nothing(admin, api):
    before = api.get("admin", "/api/v1/categories/0101").json()
    form = {"name": "改了名", "time_limit_class": "ordinary", "unit_hint": "X" * 41, "active": "0"}
    page = post(admin, "/admin/categories/0101", form, 422).text
    assert field_error(page, "f-unit_hint") == "最多 40 个字符" and 'value="改了名"' in page
    assert api.get("admin", "/api/v1/categories/0101").json() == before


def test_reactivating_a_rule_that_would_clash_is_a_409_and_changes_nothing(admin, app):
    post(admin, "/admin/routing", {"category": "0101", "area": "S1", "unit": "BUR", "note": "城管职责"})
    with app.state.db.read() as session:
        (rule,) = dispatch_service.list_rules(session)
    post(admin, f"/admin/routing/{rule.id}/deactivate", {})
    post(admin, "/admin/routing", {"category": "0101", "area": "S1", "unit": "ST1"})
    page = post(admin, f"/admin/routing/{rule.id}", {"unit": "BUR", "note": "改了", "active": "1"}, 409).text
    assert "already routes" in page and "改了" in page
    with app.state.db.read() as session:
        assert dispatch_service.snapshot(session, dispatch_service.get_rule(session, rule_id=rule.id)) == {
            "category": "0101",
            "area": "S1",
            "unit": "BUR",
            "note": "城管职责",
            "active": False,
        }
        assert [c.change for c in dispatch_service.history(session, rule_id=rule.id)] == [
            "deactivate",
            "create",
        ]


def test_a_calendar_day_without_its_kind_is_refused_beside_the_kind(admin, app):
    page = post(admin, "/admin/sla/calendar", {"day": "2031-10-08", "note": "国庆节"}, 422).text
    assert field_error(page, "cal-kind") == "必填" and 'value="2031-10-08"' in page
    with app.state.db.read() as session:
        assert sla_service.list_calendar(session, year=2031) == []


@pytest.mark.parametrize(
    ("url", "form"),
    [
        ("/admin/units/NOPE", {"name": "x"}),
        ("/admin/categories/NOPE", {"name": "x"}),
        ("/admin/routing/99999", {"unit": "BUR"}),
        ("/admin/routing/99999/deactivate", {}),
        ("/admin/areas/NOPE", {"name": "x", "population": "1"}),
        ("/admin/users/99999", {"display_name": "x"}),
        ("/admin/users/99999/password", {"password": "long-enough-1"}),
        ("/admin/apikeys/99999/revoke", {}),
        ("/admin/sla/policies/nope", {"amount": "1", "unit": "hours"}),
    ],
)
def test_a_form_posted_to_something_missing_is_the_404_page(admin, url, form):
    missing = re.search(r"NOPE|99999|nope", url)[0]
    assert re.search(rf"未找到[^<]* {missing}。", post(admin, url, form, 404).text)
