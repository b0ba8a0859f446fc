"""The resident phone page's logic: filing without an account, the secret follow-up link, the public
view of an order's progress, and rating it online after the reply.

Who files: PUBLIC_RESIDENT, a principal with the resident role and no user id. The order is then a
citizen's request (channel web, not proactive), its `created` event names "public:web" as actor, and no
account can see it (the resident scope is `created_by_id == user_id`, and there is no user). The way back
to it is the follow-up link `/m/t/{number}?k=<secret>`: the secret is shown once and only its sha256 is
kept (public_filings.token_hash). A resident who gave a phone number and lost the link may also open the
progress (not rate) with the number and the phone's last four digits (compared in constant time; the
route limits failures per address and per number). The number alone never opens anything.

The resident may ask that the matter not be published (Order.private): it is then never in Open311's
public reading.

The public view carries no personal data and no internal notes: the status label, the kinds and times of
the public steps of the history, the lead unit's name, and the reply text with the citizen's own name and
phone masked should the handler have written them in.

Rating: the order's state machine lets the hotline centre or the owning resident record a callback. An
anonymous filer owns no account, so the callback is performed as SYSTEM (a centre principal) after the
link's secret has been checked here; flows then writes `via: "hotline"` in the event, so the comment says
`在线评价(追踪链接)` and public_filings.rated_at records that it came in online. (A `via` the centre may set
is a change to orders/flows.py, described in the intake note.)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from huitian.auth.enums import Role
from huitian.auth.service import SYSTEM, Principal
from huitian.categories import service as categories_service
from huitian.db import utcnow
from huitian.errors import Conflict, NotFound, Unprocessable
from huitian.intake import flows as intake_flows
from huitian.intake import photos as photos_service
from huitian.intake.models import PublicFiling
from huitian.intake.photos import Photo
from huitian.lib.privacy import mask_text
from huitian.orders import flows
from huitian.orders import service as orders_service
from huitian.orders.enums import Action, CallbackVia, Channel, EventKind, OrderStatus, OrderType, Satisfaction
from huitian.orders.models import Order
from huitian.orders.schemas import ActionRequest, OrderCreate
from huitian.units import service as units_service

PUBLIC_RESIDENT = Principal(role=Role.RESIDENT, name="public:web")
ONLINE_RATING_COMMENT = "在线评价(追踪链接)"

# The steps of an order's history a citizen is shown (notes, returns, disputes, overdue escalations and
# the like are internal).
PUBLIC_KINDS = (
    EventKind.CREATED,
    EventKind.ANSWER,
    EventKind.DISPATCH,
    EventKind.ACCEPT,
    EventKind.CONTACT,
    EventKind.DECIDE_EXTENSION,
    EventKind.REPLY,
    EventKind.CALLBACK,
    EventKind.REOPEN,
    EventKind.MERGE,
    EventKind.CLOSE,
)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- category suggestion ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryHint:
    code: str
    name: str
    confidence: float


def suggest_categories(session: Session, *, text: str, k: int = 3) -> list[CategoryHint]:
    """The active classifier's top categories for a description; [] without a model (or on any model
    failure: a suggestion is a help, never a reason to refuse a request)."""
    from huitian.intelligence import service as intelligence_service

    text = (text or "").strip()
    if not text:
        return []
    try:
        loaded = intelligence_service.active_model(session)
        if loaded is None:
            return []
        _, model = loaded
        ranked = model.top_k([intelligence_service.order_text(None, text)], k=k)[0]
    except Exception:  # noqa: BLE001 - a broken model file must not break the public page
        return []
    hints = []
    for code, confidence in ranked:
        try:
            category = categories_service.get_by_code_cached(session, code=code)
        except NotFound:
            continue
        if category.active:
            hints.append(CategoryHint(code=code, name=category.name, confidence=round(float(confidence), 3)))
    return hints


# --- filing ----------------------------------------------------------------------------------------


@dataclass
class Filed:
    order: Order
    number: str
    token: str  # the follow-up link's secret: shown once, never stored


def file_request(
    session: Session,
    *,
    description: str,
    lat: float | None = None,
    lon: float | None = None,
    address: str | None = None,
    category_code: str | None = None,
    citizen_name: str | None = None,
    citizen_phone: str | None = None,
    photos: list[Photo] | None = None,
    private: bool = False,
    now: datetime | None = None,
) -> Filed:
    """A resident's request from the phone page: an order (channel web, no user), its photos, and the
    hashed secret of its follow-up link. The place is the given point, else the first photo's EXIF GPS;
    an address alone is accepted too. Flushes, never commits."""
    photos = photos or []
    if len(photos) > photos_service.MAX_PHOTOS:
        raise Unprocessable(f"photos: at most {photos_service.MAX_PHOTOS} photos", field="photos")
    if lat is None and lon is None:
        lat, lon = photos_service.first_place(photos) or (None, None)
    if lat is None and not (address or "").strip():
        raise Unprocessable("address: give the place (location, map or address)", field="address")
    data = OrderCreate(
        type=OrderType.COMPLAINT,
        description=description,
        lat=lat,
        lon=lon,
        address=(address or "").strip() or None,
        category_code=category_code or None,
        citizen_name=(citizen_name or "").strip() or None,
        citizen_phone=citizen_phone or None,
        channel=Channel.WEB,
        private=private,
    )
    created = intake_flows.receive_one(session, data=data, principal=PUBLIC_RESIDENT, now=now)
    order = created.order
    token = secrets.token_urlsafe(24)
    session.add(PublicFiling(order_id=order.id, token_hash=hash_token(token), created_at=now or utcnow()))
    if photos:
        photos_service.attach(session, order_id=order.id, photos=photos)
    session.flush()
    return Filed(order=order, number=orders_service.public_number(order), token=token)


# --- following --------------------------------------------------------------------------------------


def last_four(phone: str | None) -> str | None:
    """The last four digits of a phone number (digits only), None without four digits."""
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    return digits[-4:] if len(digits) >= 4 else None


def _filed_order(
    session: Session, *, number: str, token: str | None, phone4: str | None = None
) -> tuple[Order, PublicFiling]:
    """The order behind a follow-up link (the secret `token`), or behind its number and the last four
    digits of the phone given at filing (`phone4`); 404 alike for an unknown number, a wrong secret,
    wrong digits and an order filed without a phone."""
    missing = NotFound("no such request, or the link is not valid", field="k" if token else "phone4")
    if not (token or phone4) or not number.isdigit():
        raise missing
    try:
        order = orders_service.get_for(session, principal=SYSTEM, ref=number)
    except NotFound:
        raise missing from None
    filing = session.get(PublicFiling, order.id)
    if orders_service.public_number(order) != number or filing is None:
        raise missing
    if token:
        if not hmac.compare_digest(filing.token_hash, hash_token(token)):
            raise missing
        return order, filing
    known = last_four(order.citizen_phone)
    given = (phone4 or "").strip()
    if known is None or not (len(given) == 4 and given.isdigit()):
        raise missing
    if not hmac.compare_digest(known.encode(), given.encode()):
        raise missing
    return order, filing


@dataclass
class Step:
    kind: str
    label: str
    at: datetime


@dataclass
class Progress:
    number: str
    status: str
    status_label: str
    created_at: datetime
    unit_name: str | None
    reply_text: str | None
    replied_at: datetime | None
    can_rate: bool
    rated: bool
    resolved: bool | None
    satisfaction_label: str | None
    photo_count: int
    steps: list[Step] = field(default_factory=list)


def _masked(text: str | None, order: Order) -> str | None:
    return mask_text(text, name=order.citizen_name, phone=order.citizen_phone)


def progress(session: Session, *, number: str, token: str | None, phone4: str | None = None) -> Progress:
    """What the follow-up link (or the number with the phone's last four digits) shows: nothing
    personal, nothing internal."""
    order, filing = _filed_order(session, number=number, token=token, phone4=phone4)
    events = orders_service.events_of(session, order_id=order.id)
    public = {k.value for k in PUBLIC_KINDS}
    reply_text = None
    for e in events:
        if e.kind in (EventKind.REPLY, EventKind.ANSWER) and (e.payload or {}).get("role", "lead") == "lead":
            reply_text = (e.payload or {}).get("text")
    status = OrderStatus(order.status)
    unit = units_service.get(session, unit_id=order.lead_unit_id) if order.lead_unit_id else None
    return Progress(
        number=orders_service.public_number(order),
        status=status.value,
        status_label=status.label,
        created_at=order.created_at,
        unit_name=unit.name if unit else None,
        reply_text=_masked(reply_text, order),
        replied_at=order.replied_at,
        can_rate=status == OrderStatus.REPLIED,
        rated=filing.rated_at is not None,
        resolved=order.resolved,
        satisfaction_label=Satisfaction(order.satisfaction).label if order.satisfaction else None,
        photo_count=len(photos_service.attachments_of(session, order_id=order.id)),
        steps=[
            Step(kind=e.kind, label=EventKind(e.kind).label, at=e.created_at)
            for e in events
            if e.kind in public
        ],
    )


def rate(
    session: Session,
    *,
    number: str,
    token: str | None,
    resolved: bool,
    satisfaction: Satisfaction,
    comment: str | None = None,
    now: datetime | None = None,
) -> Order:
    """The resident's rating after the reply, recorded as the order's callback (see the module note).
    Before the reply, or once rated, it is a 409."""
    order, filing = _filed_order(session, number=number, token=token)
    if order.status != OrderStatus.REPLIED:
        raise Conflict(
            f"the request can be rated only after its reply (state {order.status!r})",
            field="satisfaction",
            state=order.status,
        )
    comment = (comment or "").strip()
    req = ActionRequest(
        action=Action.CALLBACK,
        version=order.version,
        resolved=resolved,
        satisfaction=satisfaction,
        comment=f"{ONLINE_RATING_COMMENT} {comment}".strip()[:2000],
        via=CallbackVia.ONLINE,
    )
    flows.perform(session, order=order, principal=SYSTEM, req=req, now=now)
    filing.rated_at = now or utcnow()
    session.flush()
    return order
