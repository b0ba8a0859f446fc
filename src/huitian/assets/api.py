"""City parts (城市部件): registry, import/export (GeoJSON, Excel), QR codes."""

from __future__ import annotations

import json

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from huitian.assets import registry
from huitian.assets import service as assets_service
from huitian.assets.schemas import (
    AssetChangeRead,
    AssetCreate,
    AssetPage,
    AssetRead,
    AssetUpdate,
    ImportReport,
)
from huitian.auth.deps import CurrentPrincipal, SessionDep, WriteSessionDep
from huitian.errors import BadRequest

router = APIRouter(prefix="/api/v1/assets", tags=["assets"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class GeoJSONResponse(JSONResponse):
    media_type = "application/geo+json"


require_registrar = registry.require_registrar


def qr_base(request: Request) -> str:
    configured = request.app.state.settings.public_base_url
    return assets_service.base_url(configured=configured, request_base=str(request.base_url))


def _filter(
    class_code: str | None, area: str | None, unit: str | None, status: str | None, q: str | None, **kw
) -> assets_service.AssetFilter:
    return assets_service.AssetFilter(class_code=class_code, area=area, unit=unit, status=status, q=q, **kw)


@router.get("", response_model=AssetPage)
def list_assets(
    principal: CurrentPrincipal,
    session: SessionDep,
    class_code: str | None = Query(None, alias="class", description="4-digit class or 2-digit major class"),
    area: str | None = None,
    unit: str | None = None,
    status: str | None = None,
    q: str | None = None,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> AssetPage:
    registry.require_registry_reader(principal)
    flt = _filter(class_code, area, unit, status, q, limit=limit, offset=offset)
    items, total = registry.list_for(session, principal=principal, flt=flt)
    return AssetPage(
        items=assets_service.reads(session, assets=items), total=total, limit=limit, offset=offset
    )


@router.post("", response_model=AssetRead, status_code=201)
def create_asset(body: AssetCreate, principal: CurrentPrincipal, session: WriteSessionDep) -> AssetRead:
    require_registrar(principal)
    asset = assets_service.create_asset(session, data=body)
    session.commit()
    return assets_service.read(session, asset=asset)


@router.get(
    "/export.geojson",
    response_class=GeoJSONResponse,
    responses={200: {"content": {GeoJSONResponse.media_type: {"schema": {"type": "object"}}}}},
)
def export_geojson(
    principal: CurrentPrincipal,
    session: SessionDep,
    class_code: str | None = Query(None, alias="class"),
    area: str | None = None,
    unit: str | None = None,
    status: str | None = None,
    q: str | None = None,
) -> Response:
    registry.require_registry_reader(principal)
    scope = registry.scope_clause(session, principal)
    data = assets_service.export_geojson(session, flt=_filter(class_code, area, unit, status, q), scope=scope)
    return GeoJSONResponse(
        data,
        headers={"Content-Disposition": 'attachment; filename="assets.geojson"'},
    )


@router.get("/export.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def export_xlsx(
    principal: CurrentPrincipal,
    session: SessionDep,
    class_code: str | None = Query(None, alias="class"),
    area: str | None = None,
    unit: str | None = None,
    status: str | None = None,
    q: str | None = None,
) -> Response:
    registry.require_registry_reader(principal)
    scope = registry.scope_clause(session, principal)
    content = assets_service.export_xlsx(session, flt=_filter(class_code, area, unit, status, q), scope=scope)
    return Response(
        content, media_type=XLSX, headers={"Content-Disposition": 'attachment; filename="assets.xlsx"'}
    )


@router.post("/import", response_model=ImportReport)
def import_assets(file: UploadFile, principal: CurrentPrincipal, session: WriteSessionDep) -> ImportReport:
    """A .geojson/.json FeatureCollection or an .xlsx sheet; all rows or none (422 lists every bad row)."""
    require_registrar(principal)
    content = file.file.read()
    name = (file.filename or "").lower()
    if name.endswith((".geojson", ".json")):
        try:
            rows = assets_service.parse_geojson(json.loads(content))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequest(f"the file is not JSON: {exc}", field="file") from exc
    elif name.endswith(".xlsx"):
        rows = assets_service.parse_xlsx(content)
    else:
        raise BadRequest("the file must be .geojson, .json or .xlsx", field="file")
    report = assets_service.import_rows(session, rows=rows)
    session.commit()
    return report


@router.get("/{code}", response_model=AssetRead)
def get_asset(code: str, principal: CurrentPrincipal, session: SessionDep) -> AssetRead:
    return assets_service.read(session, asset=registry.get_for(session, principal=principal, code=code))


@router.patch("/{code}", response_model=AssetRead)
def update_asset(
    code: str, body: AssetUpdate, principal: CurrentPrincipal, session: WriteSessionDep
) -> AssetRead:
    """Change a part's status, maintaining unit, place, name, notes or attributes (operator, admin); each
    change is logged with its old and new values (GET …/history)."""
    asset = registry.get_for(session, principal=principal, code=code)
    registry.update_asset(session, asset=asset, data=body, principal=principal)
    out = assets_service.read(session, asset=asset)
    session.commit()
    return out


@router.get("/{code}/history", response_model=list[AssetChangeRead])
def asset_history(code: str, principal: CurrentPrincipal, session: SessionDep) -> list[AssetChangeRead]:
    return registry.history(session, asset=registry.get_for(session, principal=principal, code=code))


@router.get("/{code}/qr.svg", response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
def qr_svg(code: str, request: Request, session: SessionDep) -> Response:
    """The part's QR code (public: it only carries the public page's address)."""
    asset = assets_service.get_by_code(session, code=code)
    svg = assets_service.qr_svg(assets_service.public_url(qr_base(request), asset.code))
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})
