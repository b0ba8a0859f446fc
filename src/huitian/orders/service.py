"""Work orders: creation, scoped reads and lists, events, and the caller-facing view of an order."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, false, func, insert, or_, select, text, true
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.sql.elements import ColumnElement

from huitian.areas import service as areas_service
from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.categories import service as categories_service
from huitian.categories.models import Category
from huitian.db import utcnow
from huitian.errors import DomainError, Forbidden, NotFound, Unprocessable
from huitian.lib import chain
from huitian.lib.geo import to_wgs84
from huitian.lib.privacy import mask_name, mask_phone, mask_text
from huitian.orders.enums import (
    ACTIVE_ASSIGNMENT,
    OPEN_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    Channel,
    EventKind,
    OrderStatus,
    Priority,
)
from huitian.orders.models import Assignment, Order, OrderEvent
from huitian.orders.schemas import (
    AssignmentRead,
    DeadlineRead,
    EventRead,
    MergedRead,
    OrderCreate,
    OrderRead,
    OrderSummary,
)
from huitian.sla import service as sla_service
from huitian.sla.enums import Deadline, TimeLimitClass
from huitian.units import service as units_service
from huitian.units.service import UnitInfo

# --- public numbers -------------------------------------------------------------------------------


def public_number(order: Order) -> str:
    """YYYYMMDD (local date of receipt) + the id on at least 8 digits: unique, sortable, no extra write."""
    day = order.created_at.astimezone(sla_service.local_tz()).strftime("%Y%m%d")
    return f"{day}{order.id:08d}"


# The largest id an orders row can have on every database we run on (INTEGER on PostgreSQL).
MAX_ID = 2**31 - 1


def _id_from_ref(ref: str) -> int | None:
    """The id in an order's reference (its id, or its public number: date + id); None when the reference
    cannot name an order (not digits, or an id beyond any row's: a typed number too long, say)."""
    ref = ref.strip()
    if not ref.isdigit():
        return None
    order_id = int(ref[8:]) if len(ref) >= 16 else int(ref)
    return order_id if order_id <= MAX_ID else None


# --- scope ----------------------------------------------------------------------------------------


def scope_clause(principal: Principal) -> ColumnElement[bool]:
    """The orders a principal may see, as a SQL condition (applied in every query, never after)."""
    role = principal.role
    if principal.is_centre:
        return true()
    if principal.is_unit_member:
        return exists().where(Assignment.order_id == Order.id, Assignment.unit_id == principal.unit_id)
    if principal.is_area_scoped and principal.area_path:
        clause = Order.area_path.startswith(principal.area_path, autoescape=True)
        if role == Role.GRID_WORKER and principal.user_id is not None:
            clause = or_(clause, Order.created_by_id == principal.user_id)
        return clause
    if role == Role.RESIDENT and principal.user_id is not None:
        return Order.created_by_id == principal.user_id
    return false()


def sees_personal_data(principal: Principal, order: Order, unit_ids: set[int]) -> bool:
    """Operators and the order's own handlers see names and phones; a resident sees their own."""
    if principal.role == Role.OPERATOR:
        return True
    if principal.is_unit_member and principal.unit_id in unit_ids:
        return True
    is_owner = principal.user_id is not None and order.created_by_id == principal.user_id
    return principal.role == Role.RESIDENT and is_owner


# A unit that returned or passed an order on is no longer its handler: it sees the citizen masked.
GAVE_BACK = (AssignmentStatus.RETURNED.value, AssignmentStatus.FORWARDED.value)

# The keys of an event's payload that hold text a person typed (notes, replies, reasons, tasks).
FREE_TEXT_KEYS = frozenset({"text", "note", "reason", "task", "comment"})

TextMask = Callable[[str | None], str | None]


def _as_is(text: str | None) -> str | None:
    return text


def text_mask(order: Order, *, unmasked: bool) -> TextMask:
    """How the free text of this order (title, description, notes, replies) reads for a principal: as
    typed for one who sees the citizen's name and phone, else with the personal data in it masked
    (lib.privacy.mask_text: phone and ID numbers, and this order's citizen's name and phone)."""
    if unmasked:
        return _as_is
    name, phone = order.citizen_name, order.citizen_phone
    return lambda text: mask_text(text, name=name, phone=phone)


def masked_payload(payload: dict | None, mask: TextMask) -> dict | None:
    if not payload or mask is _as_is:
        return payload
    return {k: mask(v) if k in FREE_TEXT_KEYS and isinstance(v, str) else v for k, v in payload.items()}


def personal_data_seen(session: Session, *, orders: list[Order], principal: Principal) -> set[int]:
    """The ids of these orders whose citizen's name and phone (and free text) the principal sees
    unmasked: the rule of the lists (summaries)."""
    own = handled_by_unit(session, principal=principal, order_ids=[o.id for o in orders])
    mine = {principal.unit_id}
    return {o.id for o in orders if sees_personal_data(principal, o, mine if o.id in own else set())}


def titles(session: Session, *, orders: list[Order], principal: Principal) -> dict[int, str]:
    """Order id → title as the principal's lists show it (personal data masked unless they see it)."""
    seen = personal_data_seen(session, orders=orders, principal=principal)
    return {o.id: text_mask(o, unmasked=o.id in seen)(o.title) for o in orders}


# --- who may file what ---------------------------------------------------------------------------
# Every door that creates an order (JSON API, the web new-order page, hotline entry, QR part form, phone
# page, patrol page, Open311, bulk import, warnings turned into orders) reaches order_values, which checks
# these tables first (authorise_filing): a door cannot file what its principal may not.

_CENTRE = frozenset({Role.OPERATOR, Role.ADMIN})
_PUBLIC = _CENTRE | {Role.RESIDENT}
# The channel an order arrives through -> the roles of signed-in principals that may file through it.
# 网格巡查 (patrol) counts as 未诉先办: grid workers' findings, and warnings turned into orders by the
# staff who decide them (proactive.VIEW_ROLES). Units (handlers, unit leads) file nothing: they handle.
FILING_CHANNELS: dict[Channel, frozenset[Role]] = {
    Channel.HOTLINE: _CENTRE,
    Channel.WEB: _PUBLIC,
    Channel.APP: _PUBLIC,
    Channel.WECHAT: _PUBLIC,
    Channel.QR: _PUBLIC,
    Channel.OPEN311: frozenset(),  # API keys only (below)
    Channel.PATROL: _CENTRE | {Role.GRID_WORKER, Role.SUPERVISOR, Role.PLANNER},
    Channel.IMPORT: _CENTRE,
    Channel.API: _PUBLIC | {Role.GRID_WORKER},
}
# The channels a machine client (an API key, whatever its role) may file through.
API_KEY_CHANNELS = frozenset({Channel.OPEN311, Channel.APP, Channel.WECHAT, Channel.API})
# Priority -> the roles that may set it (urgent: the 2-hour emergency limit is the centre's call).
FILING_PRIORITIES: dict[Priority, frozenset[Role]] = {
    Priority.NORMAL: frozenset(Role),
    Priority.URGENT: _CENTRE,
}


def may_file(principal: Principal, channel: Channel | str) -> bool:
    channel = Channel(channel)
    if principal.api_key_id is not None:
        return channel in API_KEY_CHANNELS
    return principal.role in FILING_CHANNELS[channel]


def may_set_priority(principal: Principal, priority: Priority | str) -> bool:
    return principal.role in FILING_PRIORITIES[Priority(priority)]


def authorise_filing(principal: Principal, *, channel: Channel | str, priority: Priority | str) -> None:
    """Raise Forbidden (403, naming the field) unless the principal may file an order through this
    channel with this priority."""
    channel, priority = Channel(channel), Priority(priority)
    if not may_file(principal, channel):
        who = "an API key" if principal.api_key_id is not None else f"role {principal.role.value}"
        raise Forbidden(f"{who} may not file orders through channel {channel.value!r}", field="channel")
    if not may_set_priority(principal, priority):
        raise Forbidden(
            f"role {principal.role.value} may not file an order with priority {priority.value!r}",
            field="priority",
        )


# --- create ---------------------------------------------------------------------------------------


def create_order(
    session: Session, *, data: OrderCreate, principal: Principal, now: datetime | None = None
) -> Created:
    """Receive a request: a new order in `received`, placed in its area, with its reply deadline and its
    `created` event. The order comes back persistent in the session, ready for further actions."""
    result = create_orders(session, items=[(data, principal)], now=now)[0]
    if isinstance(result, DomainError):
        raise result
    return result


def create_orders(
    session: Session, *, items: list[tuple[OrderCreate, Principal]], now: datetime | None = None
) -> list[Created | DomainError]:
    """Receive many requests in one go (intake's hot path): see insert_orders. Returns one result per
    item, in order: the created order (persistent in the session), or the DomainError that kept it out."""
    return [
        r
        if isinstance(r, DomainError)
        else Created(order=_attach(session, _instance(Order, r[0])), event=_instance(OrderEvent, r[1]))
        for r in _insert_orders(session, items=items, now=now)
    ]


def insert_orders(
    session: Session, *, items: list[tuple[OrderCreate, Principal]], now: datetime | None = None
) -> list[int | DomainError]:
    """Bulk intake (imports): like create_orders, without building objects; the new ids or errors."""
    return [
        r if isinstance(r, DomainError) else r[0]["id"] for r in _insert_orders(session, items=items, now=now)
    ]


def _insert_orders(
    session: Session, *, items: list[tuple[OrderCreate, Principal]], now: datetime | None
) -> list[tuple[dict, dict] | DomainError]:
    """One multi-row INSERT for the orders and one for their `created` events, no unit-of-work, with ids
    allocated up front. The others are still written when an item is refused."""
    now = now or utcnow()
    results: list[tuple[dict, dict] | DomainError] = []
    dues: dict[str, datetime] = {}  # one `now` for the batch: one deadline per time-limit class
    for data, principal in items:
        try:
            row = order_values(session, data=data, principal=principal, now=now, dues=dues)
        except DomainError as exc:
            results.append(exc)
            continue
        event = event_values(
            order_id=None,
            kind=EventKind.CREATED,
            principal=principal,
            from_status=None,
            to_status=OrderStatus.RECEIVED,
            unit_id=None,
            now=now,
            payload={"channel": data.channel.value, "type": data.type.value},
            prev_hash=None,
            state_digest=state_digest(row, []),
        )
        row["history_hash"] = event["hash"]
        results.append((row, event))
    written = [r for r in results if not isinstance(r, DomainError)]
    if not written:
        return results
    order_table, event_table = Order.__table__, OrderEvent.__table__
    for order_id, event_id, (row, event) in zip(
        allocate_ids(session, order_table, len(written)),
        allocate_ids(session, event_table, len(written)),
        written,
        strict=True,
    ):
        row["id"], event["id"], event["order_id"] = order_id, event_id, order_id
    session.execute(insert(order_table), [row for row, _ in written])
    session.execute(insert(event_table), [event for _, event in written])
    return results


def allocate_ids(session: Session, table, n: int) -> list[int]:
    """n new primary keys for `table`, so that rows go in as one plain multi-row INSERT (RETURNING in
    parameter order would make SQLAlchemy insert row by row). PostgreSQL: from the column's sequence.
    SQLite: above the current maximum, safe because a write transaction holds the database's write lock
    (BEGIN IMMEDIATE, see db.py) from its start."""
    if session.get_bind().dialect.name == "postgresql":
        sql = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)")
        return list(session.scalars(sql, {"table": table.name, "n": n}))
    start = session.scalar(select(func.coalesce(func.max(table.c.id), 0)))
    return list(range(start + 1, start + n + 1))


