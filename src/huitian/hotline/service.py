"""Hotline entry: caller look-up, "same caller, same matter" links, the knowledge base and answers at once."""

from __future__ import annotations

import difflib
import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from huitian.auth.service import Principal
from huitian.categories import service as categories_service
from huitian.db import Database, utcnow
from huitian.errors import Conflict, Forbidden, NotFound, Unprocessable
from huitian.hotline.models import CallerLookup, KbEntry, OrderLink
from huitian.hotline.schemas import AnswerAtOnce, KbEntryCreate, KbEntryRead, KbEntryUpdate, KbHit
from huitian.intake import flows as intake_flows
from huitian.lib.phone import is_phone, normalise_phone
from huitian.orders import flows
from huitian.orders import service as orders_service
from huitian.orders.enums import OPEN_STATUSES, Action, Channel, OrderType
from huitian.orders.models import Order
from huitian.orders.schemas import ActionRequest, OrderCreate, OrderSummary
from huitian.security.ratelimit import TooMany

KB_FILE = Path(__file__).parent / "data" / "kb.json"


def require_centre(principal: Principal) -> None:
    """Hotline entry is the hotline centre's work (operators, admins)."""
    if not principal.is_centre:
        raise Forbidden("hotline entry is for the 12345 hotline centre (operator or admin)")


def _phone(phone: str) -> str:
    """The number as orders store it (lib/phone.py): `+86 138…` finds the orders of `138…`."""
    value = normalise_phone(phone)
    if not is_phone(value):
        raise Unprocessable("phone must be a phone number (digits, optional + and -)", field="phone")
    return value


# --- callers -------------------------------------------------------------------------------------------

LOOKUP_LIMIT = (60, 60.0)  # caller look-ups per user per minute


def may_look_up(principal: Principal) -> bool:
    """A look-up by number tells whether a number has orders: a role that sees phone numbers masked could
    recover a masked number by trying its hidden digits. So only the roles that see the citizen's phone
    of any order unmasked (orders.service.sees_personal_data, for an order neither theirs nor their
    unit's: the operators) may look a caller up."""
    return principal.is_centre and orders_service.sees_personal_data(principal, Order(), set())


def require_look_up(principal: Principal) -> None:
    require_centre(principal)
    if not may_look_up(principal):
        raise Forbidden("caller look-up is for roles that see citizens' phone numbers (operators)")


def phone_hash(secret: str, phone: str) -> str:
    """The keyed hash an audit row keeps instead of the number (HMAC-SHA256, the installation secret)."""
    return hmac.new(secret.encode(), f"caller-lookup\0{phone}".encode(), hashlib.sha256).hexdigest()


def admit_lookup(
    db: Database,
    *,
    principal: Principal,
    phone: str,
    secret: str,
    via: str,
    limiter: Callable[[str], int],
) -> str:
    """Everything before a caller look-up, in order: the role (403), the number (422), the principal's
    rate limit (`limiter`: a key → seconds to wait, 0 when counted; 429), then the audit row, committed
    in a transaction of its own so that no look-up goes unrecorded whatever happens to the request's
    session. Returns the number in its normal form."""
    require_look_up(principal)
    number = _phone(phone)
    who = f"user:{principal.user_id}" if principal.user_id is not None else f"key:{principal.api_key_id}"
    wait = limiter(who)
    if wait:
        raise TooMany(
            f"too many caller look-ups: at most {LOOKUP_LIMIT[0]} per {int(LOOKUP_LIMIT[1])} s; "
            f"retry in {wait} s",
            f"查询过于频繁,请{wait}秒后再试。",
            wait,
        )
    with db.write() as session:
        session.add(
            CallerLookup(
                user_id=principal.user_id,
                api_key_id=principal.api_key_id,
                actor=principal.name[:100],
                phone_hash=phone_hash(secret, number),
                via=via,
                at=utcnow(),
            )
        )
        session.commit()
    return number


