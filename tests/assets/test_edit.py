"""Editing a part (PATCH /api/v1/assets/{code}): checked before anything changes, each change logged with
its old and new values; reading the registry within one's scope."""

from __future__ import annotations

import pytest

from huitian.assets import service as assets_service
from huitian.assets.schemas import AssetCreate
from tests.factories import IN_G1, IN_S2


def make(db, **fields) -> str:
    body = {"class_code": "0106", "name": "路灯", "lon": IN_G1[0], "lat": IN_G1[1], "unit": "UT"} | fields
    with db.write() as s:
        asset = assets_service.create_asset(s, data=AssetCreate(**body))
        s.commit()
        return asset.code


def patch(api, user: str, code: str, body: dict):
    return api.client.patch(f"/api/v1/assets/{code}", json=body, headers=api.headers(user))


def test_a_patch_changes_the_given_fields_and_logs_old_and_new_values(api, db):
    code = make(db)
    r = patch(
        api,
        "operator",
        code,
        {"status": "damaged", "unit": "BUR", "attributes": {"灯杆高度": "8米", "功率": 150}},
    )
    assert r.status_code == 200, r.text
    part = r.json()
    assert (part["status"], part["unit"], part["attributes"]) == (
        "damaged",
        "BUR",
        {"灯杆高度": "8米", "功率": 150},
    )
    r = patch(
        api, "admin", code, {"lat": IN_S2[1], "lon": IN_S2[0], "attributes": {"功率": None}, "unit": None}
    )
    assert r.status_code == 200, r.text
    part = r.json()
    assert part["area"] == "G2" or part["area_path"].startswith("/D1/S2")
    assert part["unit"] is None and part["attributes"] == {"灯杆高度": "8米"}
    history = api.get("operator", f"/api/v1/assets/{code}/history").json()
    assert [h["actor_role"] for h in history] == ["admin", "operator"]
    newest, first = history
    assert first["changes"]["status"] == ["in_service", "damaged"]
    assert first["changes"]["unit"] == ["UT", "BUR"]
    assert first["changes"]["attributes"] == [{}, {"灯杆高度": "8米", "功率": 150}]
    assert newest["changes"]["unit"] == ["BUR", None] and newest["changes"]["lon"] == [IN_G1[0], IN_S2[0]]
    assert newest["changes"]["area_path"][0] != newest["changes"]["area_path"][1]


def test_a_patch_that_changes_nothing_logs_nothing(api, db):
    code = make(db)
    assert patch(api, "operator", code, {"status": "in_service", "unit": "UT"}).status_code == 200
    assert api.get("operator", f"/api/v1/assets/{code}/history").json() == []


BAD = {
    "unknown status": ({"status": "broken"}, 422, "status"),
    "unknown unit": ({"unit": "NOPE"}, 404, "unit"),
    "lat without lon": ({"lat": 40.0}, 422, "lat"),
    "lat out of range": ({"lat": 91, "lon": 116.3}, 422, "lat"),
    "unknown field": ({"colour": "red"}, 422, "colour"),
    "status cleared": ({"status": None}, 422, "status"),
    "attribute too long": ({"attributes": {"说明": "字" * 201}}, 422, "attributes"),
    "attribute not a scalar": ({"attributes": {"尺寸": [1, 2]}}, 422, "attributes"),
}


@pytest.mark.parametrize("body,status,field", BAD.values(), ids=BAD.keys())
def test_a_bad_patch_is_refused_naming_the_field_and_changes_nothing(api, db, body, status, field):
    code = make(db)
    before = api.get("operator", f"/api/v1/assets/{code}").json()
    r = patch(api, "operator", code, body | {"name": "改过的名字"})
    assert r.status_code == status, r.text
    assert field in r.text
    assert api.get("operator", f"/api/v1/assets/{code}").json() == before
    assert api.get("operator", f"/api/v1/assets/{code}/history").json() == []


def test_only_the_hotline_centre_edits_and_outsiders_get_404(api, db):
    code = make(db, unit="ST1")
    assert patch(api, "super1", code, {"status": "damaged"}).status_code == 403  # sees it, may not edit
    assert patch(api, "handler1", code, {"status": "damaged"}).status_code == 403
    for outsider in ("super2", "handler2", "resident1"):
        assert patch(api, outsider, code, {"status": "damaged"}).status_code == 404, outsider
        assert api.get(outsider, f"/api/v1/assets/{code}").status_code == 404, outsider
    assert api.client.patch(f"/api/v1/assets/{code}", json={"status": "damaged"}).status_code == 401


def test_the_list_shows_each_role_only_the_parts_in_its_scope(api, db):
    in_g1 = make(db, unit="UT")
    in_s2 = make(db, lon=IN_S2[0], lat=IN_S2[1], unit="UT")
    kept_by_st1_in_s2 = make(db, lon=IN_S2[0], lat=IN_S2[1], unit="ST1")

    def codes(user: str) -> set[str]:
        return {p["code"] for p in api.get(user, "/api/v1/assets", params={"limit": 1000}).json()["items"]}

    assert codes("operator") == {in_g1, in_s2, kept_by_st1_in_s2}
    assert codes("super1") == codes("grid1") == {in_g1}
    assert codes("super2") == {in_s2, kept_by_st1_in_s2}
    assert codes("handler1") == {in_g1, kept_by_st1_in_s2}  # its area S1, and the part it maintains
    # residents: refused, as the registry page refuses them (they read a part through its QR page)
    assert api.get("resident1", "/api/v1/assets").status_code == 403
    assert api.get("resident1", "/api/v1/assets/export.geojson").status_code == 403
    assert api.get("resident1", "/api/v1/assets/export.xlsx").status_code == 403
    features = api.get("super1", "/api/v1/assets/export.geojson").json()["features"]
    assert [f["properties"]["code"] for f in features] == [in_g1]