def order_values(
    session: Session,
    *,
    data: OrderCreate,
    principal: Principal,
    now: datetime,
    dues: dict[str, datetime] | None = None,
) -> dict:
    """Every column of a new order, computed from the request. `dues` keeps the deadlines computed for
    this `now` across a batch."""
    authorise_filing(principal, channel=data.channel, priority=data.priority)
    dues = {} if dues is None else dues
    category = _category(session, data.category_code) if data.category_code else None
    lat = lon = None
    area_id = area_path = None
    if data.lat is not None and data.lon is not None:
        lon, lat = to_wgs84(data.lon, data.lat, data.crs.value)
        placed = areas_service.locate(session, lon=lon, lat=lat)
        if placed is not None:
            area_id, area_path = placed
    if lat is None:  # no point: the gazetteer reads the address, then the description (issue #4)
        area_id, area_path = areas_service.place_text(
            session, address=data.address, description=data.description
        ) or (None, None)
    limit_class = time_limit_class(category, data.priority)
    if limit_class.value not in dues:
        dues[limit_class.value] = sla_service.due(session, start=now, code=limit_class.value)
    channel = data.channel
    return dict(
        channel=channel.value,
        type=data.type.value,
        title=(data.title or title_from(data.description)).strip(),
        description=data.description,
        category_id=category.id if category else None,
        priority=data.priority.value,
        proactive=channel == Channel.PATROL or principal.role == Role.GRID_WORKER,
        lat=lat,
        lon=lon,
        source_crs=data.crs.value if lat is not None else None,
        address=data.address,
        area_id=area_id,
        area_path=area_path,
        asset_id=None,
        citizen_name=data.citizen_name,
        citizen_phone=data.citizen_phone,
        private=data.private,
        created_by_id=principal.user_id,
        status=OrderStatus.RECEIVED.value,
        outcome=None,
        lead_unit_id=None,
        time_limit_class=limit_class.value,
        created_at=now,
        dispatched_at=None,
        accepted_at=None,
        contacted_at=None,
        replied_at=None,
        called_back_at=None,
        closed_at=None,
        accept_due=None,
        contact_due=None,
        reply_due=dues[limit_class.value],
        extension_days=0,
        pending_extension=None,
        escalated=0,
        resolved=None,
        satisfaction=None,
        reopen_count=0,
        unreasonable=False,
        unreasonable_reason=None,
        merged_into_id=None,
        history_hash=None,
        version=1,
        updated_at=now,
    )


