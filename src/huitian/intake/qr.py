"""扫码即诉: the door of the city parts' QR codes. The public part page (扫码即知) is the assets domain's
(assets/web.py); what is filed from it comes in here, through intake.flows.receive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from huitian.assets import service as assets_service
from huitian.assets.enums import PART_CLASSES
from huitian.auth.service import SYSTEM
from huitian.intake import flows as intake_flows
from huitian.orders import flows as orders_flows
from huitian.orders import service as orders_service
from huitian.orders.enums import Action, Channel, OrderType
from huitian.orders.schemas import ActionRequest, OrderCreate
from huitian.units import service as units_service


def file_request(
    session: Session,
    *,
    asset: assets_service.Asset,
    description: str,
    phone: str | None = None,
    now: datetime | None = None,
) -> orders_service.Order:
    """An order about the part (channel qr, the part's place, the part linked with an `asset_linked`
    event), filed by the anonymous public principal and, by rule, dispatched at once by the system to the
    part's maintaining unit as lead. A part with no (active) maintaining unit leaves the order to triage
    (auto-dispatch, when the admin switched it on), else in `received` for the hotline to dispatch.
    Raises pydantic's ValidationError for a blank description or a malformed phone number."""
    cls = PART_CLASSES.get(asset.class_code)
    label = cls.label if cls else "城市部件"
    data = OrderCreate(
        type=OrderType.COMPLAINT,
        description=description,
        title=f"{label}:{description.strip().splitlines()[0] if description.strip() else ''}"[:30],
        lat=asset.lat,
        lon=asset.lon,
        address=f"{label} {asset.name}(部件编码 {asset.code})"[:300],
        citizen_phone=phone or None,
        channel=Channel.QR,
    )
    unit = units_service.get(session, unit_id=asset.unit_id) if asset.unit_id else None
    maintainer = unit is not None and unit.active
    order = intake_flows.receive_one(
        session,
        data=data,
        principal=assets_service.QR_PUBLIC,
        now=now,
        asset_id=asset.id,
        triage=not maintainer,  # the rule dispatches it: the model is not asked
    ).order
    session.flush()
    if maintainer:
        req = ActionRequest(action=Action.DISPATCH, version=order.version, unit=unit.code)
        orders_flows.perform(session, order=order, principal=SYSTEM, req=req, now=now)
    return order
