"""Pages of the city parts: the public part page (扫码即知、扫码即诉), the printable label sheets, and the
staff registry (/assets: list, filters, map; /assets/{code}: detail, orders, history, edit form)."""

from __future__ import annotations

import math
import re
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from huitian.areas import service as areas_service
from huitian.assets import registry
from huitian.assets import service as assets_service
from huitian.assets.api import qr_base
from huitian.assets.enums import PART_CLASSES, AssetStatus
from huitian.assets.schemas import AssetUpdate
from huitian.auth.deps import OptionalPrincipal, SessionDep, WriteSessionDep
from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.config import get_settings
from huitian.errors import DomainError, Forbidden, NotFound, Unprocessable
from huitian.units import service as units_service
from huitian.web import pages as web_pages
from huitian.web import render

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent.parent / "web" / "templates")
templates.env.filters.update(render.JINJA_FILTERS)
templates.env.globals.update(render.JINJA_GLOBALS)


def _page(request: Request, name: str, principal: Principal | None, ctx: dict, status_code: int = 200):
    base = {
        "principal": principal,
        "role_label": render.role_label(principal.role) if principal else "",
    }
    return templates.TemplateResponse(request, name, base | ctx, status_code=status_code)


def part_context(session, request: Request, code: str) -> dict:
    asset = assets_service.get_by_code(session, code=code)
    view = assets_service.read(session, asset=asset)
    orders, open_total = assets_service.open_orders(session, asset=asset)
    return {
        "asset": asset,
        "part": view,
        "place": " / ".join(areas_service.names_on_path(session, path=asset.area_path)[1:]),
        "orders": orders,
        "open_total": open_total,
        "qr_url": f"/api/v1/assets/{asset.code}/qr.svg",
    }


def part_not_found(request: Request, code: str) -> HTMLResponse:
    ctx = {"message": f"未找到编码为 {code} 的城市部件。请核对标牌上的编码,或拨打 12345 反映。"}
    return _page(request, "assets/missing.html", None, ctx, status_code=404)


@router.get("/p/{code}", response_class=HTMLResponse)
def part_page(code: str, request: Request, session: SessionDep, filed: str | None = None) -> HTMLResponse:
    """扫码即知: what the part is, who maintains it, its open orders; and the 扫码即诉 form."""
    try:
        ctx = part_context(session, request, code)
    except NotFound:
        return part_not_found(request, code)
    ctx |= {"filed": filed if filed and filed.isdigit() else None, "error": None, "values": {}}
    return render_part(request, ctx)


def render_part(request: Request, ctx: dict, status_code: int = 200) -> HTMLResponse:
    """The public part page with its 扫码即诉 form (its POST is intake/web.py's: the intake door)."""
    return _page(request, "assets/part.html", None, ctx, status_code=status_code)


# --- label sheets ----------------------------------------------------------------------------------


def _label_filter(request: Request) -> assets_service.AssetFilter:
    p = request.query_params
    codes = [c.strip() for c in (p.get("codes") or "").split(",") if c.strip()] or None
    return assets_service.AssetFilter(
        class_code=p.get("class") or None,
        area=p.get("area") or None,
        unit=p.get("unit") or None,
        status=p.get("status") or None,
        q=p.get("q") or None,
        codes=codes,
    )


@router.get("/assets/labels.svg")
def labels_svg(
    request: Request, session: SessionDep, principal: OptionalPrincipal, page: int = 1
) -> Response:
    """One A4 sheet of labels (3 × 7) for the parts the query names (class, area, unit, status, q, codes)."""
    if principal is None:
        return RedirectResponse(f"/login?{urlencode({'next': str(request.url.path)})}", status_code=303)
    parts = assets_service.reads(
        session, assets=assets_service.iter_assets(session, flt=_label_filter(request))
    )
    start = (max(page, 1) - 1) * assets_service.PER_SHEET
    svg = assets_service.label_sheet_svg(
        parts[start : start + assets_service.PER_SHEET], base_url=qr_base(request)
    )
    return Response(svg, media_type="image/svg+xml")


