"""Export of a filtered order list as an Excel workbook (台账)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from huitian.auth.deps import CurrentPrincipal, SessionDep
from huitian.orders import service as orders_service
from huitian.orders.api import order_filter
from huitian.transfer import service as transfer_service

router = APIRouter(prefix="/api/v1", tags=["transfer"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/orders.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def export_orders(
    principal: CurrentPrincipal,
    session: SessionDep,
    flt: Annotated[orders_service.OrderFilter, Depends(order_filter)],
) -> Response:
    """The orders of `GET /api/v1/orders` with the same filters (all pages; limit/offset ignored),
    scoped and masked as the list is, with Chinese column headers."""
    body = transfer_service.export_xlsx(session, principal=principal, flt=flt)
    headers = {"Content-Disposition": 'attachment; filename="orders.xlsx"'}
    return Response(body, media_type=XLSX, headers=headers)