def _instance(cls, values: dict):
    """An instance of a mapped class holding these column values, filled the way a load fills it (no
    attribute events per column: a tenth of the constructor's cost on the intake path)."""
    obj = cls.__mapper__.class_manager.new_instance()
    obj.__dict__.update(values)
    return obj


def _attach(session: Session, order: Order) -> Order:
    """Make a fully populated, already inserted Order persistent in this session without a SELECT."""
    make_transient_to_detached(order)
    session.add(order)
    return order


@dataclass
class Created:
    order: Order
    event: OrderEvent


def title_from(description: str) -> str:
    first = description.strip().splitlines()[0]
    return first[:30]


def _category(session: Session, code: str) -> Category:
    """The category a new order names: an unknown code is a bad request body (422), not a 404."""
    try:
        return categories_service.get_by_code_cached(session, code=code)
    except NotFound as exc:
        raise Unprocessable(exc.message, field="category_code") from exc


def time_limit_class(category: Category | None, priority: Priority | str) -> TimeLimitClass:
    if Priority(priority) == Priority.URGENT:
        return TimeLimitClass.EMERGENCY
    return TimeLimitClass(category.time_limit_class) if category else TimeLimitClass.ORDINARY


# --- the order's state, as the event chain covers it ----------------------------------------------

# The fields of an order that change only with an event (huitian.lib.chain.state_digest). Left out: the id,
# the head hash (checked on its own), the version and updated_at (bookkeeping), and asset_id (the QR door
# links the part after the `created` event). The fields a bulk import sets per row come last (see
# transfer._Writer), then the assignments.
STATE_FIELDS = (
    "channel",
    "type",
    "category_id",
    "priority",
    "proactive",
    "created_by_id",
    "status",
    "outcome",
    "lead_unit_id",
    "time_limit_class",
    "created_at",
    "dispatched_at",
    "accepted_at",
    "contacted_at",
    "replied_at",
    "called_back_at",
    "closed_at",
    "accept_due",
    "contact_due",
    "reply_due",
    "extension_days",
    "pending_extension",
    "escalated",
    "resolved",
    "satisfaction",
    "reopen_count",
    "unreasonable",
    "unreasonable_reason",
    "merged_into_id",
    "title",
    "description",
    "address",
    "citizen_name",
    "citizen_phone",
    "lat",
    "lon",
    "source_crs",
    "area_id",
    "area_path",
)
STATE_NAMES = (*STATE_FIELDS, "assignments")
ASSIGNMENT_FIELDS = (
    "unit_id",
    "role",
    "status",
    "task",
    "assigned_at",
    "accepted_at",
    "replied_at",
    "reply_text",
    "return_reason",
)
# What a column holds when a bulk insert leaves it out (the demo build).
_ORDER_DEFAULTS = {
    c.key: c.default.arg if c.default is not None and not callable(c.default.arg) else None
    for c in Order.__table__.columns
}
_ASSIGNMENT_DEFAULTS = {
    c.key: c.default.arg if c.default is not None and not callable(c.default.arg) else None
    for c in Assignment.__table__.columns
}


