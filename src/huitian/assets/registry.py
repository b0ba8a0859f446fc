"""The staff side of the parts registry: who sees which parts, editing a part (each edit logged with its
old and new values), a part's history and the orders about it.

Scope, applied in SQL: the hotline centre (operator, admin) sees every part; an area role (street
supervisor, grid worker, planner) the parts in its area; a unit member the parts its unit maintains or
that stand in the areas its unit serves; anyone else none (404 for one part, an empty list). Only the
hotline centre edits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, func, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from huitian.areas import service as areas_service
from huitian.assets import service as assets_service
from huitian.assets.enums import AssetStatus
from huitian.assets.models import Asset, AssetChange
from huitian.assets.schemas import AssetChangeRead, AssetUpdate
from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.db import utcnow
from huitian.errors import Forbidden, NotFound, Unprocessable
from huitian.orders import service as orders_service
from huitian.orders.models import Order
from huitian.orders.schemas import OrderSummary
from huitian.units import service as units_service

MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_KEY = 40
MAX_ATTRIBUTE_TEXT = 200


def can_edit(principal: Principal | None) -> bool:
    return principal is not None and principal.is_centre


def require_registrar(principal: Principal) -> None:
    """The hotline centre (operators, admins) keeps the registry."""
    if not can_edit(principal):
        raise Forbidden("only the hotline centre (operator, admin) may change the parts registry")


def require_registry_reader(principal: Principal) -> None:
    """The registry's lists are for staff, as its page is: residents read a part through its QR page."""
    if principal.role == Role.RESIDENT:
        raise Forbidden("the parts registry is for staff; residents read a part through its QR page")


def scope_clause(session: Session, principal: Principal) -> ColumnElement[bool]:
    """The parts a principal may see, as a SQL condition."""
    if principal.is_centre:
        return true()
    if principal.is_area_scoped and principal.area_path:
        return Asset.area_path.startswith(principal.area_path, autoescape=True)
    if principal.is_unit_member:
        served = [
            areas_service.get_by_code(session, code=code).path
            for code in units_service.area_codes(session, unit_id=principal.unit_id)
        ]
        return or_(
            Asset.unit_id == principal.unit_id,
            *(Asset.area_path.startswith(path, autoescape=True) for path in served),
        )
    return false()


def list_for(
    session: Session, *, principal: Principal, flt: assets_service.AssetFilter
) -> tuple[list[Asset], int]:
    return assets_service.list_assets(session, flt=flt, scope=scope_clause(session, principal))


def get_for(session: Session, *, principal: Principal, code: str) -> Asset:
    """The part with this code if the principal may see it; NotFound otherwise (as for a missing one)."""
    asset = session.scalar(select(Asset).where(Asset.code == code, scope_clause(session, principal)))
    if asset is None:
        raise NotFound(f"part {code!r} not found", field="code")
    return asset


# --- editing ---------------------------------------------------------------------------------------


def _attributes(current: dict, given: dict[str, Any]) -> dict:
    out = dict(current or {})
    for key, value in given.items():
        name = key.strip()
        if not name or len(name) > MAX_ATTRIBUTE_KEY:
            raise Unprocessable(
                f"attribute names are 1–{MAX_ATTRIBUTE_KEY} characters, got {key!r}", field="attributes"
            )
        if value is None:
            out.pop(name, None)
            continue
        if isinstance(value, str):
            value = value.strip()
            if len(value) > MAX_ATTRIBUTE_TEXT:
                raise Unprocessable(
                    f"attribute {name!r} is longer than {MAX_ATTRIBUTE_TEXT} characters", field="attributes"
                )
        out[name] = value
    if len(out) > MAX_ATTRIBUTES:
        raise Unprocessable(f"a part has at most {MAX_ATTRIBUTES} attributes", field="attributes")
    return out


def update_asset(
    session: Session, *, asset: Asset, data: AssetUpdate, principal: Principal, now: datetime | None = None
) -> AssetChange | None:
    """Apply a PATCH (registrars only): every given field is checked before any is changed; the changed
    fields are written to the part and logged as one AssetChange {field: [old, new]}. A PATCH that
    changes nothing writes nothing and returns None. Flushes."""
    require_registrar(principal)
    given = data.model_fields_set
    if ("lat" in given) != ("lon" in given) or ("lat" in given and (data.lat is None or data.lon is None)):
        raise Unprocessable("lat and lon move a part together: give both", field="lat")
    for name in ("name", "status"):
        if name in given and getattr(data, name) is None:
            raise Unprocessable(f"{name} cannot be cleared", field=name)
    new: dict[str, Any] = {}
    if "name" in given:
        new["name"] = data.name.strip()
    if "status" in given:
        new["status"] = AssetStatus(data.status).value
    if "notes" in given:
        new["notes"] = (data.notes or "").strip() or None
    if "unit" in given:
        new["unit_id"] = units_service.get_by_code(session, code=data.unit).id if data.unit else None
    if "lat" in given:
        new["lat"], new["lon"] = data.lat, data.lon
        new["area_id"], new["area_path"] = assets_service.place(session, data.lon, data.lat)
    if "attributes" in given and data.attributes is not None:
        new["attributes"] = _attributes(asset.attributes, data.attributes)
    changes = {k: [getattr(asset, k), v] for k, v in new.items() if getattr(asset, k) != v}
    if not changes:
        return None
    now = now or utcnow()
    for key, (_, value) in changes.items():
        setattr(asset, key, value)
    asset.updated_at = now
    if "unit_id" in changes:  # logged by code, readable without the units table
        changes["unit"] = [units_service.code_of(session, unit_id=v) for v in changes.pop("unit_id")]
    change = AssetChange(
        asset_id=asset.id,
        actor_id=principal.user_id,
        actor_name=principal.name,
        actor_role=principal.role.value,
        changes=changes,
        created_at=now,
    )
    session.add(change)
    session.flush()
    return change


def history(session: Session, *, asset: Asset, limit: int = 100) -> list[AssetChangeRead]:
    rows = session.scalars(
        select(AssetChange)
        .where(AssetChange.asset_id == asset.id)
        .order_by(AssetChange.id.desc())
        .limit(limit)
    )
    return [
        AssetChangeRead(
            id=c.id, actor=c.actor_name, actor_role=c.actor_role, changes=c.changes, created_at=c.created_at
        )
        for c in rows
    ]


# --- orders about a part -----------------------------------------------------------------------------


def orders_of(
    session: Session, *, asset: Asset, principal: Principal, limit: int = 50
) -> tuple[list[OrderSummary], int]:
    """The orders filed about the part that the principal may see (orders' own scope and masking),
    newest first, and how many there are."""
    where = and_(Order.asset_id == asset.id, orders_service.scope_clause(principal))
    total = session.scalar(select(func.count()).select_from(Order).where(where)) or 0
    orders = list(
        session.scalars(
            select(Order).where(where).order_by(Order.created_at.desc(), Order.id.desc()).limit(limit)
        )
    )
    return orders_service.summaries(session, orders=orders, principal=principal), total
