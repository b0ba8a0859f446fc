"""Every status the API answers is in its OpenAPI document, with the body it really sends: schemathesis's
status_code_conformance (bench/schemathesis_api.py) found 401, 403, 404, 409 and 429 answered by
operations that documented only 200/201 and 422."""

from __future__ import annotations

import jsonschema
import pytest
from fastapi.testclient import TestClient

from tests.conftest import Api


@pytest.fixture
def openapi(client: TestClient) -> dict:
    return client.get("/openapi.json").json()


def check_documented(openapi: dict, method: str, path: str, response) -> None:
    """The answer's status is documented for the operation and its JSON body matches the schema given."""
    responses = openapi["paths"][path][method]["responses"]
    status = str(response.status_code)
    assert status in responses, f"{method.upper()} {path} answers {status}, documents {sorted(responses)}"
    schema = responses[status]["content"]["application/json"]["schema"]
    jsonschema.validate(response.json(), {**schema, "components": openapi["components"]})


def test_refusals_are_documented_statuses_with_their_bodies(client: TestClient, api: Api, openapi: dict):
    r = client.get("/api/v1/orders")
    assert r.status_code == 401
    check_documented(openapi, "get", "/api/v1/orders", r)

    r = api.get("operator", "/api/v1/users")
    assert r.status_code == 403
    check_documented(openapi, "get", "/api/v1/users", r)

    r = api.get("admin", "/api/v1/units/NO-SUCH-UNIT")
    assert r.status_code == 404
    check_documented(openapi, "get", "/api/v1/units/{code}", r)

    order = api.create()
    r = api.post("operator", f"/api/v1/orders/{order['id']}/actions", {"action": "dispatch", "version": 99})
    assert r.status_code == 409
    check_documented(openapi, "post", "/api/v1/orders/{ref}/actions", r)

    for _ in range(10):
        client.post("/api/v1/auth/token", json={"username": "handler1", "password": "wrong-password"})
    r = client.post("/api/v1/auth/token", json={"username": "handler1", "password": "wrong-password"})
    assert r.status_code == 429
    check_documented(openapi, "post", "/api/v1/auth/token", r)


def test_every_api_operation_documents_the_error_statuses(openapi: dict):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            documented = set(operation["responses"])
            if path.startswith("/api/"):
                assert {"400", "401", "403", "404", "409", "422", "429"} <= documented, (method, path)
            else:  # Open311 answers errors in its own format: not ours to describe here
                assert "401" not in documented, (method, path)


def test_files_are_documented_with_the_media_type_they_are_sent_as(client: TestClient, api: Api, db, openapi):
    """GeoJSON, Excel and SVG answers were documented as application/json (schemathesis's
    content_type_conformance): a client generated from the document would try to parse a workbook as JSON."""
    from tests.assets.test_public import make_part

    code = make_part(db)
    for who, path, template in [
        ("operator", "/api/v1/assets/export.geojson", "/api/v1/assets/export.geojson"),
        ("operator", "/api/v1/assets/export.xlsx", "/api/v1/assets/export.xlsx"),
        ("operator", f"/api/v1/assets/{code}/qr.svg", "/api/v1/assets/{code}/qr.svg"),
        (
            "admin",
            "/api/v1/kpi/reports/unit/ST1.xlsx?month=2026-03",
            "/api/v1/kpi/reports/{kind}/{code}.xlsx",
        ),
    ]:
        r = api.get(who, path)
        assert r.status_code == 200, (path, r.text)
        sent = r.headers["content-type"].split(";")[0]
        documented = set(openapi["paths"][template]["get"]["responses"]["200"]["content"])
        assert documented == {sent}, (path, sent, documented)
