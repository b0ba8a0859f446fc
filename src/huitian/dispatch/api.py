"""The routing catalogue (派单目录): admins edit it; the hotline centre reads it and previews a route."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from huitian.areas import service as areas_service
from huitian.auth.deps import AdminPrincipal, CurrentPrincipal, SessionDep, WriteSessionDep
from huitian.auth.service import Principal
from huitian.categories import service as categories_service
from huitian.dispatch import service as dispatch_service
from huitian.dispatch.schemas import RouteRead, RuleChangeRead, RuleCreate, RuleRead, RuleUpdate
from huitian.errors import Forbidden, NotFound, Unprocessable

router = APIRouter(prefix="/api/v1/dispatch", tags=["dispatch"])


def require_centre(principal: CurrentPrincipal) -> Principal:
    if not principal.is_centre:
        raise Forbidden("operator or admin role required")
    return principal


CentrePrincipal = Annotated[Principal, Depends(require_centre)]


@router.get("/rules", response_model=list[RuleRead])
def list_rules(
    _: CentrePrincipal,
    session: SessionDep,
    active: bool | None = None,
    category: str | None = None,
    area: str | None = None,
) -> list[RuleRead]:
    rules = dispatch_service.list_rules(session, active=active, category=category, area=area)
    return [dispatch_service.read_rule(session, rule=r) for r in rules]


@router.post("/rules", response_model=RuleRead, status_code=201)
def create_rule(body: RuleCreate, principal: AdminPrincipal, session: WriteSessionDep) -> RuleRead:
    rule = dispatch_service.create_rule(session, data=body, principal=principal)
    out = dispatch_service.read_rule(session, rule=rule)
    session.commit()
    return out


@router.get("/rules/{rule_id}", response_model=RuleRead)
def get_rule(rule_id: int, _: CentrePrincipal, session: SessionDep) -> RuleRead:
    return dispatch_service.read_rule(session, rule=dispatch_service.get_rule(session, rule_id=rule_id))


@router.patch("/rules/{rule_id}", response_model=RuleRead)
def update_rule(
    rule_id: int, body: RuleUpdate, principal: AdminPrincipal, session: WriteSessionDep
) -> RuleRead:
    rule = dispatch_service.get_rule(session, rule_id=rule_id)
    dispatch_service.update_rule(session, rule=rule, data=body, principal=principal)
    out = dispatch_service.read_rule(session, rule=rule)
    session.commit()
    return out


@router.post("/rules/{rule_id}/deactivate", response_model=RuleRead)
def deactivate_rule(rule_id: int, principal: AdminPrincipal, session: WriteSessionDep) -> RuleRead:
    rule = dispatch_service.get_rule(session, rule_id=rule_id)
    dispatch_service.deactivate_rule(session, rule=rule, principal=principal)
    out = dispatch_service.read_rule(session, rule=rule)
    session.commit()
    return out


@router.get("/rules/{rule_id}/history", response_model=list[RuleChangeRead])
def rule_history(rule_id: int, _: AdminPrincipal, session: SessionDep) -> list[RuleChangeRead]:
    dispatch_service.get_rule(session, rule_id=rule_id)
    return [dispatch_service.read_change(c) for c in dispatch_service.history(session, rule_id=rule_id)]


@router.get("/history", response_model=list[RuleChangeRead])
def catalogue_history(_: AdminPrincipal, session: SessionDep) -> list[RuleChangeRead]:
    return [dispatch_service.read_change(c) for c in dispatch_service.history(session)]


@router.get("/route", response_model=RouteRead)
def preview_route(
    _: CentrePrincipal, session: SessionDep, category: str | None = None, area: str | None = None
):
    """Where an order of this category in this area would go, and why."""
    category_id = _category_id(session, category)
    area_path = _area_path(session, area)
    return dispatch_service.route_read(
        dispatch_service.route(session, category_id=category_id, area_path=area_path)
    )


def _category_id(session, code: str | None) -> int | None:
    if not code:
        return None
    try:
        return categories_service.get_by_code(session, code=code).id
    except NotFound as exc:
        raise Unprocessable(exc.message, field="category") from exc


def _area_path(session, code: str | None) -> str | None:
    if not code:
        return None
    try:
        return areas_service.get_by_code(session, code=code).path
    except NotFound as exc:
        raise Unprocessable(exc.message, field="area") from exc
