"""HTML pages: login, order list, new order, order detail with its actions. Templates live in
web/templates/ (orders/… for the order pages, partials named _x.html).

Routes stay thin: they parse the form or query, call the same services as the JSON API (so scope,
masking and the state machine are the API's), commit, and render or redirect. Plain forms that post
back: the pages work without JavaScript.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from huitian.assets.models import Asset
from huitian.auth import service as auth_service
from huitian.auth.deps import OptionalPrincipal, SessionDep, WriteSessionDep
from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.categories import service as categories_service
from huitian.config import get_settings
from huitian.db import utcnow
from huitian.duplicates import service as duplicates_service
from huitian.errors import Conflict, DomainError, NotFound, Unauthorized, Unprocessable
from huitian.intake import photos as photos_service
from huitian.orders import flows
from huitian.orders import service as orders_service
from huitian.orders.enums import INTAKE_OUTCOMES, Action, Channel, OrderStatus, OrderType, Priority
from huitian.orders.models import Order
from huitian.orders.schemas import ActionRequest, OrderCreate, OrderRead
from huitian.security.ratelimit import PRINCIPAL_FILING
from huitian.sla import service as sla_service
from huitian.units import service as units_service
from huitian.units.enums import UnitKind
from huitian.web import console, render

router = APIRouter(include_in_schema=False)
TEMPLATES_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
# The intake domain's photos of an order, included on the order page once that partial exists.
PHOTOS_TEMPLATE = "intake/_photos.html"
templates.env.filters.update(render.JINJA_FILTERS)
templates.env.globals.update(render.JINJA_GLOBALS)

PAGE_SIZE = 20
# Who may file an order from the web page, and through which channel it then arrives (what each role
# may file, channel and priority, is orders.service's FILING_CHANNELS / FILING_PRIORITIES).
CREATOR_CHANNELS = {
    Role.OPERATOR: Channel.HOTLINE,
    Role.GRID_WORKER: Channel.PATROL,
    Role.RESIDENT: Channel.WEB,
}
# Actions whose form offers a unit to choose.
UNIT_ACTIONS = frozenset({Action.DISPATCH.value, Action.ADD_CO_UNIT.value, Action.ARBITRATE.value})

FIELD_LABELS = {
    "type": "类型",
    "title": "标题",
    "description": "诉求内容",
    "address": "地址",
    "category_code": "分类代码",
    "citizen_name": "诉求人姓名",
    "citizen_phone": "联系电话",
    "lat": "纬度",
    "lon": "经度",
    "priority": "紧急程度",
    "action": "操作",
    "version": "版本",
    "unit": "单位",
    "task": "任务",
    "reason": "原因",
    "note": "联系记录",
    "text": "内容",
    "days": "延期工作日",
    "approve": "审批结果",
    "resolved": "是否解决",
    "satisfaction": "满意度",
    "comment": "评价",
    "into": "并入工单号",
    "outcome": "办结结果",
    "photos": "照片",
    "status": "状态",
    "channel": "渠道",
    "area": "区域代码",
    "category": "分类代码",
    "overdue": "超时",
    "q": "关键词",
    "created_from": "起始日期",
    "created_to": "截止日期",
    "sort": "排序",
    "page": "页码",
}
_STATUS_HEADLINES = {
    403: "无权执行此操作",
    404: "未找到",
    409: "当前状态不允许此操作",
    422: "填写的内容不完整或有误",
}


# --- shared helpers --------------------------------------------------------------------------------


def page(
    request: Request,
    name: str,
    principal: Principal | None,
    context: dict | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    ctx = {
        "principal": principal,
        "role_label": render.role_label(principal.role) if principal else "",
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _safe_next(value: str | None) -> str:
    """Only same-site paths: never an open redirect."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/orders"


def error_message(exc: DomainError) -> str:
    """The domain's message under a Chinese headline (stale versions get their own sentence)."""
    if isinstance(exc, Conflict) and exc.field == "version":
        current = exc.extra.get("current_version")
        now = f"(当前版本 {current})" if current is not None else ""
        return f"工单已被他人更新{now},您提交时看到的内容已过时,操作未执行。请核对最新内容后重试。"
    headline = _STATUS_HEADLINES.get(exc.status_code, "操作未完成")
    return f"{headline}:{exc.message}"


def validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ()) if str(x) != "__root__"]
        name = FIELD_LABELS.get(loc[0], loc[0]) if loc else ""
        parts.append(f"{name}:{err.get('msg', '')}" if name else str(err.get("msg", "")))
    return "填写的内容不完整或有误:" + ";".join(parts)