def state_parts(order: Order | dict, assignments: list) -> list[str]:
    """The canonical texts of an order's governed fields and assignments (objects or row mappings)."""
    if isinstance(order, Order):
        values = [getattr(order, k) for k in STATE_FIELDS]
    else:
        values = [order.get(k, _ORDER_DEFAULTS[k]) for k in STATE_FIELDS]
    rows = [
        [getattr(a, k) for k in ASSIGNMENT_FIELDS]
        if isinstance(a, Assignment)
        else [a.get(k, _ASSIGNMENT_DEFAULTS[k]) for k in ASSIGNMENT_FIELDS]
        for a in assignments
    ]
    return [*map(chain.canonical, values), chain.canonical_assignments(rows)]


def state_digest(order: Order | dict, assignments: list) -> str:
    return chain.state_digest(state_parts(order, assignments))


def current_assignments(session: Session, *, order_id: int) -> list[Assignment]:
    """The order's assignments as they stand in this session, flushed or not: those in the database (read
    without flushing: the session's own objects, with their changes) and those added since."""
    with session.no_autoflush:
        held = assignments_of(session, order_id=order_id)
    seen = {id(a) for a in held}
    added = [
        a for a in session.new if isinstance(a, Assignment) and a.order_id == order_id and id(a) not in seen
    ]
    return [*held, *added]


