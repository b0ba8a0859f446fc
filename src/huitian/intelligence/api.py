"""Suggestions for operators; model versions (train, list, activate / roll back) and settings for admins."""

from __future__ import annotations

from fastapi import APIRouter

from huitian.areas import service as areas_service
from huitian.auth.deps import AdminPrincipal, CurrentPrincipal, SessionDep, WriteSessionDep
from huitian.errors import Forbidden
from huitian.intelligence import placement as intelligence_placement
from huitian.intelligence import service as intelligence_service
from huitian.intelligence.schemas import (
    CorrectionRead,
    ModelRead,
    ModelTrain,
    SettingsRead,
    SuggestedCategory,
    SuggestedUnit,
    SuggestionsRead,
)
from huitian.orders import service as orders_service

router = APIRouter(prefix="/api/v1", tags=["intelligence"])


@router.get("/orders/{ref}/suggestions", response_model=SuggestionsRead)
def order_suggestions(ref: str, principal: CurrentPrincipal, session: WriteSessionDep) -> SuggestionsRead:
    """Top three categories and units for an order (the hotline centre only). What was shown is kept,
    so that a dispatch with another category counts as a correction."""
    if not principal.is_centre:
        raise Forbidden("operator or admin role required")
    order = orders_service.get_for(session, principal=principal, ref=ref)
    found = intelligence_service.suggest(session, order=order)
    loaded = intelligence_service.active_model(session)
    intelligence_service.record(
        session, order=order, suggestions=found, model_id=loaded[0].id if loaded else None
    )
    threshold = intelligence_service.auto_dispatch_threshold(session)
    session.commit()
    return SuggestionsRead(
        category=[
            SuggestedCategory(code=c.code, name=c.name, confidence=c.confidence) for c in found.category
        ],
        unit=[
            SuggestedUnit(code=u.code, name=u.name, confidence=u.confidence, reason=u.reason)
            for u in found.unit
        ],
        model_version=found.model_version,
        unit_model_version=found.unit_model_version,
        dispatch_unit=found.dispatch_unit,
        auto_dispatch=intelligence_service.should_auto_dispatch(found, threshold),
    )


@router.post("/intelligence/models", response_model=ModelRead, status_code=201)
def train_model(principal: AdminPrincipal, session: WriteSessionDep, body: ModelTrain | None = None):
    """Train a category or unit model now from the closed orders (synchronous; the worker job
    `intelligence.retrain` does this by itself when enough new data came in)."""
    body = body or ModelTrain()
    row = intelligence_service.train(session, principal=principal, activate=body.activate, target=body.target)
    session.commit()
    return row


@router.get("/intelligence/models", response_model=list[ModelRead])
def list_models(_: AdminPrincipal, session: SessionDep, target: str = "category"):
    return intelligence_service.list_models(session, target=target)


@router.post("/intelligence/models/{model_id}/activate", response_model=ModelRead)
def activate_model(model_id: int, _: AdminPrincipal, session: WriteSessionDep):
    """Make this version the active one; activating an older version rolls back."""
    row = intelligence_service.activate_model(session, model_id=model_id)
    session.commit()
    return row


@router.get("/intelligence/corrections", response_model=list[CorrectionRead])
def list_corrections(_: AdminPrincipal, session: SessionDep):
    return [
        CorrectionRead(order_id=o, suggested=s, final=f)
        for o, s, f in intelligence_service.corrections(session)
    ]


@router.get("/intelligence/settings", response_model=SettingsRead)
def get_settings(_: AdminPrincipal, session: SessionDep) -> SettingsRead:
    return SettingsRead(auto_dispatch_threshold=intelligence_service.auto_dispatch_threshold(session))


@router.put("/intelligence/settings", response_model=SettingsRead)
def put_settings(body: SettingsRead, _: AdminPrincipal, session: WriteSessionDep) -> SettingsRead:
    value = intelligence_service.set_auto_dispatch_threshold(session, threshold=body.auto_dispatch_threshold)
    session.commit()
    return SettingsRead(auto_dispatch_threshold=value)


@router.post("/intelligence/placement/backfill")
def place_unplaced(_: AdminPrincipal, session: WriteSessionDep) -> dict[str, int]:
    """Place every order without a point and without an area from its address text (after new area
    names were added, or for imports made before); each placed order gets an event."""
    areas_service.invalidate_places()
    placed = intelligence_placement.place_unplaced(session)
    session.commit()
    return {"placed": placed}