@router.get("/assets/labels", response_class=HTMLResponse)
def labels_page(request: Request, session: SessionDep, principal: OptionalPrincipal) -> Response:
    """Every sheet for the query, one A4 page each, ready to print."""
    if principal is None:
        return RedirectResponse(f"/login?{urlencode({'next': '/assets/labels'})}", status_code=303)
    total = len(assets_service.iter_assets(session, flt=_label_filter(request)))
    query = {k: v for k, v in request.query_params.items() if k != "page"}
    sheets = [
        f"/assets/labels.svg?{urlencode(query | {'page': n})}"
        for n in range(1, math.ceil(total / assets_service.PER_SHEET) + 1)
    ]
    return _page(request, "assets/labels.html", principal, {"sheets": sheets, "total": total})


CSS = (Path(__file__).parent / "parts.css").read_text(encoding="utf-8")


@router.get("/assets/parts.css")
def parts_css() -> Response:
    return Response(CSS, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


# --- the staff registry: /assets (list, filters, map) and /assets/{code} (detail, edit) ----------------

PAGE_SIZE = 50
_INT_RE = re.compile(r"^-?\d{1,15}$")
_FLOAT_RE = re.compile(r"^-?\d{1,12}\.\d{1,12}$")


def _registry_filter(request: Request) -> tuple[dict[str, str], int]:
    p = request.query_params
    form = {k: (p.get(k) or "").strip() for k in ("class", "area", "unit", "status", "q")}
    try:
        page_no = max(int(p.get("page") or 1), 1)
    except ValueError:
        page_no = 1
    return form, page_no


def _no_registry(request: Request, principal: Principal) -> HTMLResponse:
    ctx = {"message": "您的角色不查看城市部件台账。"}
    return web_pages.page(request, "assets/missing.html", principal, ctx, status_code=404)


@router.get("/assets", response_class=HTMLResponse)
def registry_page(request: Request, session: SessionDep, principal: OptionalPrincipal) -> Response:
    """The parts the user may see: filters (class, area, unit, status, text), a page of the list and a
    map of every matching part (Leaflet on our own GeoJSON export)."""
    if principal is None:
        return web_pages.to_login(request)
    if principal.role == Role.RESIDENT:
        return _no_registry(request, principal)
    form, page_no = _registry_filter(request)
    flt = assets_service.AssetFilter(
        class_code=form["class"] or None,
        area=form["area"] or None,
        unit=form["unit"] or None,
        status=form["status"] or None,
        q=form["q"] or None,
        limit=PAGE_SIZE,
        offset=(page_no - 1) * PAGE_SIZE,
    )
    error, parts, total = None, [], 0
    try:
        items, total = registry.list_for(session, principal=principal, flt=flt)
        parts = assets_service.reads(session, assets=items)
    except DomainError as exc:
        error = f"筛选条件有误:{exc.message}"
    query = {k: v for k, v in form.items() if v}
    pages = max(math.ceil(total / PAGE_SIZE), 1)
    ctx = {
        "form": form,
        "parts": parts,
        "total": total,
        "error": error,
        "page_no": page_no,
        "pages": pages,
        "prev_url": f"/assets?{urlencode(query | {'page': page_no - 1})}" if page_no > 1 else None,
        "next_url": f"/assets?{urlencode(query | {'page': page_no + 1})}" if page_no < pages else None,
        "geojson_url": f"/api/v1/assets/export.geojson?{urlencode(query)}",
        "xlsx_url": f"/api/v1/assets/export.xlsx?{urlencode(query)}",
        "labels_url": f"/assets/labels?{urlencode(query)}",
        "classes": list(PART_CLASSES.values()),
        "statuses": list(AssetStatus),
        "units": [(u.code, u.name) for u in units_service.list_units(session) if u.active],
        "can_edit": registry.can_edit(principal),
        **_map(),
    }
    return web_pages.page(request, "assets/registry.html", principal, ctx, status_code=400 if error else 200)


def _map() -> dict:
    return {"leaflet": render.vendor_url("leaflet/leaflet.js"), "tiles": get_settings().map_tile_url or ""}


def _detail(
    request: Request,
    session,
    principal: Principal,
    asset,
    *,
    error: str | None = None,
    values: dict | None = None,
) -> HTMLResponse:
    part = assets_service.read(session, asset=asset)
    orders, orders_total = registry.orders_of(session, asset=asset, principal=principal)
    ctx = {
        "part": part,
        "place": " / ".join(areas_service.names_on_path(session, path=asset.area_path)),
        "orders": orders,
        "orders_total": orders_total,
        "history": registry.history(session, asset=asset),
        "can_edit": registry.can_edit(principal),
        "statuses": list(AssetStatus),
        "units": [(u.code, u.name) for u in units_service.list_units(session) if u.active],
        "values": values or _form_values(part),
        "error": error,
        "saved": request.query_params.get("saved") == "1",
        "qr_url": f"/api/v1/assets/{part.code}/qr.svg",
        "label_url": f"/assets/labels?{urlencode({'codes': part.code})}",
        **_map(),
    }
    return web_pages.page(request, "assets/detail.html", principal, ctx, status_code=422 if error else 200)


def _form_values(part) -> dict:
    return {
        "name": part.name,
        "status": part.status,
        "unit": part.unit or "",
        "lat": f"{part.lat:.6f}",
        "lon": f"{part.lon:.6f}",
        "notes": part.notes or "",
        "attributes": "\n".join(f"{k}={v}" for k, v in part.attributes.items()),
    }


@router.get("/assets/{code}", response_class=HTMLResponse)
def asset_page(code: str, request: Request, session: SessionDep, principal: OptionalPrincipal) -> Response:
    """One part for staff: facts, place on the map, its orders (in the user's scope), its QR code and
    label, its change history, and (operator, admin) the edit form."""
    if principal is None:
        return web_pages.to_login(request)
    try:
        asset = registry.get_for(session, principal=principal, code=code)
    except NotFound:
        ctx = {"message": f"未找到编码为 {code} 的城市部件,或您无权查看。"}
        return web_pages.page(request, "assets/missing.html", principal, ctx, status_code=404)
    return _detail(request, session, principal, asset)


def _attribute_lines(text: str, current: dict) -> dict:
    """The form's `名称=值` lines as a PATCH of the attributes: the lines given, and null for each current
    attribute no longer listed. Whole numbers and decimals become numbers."""
    given: dict = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise Unprocessable(f"第 {n} 行应写成“名称=值”", field="attributes")
        value = value.strip()
        given[key.strip()] = (
            int(value) if _INT_RE.match(value) else float(value) if _FLOAT_RE.match(value) else value
        )
    return {k: None for k in current if k not in given} | given


@router.post("/assets/{code}", response_class=HTMLResponse)
def asset_edit(
    code: str,
    request: Request,
    session: WriteSessionDep,
    principal: OptionalPrincipal,
    name: str = Form(""),
    status: str = Form(""),
    unit: str = Form(""),
    lat: str = Form(""),
    lon: str = Form(""),
    notes: str = Form(""),
    attributes: str = Form(""),
) -> Response:
    """The edit form (operator, admin): the same checks and history as PATCH /api/v1/assets/{code}."""
    if principal is None:
        return web_pages.to_login(request)
    try:
        asset = registry.get_for(session, principal=principal, code=code)
    except NotFound:
        ctx = {"message": f"未找到编码为 {code} 的城市部件,或您无权查看。"}
        return web_pages.page(request, "assets/missing.html", principal, ctx, status_code=404)
    values = {
        "name": name,
        "status": status,
        "unit": unit,
        "lat": lat,
        "lon": lon,
        "notes": notes,
        "attributes": attributes,
    }
    try:
        registry.require_registrar(principal)
        body: dict = {"name": name.strip(), "status": status, "unit": unit.strip() or None, "notes": notes}
        if lat.strip() or lon.strip():
            body |= {"lat": lat.strip() or None, "lon": lon.strip() or None}
        body["attributes"] = _attribute_lines(attributes, asset.attributes or {})
        registry.update_asset(
            session, asset=asset, data=AssetUpdate.model_validate(body), principal=principal
        )
    except ValidationError as exc:
        session.rollback()
        names = sorted(
            {EDIT_LABELS.get(str(e["loc"][0]), str(e["loc"][0])) for e in exc.errors() if e["loc"]}
        )
        return _detail(request, session, principal, asset, error="请检查:" + "、".join(names), values=values)
    except Forbidden:
        session.rollback()
        return _detail(
            request, session, principal, asset, error="只有 12345 热线中心(话务员、管理员)可以修改部件台账。"
        )
    except DomainError as exc:
        session.rollback()
        label = EDIT_LABELS.get(exc.field or "", exc.field or "")
        return _detail(
            request, session, principal, asset, error=f"请检查“{label}”:{exc.message}", values=values
        )
    session.commit()
    return RedirectResponse(f"/assets/{asset.code}?saved=1", status_code=303)


EDIT_LABELS = {
    "name": "名称",
    "status": "状态",
    "unit": "养护单位",
    "lat": "纬度",
    "lon": "经度",
    "notes": "备注",
    "attributes": "属性",
}