# --- events ---------------------------------------------------------------------------------------


def event_values(
    *,
    order_id: int | None,
    kind: EventKind,
    principal: Principal,
    from_status: OrderStatus | str | None,
    to_status: OrderStatus | str | None,
    unit_id: int | None,
    payload: dict | None,
    now: datetime | None,
    prev_hash: str | None,
    state_digest: str | None = None,
) -> dict:
    values = dict(
        order_id=order_id,
        kind=kind.value,
        from_status=str(from_status) if from_status else None,
        to_status=str(to_status) if to_status else None,
        actor_id=principal.user_id,
        actor_name=principal.name,
        actor_role=principal.role.value,
        unit_id=unit_id if unit_id is not None else principal.unit_id,
        created_at=now or utcnow(),
        payload=payload or {},
        state_digest=state_digest,
    )
    values["hash"] = chain.event_hash(prev_hash, values)
    return values


def add_event(
    session: Session,
    *,
    order: Order,
    kind: EventKind,
    principal: Principal,
    from_status: OrderStatus | str | None = None,
    to_status: OrderStatus | str | None = None,
    unit_id: int | None = None,
    payload: dict | None = None,
    now: datetime | None = None,
) -> OrderEvent:
    """Append one entry to the order's history (written at the next flush), with the digest of the order's
    state as it now stands (its row and assignments): call it once they have changed."""
    held = current_assignments(session, order_id=order.id)
    event = OrderEvent(
        **event_values(
            order_id=order.id,
            kind=kind,
            principal=principal,
            from_status=from_status,
            to_status=to_status,
            unit_id=unit_id,
            payload=payload,
            now=now,
            prev_hash=order.history_hash,
            state_digest=state_digest(order, held),
        )
    )
    order.history_hash = event.hash
    session.add(event)
    return event


def link_asset(
    session: Session, *, order: Order, asset_id: int, principal: Principal, now: datetime | None = None
) -> OrderEvent:
    """Link a new order to the city part it is about (扫码即诉), with an `asset_linked` event in its history
    (asset_id is not a governed field: the event's state digest is the order's state as it stands)."""
    order.asset_id = asset_id
    return add_event(
        session,
        order=order,
        kind=EventKind.ASSET_LINKED,
        principal=principal,
        payload={"asset_id": asset_id},
        now=now,
    )


def events_of(session: Session, *, order_id: int) -> list[OrderEvent]:
    return list(
        session.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id))
    )


def merged_into(session: Session, *, order_id: int) -> list[Order]:
    """The orders merged into this one (their callers are this order's callers too)."""
    return list(session.scalars(select(Order).where(Order.merged_into_id == order_id).order_by(Order.id)))


def assignments_of(session: Session, *, order_id: int) -> list[Assignment]:
    return list(
        session.scalars(select(Assignment).where(Assignment.order_id == order_id).order_by(Assignment.id))
    )


def active_assignment(
    assignments: list[Assignment], *, unit_id: int | None, role: AssignmentRole
) -> Assignment | None:
    for a in assignments:
        if a.unit_id == unit_id and a.role == role.value and a.status in ACTIVE_ASSIGNMENT:
            return a
    return None


