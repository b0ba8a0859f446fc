"""Phone pages of the intake channels: the resident's page `/m` (no login), its follow-up link
`/m/t/{number}?k=…` (or the number with the phone's last four digits, posted to `/m/t/{number}`; failures
limited per address and per number), the grid worker's patrol report `/patrol`, and the 扫码即诉 form's
POST /p/{code} (the part page itself is assets/web.py's), and the staff's new-order page `/orders/new`
(registered before orders/web.py's `/orders/{ref}`: domains mount in name order). Every order filed here goes
through intake.flows.receive. Templates in web/templates/intake/ (the new-order form: orders/new.html).

Plain forms that post back (multipart, for the photos): they work without JavaScript; web/static/intake.js
only fills the hidden lat/lon from the browser's location or a map pick and shows the category hint.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy.orm import Session

from huitian.areas import service as areas_service
from huitian.assets import service as assets_service
from huitian.assets import web as assets_web
from huitian.auth.deps import OptionalPrincipal, SessionDep, WriteSessionDep
from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.categories import service as categories_service
from huitian.config import get_settings
from huitian.errors import DomainError, NotFound, Unprocessable
from huitian.intake import flows as intake_flows
from huitian.intake import patrol as patrol_service
from huitian.intake import photos as photos_service
from huitian.intake import public as public_service
from huitian.intake import qr as qr_service
from huitian.orders import service as orders_service
from huitian.orders.enums import Channel, OrderType, Priority, Satisfaction
from huitian.orders.schemas import OrderCreate
from huitian.security import ratelimit
from huitian.security.ratelimit import PRINCIPAL_FILING, PUBLIC_FILING
from huitian.web import render
from huitian.web.pages import clean, error_message, page, to_login, validation_message

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parents[1] / "web" / "templates")
templates.env.filters.update(render.JINJA_FILTERS)
templates.env.globals.update(render.JINJA_GLOBALS)

FIELD_LABELS = {
    "description": "问题描述",
    "photos": "照片",
    "address": "地点",
    "lat": "位置(纬度)",
    "lon": "位置(经度)",
    "citizen_name": "姓名",
    "citizen_phone": "手机号码",
    "category_code": "问题分类",
    "satisfaction": "满意度",
    "resolved": "是否解决",
    "k": "追踪链接",
    "phone4": "手机号码后四位",
}
# Wrong last-four-digit guesses on the tracking page: per client address and per order number (10,000
# combinations: at 5 an hour a number cannot be guessed; the link keeps working whatever the count).
TRACK_FAILURES = {"ip": (10, 3600.0), "number": (5, 3600.0)}
MESSAGES = {
    413: "照片太大:每张不超过 8 MB,且像素不超过 4000 万。",
    415: "只能上传 JPEG、PNG 或 WebP 格式的照片。",
}


def _message(exc: DomainError) -> str:
    if exc.status_code in MESSAGES:
        return MESSAGES[exc.status_code]
    label = FIELD_LABELS.get(exc.field or "", "")
    return f"请检查“{label}”一项。" if label else "提交的内容有误,请检查后重试。"


def _validation(exc: ValidationError) -> Unprocessable:
    loc = exc.errors()[0].get("loc") or ("",)
    name = str(loc[0]) if loc else ""
    return Unprocessable(f"{name}: {exc.errors()[0].get('msg')}", field=name or None)


def _coord(value: str | None, field: str) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise Unprocessable(f"{field}: not a number", field=field) from None


def _photos(files: list[UploadFile]) -> list[photos_service.Photo]:
    chosen = [f for f in files if f.filename]
    if len(chosen) > photos_service.MAX_PHOTOS:
        raise Unprocessable(f"photos: at most {photos_service.MAX_PHOTOS} photos", field="photos")
    return [photos_service.check(f.file.read(photos_service.MAX_BYTES + 1), field="photos") for f in chosen]


def _map_context() -> dict:
    """Leaflet, when set-up put it under /static/vendor; its base map is the intranet tile server when one
    is configured, else the community outlines from /m/areas.geojson (government intranets have no
    internet tiles)."""
    return {"leaflet": render.vendor_url("leaflet/leaflet.js"), "tiles": get_settings().map_tile_url or ""}


def _page(request: Request, name: str, context: dict, status_code: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {**_map_context(), **context}, status_code=status_code)


# --- resident phone page ---------------------------------------------------------------------------


@router.get("/m", response_class=HTMLResponse)
def phone_page(request: Request) -> HTMLResponse:
    return _page(request, "intake/phone.html", {"values": {}, "error": None, "max_photos": 3})


@router.get("/m/areas.geojson")
def phone_areas(session: SessionDep) -> JSONResponse:
    """The communities' outlines for the place map (public: the boundaries are public information)."""
    return JSONResponse(areas_service.boundaries(session), headers={"Cache-Control": "public, max-age=3600"})