def clean(values: dict[str, str | None]) -> dict[str, str]:
    """Form fields as given, trimmed, empty ones left out (an empty field means 'not given')."""
    return {k: v.strip() for k, v in values.items() if v is not None and v.strip() != ""}


def category_options(session: Session) -> list[tuple[str, str]]:
    """(code, 一级/二级/三级 names) for every active category, for a datalist."""
    cats = categories_service.list_categories(session)
    names = {c.code: c.name for c in cats}
    return [(c.code, "/".join(names.get(p, p) for p in c.path.split("/") if p)) for c in cats if c.active]


def _unit_options(session: Session) -> list[tuple[str, list[tuple[str, str]]]]:
    """Active units grouped by kind (label, [(code, name)]), the hotline centre left out."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for unit in units_service.list_units(session):
        if unit.active and unit.kind != UnitKind.HOTLINE_CENTRE:
            groups.setdefault(render.label_of(UnitKind, unit.kind), []).append((unit.code, unit.name))
    return list(groups.items())


# --- login -----------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return page(request, "login.html", None, {"error": None, "next": _safe_next(next), "username": ""})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    username: str = Form(...),
    password: str = Form(...),
    next: str | None = Form(None),
) -> Response:
    try:
        user = auth_service.authenticate(session, username=username, password=password)
    except Unauthorized:
        context = {"error": "用户名或密码错误", "next": _safe_next(next), "username": username}
        return page(request, "login.html", None, context, status_code=401)
    # The password was checked on a read session (argon2 is slow: no write lock held meanwhile).
    state = request.app.state
    with state.db.write() as writer:
        sid = auth_service.start_session(writer, user_id=user.id, ttl_s=state.settings.token_ttl_hours * 3600)
        writer.commit()
    request.session.clear()
    request.session.update({"uid": user.id, "tv": user.token_version, "sid": sid})
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, session: WriteSessionDep) -> RedirectResponse:
    auth_service.end_session(session, sid=request.session.get("sid"))
    session.commit()
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/favicon.ico")
def favicon() -> RedirectResponse:
    """Browsers ask for it on pages that name no icon (a JSON or static file opened directly)."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.get("/")
def home(principal: OptionalPrincipal) -> RedirectResponse:
    return RedirectResponse("/orders" if principal else "/login", status_code=303)


# --- order list ------------------------------------------------------------------------------------


@dataclass
class ListQuery:
    """The list's filter form as typed (for re-display) and as an OrderFilter (for the service)."""

    form: dict[str, str] = field(default_factory=dict)
    statuses: list[str] = field(default_factory=list)
    page: int = 1
    errors: list[str] = field(default_factory=list)
    flt: orders_service.OrderFilter = field(default_factory=orders_service.OrderFilter)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=sla_service.local_tz())


def parse_list_query(request: Request) -> ListQuery:
    params = request.query_params
    keys = (
        "type",
        "channel",
        "unit",
        "area",
        "category",
        "overdue",
        "q",
        "created_from",
        "created_to",
        "sort",
    )
    form = {k: (params.get(k) or "").strip() for k in keys}
    out = ListQuery(form=form)
    flt = out.flt
    flt.limit = PAGE_SIZE

    def bad(key: str, value: str) -> None:
        out.errors.append(f"{FIELD_LABELS[key]}“{value}”无效")

    for value in params.getlist("status"):
        if value in OrderStatus.__members__.values():
            out.statuses.append(value)
        elif value:
            bad("status", value)
    flt.status = out.statuses or None
    for key, enum in (("type", OrderType), ("channel", Channel)):
        if form[key]:
            if form[key] in enum.__members__.values():
                setattr(flt, key, form[key])
            else:
                bad(key, form[key])
    flt.unit, flt.area, flt.category = form["unit"] or None, form["area"] or None, form["category"] or None
    if form["overdue"] in ("1", "0"):
        flt.overdue = form["overdue"] == "1"
    elif form["overdue"]:
        bad("overdue", form["overdue"])
    if len(form["q"]) > 100:
        out.errors.append("关键词不能超过100个字")
    else:
        flt.q = form["q"] or None
    for key in ("created_from", "created_to"):
        if form[key]:
            try:
                day = date.fromisoformat(form[key])
            except ValueError:
                bad(key, form[key])
                continue
            if key == "created_from":
                flt.created_from = _local_midnight(day)
            else:  # the end date is included: up to the next local midnight
                flt.created_to = _local_midnight(day + timedelta(days=1))
    if form["sort"] in ("newest", "oldest", "deadline"):
        flt.sort = form["sort"]
    elif form["sort"]:
        bad("sort", form["sort"])
    try:
        out.page = max(1, int(params.get("page") or 1))
    except ValueError:
        bad("page", params.get("page") or "")
    flt.offset = (out.page - 1) * PAGE_SIZE
    return out


