"""Grid worker patrol reports (主动发现): what a patrol finds becomes a proactive order before anyone
complains. The order arrives through the patrol channel, and the orders service flags it proactive (it
counts toward 未诉先办, not toward citizens' complaints)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.categories import service as categories_service
from huitian.errors import Forbidden, NotFound, Unprocessable
from huitian.intake import flows as intake_flows
from huitian.intake import photos as photos_service
from huitian.intake.photos import Photo
from huitian.orders import service as orders_service
from huitian.orders.enums import Channel, OrderType
from huitian.orders.models import Order
from huitian.orders.schemas import OrderCreate

REPORTERS = frozenset({Role.GRID_WORKER})


def require_reporter(principal: Principal) -> None:
    if principal.role not in REPORTERS:
        raise Forbidden("only grid workers file patrol reports", field="role")


def category_options(session: Session) -> list[tuple[str, str]]:
    """(code, 一级/二级/三级 names) of the active leaf categories, for the report's select."""
    cats = [c for c in categories_service.list_categories(session) if c.active]
    names = {c.code: c.name for c in cats}
    parents = {p for c in cats for p in c.path.split("/") if p and p != c.code}
    return [
        (c.code, "/".join(names.get(p, p) for p in c.path.split("/") if p))
        for c in cats
        if c.code not in parents
    ]


@dataclass
class Reported:
    order: Order
    number: str


def report(
    session: Session,
    *,
    principal: Principal,
    category_code: str,
    photos: list[Photo],
    description: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    address: str | None = None,
    now: datetime | None = None,
) -> Reported:
    """A patrol finding: photo(s), a place (given, else the first photo's EXIF GPS, else an address) and a
    category. Flushes, never commits."""
    require_reporter(principal)
    if not category_code:
        raise Unprocessable("category_code: choose a category", field="category_code")
    try:
        category = categories_service.get_by_code_cached(session, code=category_code)
    except NotFound as exc:
        raise Unprocessable(
            f"category_code: unknown category {category_code!r}", field="category_code"
        ) from exc
    if not photos:
        raise Unprocessable("photos: take at least one photo", field="photos")
    if len(photos) > photos_service.MAX_PHOTOS:
        raise Unprocessable(f"photos: at most {photos_service.MAX_PHOTOS} photos", field="photos")
    if lat is None and lon is None:
        lat, lon = photos_service.first_place(photos) or (None, None)
    if lat is None and not (address or "").strip():
        raise Unprocessable("address: give the place (location, map or address)", field="address")
    text = (description or "").strip() or f"网格巡查发现:{category.name}"
    data = OrderCreate(
        type=OrderType.COMPLAINT,
        description=text,
        lat=lat,
        lon=lon,
        address=(address or "").strip() or None,
        category_code=category_code,
        channel=Channel.PATROL,
    )
    order = intake_flows.receive_one(session, data=data, principal=principal, now=now).order
    photos_service.attach(session, order_id=order.id, photos=photos)
    return Reported(order=order, number=orders_service.public_number(order))