@router.post("/m/suggest")
def phone_suggest(session: SessionDep, description: str = Form("")) -> JSONResponse:
    hints = public_service.suggest_categories(session, text=description[:4000])
    return JSONResponse({"category": [h.__dict__ for h in hints]})


@router.post("/m", response_class=HTMLResponse, dependencies=[Depends(PUBLIC_FILING)])
def phone_file(
    request: Request,
    session: WriteSessionDep,
    description: str = Form(""),
    address: str = Form(""),
    lat: str = Form(""),
    lon: str = Form(""),
    category_code: str = Form(""),
    citizen_name: str = Form(""),
    citizen_phone: str = Form(""),
    private: str = Form(""),
    photos: list[UploadFile] = File(default=[]),
) -> HTMLResponse:
    values = {
        "private": private,
        "description": description,
        "address": address,
        "lat": lat,
        "lon": lon,
        "citizen_name": citizen_name,
        "citizen_phone": citizen_phone,
    }
    try:
        if not description.strip():
            raise Unprocessable("description: describe the matter", field="description")
        filed = public_service.file_request(
            session,
            description=description,
            lat=_coord(lat, "lat"),
            lon=_coord(lon, "lon"),
            address=address,
            category_code=category_code.strip() or None,
            citizen_name=citizen_name,
            citizen_phone=citizen_phone,
            photos=_photos(photos),
            private=bool(private),
        )
    except (DomainError, ValidationError) as exc:
        session.rollback()
        err = _validation(exc) if isinstance(exc, ValidationError) else exc
        ctx = {"values": values, "error": _message(err), "field": err.field}
        return _page(request, "intake/phone.html", ctx, err.status_code)
    session.commit()
    link = f"/m/t/{filed.number}?k={filed.token}"
    return _page(request, "intake/filed.html", {"number": filed.number, "link": link})


@router.get("/m/t/{number}", response_class=HTMLResponse)
def track_page(request: Request, number: str, session: SessionDep, k: str | None = None) -> HTMLResponse:
    if not k:  # the number alone opens nothing: ask for the phone's last four digits
        return _page(request, "intake/track_lookup.html", {"number": number, "error": None})
    try:
        p = public_service.progress(session, number=number, token=k)
    except DomainError as exc:
        return _page(request, "intake/track_missing.html", {}, exc.status_code)
    return _page(request, "intake/track.html", {"p": p, "k": k, "Satisfaction": Satisfaction, "error": None})


def _track_windows(request: Request, number: str) -> list[tuple]:
    """The failure counters of the tracking look-up: (window, key) per client address and per number."""
    state = request.app.state
    store = getattr(state, "huitian_track_limits", None)
    if store is None:
        shared = ratelimit.database_of(request.app)
        store = state.huitian_track_limits = {
            kind: (
                ratelimit.DbWindow(shared[0], f"track_phone4:{kind}", limit[0], limit[1], shared[1])
                if shared is not None
                else ratelimit.SlidingWindow(limit=limit[0], window_s=limit[1])
            )
            for kind, limit in TRACK_FAILURES.items()
        }
    return [(store["ip"], ratelimit.client_address(request)), (store["number"], number)]


