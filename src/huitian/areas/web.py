"""Admin pages for the areas (/admin/areas): the tree district → street → community → grid with
population, a Leaflet map of the chosen area's children drawn from our own GeoJSON, editing an area,
and importing areas from a GeoJSON file (all or nothing)."""

from __future__ import annotations

import json

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from huitian.areas import service as areas_service
from huitian.areas.enums import AreaLevel
from huitian.areas.schemas import AreaUpdate
from huitian.auth.deps import OptionalPrincipal, SessionDep, WriteSessionDep
from huitian.auth.enums import Role
from huitian.config import get_settings
from huitian.errors import DomainError, NotFound
from huitian.web import render
from huitian.web.forms import admin_page, found, not_found, refused, stripped, submit

router = APIRouter(include_in_schema=False)

MAX_UPLOAD = 20 * 1024 * 1024  # bytes; the whole Huitian area's boundaries are about 2 MB
MAX_LISTED_ERRORS = 50
LEVEL_LABELS = {lvl.value: lvl.label for lvl in AreaLevel}


def _tree(areas) -> list[dict]:
    nodes: dict[int, dict] = {}
    roots: list[dict] = []
    for area in areas:  # in path order: parents first
        node = {"area": area, "children": []}
        nodes[area.id] = node
        parent = nodes.get(area.parent_id) if area.parent_id else None
        (parent["children"] if parent else roots).append(node)
    return roots


def _page(
    request, principal, session, *, code: str | None, values=None, errors=None, imported=None, status_code=200
) -> Response:
    areas = areas_service.list_areas(session)
    chosen = next((a for a in areas if a.code == code), None) if code else None
    if code and chosen is None:
        return not_found(request, principal, f"未找到区域 {code}。")
    if chosen is None and areas:
        chosen = next((a for a in areas if a.parent_id is None), areas[0])
    children = [a for a in areas if chosen is not None and a.parent_id == chosen.id]
    edit = {}
    if chosen is not None:
        edit = {"name": chosen.name, "population": chosen.population, "active": "1" if chosen.active else "0"}
    context = {
        "tree": _tree(areas),
        "count": len(areas),
        "chosen": chosen,
        "crumbs": [a for a in areas if chosen is not None and chosen.path.startswith(a.path)],
        "children": children,
        "level_labels": LEVEL_LABELS,
        "leaflet_js": render.vendor_url("leaflet/leaflet.js"),
        "leaflet_css": render.vendor_url("leaflet/leaflet.css"),
        "tiles": get_settings().map_tile_url or "",
        "values": {**edit, **(values or {})},
        "errors": errors or {},
        "imported": imported,
    }
    return admin_page(request, principal, "areas.html", context, status_code)


@router.get("/admin/areas", response_class=HTMLResponse)
def areas_page(
    request: Request, principal: OptionalPrincipal, session: SessionDep, area: str | None = None
) -> Response:
    return refused(request, principal) or _page(
        request, principal, session, code=(area or "").strip() or None
    )


@router.get("/admin/areas/map.geojson")
def map_features(principal: OptionalPrincipal, session: SessionDep, area: str | None = None) -> Response:
    """The chosen area's children (or the area itself when it has none) as a FeatureCollection."""
    if principal is None or principal.role != Role.ADMIN:
        status = 401 if principal is None else 403
        return JSONResponse({"detail": "admin role required"}, status_code=status)
    try:
        chosen = areas_service.get_by_code(session, code=area or "")
    except NotFound as exc:
        return JSONResponse(exc.to_dict(), status_code=404)
    shown = areas_service.list_areas(session, parent=chosen.code) or [chosen]
    features = [
        {
            "type": "Feature",
            "properties": {
                "code": a.code,
                "name": a.name,
                "level": LEVEL_LABELS.get(a.level, a.level),
                "population": a.population,
            },
            "geometry": a.geometry,
        }
        for a in shown
        if a.geometry
    ]
    return JSONResponse({"type": "FeatureCollection", "features": features})


@router.post("/admin/areas/import")
async def import_areas(
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    file: UploadFile | None = File(None),
) -> Response:
    if no := refused(request, principal):
        return no
    problem, listed = None, []
    content = await file.read(MAX_UPLOAD + 1) if file is not None and file.filename else b""
    if not content:
        problem = "请选择要导入的 GeoJSON 文件。"
    elif len(content) > MAX_UPLOAD:
        problem = f"文件超过 {MAX_UPLOAD // 1024 // 1024} MB。"
    else:
        try:
            data = json.loads(content.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problem = f"文件不是有效的 JSON(UTF-8):{exc}"
        else:
            try:
                result = areas_service.import_geojson(session, data=data)
                session.commit()
            except DomainError as exc:
                session.rollback()
                listed = list(exc.extra.get("errors") or [])
                problem = f"导入失败,未写入任何区域:{exc.message}"
    if problem:
        failed = {"errors": listed[:MAX_LISTED_ERRORS], "more": max(0, len(listed) - MAX_LISTED_ERRORS)}
        return _page(
            request, principal, session, code=None, errors={"file": problem}, imported=failed, status_code=422
        )
    done = {"created": len(result.created), "updated": len(result.updated)}
    return _page(request, principal, session, code=None, imported=done)


@router.post("/admin/areas/{code}")
def update_area(
    code: str,
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    name: str | None = Form(None),
    population: str | None = Form(None),
    active: str | None = Form(None),
) -> Response:
    if no := refused(request, principal):
        return no
    area, missing = found(
        request, principal, lambda: areas_service.get_by_code(session, code=code), f"未找到区域 {code}。"
    )
    if missing:
        return missing
    values = stripped(name=name, population=population) | {"active": active or ""}
    body: dict = {"name": values["name"], "population": values["population"] or 0}
    if values["active"] in ("1", "0"):
        body["active"] = values["active"] == "1"
    return submit(
        session,
        lambda: areas_service.update_area(session, area=area, data=AreaUpdate.model_validate(body)),
        ok=f"/admin/areas?area={code}",
        again=lambda errors, status: _page(
            request, principal, session, code=code, values=values, errors=errors, status_code=status
        ),
    )
