"""The admin keeps the reference data: areas, units, categories, users, API keys, policies. Everyone
else reads what they need and gets 403 on every write."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.factories import IN_S2, box


@pytest.fixture
def admin(api):
    def call(method: str, path: str, body: dict | None = None, user: str = "admin"):
        return api.client.request(method, path, json=body, headers=api.headers(user))

    return call


WRITES = [
    ("POST", "/api/v1/areas", {"code": "S9", "name": "九街道", "level": "street", "parent": "D1"}),
    ("PATCH", "/api/v1/areas/S1", {"name": "改名"}),
    ("POST", "/api/v1/units", {"code": "PC1", "name": "物业公司", "kind": "property_company"}),
    ("PATCH", "/api/v1/units/ST1", {"name": "改名"}),
    ("POST", "/api/v1/categories", {"code": "04", "name": "停车"}),
    ("PATCH", "/api/v1/categories/01", {"name": "改名"}),
    ("GET", "/api/v1/users", None),
    ("POST", "/api/v1/users", {"username": "eve", "password": "long-enough-1", "role": "operator"}),
    ("PATCH", "/api/v1/users/1", {"role": "admin"}),
    ("GET", "/api/v1/apikeys", None),
    ("POST", "/api/v1/apikeys", {"name": "robot"}),
    ("DELETE", "/api/v1/apikeys/1", None),
    ("PUT", "/api/v1/policies/ordinary", {"amount": 1, "unit": "working_days"}),
    ("PUT", "/api/v1/calendar", {"day": "2026-10-12", "is_workday": False}),
]


@pytest.mark.parametrize("user", ["operator", "handler1", "lead1", "super1", "planner", "resident1"])
@pytest.mark.parametrize(("method", "path", "body"), [pytest.param(*w, id=f"{w[0]} {w[1]}") for w in WRITES])
def test_only_the_admin_may_write_reference_data(admin, user, method, path, body):
    r = admin(method, path, body, user=user)
    assert r.status_code == 403
    assert r.json()["detail"] == "admin role required"


def test_non_admins_still_read_areas_units_categories_and_policies(admin):
    for path in ("/api/v1/areas", "/api/v1/units", "/api/v1/categories", "/api/v1/policies"):
        r = admin("GET", path, user="handler1")
        assert r.status_code == 200
        assert len(r.json()) > 0


# --- areas -----------------------------------------------------------------------------------------------


def test_the_admin_creates_an_area_and_new_orders_fall_into_it(api, admin):
    r = admin(
        "POST",
        "/api/v1/areas",
        {
            "code": "C2",
            "name": "二社区",
            "level": "community",
            "parent": "S2",
            "geometry": box(116.35, 40.05, 116.40, 40.10),
        },
    )
    assert r.status_code == 201, r.text
    assert (r.json()["path"], r.json()["level"]) == ("/D1/S2/C2/", "community")
    order = api.create(lat=IN_S2[1], lon=IN_S2[0])
    assert order["area_path"] == "/D1/S2/C2/"
    assert order["area"] == ["测试区", "二街道", "二社区"]
    assert [a["code"] for a in admin("GET", "/api/v1/areas?parent=S2").json()] == ["C2"]


def test_the_admin_edits_an_areas_name_and_population(admin):
    r = admin("PATCH", "/api/v1/areas/S1", {"name": "回龙观街道", "population": 230000})
    assert r.status_code == 200
    got = admin("GET", "/api/v1/areas/S1", user="operator").json()
    assert (got["name"], got["population"]) == ("回龙观街道", 230000)


def test_an_areas_geometry_is_served_as_a_geojson_feature(admin):
    feature = admin("GET", "/api/v1/areas/G1/geometry", user="operator").json()
    assert feature["type"] == "Feature"
    assert feature["properties"]["code"] == "G1"
    assert feature["geometry"]["type"] == "Polygon"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"code": "S1", "name": "重复", "level": "street", "parent": "D1"}, 409, "code"),
        ({"code": "S9", "name": "倒挂", "level": "street", "parent": "C1"}, 422, "parent"),
        (
            {
                "code": "S9",
                "name": "坏形状",
                "level": "street",
                "parent": "D1",
                "geometry": {"type": "Point"},
            },
            422,
            "geometry",
        ),
        ({"code": "bad code", "name": "x", "level": "street"}, 422, "code"),
        ({"code": "S9", "name": "x", "level": "province"}, 422, "level"),
    ],
)
def test_a_bad_area_is_refused_naming_the_field(admin, body, status, field):
    r = admin("POST", "/api/v1/areas", body)
    assert r.status_code == status
    assert field in str(r.json())
    assert admin("GET", "/api/v1/areas/S9").status_code == 404


# --- units -----------------------------------------------------------------------------------------------


def test_the_admin_creates_a_unit_serving_areas_and_orders_can_be_dispatched_to_it(api, admin):
    r = admin(
        "POST",
        "/api/v1/units",
        {"code": "PC1", "name": "某物业公司", "kind": "property_company", "areas": ["C1"]},
    )
    assert r.status_code == 201, r.text
    assert (r.json()["kind"], r.json()["areas"]) == ("property_company", ["C1"])
    order = api.act("operator", api.create(), "dispatch", unit="PC1")
    assert order["lead_unit"] == "PC1"


def test_the_admin_edits_a_unit_and_an_inactive_unit_gets_no_orders(api, admin):
    r = admin(
        "PATCH", "/api/v1/units/BUR", {"name": "区城市管理委员会", "areas": ["S1", "S2"], "active": False}
    )
    assert r.status_code == 200
    assert (r.json()["name"], r.json()["areas"], r.json()["active"]) == (
        "区城市管理委员会",
        ["S1", "S2"],
        False,
    )
    refused = api.try_act("operator", api.create(), "dispatch", unit="BUR")
    assert refused.status_code == 422
    assert refused.json()["field"] == "unit"


def test_a_duplicate_or_unknown_kind_of_unit_is_refused(admin):
    assert (
        admin("POST", "/api/v1/units", {"code": "ST1", "name": "x", "kind": "street_office"}).status_code
        == 409
    )
    r = admin("POST", "/api/v1/units", {"code": "X1", "name": "x", "kind": "church"})
    assert r.status_code == 422
    assert "kind" in str(r.json())


# --- categories --------------------------------------------------------------------------------------------


def test_the_admin_grows_the_taxonomy_and_the_time_limit_class_follows(api, admin):
    assert admin("POST", "/api/v1/categories", {"code": "04", "name": "停车"}).status_code == 201
    r = admin(
        "POST",
        "/api/v1/categories",
        {"code": "0401", "name": "占道停车", "parent": "04", "time_limit_class": "complex"},
    )
    assert r.status_code == 201
    assert (r.json()["level"], r.json()["path"]) == (2, "/04/0401/")
    assert api.create(category_code="0401")["time_limit_class"] == "complex"
    assert admin("PATCH", "/api/v1/categories/0401", {"time_limit_class": "ordinary"}).status_code == 200
    assert api.create(category_code="0401")["time_limit_class"] == "ordinary"


def test_the_taxonomy_has_three_levels(admin):
    r = admin("POST", "/api/v1/categories", {"code": "01010101", "name": "太深", "parent": "010101"})
    assert r.status_code == 422
    assert r.json()["field"] == "parent"


def test_categories_are_listed_by_level(admin):
    codes = [c["code"] for c in admin("GET", "/api/v1/categories?level=1", user="operator").json()]
    assert codes == ["01", "02", "03"]


# --- users ----------------------------------------------------------------------------------------------


def test_the_admin_creates_a_user_who_can_then_sign_in(api, admin):
    body = {
        "username": "handler9",
        "password": "long-enough-1",
        "role": "handler",
        "unit": "ST2",
        "display_name": "王五",
    }
    r = admin("POST", "/api/v1/users", body)
    assert r.status_code == 201, r.text
    assert "password" not in str(r.json())
    assert r.json()["role"] == "handler"
    token = api.client.post("/api/v1/auth/token", json={"username": "handler9", "password": "long-enough-1"})
    assert token.status_code == 200
    me = api.client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    ).json()
    assert (me["name"], me["role"]) == ("王五", "handler")
    assert "handler9" in [u["username"] for u in admin("GET", "/api/v1/users").json()]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"username": "x9", "password": "long-enough-1", "role": "handler"}, 422, "unit"),
        ({"username": "x9", "password": "long-enough-1", "role": "supervisor"}, 422, "area"),
        ({"username": "x9", "password": "short", "role": "operator"}, 422, "password"),
        ({"username": "x9", "password": "long-enough-1", "role": "mayor"}, 422, "role"),
        ({"username": "operator", "password": "long-enough-1", "role": "operator"}, 409, "username"),
    ],
)
def test_a_bad_user_is_refused_naming_the_field(admin, body, status, field):
    r = admin("POST", "/api/v1/users", body)
    assert r.status_code == status
    assert field in str(r.json())


def test_a_deactivated_user_cannot_sign_in(api, admin):
    uid = next(u["id"] for u in admin("GET", "/api/v1/users").json() if u["username"] == "handler2")
    assert admin("PATCH", f"/api/v1/users/{uid}", {"active": False}).json()["active"] is False
    r = api.client.post("/api/v1/auth/token", json={"username": "handler2", "password": PASSWORD})
    assert r.status_code == 401


def test_a_new_password_invalidates_tokens_issued_before_it(api, admin):
    old = api.client.post("/api/v1/auth/token", json={"username": "super2", "password": PASSWORD}).json()
    uid = next(u["id"] for u in admin("GET", "/api/v1/users").json() if u["username"] == "super2")
    assert admin("PATCH", f"/api/v1/users/{uid}", {"password": "brand-new-pass"}).status_code == 200
    r = api.client.get("/api/v1/orders", headers={"Authorization": f"Bearer {old['access_token']}"})
    assert r.status_code == 401
    again = api.client.post("/api/v1/auth/token", json={"username": "super2", "password": "brand-new-pass"})
    assert again.status_code == 200


def test_the_admin_moves_a_user_to_another_scope(api, admin):
    uid = next(u["id"] for u in admin("GET", "/api/v1/users").json() if u["username"] == "resident2")
    r = admin("PATCH", f"/api/v1/users/{uid}", {"role": "supervisor", "area": "S2"})
    assert r.status_code == 200
    assert r.json()["role"] == "supervisor"
    assert r.json()["area_id"] is not None
    assert admin("PATCH", f"/api/v1/users/{uid}", {"role": "handler"}).status_code == 422
    assert admin("GET", "/api/v1/users/99999").status_code == 404


# --- API keys and policies ------------------------------------------------------------------------------


def test_the_admin_creates_lists_and_revokes_an_api_key(api, admin):
    created = admin("POST", "/api/v1/apikeys", {"name": "st1-system", "unit": "ST1"})
    assert created.status_code == 201
    key = created.json()["key"]
    assert created.json()["role"] == "handler"
    assert key.startswith(created.json()["prefix"])
    listed = admin("GET", "/api/v1/apikeys").json()
    assert [k["name"] for k in listed] == ["st1-system"]
    assert "key" not in listed[0]
    assert api.client.get("/api/v1/me", headers={"X-API-Key": key}).json()["role"] == "handler"
    assert admin("DELETE", f"/api/v1/apikeys/{created.json()['id']}").json()["active"] is False
    assert admin("DELETE", "/api/v1/apikeys/99999").status_code == 404


def test_an_api_key_cannot_take_an_area_role(admin):
    r = admin("POST", "/api/v1/apikeys", {"name": "x", "role": "supervisor"})
    assert r.status_code == 422
    assert r.json()["field"] == "role"


def test_the_admin_edits_a_policy_and_reads_it_back(admin):
    r = admin(
        "PUT", "/api/v1/policies/contact", {"amount": 12, "unit": "hours", "label": "联系群众时限(12小时)"}
    )
    assert r.status_code == 200
    listed = {p["code"]: p for p in admin("GET", "/api/v1/policies", user="operator").json()}
    assert (listed["contact"]["amount"], listed["contact"]["label"]) == (12, "联系群众时限(12小时)")
