"""Tokens, the current principal, users and API keys."""

from __future__ import annotations

from fastapi import APIRouter, Request

from huitian.auth import service as auth_service
from huitian.auth.deps import AdminPrincipal, CurrentPrincipal, SessionDep, WriteSessionDep
from huitian.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    Me,
    TokenRequest,
    TokenResponse,
    UserCreate,
    UserRead,
    UserUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/token", response_model=TokenResponse)
def token(body: TokenRequest, request: Request, session: SessionDep) -> TokenResponse:
    user = auth_service.authenticate(session, username=body.username, password=body.password)
    state = request.app.state
    return TokenResponse(
        access_token=auth_service.issue_token(secret=state.secret, user=user),
        expires_in=state.settings.token_ttl_hours * 3600,
    )


@router.get("/me", response_model=Me)
def me(principal: CurrentPrincipal) -> Me:
    return Me(
        name=principal.name,
        role=principal.role.value,
        role_label=principal.role.label,
        user_id=principal.user_id,
        unit_id=principal.unit_id,
        area_path=principal.area_path,
    )


@router.get("/users", response_model=list[UserRead])
def list_users(_: AdminPrincipal, session: SessionDep) -> list:
    return auth_service.list_users(session)


@router.post("/users", response_model=UserRead, status_code=201)
def create_user(body: UserCreate, _: AdminPrincipal, session: WriteSessionDep):
    user = auth_service.create_user(session, data=body)
    session.commit()
    return user


@router.get("/users/{user_id}", response_model=UserRead)
def get_user(user_id: int, _: AdminPrincipal, session: SessionDep):
    return auth_service.get_user(session, user_id=user_id)


@router.patch("/users/{user_id}", response_model=UserRead)
def update_user(user_id: int, body: UserUpdate, _: AdminPrincipal, session: WriteSessionDep):
    user = auth_service.update_user(session, user=auth_service.get_user(session, user_id=user_id), data=body)
    session.commit()
    return user


@router.get("/apikeys", response_model=list[ApiKeyRead])
def list_api_keys(_: AdminPrincipal, session: SessionDep) -> list:
    return auth_service.list_api_keys(session)


@router.post("/apikeys", response_model=ApiKeyCreated, status_code=201)
def create_api_key(body: ApiKeyCreate, _: AdminPrincipal, session: WriteSessionDep) -> ApiKeyCreated:
    row, key = auth_service.create_api_key(session, name=body.name, unit_code=body.unit, role=body.role)
    session.commit()
    return ApiKeyCreated(**ApiKeyRead.model_validate(row).model_dump(), key=key)


@router.delete("/apikeys/{key_id}", response_model=ApiKeyRead)
def revoke_api_key(key_id: int, _: AdminPrincipal, session: WriteSessionDep):
    row = auth_service.revoke_api_key(session, key_id=key_id)
    session.commit()
    return row
