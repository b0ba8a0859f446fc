"""Pages of the city parts: the public part page (扫码即知、扫码即诉) and the printable label sheets."""

from __future__ import annotations

import math
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from huitian.areas import service as areas_service
from huitian.assets import service as assets_service
from huitian.assets.api import qr_base
from huitian.auth.deps import OptionalPrincipal, SessionDep, WriteSessionDep
from huitian.auth.service import Principal
from huitian.errors import NotFound
from huitian.orders import service as orders_service
from huitian.security.ratelimit import PUBLIC_FILING
from huitian.web import render

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent.parent / "web" / "templates")
templates.env.filters.update(render.JINJA_FILTERS)
templates.env.globals.update(render.JINJA_GLOBALS)

FIELD_LABELS = {"description": "问题描述", "citizen_phone": "联系电话"}


def _page(request: Request, name: str, principal: Principal | None, ctx: dict, status_code: int = 200):
    base = {
        "principal": principal,
        "role_label": render.role_label(principal.role) if principal else "",
        "can_create": False,
    }
    return templates.TemplateResponse(request, name, base | ctx, status_code=status_code)


def _part_context(session, request: Request, code: str) -> dict:
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


def _not_found(request: Request, code: str) -> HTMLResponse:
    ctx = {"message": f"未找到编码为 {code} 的城市部件。请核对标牌上的编码,或拨打 12345 反映。"}
    return _page(request, "assets/missing.html", None, ctx, status_code=404)


@router.get("/p/{code}", response_class=HTMLResponse)
def part_page(code: str, request: Request, session: SessionDep, filed: str | None = None) -> HTMLResponse:
    """扫码即知: what the part is, who maintains it, its open orders; and the 扫码即诉 form."""
    try:
        ctx = _part_context(session, request, code)
    except NotFound:
        return _not_found(request, code)
    ctx |= {"filed": filed if filed and filed.isdigit() else None, "error": None, "values": {}}
    return _page(request, "assets/part.html", None, ctx)


@router.post("/p/{code}", dependencies=[Depends(PUBLIC_FILING)])
def file_from_part(
    code: str,
    request: Request,
    session: WriteSessionDep,
    description: str = Form(""),
    citizen_phone: str = Form(""),
) -> Response:
    """扫码即诉: file an order about the part; it goes straight to the part's maintaining unit."""
    try:
        asset = assets_service.get_by_code(session, code=code)
    except NotFound:
        return _not_found(request, code)
    try:
        order = assets_service.file_request(
            session, asset=asset, description=description, phone=citizen_phone.strip() or None
        )
    except ValidationError as exc:
        session.rollback()
        names = sorted(
            {FIELD_LABELS.get(str(e["loc"][0]), str(e["loc"][0])) for e in exc.errors() if e["loc"]}
        )
        ctx = _part_context(session, request, code) | {
            "filed": None,
            "error": "请检查:" + "、".join(names or ["填写内容"]),
            "values": {"description": description, "citizen_phone": citizen_phone},
        }
        return _page(request, "assets/part.html", None, ctx, status_code=422)
    number = orders_service.public_number(order)
    session.commit()
    return RedirectResponse(f"/p/{asset.code}?filed={number}", status_code=303)


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