def caller_orders(session: Session, *, principal: Principal, phone: str, limit: int = 50) -> list[Order]:
    """The caller's earlier orders, newest first, within the principal's scope (ix_orders_citizen_phone).
    Routes admit the look-up first (admit_lookup: role, limit, audit)."""
    require_look_up(principal)
    stmt = (
        select(Order)
        .where(Order.citizen_phone == _phone(phone), orders_service.scope_clause(principal))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def caller_summaries(session: Session, *, principal: Principal, phone: str) -> list[OrderSummary]:
    orders = caller_orders(session, principal=principal, phone=phone)
    return orders_service.summaries(session, orders=orders, principal=principal)


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a[:300], b[:300]).ratio()


def same_matter(
    session: Session,
    *,
    principal: Principal,
    phone: str,
    category_code: str | None = None,
    text: str | None = None,
    exclude: int | None = None,
    threshold: float = 0.5,
) -> list[Order]:
    """Open orders of the same caller that look like the same matter: same category, or similar text."""
    opens = [o for o in caller_orders(session, principal=principal, phone=phone) if o.status in OPEN_STATUSES]
    codes = categories_service.codes_by_id(session)
    out = []
    for o in opens:
        if o.id == exclude:
            continue
        same_cat = category_code is not None and codes.get(o.category_id) == category_code
        close_text = bool(text) and _similar(text or "", o.description) >= threshold
        if same_cat or close_text:
            out.append(o)
    return out


def link_orders(
    session: Session,
    *,
    principal: Principal,
    order_ref: str | int,
    other_ref: str | int,
    kind: str = "same_caller",
) -> OrderLink:
    """Link two orders of the same caller; a note on each order's history names the other."""
    require_centre(principal)
    order = orders_service.get_for(session, principal=principal, ref=order_ref)
    other = orders_service.get_for(session, principal=principal, ref=other_ref)
    if order.id == other.id:
        raise Unprocessable("an order cannot be linked to itself", field="other")
    if order.citizen_phone != other.citizen_phone:
        raise Unprocessable("the two orders are not from the same caller", field="other")
    pair = or_(
        and_(OrderLink.order_id == order.id, OrderLink.linked_order_id == other.id),
        and_(OrderLink.order_id == other.id, OrderLink.linked_order_id == order.id),
    )
    if session.scalar(select(OrderLink.id).where(pair, OrderLink.kind == kind)) is not None:
        raise Conflict("the two orders are already linked", field="other")
    link = OrderLink(
        order_id=order.id,
        linked_order_id=other.id,
        kind=kind,
        created_by_id=principal.user_id,
        created_at=utcnow(),
    )
    session.add(link)
    for a, b in ((order, other), (other, order)):
        text = f"同一来电人同一诉求,关联工单 {orders_service.public_number(b)}"
        req = ActionRequest(action=Action.NOTE, version=a.version, text=text)
        flows.perform(session, order=a, principal=principal, req=req)
    session.flush()
    return link


def links_of(session: Session, *, order_id: int) -> list[OrderLink]:
    stmt = select(OrderLink).where(or_(OrderLink.order_id == order_id, OrderLink.linked_order_id == order_id))
    return list(session.scalars(stmt.order_by(OrderLink.id)))


# --- knowledge base -------------------------------------------------------------------------------------


def get_entry(session: Session, *, entry_id: int) -> KbEntry:
    entry = session.get(KbEntry, entry_id)
    if entry is None:
        raise NotFound(f"knowledge-base entry {entry_id} not found", field="kb_entry")
    return entry


def create_entry(session: Session, *, principal: Principal, data: KbEntryCreate) -> KbEntry:
    require_centre(principal)
    entry = KbEntry(**data.model_dump(), updated_at=utcnow())
    session.add(entry)
    session.flush()
    return entry


def update_entry(session: Session, *, principal: Principal, entry_id: int, data: KbEntryUpdate) -> KbEntry:
    require_centre(principal)
    entry = get_entry(session, entry_id=entry_id)
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(entry, key, value)
    entry.updated_at = utcnow()
    session.flush()
    return entry


