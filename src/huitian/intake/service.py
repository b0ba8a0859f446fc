"""Intake through Open311 GeoReport v2: services from the category taxonomy, new orders from service
requests, and the reading of orders as service requests.

Who reads (a jurisdiction setting, `open311_public_read` in app_settings, off by default; admin page
/admin/apikeys, API /api/v1/open311/settings):
- with an API key: the key's scope, as the staff API would (an operator key: the whole jurisdiction; a
  unit's key: that unit's orders). No personal data: no citizen name, phone or e-mail, and the citizen's
  own name and phone, and any mobile number, are masked wherever they appear in free text (description,
  status notes).
- without a key: refused (403) unless an admin turned public reading on. Then an anonymous caller gets
  the coarse view only (coarse_view): service, status, requested/updated datetimes, the community the
  order lies in as its address and the centre of that community's bounding box as its coordinates (never
  the order's own point or address), a description only for 咨询/建议/表扬 (never for 投诉/举报/求助;
  names, phone numbers, the order's address and house/room numbers masked), the status label and not
  the reply; orders marked private (Order.private, or closed as 涉及国家秘密、商业秘密、个人隐私) are left
  out. At most PUBLIC_MAX_RESULTS requests per list and PUBLIC_MAX_IDS ids per look-up."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from huitian.areas.enums import AreaLevel
from huitian.areas.models import Area
from huitian.auth import service as auth_service
from huitian.auth.enums import Role
from huitian.auth.models import AppSetting
from huitian.auth.service import Principal
from huitian.categories import service as categories_service
from huitian.categories.models import Category
from huitian.db import cache_key, utcnow
from huitian.errors import BadRequest, DomainError, Forbidden, NotFound, Unauthorized
from huitian.intake import flows as intake_flows
from huitian.intake.models import Open311Request
from huitian.lib.privacy import mask_text
from huitian.lib.ttlcache import TTLCache
from huitian.orders import service as orders_service
from huitian.orders.enums import OPEN_STATUSES, Channel, EventKind, OrderStatus, OrderType, Outcome, Priority
from huitian.orders.models import Order
from huitian.orders.schemas import OrderCreate
from huitian.sla import service as sla_service
from huitian.sla.enums import TimeLimitClass
from huitian.units import service as units_service

MAX_SPAN = timedelta(days=90)  # the spec's default and largest window for GET requests
MAX_RESULTS = 1000  # the spec's default page: the first 1,000 requests
DESCRIPTION_MAX = 4000
MEDIA_URL_MAX = 1000

# Who reads for an anonymous caller when public reading is on: the whole jurisdiction, coarse views only.
PUBLIC = Principal(role=Role.OPERATOR, name="open311:public")
PUBLIC_READ_SETTING = "open311_public_read"  # app_settings key: "on" or "off" (absent: off)
PUBLIC_MAX_RESULTS = 100  # an anonymous list: at most this many requests
PUBLIC_MAX_IDS = 10  # an anonymous look-up: at most this many service_request_ids
# Types whose text may be published: never a complaint's or a report's (they name people and places),
# nor a call for help's (it tells the caller's own situation).
PUBLIC_TEXT_TYPES = frozenset({OrderType.CONSULTATION, OrderType.SUGGESTION, OrderType.PRAISE})
# House, building, unit and room numbers in free text ("2号楼5单元1102"): masked in the coarse view.
_HOUSE_NUMBER = re.compile(r"\d+(?=\s*(?:号楼|号院|栋|幢|单元|层|楼|室|号|门|户))|(?<!\d)\d{3,}(?!\d)")

_keys: TTLCache[Principal] = TTLCache(ttl_s=10.0)


# --- services (the category taxonomy) -------------------------------------------------------------


@dataclass(frozen=True)
class AttributeValue:
    key: str
    name: str


@dataclass(frozen=True)
class Attribute:
    code: str
    description: str
    values: tuple[AttributeValue, ...]
    order: int
    required: bool = False
    datatype: str = "singlevaluelist"
    variable: bool = True
    datatype_description: str | None = None


CONTACT_LABELS = {"phone": "电话回访", "sms": "短信告知办理结果", "none": "无需回访"}

# Every service takes the same three attributes: what kind of request it is, how urgent, and how the
# citizen wants to hear back. None is required: a client that ignores metadata can still post.
ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute(
        code="type",
        description="诉求类型(默认:投诉)",
        values=tuple(AttributeValue(t.value, t.label) for t in OrderType),
        order=1,
    ),
    Attribute(
        code="priority",
        description="紧急程度:紧急诉求按2小时时限办理(默认:一般)",
        values=tuple(AttributeValue(p.value, p.label) for p in Priority),
        order=2,
    ),
    Attribute(
        code="contact",
        description="回访方式:办理后如何联系您(默认:电话回访;需留电话)",
        values=tuple(AttributeValue(k, v) for k, v in CONTACT_LABELS.items()),
        order=3,
    ),
)
ATTRIBUTE_BY_CODE = {a.code: a for a in ATTRIBUTES}


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    group: str | None
    description: str
    keywords: str
    metadata: bool = True
    type: str = "realtime"


def list_services(session: Session) -> list[Service]:
    """One service per active leaf of the taxonomy (usually the third level), grouped by its path."""
    cats = categories_service.list_categories(session)
    parents = {c.parent_id for c in cats if c.active and c.parent_id is not None}
    by_id = {c.id: c for c in cats}
    return [_service(c, by_id) for c in cats if c.active and c.id not in parents]


def _service(cat: Category, by_id: dict[int, Category]) -> Service:
    path: list[str] = []
    parent = by_id.get(cat.parent_id) if cat.parent_id else None
    while parent is not None:
        path.insert(0, parent.name)
        parent = by_id.get(parent.parent_id) if parent.parent_id else None
    limit = TimeLimitClass(cat.time_limit_class)
    return Service(
        code=cat.code,
        name=cat.name,
        group=" / ".join(path) or None,
        description=f"{' / '.join([*path, cat.name])}。办理时限:{limit.label}。",
        keywords=",".join([*path, cat.name]),
    )


def get_service(session: Session, *, code: str) -> Service:
    for s in list_services(session):
        if s.code == code:
            return s
    raise NotFound(f"service_code {code!r} not found", field="service_code")


# --- new service requests ---------------------------------------------------------------------------


@dataclass
class NewRequest:
    """A POST to requests.{format}, as the client sent it (strings; parsed by create_request)."""

    api_key: str | None = None
    jurisdiction_id: str | None = None
    service_code: str | None = None
    lat: str | None = None
    long: str | None = None
    address_string: str | None = None
    address_id: str | None = None
    email: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    description: str | None = None
    media_url: str | None = None
    attributes: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Filed:
    order: Order
    number: str
    service_notice: str
    account_id: str | None


def principal_for_key(session: Session, *, key: str | None) -> Principal:
    """The principal an Open311 api_key acts as; a missing or wrong key is 403 (the spec's code)."""
    if not key:
        raise Forbidden("api_key was not provided", field="api_key")
    try:
        return _keys.get((cache_key(session), key), lambda: _load_key(session, key))
    except Unauthorized as exc:
        raise Forbidden("api_key is invalid", field="api_key") from exc


def _load_key(session: Session, key: str) -> Principal:
    return auth_service.principal_from_api_key(session, key=key)


def parse_request(
    session: Session, *, req: NewRequest, services: dict[str, Service] | None = None
) -> tuple[OrderCreate, Open311Request]:
    """Check a service request against the spec and our rules; raise BadRequest/NotFound naming the
    field. Nothing is written. `services` (code → service) spares the taxonomy query when a batch of
    requests is checked."""
    if not req.service_code or not req.service_code.strip():
        raise BadRequest("service_code was not provided", field="service_code")
    code = req.service_code.strip()
    if services is None:
        services = {s.code: s for s in list_services(session)}
    service = services.get(code)
    if service is None:
        raise BadRequest(f"service_code {code!r} is not a service of this jurisdiction", field="service_code")
    lat, lon = _coordinate(req.lat, "lat", 90), _coordinate(req.long, "long", 180)
    if (lat is None) != (lon is None):
        raise BadRequest("lat and long must be given together", field="lat" if lat is None else "long")
    address = (req.address_string or "").strip() or None
    address_id = (req.address_id or "").strip() or None
    if lat is None and address is None and address_id is None:
        raise BadRequest("a location is required: lat and long, address_string or address_id", field="lat")
    if address_id is not None and len(address_id) > 100:
        raise BadRequest("address_id is longer than 100 characters", field="address_id")
    description = (req.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise BadRequest(f"description is longer than {DESCRIPTION_MAX} characters", field="description")
    media_url = _media_url(req.media_url)
    attrs = _attributes(req.attributes, service_code=code)
    contact = attrs.get("contact", "phone")
    try:
        data = OrderCreate(
            type=OrderType(attrs.get("type", OrderType.COMPLAINT.value)),
            description=description or f"{service.name}(Open311上报,未填写描述)",
            lat=lat,
            lon=lon,
            address=address,
            category_code=code,
            citizen_name=_name(req.first_name, req.last_name),
            citizen_phone=(req.phone or "").strip() or None,
            channel=Channel.OPEN311,
            priority=Priority(attrs.get("priority", Priority.NORMAL.value)),
        )
    except ValidationError as exc:
        raise _bad_input(exc) from exc
    if contact in ("phone", "sms") and data.citizen_phone is None and "contact" in attrs:
        raise BadRequest(f"attribute[contact]={contact} needs a phone number", field="phone")
    extra = Open311Request(
        service_code=code,
        media_url=media_url,
        address_id=address_id,
        attributes=attrs,
        jurisdiction_id=(req.jurisdiction_id or "").strip() or None,
    )
    return data, extra


def create_request(session: Session, *, req: NewRequest, principal: Principal) -> Filed:
    """File a service request as a new order (channel open311) and keep its Open311 extras. Flushes."""
    result = create_requests(session, reqs=[req])[0]
    if isinstance(result, DomainError):
        raise result
    return result


def create_requests(session: Session, *, reqs: list[NewRequest]) -> list[Filed | DomainError]:
    """File many service requests at once (the POST route's group commit): each is checked (its api_key,
    then the spec and our rules) on its own, the good ones become orders through one
    intake.flows.receive call (triaged), and their Open311 extras go in with them. One result per request,
    in order: the Filed request, or the DomainError that kept it out. Flushes."""
    results: list[Filed | DomainError | None] = [None] * len(reqs)
    good: list[tuple[int, OrderCreate, Open311Request, Principal]] = []
    services = {s.code: s for s in list_services(session)}  # once for the batch
    for i, req in enumerate(reqs):
        try:
            principal = principal_for_key(session, key=req.api_key)
            data, extra = parse_request(session, req=req, services=services)
        except DomainError as exc:
            results[i] = exc
            continue
        good.append((i, data, extra, principal))
    created = intake_flows.receive(session, items=[(data, p) for _, data, _, p in good])
    for (i, _, extra, principal), made in zip(good, created, strict=True):
        if isinstance(made, DomainError):
            results[i] = made
            continue
        extra.order_id = made.order.id
        extra.api_key_id = principal.api_key_id
        extra.created_at = made.order.created_at
        session.add(extra)
        results[i] = Filed(
            order=made.order,
            number=orders_service.public_number(made.order),
            service_notice=service_notice(made.order),
            account_id=(reqs[i].account_id or "").strip() or None,
        )
    session.flush()
    return [r for r in results if r is not None]


def _coordinate(value: str | None, name: str, bound: float) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        raise BadRequest(f"{name} must be a number in WGS-84 degrees", field=name) from None
    if not math.isfinite(number) or not -bound <= number <= bound:
        raise BadRequest(f"{name} must be between -{bound:g} and {bound:g}", field=name)
    return number


def _media_url(value: str | None) -> str | None:
    url = (value or "").strip()
    if not url:
        return None
    if len(url) > MEDIA_URL_MAX or not re.match(r"^https?://[^\s/]+\S*$", url):
        raise BadRequest("media_url must be an http(s) URL of at most 1000 characters", field="media_url")
    return url


def _attributes(raw: dict[str, list[str]], *, service_code: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, values in raw.items():
        attr = ATTRIBUTE_BY_CODE.get(code)
        if attr is None:
            raise BadRequest(
                f"attribute[{code}] is not defined for service {service_code}", field=f"attribute[{code}]"
            )
        values = [v.strip() for v in values if v.strip()]
        if not values:
            continue
        allowed = {v.key for v in attr.values}
        if len(values) > 1 or values[0] not in allowed:
            raise BadRequest(
                f"attribute[{code}] takes one of: {', '.join(sorted(allowed))}", field=f"attribute[{code}]"
            )
        out[code] = values[0]
    for attr in ATTRIBUTES:
        if attr.required and attr.code not in out:
            raise BadRequest(f"attribute[{attr.code}] is required", field=f"attribute[{attr.code}]")
    return out


def _name(first: str | None, last: str | None) -> str | None:
    first, last = (first or "").strip(), (last or "").strip()
    if not first and not last:
        return None
    if re.search(r"[\u4e00-\u9fff]", first + last):
        return last + first  # 姓在前
    return f"{first} {last}".strip()


_FIELDS = {"lon": "long", "lat": "lat", "address": "address_string", "citizen_phone": "phone"}


def _bad_input(exc: ValidationError) -> BadRequest:
    err = exc.errors()[0]
    loc = str(err["loc"][0]) if err["loc"] else "request"
    name = _FIELDS.get(loc, "first_name" if loc == "citizen_name" else loc)
    message = str(err["msg"]).removeprefix("Value error, ")
    return BadRequest(f"{name}: {message}", field=name)


# --- who reads: the jurisdiction's setting and the caller's key --------------------------------------


def public_read(session: Session) -> bool:
    """Whether anonymous callers may read (coarse views of) service requests; off unless an admin set it."""
    row = session.get(AppSetting, PUBLIC_READ_SETTING)
    return row is not None and row.value == "on"


def set_public_read(session: Session, *, enabled: bool) -> bool:
    """Turn anonymous reading on or off (admin). Flushes, never commits."""
    row = session.get(AppSetting, PUBLIC_READ_SETTING)
    value = "on" if enabled else "off"
    if row is None:
        session.add(AppSetting(key=PUBLIC_READ_SETTING, value=value))
    else:
        row.value = value
    session.flush()
    return enabled


def reader_for(session: Session, *, key: str | None) -> Principal | None:
    """Who reads service requests: the key's principal, or None for an anonymous caller when public
    reading is on. Without a key and with public reading off, or with a wrong key, a 403."""
    if key:
        return principal_for_key(session, key=key)
    if public_read(session):
        return None
    raise Forbidden(
        "api_key is required to read service requests: public reading is off in this jurisdiction",
        field="api_key",
    )


# --- reading orders as service requests ---------------------------------------------------------------


@dataclass
class RequestView:
    service_request_id: str
    status: str
    status_notes: str | None
    service_name: str | None
    service_code: str
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: datetime
    updated_datetime: datetime | None
    expected_datetime: datetime | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


def service_notice(order: Order) -> str:
    due = (
        order.reply_due.astimezone(sla_service.local_tz()).strftime("%Y-%m-%d %H:%M")
        if order.reply_due
        else None
    )
    limit = TimeLimitClass(order.time_limit_class).label
    return f"已受理,按接诉即办时限办理({limit})" + (f",答复期限 {due}。" if due else "。")


@dataclass
class RequestQuery:
    ids: list[str] | None = None
    service_codes: list[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    statuses: list[str] | None = None


def list_requests(
    session: Session,
    *,
    query: RequestQuery,
    reader: Principal | None = PUBLIC,
    now: datetime | None = None,
) -> list[RequestView]:
    """GET requests: by ids (which overrides every other argument), else by service, status and a date
    range of at most 90 days (the last 90 days by default), newest first, at most 1,000 (100 and coarse
    for an anonymous reader, `reader` None; see the module note)."""
    anonymous = reader is None
    limit = PUBLIC_MAX_RESULTS if anonymous else MAX_RESULTS
    if query.ids:
        if anonymous and len(query.ids) > PUBLIC_MAX_IDS:
            raise BadRequest(
                f"service_request_id: at most {PUBLIC_MAX_IDS} ids without an api_key",
                field="service_request_id",
            )
        orders = []
        for ref in query.ids[:MAX_RESULTS]:
            try:
                orders.append(_get(session, ref, reader))
            except NotFound:
                continue
        return views(session, orders=orders, coarse=anonymous)
    now = now or utcnow()
    start, end = query.start, query.end
    if start and end and end < start:
        raise BadRequest("end_date is before start_date", field="end_date")
    if start and end and end - start > MAX_SPAN:
        raise BadRequest("start_date and end_date may not span more than 90 days", field="end_date")
    if start is None and end is None:
        start, end = now - MAX_SPAN, None
    elif start is None:
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    statuses: list[str] | None = None
    if query.statuses:
        wanted = set(query.statuses)
        statuses = [s.value for s in OrderStatus if ("open" if s in OPEN_STATUSES else "closed") in wanted]
    codes = query.service_codes or [None]
    orders: list[Order] = []
    for code in codes:
        if code is not None:
            try:
                categories_service.get_by_code_cached(session, code=code)
            except NotFound:
                continue  # an unknown service has no requests
        flt = orders_service.OrderFilter(
            status=statuses,
            category=code,
            created_from=start,
            created_to=end + timedelta(microseconds=1) if end else None,
            sort="newest",
            limit=limit,
        )
        if anonymous:
            orders.extend(_published(session, flt))
        else:
            orders.extend(orders_service.list_orders(session, principal=reader, flt=flt)[0])
    if len(codes) > 1:
        orders.sort(key=lambda o: (o.created_at, o.id), reverse=True)
    return views(session, orders=orders[:limit], coarse=anonymous)


def _publishable():
    """The orders an anonymous reader may see: not marked private, not closed as a private matter (written
    without NOT over a nullable column: NOT (x OR NULL) is NULL, and would hide every open order)."""
    return and_(
        Order.private.is_(False),
        or_(Order.outcome.is_(None), Order.outcome != Outcome.PRIVATE_MATTER.value),
    )


def _published(session: Session, flt: orders_service.OrderFilter) -> list[Order]:
    """The orders an anonymous list may show, newest first: the filter's status, category (its subtree)
    and created range, without the unpublished ones."""
    stmt = select(Order).where(_publishable())
    if flt.status:
        stmt = stmt.where(Order.status.in_(flt.status))
    if flt.category:
        cat = categories_service.get_by_code(session, code=flt.category)
        sub = select(Category.id).where(Category.path.startswith(cat.path, autoescape=True))
        stmt = stmt.where(Order.category_id.in_(sub))
    if flt.created_from is not None:
        stmt = stmt.where(Order.created_at >= flt.created_from)
    if flt.created_to is not None:
        stmt = stmt.where(Order.created_at < flt.created_to)
    stmt = stmt.order_by(Order.created_at.desc(), Order.id.desc()).limit(flt.limit)
    return list(session.scalars(stmt))


def get_request(session: Session, *, ref: str, reader: Principal | None = PUBLIC) -> RequestView:
    return views(session, orders=[_get(session, ref, reader)], coarse=reader is None)[0]


def _get(session: Session, ref: str, reader: Principal | None = PUBLIC) -> Order:
    """An order by its public number only (internal ids are not part of the public API), in the reader's
    scope; for an anonymous reader, only a published order."""
    ref = ref.strip()
    missing = NotFound(f"service_request_id {ref!r} not found", field="service_request_id")
    if len(ref) < 16 or not ref.isdigit():
        raise missing
    try:
        order = orders_service.get_for(session, principal=reader or PUBLIC, ref=ref)
    except NotFound as exc:
        raise missing from exc
    if reader is None and (order.private or order.outcome == Outcome.PRIVATE_MATTER.value):
        raise missing
    return order


def views(session: Session, *, orders: list[Order], coarse: bool = False) -> list[RequestView]:
    if not orders:
        return []
    cats = {c.id: c for c in categories_service.list_categories(session)}
    if coarse:
        communities = _communities(session)
        return [coarse_view(o, cats, communities) for o in orders]
    units = units_service.directory(session)
    extras = {
        e.order_id: e
        for e in session.scalars(
            select(Open311Request).where(Open311Request.order_id.in_([o.id for o in orders]))
        )
    }
    return [_view(session, o, units, cats, extras.get(o.id)) for o in orders]


def _view(session: Session, o: Order, units, cats, extra: Open311Request | None) -> RequestView:
    status = OrderStatus(o.status)
    cat = cats.get(o.category_id) if o.category_id else None
    lead = units.get(o.lead_unit_id) if o.lead_unit_id else None
    closed = not status.is_open
    hidden = o.outcome == Outcome.PRIVATE_MATTER.value
    return RequestView(
        service_request_id=orders_service.public_number(o),
        status="closed" if closed else "open",
        status_notes=_scrub(_status_notes(session, o, status), o),
        service_name=cat.name if cat else None,
        service_code=cat.code if cat else "",
        description=None if hidden else _scrub(o.description, o),
        agency_responsible=lead.name if lead else None,
        service_notice=service_notice(o),
        requested_datetime=o.created_at,
        updated_datetime=(o.closed_at or o.updated_at) if closed else o.updated_at,
        expected_datetime=o.reply_due,
        address=None if hidden else o.address,
        address_id=extra.address_id if extra else None,
        zipcode=None,
        lat=None if hidden else o.lat,
        long=None if hidden else o.lon,
        media_url=None if hidden or extra is None else extra.media_url,
    )


def _communities(session: Session) -> dict[str, Area]:
    """The communities by code: the coarse place of an anonymous view."""
    return {a.code: a for a in session.scalars(select(Area).where(Area.level == AreaLevel.COMMUNITY.value))}


def _community_of(o: Order, communities: dict[str, Area]) -> Area | None:
    for code in reversed([c for c in (o.area_path or "").split("/") if c]):
        if code in communities:
            return communities[code]
    return None


def coarse_view(o: Order, cats, communities: dict[str, Area]) -> RequestView:
    """What an anonymous reader sees (public reading on): the service, the status and its label, the
    requested and updated datetimes, the community's name and the centre of its bounding box (nothing when
    the order lies in no community), and a description only for PUBLIC_TEXT_TYPES, with names, phone
    numbers, the order's own address and house numbers taken out. No reply, unit, deadline or photo."""
    status = OrderStatus(o.status)
    cat = cats.get(o.category_id) if o.category_id else None
    closed = not status.is_open
    place = _community_of(o, communities)
    lat = lon = None
    if place is not None and None not in (place.min_lat, place.max_lat, place.min_lon, place.max_lon):
        lat = round((place.min_lat + place.max_lat) / 2, 5)
        lon = round((place.min_lon + place.max_lon) / 2, 5)
    description = None
    if OrderType(o.type) in PUBLIC_TEXT_TYPES:
        description = _scrub(o.description, o)
        if description and o.address:
            description = description.replace(o.address, place.name if place else "")
        if description:
            description = _HOUSE_NUMBER.sub("*", description)
    return RequestView(
        service_request_id=orders_service.public_number(o),
        status="closed" if closed else "open",
        status_notes=status.label,
        service_name=cat.name if cat else None,
        service_code=cat.code if cat else "",
        description=description,
        agency_responsible=None,
        service_notice=None,
        requested_datetime=o.created_at,
        updated_datetime=(o.closed_at or o.updated_at) if closed else o.updated_at,
        expected_datetime=None,
        address=place.name if place else None,
        address_id=None,
        zipcode=None,
        lat=lat,
        long=lon,
        media_url=None,
    )


_NOTE_KINDS = {EventKind.ANSWER.value, EventKind.REPLY.value}


def _status_notes(session: Session, o: Order, status: OrderStatus) -> str:
    """The latest answer or lead reply, else what the state means (merged: into which order)."""
    if o.replied_at is not None or o.closed_at is not None:
        for e in reversed(orders_service.events_of(session, order_id=o.id)):
            if e.kind in _NOTE_KINDS and e.payload.get("role", "lead") == "lead" and e.payload.get("text"):
                return str(e.payload["text"])
            if e.kind == EventKind.MERGE.value:
                return f"已并入工单 {e.payload.get('into', '')}"
            if e.kind == EventKind.REOPEN.value:
                break
    if o.outcome and not status.is_open:
        return f"{status.label}:{Outcome(o.outcome).label}"
    return status.label


def _scrub(text: str | None, o: Order) -> str | None:
    """Mask the citizen's own name and phone, and any phone or ID number, in free text shown to the public."""
    return mask_text(text, name=o.citizen_name, phone=o.citizen_phone)


def token_request(session: Session, *, token: str, reader: Principal | None = PUBLIC) -> str:
    """Orders are created at once, so a token is the request id itself."""
    return get_request(session, ref=token, reader=reader).service_request_id
