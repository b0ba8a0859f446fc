"""Open311 GeoReport v2 wire format: the same documents as JSON and as XML, UTF-8, ISO-8601 datetimes
with the local offset, and errors as the spec writes them (a list of {code, description})."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from fastapi import Response

from huitian.intake.service import ATTRIBUTES, RequestView, Service
from huitian.sla import service as sla_service

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-30T00:00:00+08:00"


def when(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(sla_service.local_tz()).isoformat(timespec="seconds")


# --- documents (plain data, shared by both formats) ---------------------------------------------------


def service_doc(s: Service) -> dict:
    return {
        "service_code": s.code,
        "service_name": s.name,
        "description": s.description,
        "metadata": s.metadata,
        "type": s.type,
        "keywords": s.keywords,
        "group": s.group,
    }


def definition_doc(s: Service) -> dict:
    return {
        "service_code": s.code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                "values": [{"key": v.key, "name": v.name} for v in a.values],
            }
            for a in ATTRIBUTES
        ],
    }


def request_doc(v: RequestView) -> dict:
    doc = asdict(v)
    for key in ("requested_datetime", "updated_datetime", "expected_datetime"):
        doc[key] = when(doc[key])
    return doc


def discovery_doc(base_url: str) -> dict:
    return {
        "changeset": CHANGESET,
        "contact": "回天接诉即办平台(12345热线)",
        "key_service": "API keys are issued by the platform's administrators (管理后台 → API密钥).",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }


def error_doc(code: int, description: str) -> list[dict]:
    return [{"code": code, "description": description}]


# --- XML ------------------------------------------------------------------------------------------------

# Element names of list items, by the list's element name.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


# Characters XML 1.0 cannot carry at all, not even escaped (C0 controls but tab, LF and CR; lone
# surrogates; U+FFFE/U+FFFF): a description holding one must not make the whole answer malformed.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value))


def _fill(parent: ET.Element, name: str, value: Any) -> None:
    el = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for k, v in value.items():
            _fill(el, k, v)
    elif isinstance(value, list):
        item = ITEMS.get(name, "item")
        for v in value:
            _fill(el, item, v)
    elif value is not None:
        el.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    """`value` (a list or a dict) under a root element, as UTF-8 XML with a declaration."""
    el = ET.Element(root)
    if isinstance(value, list):
        item = ITEMS[root]
        for v in value:
            _fill(el, item, v)
    else:
        for k, v in value.items():
            _fill(el, k, v)
    return ET.tostring(el, encoding="utf-8", xml_declaration=True)


def compact(value: Any) -> Any:
    """Leave out fields that have no value: the community's swagger.json types them as plain strings
    (no null), its JSON Schemas allow null or absence; absence satisfies both."""
    if isinstance(value, dict):
        return {k: compact(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [compact(v) for v in value]
    return value


def render(fmt: str, root: str, value: Any, status_code: int = 200) -> Response:
    value = compact(value)
    if fmt == "xml":
        body = to_xml(root, value)
    else:
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status_code=status_code, media_type=FORMATS[fmt])


def error(fmt: str, status_code: int, description: str) -> Response:
    return render(
        fmt if fmt in FORMATS else "json", "errors", error_doc(status_code, description), status_code
    )