# --- placing orders without an area ---------------------------------------------------------------


def place_orders(
    session: Session, *, areas: dict[int, tuple[int, str]], principal: Principal, text: str, source: str
) -> int:
    """Give each order of `areas` (order id → (area id, area path)) that still has no area that area, with a
    `note` event by `principal` carrying `text` and {"placed": {"area_path", "source"}}; an order that has an
    area by now is left alone, without an event. The number placed. Flushes, never commits."""
    if not areas:
        return 0
    placed = 0
    for order in session.scalars(select(Order).where(Order.id.in_(list(areas))).order_by(Order.id)):
        if order.area_id is not None:
            continue
        order.area_id, order.area_path = areas[order.id]
        add_event(
            session,
            order=order,
            kind=EventKind.NOTE,
            principal=principal,
            payload={"text": text, "placed": {"area_path": order.area_path, "source": source}},
        )
        placed += 1
    session.flush()
    return placed


# --- reads ----------------------------------------------------------------------------------------


def get_for(session: Session, *, principal: Principal, ref: str | int, lock: bool = False) -> Order:
    """The order named by id or public number, if the principal may see it; else 404."""
    order_id = ref if isinstance(ref, int) else _id_from_ref(str(ref))
    if order_id is None:
        raise NotFound(f"order {ref!r} not found")
    stmt = select(Order).where(Order.id == order_id, scope_clause(principal))
    if lock:
        stmt = stmt.with_for_update()
    order = session.scalar(stmt)
    if order is None or (
        isinstance(ref, str) and len(ref.strip()) >= 16 and public_number(order) != ref.strip()
    ):
        raise NotFound(f"order {ref!r} not found")
    return order


@dataclass
class OrderFilter:
    status: list[str] | None = None
    unit: str | None = None
    area: str | None = None
    category: str | None = None
    type: str | None = None
    channel: str | None = None
    overdue: bool | None = None
    proactive: bool | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = None
    sort: str = "newest"
    limit: int = 50
    offset: int = 0


# A search term with a run of seven or more digits can only be a phone or ID number: it finds only the
# orders whose personal data the principal sees unmasked, so a masked role cannot confirm a number
# hidden in an order's text by searching for it.
_PERSONAL_NUMBER = re.compile(r"\d{7,}")


def _unmasked_clause(principal: Principal) -> ColumnElement[bool]:
    """SQL twin of sees_personal_data: operators; the order's own (leading or co-handling) unit; a
    resident's own orders."""
    if principal.role == Role.OPERATOR:
        return true()
    if principal.is_unit_member:
        return exists().where(
            Assignment.order_id == Order.id,
            Assignment.unit_id == principal.unit_id,
            Assignment.role != AssignmentRole.SUPERVISE.value,
            Assignment.status.notin_(GAVE_BACK),
        )
    if principal.role == Role.RESIDENT and principal.user_id is not None:
        return Order.created_by_id == principal.user_id
    return false()


def list_orders(session: Session, *, principal: Principal, flt: OrderFilter) -> tuple[list[Order], int]:
    conds: list[ColumnElement[bool]] = [scope_clause(principal)]
    if flt.status:
        conds.append(Order.status.in_(flt.status))
    if flt.unit:
        unit = units_service.get_by_code(session, code=flt.unit)
        conds.append(exists().where(Assignment.order_id == Order.id, Assignment.unit_id == unit.id))
    if flt.area:
        area = areas_service.get_by_code(session, code=flt.area)
        conds.append(Order.area_path.startswith(area.path, autoescape=True))
    if flt.category:
        cat = categories_service.get_by_code(session, code=flt.category)
        sub = select(Category.id).where(Category.path.startswith(cat.path, autoescape=True))
        conds.append(Order.category_id.in_(sub))
    if flt.type:
        conds.append(Order.type == flt.type)
    if flt.channel:
        conds.append(Order.channel == flt.channel)
    if flt.overdue is not None:
        late = and_(Order.escalated != 0, Order.status.in_([s.value for s in OPEN_STATUSES]))
        conds.append(late if flt.overdue else ~late)
    if flt.proactive is not None:
        conds.append(Order.proactive.is_(flt.proactive))
    if flt.created_from:
        conds.append(Order.created_at >= flt.created_from)
    if flt.created_to:
        conds.append(Order.created_at < flt.created_to)
    if flt.q:
        like = f"%{flt.q}%"
        conds.append(or_(Order.title.like(like), Order.description.like(like), Order.address.like(like)))
        if _PERSONAL_NUMBER.search(flt.q.replace(" ", "").replace("-", "")):
            conds.append(_unmasked_clause(principal))
    where = and_(*conds)
    total = session.scalar(select(func.count()).select_from(Order).where(where)) or 0
    order_by = {
        "newest": (Order.created_at.desc(), Order.id.desc()),
        "oldest": (Order.created_at.asc(), Order.id.asc()),
        "deadline": (Order.reply_due.asc(), Order.id.asc()),
    }[flt.sort]
    rows = session.scalars(select(Order).where(where).order_by(*order_by).limit(flt.limit).offset(flt.offset))
    return list(rows), total


