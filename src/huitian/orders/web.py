"""The order pages: list, new order, order detail with its actions (and the detail's map, deadline
history and photos). Templates under web/templates/orders/.

Routes stay thin: they parse the form or query, call the same services as the JSON API (so scope,
masking and the state machine are the API's), commit, and render or redirect. Plain forms that post
back: the pages work without JavaScript.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from huitian.areas import service as areas_service
from huitian.assets import service as assets_service
from huitian.auth.deps import OptionalPrincipal, SessionDep, WriteSessionDep
from huitian.auth.service import Principal
from huitian.categories import service as categories_service
from huitian.config import get_settings
from huitian.errors import Conflict, DomainError, NotFound, Unprocessable
from huitian.intake import photos as photos_service
from huitian.orders import flows
from huitian.orders import service as orders_service
from huitian.orders.enums import INTAKE_OUTCOMES, Action, Channel, EventKind, OrderStatus, OrderType
from huitian.orders.models import Order
from huitian.orders.schemas import ActionRequest, OrderRead
from huitian.sla import service as sla_service
from huitian.units import service as units_service
from huitian.units.enums import UnitKind
from huitian.web import render
from huitian.web.pages import (
    FIELD_LABELS,
    TEMPLATES_DIR,
    clean,
    error_message,
    page,
    safe_next,
    to_login,
    validation_message,
)

router = APIRouter(include_in_schema=False)
# The intake domain's photos of an order, included on the order page once that partial exists.
PHOTOS_TEMPLATE = "intake/_photos.html"

PAGE_SIZE = 20
# Actions whose form offers a unit to choose.
UNIT_ACTIONS = frozenset({Action.DISPATCH.value, Action.ADD_CO_UNIT.value, Action.ARBITRATE.value})


def unit_options(session: Session) -> list[tuple[str, list[tuple[str, str]]]]:
    """Active units grouped by kind (label, [(code, name)]), the hotline centre left out."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for unit in units_service.list_units(session):
        if unit.active and unit.kind != UnitKind.HOTLINE_CENTRE:
            groups.setdefault(render.label_of(UnitKind, unit.kind), []).append((unit.code, unit.name))
    return list(groups.items())


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


# --- order detail and actions ----------------------------------------------------------------------


def read(session: Session, principal: Principal, ref: str) -> OrderRead:
    order = orders_service.get_for(session, principal=principal, ref=ref)
    rel = flows.relation(session, order=order, principal=principal)
    return orders_service.read_order(
        session,
        order=order,
        principal=principal,
        allowed_actions=flows.allowed_actions(rel),
        assignments=rel.assignments,
    )


def detail(
    request: Request,
    principal: Principal,
    session: Session,
    ref: str,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        order = read(session, principal, ref)
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
        "unit_options": unit_options(session) if UNIT_ACTIONS & set(allowed) else [],
        "categories": categories_service.options(session) if Action.DISPATCH.value in allowed else [],
        "intake_outcomes": sorted(INTAKE_OUTCOMES, key=lambda x: x.value),
        "can_close_at_intake": order.status == OrderStatus.RECEIVED.value,
        **_order_extras(session, order),
        "photos": _photos_of(session, principal, order),
    }
    return page(request, "orders/detail.html", principal, context, status_code=status_code)


def _order_extras(session: Session, order: OrderRead) -> dict:
    """The order page's map, city part, photos and the history of its deadlines."""
    shape = map_data(session, order=order)
    due = order.deadlines.get("reply")
    return {
        "map_json": json.dumps(shape, ensure_ascii=False) if shape else None,
        "leaflet": render.vendor_url("leaflet/leaflet.js"),
        "tiles": get_settings().map_tile_url or "",
        "deadline_changes": deadline_changes(order),
        "days_off": days_off(session, start=order.created_at, end=due.due if due else None),
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
    return assets_service.code_of(session, asset_id=asset_id)


@router.get("/orders/{ref}", response_class=HTMLResponse)
def order_detail(ref: str, request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    if principal is None:
        return to_login(request)
    return detail(request, principal, session, ref)


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
        return detail(request, principal, read_session, ref, validation_message(exc), 422)
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
        return detail(request, principal, read_session, ref, error_message(exc), exc.status_code)
    except StaleDataError:
        session.rollback()
        stale = Conflict("the order was changed by someone else; reload it", field="version")
        return detail(request, principal, read_session, ref, error_message(stale), 409)
    # a console screen (inbox, callback desk, workspace) posts with next= to come back to itself
    return RedirectResponse(safe_next(next) if next else f"/orders/{number}", status_code=303)


# --- order page ------------------------------------------------------------------------------------


def map_data(session: Session, *, order: OrderRead) -> dict | None:
    """The point and the geometry of its finest area (the grid), as GeoJSON for the page's map."""
    if order.lat is None or order.lon is None:
        return None
    features = []
    if order.area_path:
        code = [c for c in order.area_path.split("/") if c][-1]
        try:
            area = areas_service.get_by_code(session, code=code)
        except Exception:  # noqa: BLE001 - an area removed since: the point alone
            area = None
        if area is not None and area.geometry:
            features.append(
                {
                    "type": "Feature",
                    "geometry": area.geometry,
                    "properties": {"kind": "area", "name": area.name},
                }
            )
    features.append(
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [order.lon, order.lat]},
            "properties": {"kind": "order", "name": order.title},
        }
    )
    return {"type": "FeatureCollection", "features": features}


@dataclass
class DeadlineChange:
    at: datetime
    what: str  # the event's label
    before: str | None
    after: str | None
    reason: str | None


def deadline_changes(order: OrderRead) -> list[DeadlineChange]:
    """The events that moved the reply deadline: approved extensions and reopenings (a new round)."""
    out = []
    for e in order.events:
        p = e.payload or {}
        if e.kind == EventKind.DECIDE_EXTENSION and p.get("approve"):
            out.append(
                DeadlineChange(e.created_at, e.label, p.get("reply_due_before"), p.get("reply_due"), None)
            )
        elif e.kind == EventKind.REOPEN:
            out.append(DeadlineChange(e.created_at, e.label, None, None, p.get("reason")))
    return out


def days_off(session: Session, *, start: datetime | None, end: datetime | None) -> list[tuple[date, bool]]:
    """The calendar's exceptions (holidays, make-up working days) between two instants, local dates."""
    if start is None or end is None:
        return []
    tz = sla_service.local_tz()
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    exceptions = sla_service.rules(session).exceptions
    return sorted((d, w) for d, w in exceptions.items() if first <= d <= last)