@router.get("/orders", response_class=HTMLResponse)
def order_list(request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    if principal is None:
        return to_login(request)
    query = parse_list_query(request)
    items, total, status_code = [], 0, 200
    if not query.errors:
        try:
            orders, total = orders_service.list_orders(session, principal=principal, flt=query.flt)
            items = orders_service.summaries(session, orders=orders, principal=principal)
        except DomainError as exc:
            query.errors.append(error_message(exc))
    if query.errors:
        status_code = 422
    keep = [(k, v) for k, v in request.query_params.multi_items() if k != "page" and v != ""]
    pages = max(1, math.ceil(total / PAGE_SIZE))

    def page_url(n: int) -> str:
        return "/orders?" + urlencode([*keep, ("page", str(n))])

    units = units_service.directory(session)
    context = {
        "query": query,
        "items": items,
        "total": total,
        "pages": pages,
        "prev_url": page_url(query.page - 1) if query.page > 1 else None,
        "next_url": page_url(query.page + 1) if query.page < pages else None,
        "unit_names": {u.code: u.name for u in units.values()},
    }
    return page(request, "orders/list.html", principal, context, status_code=status_code)


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
        "categories": category_options(session),
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
        created = orders_service.create_order(session, data=data, principal=principal)
        number = orders_service.public_number(created.order)
        session.commit()
    except DomainError as exc:
        session.rollback()
        return _new_form(request, principal, session, values, error_message(exc), 422)
    return RedirectResponse(f"/orders/{number}", status_code=303)


# --- order detail and actions ----------------------------------------------------------------------


def _read(session: Session, principal: Principal, ref: str) -> OrderRead:
    order = orders_service.get_for(session, principal=principal, ref=ref)
    rel = flows.relation(session, order=order, principal=principal)
    return orders_service.read_order(
        session,
        order=order,
        principal=principal,
        allowed_actions=flows.allowed_actions(rel),
        assignments=rel.assignments,
    )


def _detail(
    request: Request,
    principal: Principal,
    session: Session,
    ref: str,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        order = _read(session, principal, ref)
    except NotFound:
        return page(request, "error.html", principal, {"message": f"未找到工单 {ref},或您无权查看。"}, 404)
    units = units_service.directory(session)
    unit_names = {u.code: u.name for u in units.values()}
    allowed = order.allowed_actions
    context = {
        "o": order,
        "error": error,
        "unit_names": unit_names,
        "events": [(e, render.describe_payload(e.payload, unit_names)) for e in order.events],
        "actions": [Action(a) for a in allowed],
        "unit_options": _unit_options(session) if UNIT_ACTIONS & set(allowed) else [],
        "categories": category_options(session) if Action.DISPATCH.value in allowed else [],
        "intake_outcomes": sorted(INTAKE_OUTCOMES, key=lambda x: x.value),
        "can_close_at_intake": order.status == OrderStatus.RECEIVED.value,
        **_order_extras(session, order),
        "photos": _photos_of(session, principal, order),
    }
    return page(request, "orders/detail.html", principal, context, status_code=status_code)


def _order_extras(session: Session, order: OrderRead) -> dict:
    """The order page's map, city part, photos and the history of its deadlines."""
    shape = console.map_data(session, order=order)
    due = order.deadlines.get("reply")
    return {
        "map_json": json.dumps(shape, ensure_ascii=False) if shape else None,
        "leaflet": render.vendor_url("leaflet/leaflet.js"),
        "tiles": get_settings().map_tile_url or "",
        "deadline_changes": console.deadline_changes(order),
        "days_off": console.days_off(session, start=order.created_at, end=due.due if due else None),
        "part_code": _part_code(session, order.id),
        "photos_template": PHOTOS_TEMPLATE if (TEMPLATES_DIR / PHOTOS_TEMPLATE).is_file() else None,
    }


def _photos_of(session: Session, principal: Principal, order: OrderRead) -> list:
    return photos_service.list_photos(session, principal=principal, order_id=order.id)


def _part_code(session: Session, order_id: int) -> str | None:
    """The city part (部件) the order is about, if it was filed by scanning one."""
    asset_id = session.scalar(select(Order.asset_id).where(Order.id == order_id))
    if asset_id is None:
        return None
    return session.scalar(select(Asset.code).where(Asset.id == asset_id))


@router.get("/orders/{ref}", response_class=HTMLResponse)
def order_detail(ref: str, request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    if principal is None:
        return to_login(request)
    return _detail(request, principal, session, ref)


def _reply_photos(files: list[UploadFile], action: Action) -> list[photos_service.Photo]:
    """The photos sent with a reply, checked (type, size) before anything is written."""
    chosen = [f for f in files if f.filename]
    if not chosen:
        return []
    if action != Action.REPLY:
        raise Unprocessable("photos: only a reply carries photos", field="photos")
    if len(chosen) > photos_service.MAX_PHOTOS:
        raise Unprocessable(f"photos: at most {photos_service.MAX_PHOTOS} photos", field="photos")
    return [photos_service.check(f.file.read(photos_service.MAX_BYTES + 1), field="photos") for f in chosen]


@router.post("/orders/{ref}/actions")
def order_action(
    ref: str,
    request: Request,
    principal: OptionalPrincipal,
    read_session: SessionDep,
    session: WriteSessionDep,
    action: str | None = Form(None),
    version: str | None = Form(None),
    unit: str | None = Form(None),
    task: str | None = Form(None),
    category_code: str | None = Form(None),
    reason: str | None = Form(None),
    note: str | None = Form(None),
    text: str | None = Form(None),
    days: str | None = Form(None),
    approve: str | None = Form(None),
    resolved: str | None = Form(None),
    satisfaction: str | None = Form(None),
    comment: str | None = Form(None),
    into: str | None = Form(None),
    outcome: str | None = Form(None),
    next: str | None = Form(None),
    photos: list[UploadFile] | None = File(None),
) -> Response:
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    fields = clean(
        {
            "action": action,
            "version": version,
            "unit": unit,
            "task": task,
            "category_code": category_code,
            "reason": reason,
            "note": note,
            "text": text,
            "days": days,
            "approve": approve,
            "resolved": resolved,
            "satisfaction": satisfaction,
            "comment": comment,
            "into": into,
            "outcome": outcome,
        }
    )
    try:
        req = ActionRequest.model_validate(fields)
    except ValidationError as exc:
        return _detail(request, principal, read_session, ref, validation_message(exc), 422)
    try:
        attached = _reply_photos(photos or [], req.action)
        order = orders_service.get_for(session, principal=principal, ref=ref, lock=True)
        flows.perform(session, order=order, principal=principal, req=req)
        if attached:  # the reply's photos (办理结果的照片), stored with the reply in one transaction
            photos_service.attach(session, order_id=order.id, photos=attached)
        number = orders_service.public_number(order)
        session.commit()
    except DomainError as exc:
        session.rollback()
        return _detail(request, principal, read_session, ref, error_message(exc), exc.status_code)
    except StaleDataError:
        session.rollback()
        stale = Conflict("the order was changed by someone else; reload it", field="version")
        return _detail(request, principal, read_session, ref, error_message(stale), 409)
    # a console screen (inbox, callback desk, workspace) posts with next= to come back to itself
    return RedirectResponse(_safe_next(next) if next else f"/orders/{number}", status_code=303)


# --- the staff console: operator workspace, handler inbox, callback desk ------------------------------


def _refused(request: Request, principal: Principal | None, allowed: bool, message: str) -> Response | None:
    if principal is None:
        return to_login(request)
    if not allowed:
        return page(request, "error.html", principal, {"message": message}, 403)
    return None


def _panel_context(session: Session, principal: Principal, ref: str) -> dict:
    found = console.triage(session, principal=principal, ref=ref)
    order = _read(session, principal, ref)
    suggested = [u.code for u in found.suggestions.unit]
    titles = orders_service.titles(session, orders=[f.order for f in found.duplicates], principal=principal)
    return {
        "o": order,
        "t": found,
        "unit_options": _unit_options(session),
        "suggested_units": suggested,
        "categories": category_options(session),
        "dups": [
            (
                orders_service.public_number(f.order),
                f,
                "、".join(duplicates_service.reason_label(r) for r in f.candidate.reasons),
                titles[f.order.id],
            )
            for f in found.duplicates
        ],
    }


@router.get("/workspace", response_class=HTMLResponse)
def workspace(
    request: Request, principal: OptionalPrincipal, session: WriteSessionDep, order: str | None = None
) -> Response:
    refused = _refused(
        request, principal, principal is not None and principal.is_centre, "派单工作台仅供12345话务员使用。"
    )
    if refused:
        return refused
    items, total = console.queue(session, principal=principal)
    selected = order or (items[0].number if items else None)
    context: dict = {"items": items, "total": total, "selected": selected}
    if selected:
        try:
            context |= _panel_context(session, principal, selected)
        except NotFound:
            return page(request, "error.html", principal, {"message": f"未找到工单 {selected}。"}, 404)
    session.commit()  # what was suggested is kept (corrections are counted against it)
    return page(request, "console/workspace.html", principal, context)


@router.get("/workspace/panel/{ref}", response_class=HTMLResponse)
def workspace_panel(
    ref: str, request: Request, principal: OptionalPrincipal, session: WriteSessionDep
) -> Response:
    """The triage panel of one order alone (HTMX swaps it in beside the queue)."""
    refused = _refused(
        request, principal, principal is not None and principal.is_centre, "仅供12345话务员使用。"
    )
    if refused:
        return refused
    try:
        context = _panel_context(session, principal, ref)
    except NotFound:
        return page(request, "error.html", principal, {"message": f"未找到工单 {ref}。"}, 404)
    session.commit()
    return page(request, "console/_triage.html", principal, context)


@router.post("/workspace/{ref}/dispatch")
def workspace_dispatch(
    ref: str,
    request: Request,
    principal: OptionalPrincipal,
    read_session: SessionDep,
    session: WriteSessionDep,
    version: str | None = Form(None),
    unit: str | None = Form(None),
    category_code: str | None = Form(None),
    priority: str | None = Form(None),
    co_unit: list[str] = Form(default_factory=list),
    task: str | None = Form(None),
) -> Response:
    """派单 with co-handling units in one step: the dispatch, then one add_co_unit per co-unit, each an
    action of the state machine with its own event; all or nothing."""
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    fields = clean(
        {"version": version, "unit": unit, "category_code": category_code, "priority": priority, "task": task}
    )
    co_units = [c.strip() for c in co_unit if c.strip()]
    try:
        steps = [ActionRequest.model_validate({"action": "dispatch", **fields, "task": None})]
        for code in co_units:
            steps.append(
                ActionRequest.model_validate(
                    {"action": "add_co_unit", "version": 1, "unit": code, "task": task}
                )
            )
    except ValidationError as exc:
        return _detail(request, principal, read_session, ref, validation_message(exc), 422)
    try:
        order = orders_service.get_for(session, principal=principal, ref=ref, lock=True)
        for step in steps:
            step.version = order.version
            flows.perform(session, order=order, principal=principal, req=step)
        session.commit()
    except DomainError as exc:
        session.rollback()
        return _detail(request, principal, read_session, ref, error_message(exc), exc.status_code)
    except StaleDataError:
        session.rollback()
        stale = Conflict("the order was changed by someone else; reload it", field="version")
        return _detail(request, principal, read_session, ref, error_message(stale), 409)
    return RedirectResponse("/workspace", status_code=303)


@router.get("/inbox", response_class=HTMLResponse)
def handler_inbox(request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    allowed = principal is not None and principal.is_unit_member
    refused = _refused(request, principal, allowed, "待办工单仅供承办单位人员使用。")
    if refused:
        return refused
    now = utcnow()
    rows = console.inbox(session, principal=principal, now=now)
    context: dict = {"rows": rows, "now": now, "lead": principal.role == Role.UNIT_LEAD}
    if principal.role == Role.UNIT_LEAD:
        basic = request.app.state.settings.satisfaction_weight_basic
        context["month"], context["rates"] = console.unit_rates(
            session, principal=principal, basic_weight=basic, now=now
        )
        context["pending"] = [r for r in rows if Action.DECIDE_EXTENSION.value in r.actions]
    context["unit_name"] = units_service.get(session, unit_id=principal.unit_id).name
    return page(request, "console/inbox.html", principal, context)


@router.get("/callbacks", response_class=HTMLResponse)
def callback_desk(request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    refused = _refused(
        request, principal, principal is not None and principal.is_centre, "回访台仅供12345话务员使用。"
    )
    if refused:
        return refused
    due, due_total = console.desk(session, principal=principal, status=OrderStatus.REPLIED)
    done, done_total = console.desk(session, principal=principal, status=OrderStatus.CALLED_BACK)
    context = {"due": due, "due_total": due_total, "done": done, "done_total": done_total}
    return page(request, "console/callbacks.html", principal, context)
