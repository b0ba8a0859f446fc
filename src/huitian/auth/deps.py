"""FastAPI dependency aliases: sessions, the current principal, role guards."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from huitian.auth import service as auth_service
from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.errors import Forbidden, Unauthorized
from huitian.lib.ttlcache import TTLCache

# Verified bearer tokens → principal, briefly: a token is checked against its user (active, token
# version) at most every 10 s per process instead of on every request.
_token_principals: TTLCache[Principal] = TTLCache(ttl_s=10.0)
_key_principals: TTLCache[Principal] = TTLCache(ttl_s=10.0)


# Async generators on purpose: making a Session does no I/O (it connects on first use, in the route's
# thread), and FastAPI would otherwise spend two thread-pool hops per request entering and leaving it.
async def get_read_session(request: Request) -> AsyncIterator[Session]:
    with request.app.state.db.read() as session:
        yield session


async def get_write_session(request: Request) -> AsyncIterator[Session]:
    with request.app.state.db.write() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_read_session)]
WriteSessionDep = Annotated[Session, Depends(get_write_session)]


def _principal(request: Request, session: Session) -> Principal | None:
    state = request.app.state
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()

        def verify() -> Principal:
            user = auth_service.user_from_token(
                session, secret=state.secret, token=token, max_age_s=state.settings.token_ttl_hours * 3600
            )
            return auth_service.principal_for_user(session, user=user)

        return _token_principals.get((id(state), token), verify)
    key = request.headers.get("x-api-key")
    if key:
        return _key_principals.get(
            (id(state), key), lambda: auth_service.principal_from_api_key(session, key=key)
        )
    user_id = request.session.get("uid") if "session" in request.scope else None
    if user_id is not None:
        user = auth_service.user_for_session(
            session, user_id=user_id, token_version=request.session.get("tv"), sid=request.session.get("sid")
        )
        if user is not None:
            return auth_service.principal_for_user(session, user=user)
    return None


def _cached(request: Request) -> Principal | None:
    """The principal from the per-process caches, without touching the database; None on a miss."""
    state = request.app.state
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return _token_principals.peek((id(state), header[7:].strip()))
    key = request.headers.get("x-api-key")
    return _key_principals.peek((id(state), key)) if key else None


def _principal_from_db(request: Request) -> Principal | None:
    with request.app.state.db.read() as session:
        return _principal(request, session)


async def optional_principal(request: Request) -> Principal | None:
    # Async so that the common case (a cached token) costs no thread-pool hop and no session; a miss
    # goes to a thread with a session of its own.
    cached = _cached(request)
    if cached is not None:
        return cached
    return await run_in_threadpool(_principal_from_db, request)


async def current_principal(request: Request) -> Principal:
    principal = await optional_principal(request)
    if principal is None:
        raise Unauthorized("authentication required: bearer token, X-API-Key or a signed-in session")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def require_admin(principal: CurrentPrincipal) -> Principal:
    if principal.role != Role.ADMIN:
        raise Forbidden("admin role required")
    return principal


AdminPrincipal = Annotated[Principal, Depends(require_admin)]