def list_entries(session: Session, *, include_inactive: bool = False) -> list[KbEntry]:
    stmt = select(KbEntry).order_by(KbEntry.id)
    if not include_inactive:
        stmt = stmt.where(KbEntry.active.is_(True))
    return list(session.scalars(stmt))


def search(session: Session, *, q: str, category_code: str | None = None, limit: int = 10) -> list[KbHit]:
    """Active entries matching any term of `q` (space-separated; a term without spaces also matches by its
    two-character pieces), scored: keyword 3, title 2, answer 1 per term; same category +2."""
    terms = [t for t in q.replace(",", " ").replace(",", " ").split() if t]
    if not terms:
        return []
    pieces = set(terms)
    for t in terms:
        if len(t) > 4:
            pieces.update(t[i : i + 2] for i in range(len(t) - 1))
    like = [
        or_(KbEntry.keywords.like(f"%{p}%"), KbEntry.title.like(f"%{p}%"), KbEntry.answer.like(f"%{p}%"))
        for p in pieces
    ]
    rows = session.scalars(select(KbEntry).where(KbEntry.active.is_(True), or_(*like)))
    hits = []
    for e in rows:
        score = sum(
            (3 if p in e.keywords else 0) + (2 if p in e.title else 0) + (1 if p in e.answer else 0)
            for p in pieces
        )
        if category_code and e.category_code and category_code.startswith(e.category_code):
            score += 2
        hits.append(KbHit(**KbEntryRead.model_validate(e).model_dump(), score=score))
    hits.sort(key=lambda h: (-h.score, h.id))
    return hits[:limit]


def load_starter(session: Session, *, path: Path = KB_FILE) -> int:
    """The starter knowledge base (hotline/data/kb.json); entries whose title is there already are kept.
    Returns the number of entries added."""
    have = set(session.scalars(select(KbEntry.title)))
    added = 0
    for item in json.loads(path.read_text(encoding="utf-8")):
        data = KbEntryCreate(**item)
        if data.title in have:
            continue
        session.add(KbEntry(**data.model_dump(), updated_at=utcnow()))
        added += 1
    session.flush()
    return added


# --- answer at once -------------------------------------------------------------------------------------


def take_call(
    session: Session,
    *,
    principal: Principal,
    data: OrderCreate,
    close: ActionRequest | None = None,
    link_to: str | None = None,
) -> Order:
    """A call taken at the hotline entry: the new order (through intake.flows.receive: triaged unless the
    operator closes it at once), closed at once with an Art. 11 outcome when the operator chose one, and
    linked to the caller's earlier order on the same matter when asked."""
    order = intake_flows.receive_one(session, data=data, principal=principal, triage=close is None).order
    session.flush()
    if close is not None:
        close.version = order.version
        flows.perform(session, order=order, principal=principal, req=close)
    if link_to:
        link_orders(session, principal=principal, order_ref=order.id, other_ref=link_to)
    return order


def answer_at_once(session: Session, *, principal: Principal, data: AnswerAtOnce) -> Order:
    """A consultation received and answered at once with the entry's text: closed, outcome `answered`."""
    require_centre(principal)
    entry = get_entry(session, entry_id=data.kb_entry)
    if not entry.active:
        raise Unprocessable("the knowledge-base entry is not active", field="kb_entry")
    body = OrderCreate(
        type=OrderType.CONSULTATION,
        description=data.description,
        title=entry.title[:200],
        citizen_name=data.citizen_name,
        citizen_phone=data.citizen_phone,
        category_code=data.category_code or entry.category_code,
        channel=Channel.HOTLINE,
    )
    # Through the one intake path; answered at once, so not triaged.
    order = intake_flows.receive_one(session, data=body, principal=principal, triage=False).order
    session.flush()
    req = ActionRequest(action=Action.ANSWER, version=order.version, text=entry.answer)
    flows.perform(session, order=order, principal=principal, req=req)
    return order