# --- views of an order ------------------------------------------------------------------------------


def summaries(session: Session, *, orders: list[Order], principal: Principal) -> list[OrderSummary]:
    units = units_service.directory(session)
    cats = categories_service.codes_by_id(session)
    # A unit member lists every order its unit is on, but handles (and sees the citizen of) only those
    # it leads or co-handles, not those it merely supervises: the same rule as read_order's.
    seen = personal_data_seen(session, orders=orders, principal=principal)
    return [OrderSummary(**_summary_fields(o, units, cats, unmasked=o.id in seen)) for o in orders]


def handled_by_unit(session: Session, *, principal: Principal, order_ids: list[int]) -> set[int]:
    """Of these orders, those the principal's unit is on as lead or co-handler (and did not give back)."""
    if not principal.is_unit_member or not order_ids:
        return set()
    stmt = select(Assignment.order_id).where(
        Assignment.order_id.in_(order_ids),
        Assignment.unit_id == principal.unit_id,
        Assignment.role != AssignmentRole.SUPERVISE.value,
        Assignment.status.notin_(GAVE_BACK),
    )
    return set(session.scalars(stmt))


def _summary_fields(o: Order, units: dict[int, UnitInfo], cats: dict[int, str], *, unmasked: bool) -> dict:
    status = OrderStatus(o.status)
    mask = text_mask(o, unmasked=unmasked)
    return dict(
        id=o.id,
        number=public_number(o),
        type=o.type,
        channel=o.channel,
        priority=o.priority,
        proactive=o.proactive,
        status=o.status,
        status_label=status.label,
        title=mask(o.title),
        category_code=cats.get(o.category_id) if o.category_id else None,
        lead_unit=units[o.lead_unit_id].code if o.lead_unit_id in units else None,
        area_path=o.area_path,
        address=o.address,
        citizen_name=o.citizen_name if unmasked else mask_name(o.citizen_name),
        citizen_phone=o.citizen_phone if unmasked else mask_phone(o.citizen_phone),
        created_at=o.created_at,
        reply_due=o.reply_due,
        overdue=bool(o.escalated) and status.is_open,
        unreasonable=o.unreasonable,
    )


def deadlines(order: Order) -> dict[str, DeadlineRead]:
    met = {
        Deadline.ACCEPT: order.accepted_at,
        Deadline.CONTACT: order.contacted_at,
        Deadline.REPLY: order.replied_at,
    }
    due = {
        Deadline.ACCEPT: order.accept_due,
        Deadline.CONTACT: order.contact_due,
        Deadline.REPLY: order.reply_due,
    }
    return {
        d.value: DeadlineRead(due=due[d], met_at=met[d], overdue=bool(order.escalated & d.bit))
        for d in Deadline
    }


