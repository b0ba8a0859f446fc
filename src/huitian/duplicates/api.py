"""Duplicate candidates of an order, for the hotline centre; merging is the orders `merge` action."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from huitian.auth.deps import CurrentPrincipal, SessionDep
from huitian.duplicates import service as duplicates_service
from huitian.duplicates.schemas import DuplicateCandidate, DuplicatesRead, Reason
from huitian.orders import service as orders_service

router = APIRouter(prefix="/api/v1", tags=["duplicates"])


@router.get("/orders/{ref}/duplicates", response_model=DuplicatesRead)
def order_duplicates(
    ref: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    threshold: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
) -> DuplicatesRead:
    """Open orders that may be about the same matter (operators and admins); merge with action `merge`."""
    order, found = duplicates_service.find_duplicates(
        session, principal=principal, ref=ref, limit=limit, threshold=threshold
    )
    titles = orders_service.titles(session, orders=[f.order for f in found], principal=principal)
    return DuplicatesRead(
        order=orders_service.public_number(order),
        candidates=[
            DuplicateCandidate(
                id=f.order.id,
                number=orders_service.public_number(f.order),
                title=titles[f.order.id],
                status=f.order.status,
                score=f.candidate.score,
                text_similarity=f.candidate.text_similarity,
                distance_m=f.candidate.distance_m,
                hours_apart=f.candidate.hours_apart,
                reasons=[
                    Reason(code=r, label=duplicates_service.reason_label(r)) for r in f.candidate.reasons
                ],
            )
            for f in found
        ],
    )
