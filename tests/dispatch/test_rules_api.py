"""Admins edit the catalogue through the API; every change is recorded; nobody else may edit."""

from __future__ import annotations

RULES = "/api/v1/dispatch/rules"


def _create(api, **body) -> dict:
    r = api.post("admin", RULES, {"unit": "BUR", "category": "0101", **body})
    assert r.status_code == 201, r.text
    return r.json()


def test_an_admin_creates_a_rule_and_the_route_preview_uses_it(api):
    rule = _create(api, note="市政设施由区城管委负责")
    assert (rule["category"], rule["area"], rule["unit"], rule["active"]) == ("0101", None, "BUR", True)
    route = api.get("operator", "/api/v1/dispatch/route", params={"category": "010101", "area": "G1"}).json()
    assert (route["unit"], route["reason"], route["rule_id"]) == ("BUR", "rule", rule["id"])


def test_every_change_to_a_rule_is_recorded_with_who_and_before_and_after(api):
    rule = _create(api)
    r = api.client.patch(f"{RULES}/{rule['id']}", json={"unit": "GOV"}, headers=api.headers("admin"))
    assert r.status_code == 200, r.text
    assert api.post("admin", f"{RULES}/{rule['id']}/deactivate").json()["active"] is False
    history = api.get("admin", f"{RULES}/{rule['id']}/history").json()
    assert [h["change"] for h in history] == ["deactivate", "update", "create"]
    assert {h["actor"] for h in history} == {"admin"}
    assert history[1]["before"]["unit"] == "BUR" and history[1]["after"]["unit"] == "GOV"
    assert history[2]["before"] is None
    assert api.get("admin", RULES).json()[0]["active"] is False  # never deleted


def test_a_second_active_rule_for_the_same_category_and_area_is_a_conflict(api):
    _create(api)
    r = api.post("admin", RULES, {"unit": "GOV", "category": "0101"})
    assert r.status_code == 409 and r.json()["field"] == "category"


def test_an_unknown_unit_is_refused_naming_the_field(api):
    r = api.post("admin", RULES, {"unit": "NOPE", "category": "0101"})
    assert r.status_code == 422 and r.json()["field"] == "unit"


def test_only_admins_may_change_the_catalogue(api):
    rule = _create(api)
    for user in ("operator", "handler1", "super1", "resident1"):
        assert api.post(user, RULES, {"unit": "GOV", "category": "01"}).status_code == 403
        assert api.post(user, f"{RULES}/{rule['id']}/deactivate").status_code == 403
        assert api.get(user, f"{RULES}/{rule['id']}/history").status_code == 403
    assert api.get("operator", RULES).status_code == 200
    assert api.get("handler1", RULES).status_code == 403
