"""Open311 fixtures: an API key, a helper that posts service requests, and validators built from the
Open311 community's JSON Schemas (shared/data/open311_spec), which nobody here wrote."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7
from sqlalchemy import func, select

from huitian.auth import service as auth_service
from huitian.orders.models import Order
from tests.helpers import api  # noqa: F401  (the quicker `api` fixture)

# The shared folder sits beside the repository's checkout (or beside the folder of its worktrees).
_SPEC_IN = Path("shared") / "data" / "open311_spec" / "schema" / "georeport-v2"
SPEC = next(
    (p / _SPEC_IN for p in Path(__file__).resolve().parents[3:5] if (p / _SPEC_IN).is_dir()),
    Path(__file__).resolve().parents[3] / _SPEC_IN,
)
BASE = "/open311/v2"
IN_G1 = {"lat": "40.07", "long": "116.31"}


def _schemas() -> dict[str, jsonschema.protocols.Validator]:
    resources = {p.name: json.loads(p.read_text()) for p in SPEC.glob("*.json") if p.name != "swagger.json"}
    registry = Registry().with_resources(
        (name, Resource.from_contents(body, default_specification=DRAFT7)) for name, body in resources.items()
    )
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    return {
        name: jsonschema.Draft7Validator(body, registry=registry, format_checker=checker)
        for name, body in resources.items()
    }


SCHEMAS = _schemas()


def valid(name: str, doc) -> None:
    """Raise unless `doc` satisfies the community schema `name` (e.g. "requests.json")."""
    SCHEMAS[name].validate(doc)


def parse_xml(body: bytes) -> ET.Element:
    assert body.startswith(b"<?xml"), body[:80]
    return ET.fromstring(body)


@pytest.fixture
def api_key(db) -> str:
    with db.write() as session:
        _, key = auth_service.create_api_key(session, name="fixmystreet")
        session.commit()
    return key


def order_count(db) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Order)) or 0


class Open311:
    def __init__(self, client, key: str) -> None:
        self.client, self.key = client, key

    def post(self, fmt: str = "json", **fields):
        data = {"api_key": self.key, "service_code": "010101", **IN_G1, "description": "路灯不亮", **fields}
        data = {k: v for k, v in data.items() if v is not None}
        return self.client.post(f"{BASE}/requests.{fmt}", data=data)

    def file(self, **fields) -> str:
        r = self.post(**fields)
        assert r.status_code == 200, r.text
        return r.json()[0]["service_request_id"]

    def get(self, path: str, *, key: str | None = "", **params):
        """A GET with the fixture's api_key in the X-API-Key header (None: anonymous)."""
        key = self.key if key == "" else key
        headers = {"X-API-Key": key} if key else {}
        return self.client.get(f"{BASE}/{path}", params=params, headers=headers)


@pytest.fixture
def o311(client, api_key) -> Open311:
    return Open311(client, api_key)