def read_order(
    session: Session,
    *,
    order: Order,
    principal: Principal,
    allowed_actions: list[str],
    assignments: list[Assignment] | None = None,
    events: list[OrderEvent] | None = None,
) -> OrderRead:
    if assignments is None:
        assignments = assignments_of(session, order_id=order.id)
    if events is None:
        events = events_of(session, order_id=order.id)
    units = units_service.directory(session)
    cats = categories_service.codes_by_id(session)
    on_order = {
        a.unit_id
        for a in assignments
        if a.role != AssignmentRole.SUPERVISE.value and a.status not in GAVE_BACK
    }
    unmasked = sees_personal_data(principal, order, on_order)
    mask = text_mask(order, unmasked=unmasked)
    pending = order.pending_extension
    if pending and not unmasked:
        pending = masked_payload(pending, mask)
    target = session.get(Order, order.merged_into_id) if order.merged_into_id else None
    merged = (
        merged_into(session, order_id=order.id) if any(e.kind == EventKind.MERGED_IN for e in events) else []
    )
    return OrderRead(
        **_summary_fields(order, units, cats, unmasked=unmasked),
        description=mask(order.description),
        lat=order.lat,
        lon=order.lon,
        source_crs=order.source_crs,
        category=categories_service.names_on_path(session, category_id=order.category_id),
        area=areas_service.names_on_path(session, path=order.area_path),
        time_limit_class=order.time_limit_class,
        outcome=order.outcome,
        resolved=order.resolved,
        satisfaction=order.satisfaction,
        reopen_count=order.reopen_count,
        unreasonable_reason=mask(order.unreasonable_reason),
        merged_into=public_number(target) if target else None,
        merged_from=[
            MergedRead(
                number=public_number(m),
                replied_at=m.replied_at,
                called_back_at=m.called_back_at,
                resolved=m.resolved,
                satisfaction=m.satisfaction,
            )
            for m in merged
        ],
        pending_extension=pending,
        extension_days=order.extension_days,
        version=order.version,
        deadlines=deadlines(order),
        assignments=[
            AssignmentRead(
                id=a.id,
                unit=units[a.unit_id].code,
                unit_name=units[a.unit_id].name,
                role=a.role,
                status=a.status,
                task=mask(a.task),
                assigned_at=a.assigned_at,
                accepted_at=a.accepted_at,
                replied_at=a.replied_at,
                reply_text=mask(a.reply_text),
                return_reason=mask(a.return_reason),
            )
            for a in assignments
        ],
        events=[
            EventRead(
                id=e.id,
                kind=e.kind,
                label=EventKind(e.kind).label,
                from_status=e.from_status,
                to_status=e.to_status,
                actor=e.actor_name,
                actor_role=e.actor_role,
                unit=units[e.unit_id].code if e.unit_id in units else None,
                created_at=e.created_at,
                payload=masked_payload(e.payload, mask),
            )
            for e in events
        ],
        allowed_actions=allowed_actions,
    )


# --- tamper evidence --------------------------------------------------------------------------------


def verify_histories(session: Session, *, batch: int = 2000) -> dict:
    """Recompute every order's event chain (huitian.lib.chain) and compare it with the stored hashes and
    the order's head hash; then compare the order's stored row and assignments with the state digest of
    its newest event, naming the fields that differ. Returns counts and one entry per problem found."""
    problems: list[dict] = []
    orders_checked = events_checked = states_checked = 0
    last_id = 0
    while True:
        orders = (
            session.execute(select(Order.__table__).where(Order.id > last_id).order_by(Order.id).limit(batch))
            .mappings()
            .all()
        )
        if not orders:
            break
        ids = [o["id"] for o in orders]
        by_order: dict[int, list] = {i: [] for i in ids}
        rows = session.execute(
            select(OrderEvent.__table__).where(OrderEvent.order_id.in_(ids)).order_by(OrderEvent.id)
        ).mappings()
        for row in rows:
            by_order[row["order_id"]].append(row)
        held: dict[int, list] = {i: [] for i in ids}
        for a in session.execute(select(Assignment.__table__).where(Assignment.order_id.in_(ids))).mappings():
            held[a["order_id"]].append(a)
        for o in orders:
            events = by_order[o["id"]]
            number = public_number(Order(id=o["id"], created_at=o["created_at"]))
            for problem in chain.verify(o["history_hash"], events):
                problems.append({"order": number, "problem": problem})
            digest = events[-1]["state_digest"] if events else None
            if digest:
                states_checked += 1
                changed = chain.changed_fields(digest, state_parts(dict(o), held[o["id"]]), STATE_NAMES)
                if changed is not None:
                    problems.append(
                        {
                            "order": number,
                            "problem": "the order's stored state does not match its newest event"
                            + (f" ({', '.join(changed)} changed)" if changed else ""),
                            "fields": changed,
                        }
                    )
            events_checked += len(events)
        orders_checked += len(orders)
        last_id = ids[-1]
    return {
        "orders_checked": orders_checked,
        "events_checked": events_checked,
        "states_checked": states_checked,
        "problems": problems,
    }
