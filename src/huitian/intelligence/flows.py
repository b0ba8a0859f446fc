"""Triage of new orders: when the admin has set a confidence threshold and a model is active, an order
the model is sure about is dispatched at once by the system, to the unit the routing catalogue names
(派单目录 rules override the model's category → unit; 属地 is the fallback). Every other order waits for
an operator, who sees the top three suggestions (GET /api/v1/orders/{ref}/suggestions)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huitian.auth.service import SYSTEM
from huitian.intelligence import service as intelligence_service
from huitian.orders import flows as orders_flows
from huitian.orders.enums import Action, OrderType
from huitian.orders.queries import Order
from huitian.orders.schemas import ActionRequest


def triage(session: Session, *, orders: list[Order]) -> set[int]:
    """Auto-dispatch the new orders the model is sure about; the ids of those dispatched."""
    threshold = intelligence_service.auto_dispatch_threshold(session)
    if threshold is None or not orders:
        return set()
    loaded = intelligence_service.active_model(session)
    if loaded is None:
        return set()
    row, _model = loaded
    dispatched: set[int] = set()
    for order in orders:
        if order.type == OrderType.CONSULTATION:
            continue  # answered at once by the hotline, not dispatched
        suggestion = intelligence_service.suggest(session, order=order)
        intelligence_service.record(session, order=order, suggestions=suggestion, model_id=row.id)
        if not intelligence_service.should_auto_dispatch(suggestion, threshold):
            continue
        top = suggestion.category[0]
        req = ActionRequest(
            action=Action.DISPATCH,
            version=order.version,
            unit=suggestion.dispatch_unit,
            category_code=suggestion.dispatch_category,
            reason=(
                f"自动派单:模型第{row.version}版,分类置信度{top.confidence:.2f},"
                f"承办单位置信度{suggestion.dispatch_confidence:.2f}(阈值{threshold:.2f})"
            ),
        )
        orders_flows.perform(session, order=order, principal=SYSTEM, req=req)
        dispatched.add(order.id)
    return dispatched