@router.post("/m/t/{number}", response_class=HTMLResponse)
def track_by_phone(
    request: Request, number: str, session: SessionDep, phone4: str = Form("")
) -> HTMLResponse:
    """The progress for the number and the last four digits of the phone given at filing; every failure
    counts (TRACK_FAILURES), and past the limit the answer is 429 without checking the digits."""
    windows = _track_windows(request, number)
    if any(window.retry_after(key) for window, key in windows):
        ctx = {"number": number, "error": "尝试次数过多,请一小时后再试,或使用受理时给出的追踪链接。"}
        return _page(request, "intake/track_lookup.html", ctx, 429)
    try:
        p = public_service.progress(session, number=number, token=None, phone4=phone4.strip())
    except DomainError:
        for window, key in windows:
            window.hit(key)
        ctx = {
            "number": number,
            "error": "编号或手机号码后四位不对,或这件诉求没有留手机号码(请使用追踪链接)。",
        }
        return _page(request, "intake/track_lookup.html", ctx, 404)
    return _page(
        request, "intake/track.html", {"p": p, "k": None, "Satisfaction": Satisfaction, "error": None}
    )


@router.post("/m/t/{number}/rate", response_class=HTMLResponse)
def rate(
    request: Request,
    number: str,
    session: WriteSessionDep,
    k: str = Form(""),
    resolved: str = Form(""),
    satisfaction: str = Form(""),
    comment: str = Form(""),
) -> Response:
    try:
        if resolved not in ("yes", "no"):
            raise Unprocessable("resolved: answer yes or no", field="resolved")
        if satisfaction not in {s.value for s in Satisfaction}:
            raise Unprocessable("satisfaction: choose one", field="satisfaction")
        public_service.rate(
            session,
            number=number,
            token=k,
            resolved=resolved == "yes",
            satisfaction=Satisfaction(satisfaction),
            comment=comment[:1000],
        )
    except DomainError as exc:
        session.rollback()
        if exc.status_code == 404:
            return _page(request, "intake/track_missing.html", {}, 404)
        p = public_service.progress(session, number=number, token=k)
        message = "工单答复后才能评价,或已经评价过了。" if exc.status_code == 409 else _message(exc)
        ctx = {"p": p, "k": k, "Satisfaction": Satisfaction, "error": message}
        return _page(request, "intake/track.html", ctx, exc.status_code)
    session.commit()
    return RedirectResponse(f"/m/t/{number}?k={k}", status_code=303)


# --- patrol report ---------------------------------------------------------------------------------


def _patrol_gate(request: Request, principal) -> Response | None:
    if principal is None:
        return RedirectResponse("/login?next=%2Fpatrol", status_code=303)
    if principal.role != Role.GRID_WORKER:
        return _page(request, "intake/forbidden.html", {"principal": principal}, 403)
    return None


