"""An id no column can hold (the fuzzer sends 30-digit ids) is a 422 naming the problem, not a 500."""

from __future__ import annotations

HUGE = 2**70


def test_a_huge_id_in_the_path_is_a_422(api):
    for path in (f"/api/v1/users/{HUGE}", f"/api/v1/hotline/kb/{HUGE}"):
        r = api.get("admin", path)
        assert r.status_code == 422, (path, r.status_code, r.text)
        assert "out of range" in r.json()["detail"]


def test_a_huge_id_in_a_patch_writes_nothing(api):
    r = api.client.patch(f"/api/v1/users/{HUGE}", json={"name": "某某"}, headers=api.headers("admin"))
    assert r.status_code == 422
    assert api.get("admin", "/api/v1/users").status_code == 200