@router.get("/patrol", response_class=HTMLResponse)
def patrol_page(request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    gate = _patrol_gate(request, principal)
    if gate is not None:
        return gate
    options = patrol_service.category_options(session)
    return _page(request, "intake/patrol.html", {"options": options, "values": {}, "error": None})


@router.post("/patrol", response_class=HTMLResponse)
def patrol_report(
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    category_code: str = Form(""),
    description: str = Form(""),
    address: str = Form(""),
    lat: str = Form(""),
    lon: str = Form(""),
    photos: list[UploadFile] = File(default=[]),
) -> Response:
    gate = _patrol_gate(request, principal)
    if gate is not None:
        return gate
    values = {"category_code": category_code, "description": description, "address": address}
    values |= {"lat": lat, "lon": lon}
    try:
        done = patrol_service.report(
            session,
            principal=principal,
            category_code=category_code.strip(),
            photos=_photos(photos),
            description=description,
            lat=_coord(lat, "lat"),
            lon=_coord(lon, "lon"),
            address=address,
        )
    except (DomainError, ValidationError) as exc:
        session.rollback()
        err = _validation(exc) if isinstance(exc, ValidationError) else exc
        ctx = {"options": patrol_service.category_options(session), "values": values, "error": _message(err)}
        return _page(request, "intake/patrol.html", ctx, err.status_code)
    session.commit()
    return _page(request, "intake/patrol_done.html", {"number": done.number, "area": done.order.area_path})


# --- 扫码即诉 (the form of the public part page, assets/web.py) --------------------------------------

QR_FIELD_LABELS = {"description": "问题描述", "citizen_phone": "联系电话"}


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
        return assets_web.part_not_found(request, code)
    try:
        order = qr_service.file_request(
            session, asset=asset, description=description, phone=citizen_phone.strip() or None
        )
    except ValidationError as exc:
        session.rollback()
        names = sorted(
            {QR_FIELD_LABELS.get(str(e["loc"][0]), str(e["loc"][0])) for e in exc.errors() if e["loc"]}
        )
        ctx = assets_web.part_context(session, request, code) | {
            "filed": None,
            "error": "请检查:" + "、".join(names or ["填写内容"]),
            "values": {"description": description, "citizen_phone": citizen_phone},
        }
        return assets_web.render_part(request, ctx, status_code=422)
    number = orders_service.public_number(order)
    session.commit()
    return RedirectResponse(f"/p/{asset.code}?filed={number}", status_code=303)


# Who may file an order from the web page, and through which channel it then arrives (what each role
# may file, channel and priority, is orders.service's FILING_CHANNELS / FILING_PRIORITIES).
CREATOR_CHANNELS = {
    Role.OPERATOR: Channel.HOTLINE,
    Role.GRID_WORKER: Channel.PATROL,
    Role.RESIDENT: Channel.WEB,
}


# --- new order -------------------------------------------------------------------------------------

NEW_FIELDS = (
    "type",
    "title",
    "description",
    "address",
    "category_code",
    "citizen_name",
    "citizen_phone",
    "lat",
    "lon",
    "priority",
)


def _new_form(
    request: Request,
    principal: Principal,
    session: Session,
    values: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "values": values,
        "error": error,
        "categories": categories_service.options(session),
        "channel_label": CREATOR_CHANNELS[principal.role].label,
        "show_priority": orders_service.may_set_priority(principal, Priority.URGENT),
    }
    return page(request, "orders/new.html", principal, context, status_code=status_code)


@router.get("/orders/new", response_class=HTMLResponse)
def new_order_page(request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    if principal is None:
        return to_login(request)
    if principal.role not in CREATOR_CHANNELS:
        return page(request, "error.html", principal, {"message": "您的角色不能登记新工单。"}, 403)
    return _new_form(request, principal, session, {"type": OrderType.COMPLAINT.value})


@router.post("/orders/new", dependencies=[Depends(PRINCIPAL_FILING)])
def new_order(
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    type: str | None = Form(None),
    title: str | None = Form(None),
    description: str | None = Form(None),
    address: str | None = Form(None),
    category_code: str | None = Form(None),
    citizen_name: str | None = Form(None),
    citizen_phone: str | None = Form(None),
    lat: str | None = Form(None),
    lon: str | None = Form(None),
    priority: str | None = Form(None),
) -> Response:
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    if principal.role not in CREATOR_CHANNELS:
        return page(request, "error.html", principal, {"message": "您的角色不能登记新工单。"}, 403)
    values = clean(
        {
            "type": type,
            "title": title,
            "description": description,
            "address": address,
            "category_code": category_code,
            "citizen_name": citizen_name,
            "citizen_phone": citizen_phone,
            "lat": lat,
            "lon": lon,
            "priority": priority if orders_service.may_set_priority(principal, Priority.URGENT) else None,
        }
    )
    try:
        data = OrderCreate.model_validate({**values, "channel": CREATOR_CHANNELS[principal.role].value})
    except ValidationError as exc:
        return _new_form(request, principal, session, values, validation_message(exc), 422)
    try:
        order = intake_flows.receive_one(session, data=data, principal=principal).order
        number = orders_service.public_number(order)
        session.commit()
    except DomainError as exc:
        session.rollback()
        return _new_form(request, principal, session, values, error_message(exc), 422)
    return RedirectResponse(f"/orders/{number}", status_code=303)
