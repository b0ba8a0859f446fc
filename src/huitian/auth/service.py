"""Users, passwords, tokens, API keys and the principal a request acts as."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from huitian.areas import service as areas_service
from huitian.auth.enums import AREA_ROLES, CENTRE_ROLES, UNIT_ROLES, Role
from huitian.auth.models import ApiKey, AppSetting, AuthSession, User
from huitian.auth.schemas import UserCreate, UserUpdate
from huitian.db import utcnow
from huitian.errors import Conflict, NotFound, Unauthorized, Unprocessable
from huitian.units import service as units_service

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-password")


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: a signed-in user or an API key."""

    role: Role
    name: str
    user_id: int | None = None
    unit_id: int | None = None
    area_id: int | None = None
    area_path: str | None = None
    api_key_id: int | None = None

    @property
    def is_centre(self) -> bool:
        return self.role in CENTRE_ROLES

    @property
    def is_unit_member(self) -> bool:
        return self.role in UNIT_ROLES and self.unit_id is not None

    @property
    def is_area_scoped(self) -> bool:
        return self.role in AREA_ROLES


SYSTEM = Principal(role=Role.ADMIN, name="system")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def get_user(session: Session, *, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def get_user_by_username(session: Session, *, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


def create_user(session: Session, *, data: UserCreate) -> User:
    if get_user_by_username(session, username=data.username) is not None:
        raise Conflict(f"username {data.username!r} is taken")
    unit_id, area_id = _resolve_scope(session, role=data.role, unit_code=data.unit, area_code=data.area)
    user = User(
        username=data.username,
        display_name=data.display_name or data.username,
        role=data.role.value,
        unit_id=unit_id,
        area_id=area_id,
        phone=data.phone,
        password_hash=hash_password(data.password),
    )
    session.add(user)
    session.flush()
    return user


def update_user(session: Session, *, user: User, data: UserUpdate) -> User:
    fields = data.model_dump(exclude_unset=True)
    role = Role(fields.get("role", user.role))
    if {"role", "unit", "area"} & fields.keys():
        unit_code = (
            fields["unit"] if "unit" in fields else units_service.code_of(session, unit_id=user.unit_id)
        )
        area_code = (
            fields["area"] if "area" in fields else areas_service.code_of(session, area_id=user.area_id)
        )
        user.unit_id, user.area_id = _resolve_scope(
            session, role=role, unit_code=unit_code, area_code=area_code
        )
        user.role = role.value
    for key in ("display_name", "phone"):
        if key in fields:
            setattr(user, key, fields[key])
    if "password" in fields:
        user.password_hash = hash_password(fields["password"])
        user.token_version += 1
    if "active" in fields:
        user.active = fields["active"]
        user.token_version += 1
    if {"password", "active"} & fields.keys():
        end_sessions_of(session, user_id=user.id)
    session.flush()
    return user


def _resolve_scope(
    session: Session, *, role: Role, unit_code: str | None, area_code: str | None
) -> tuple[int | None, int | None]:
    unit_id = units_service.get_by_code(session, code=unit_code).id if unit_code else None
    area_id = areas_service.get_by_code(session, code=area_code).id if area_code else None
    if role in UNIT_ROLES and unit_id is None:
        raise Unprocessable(f"role {role.value} needs a unit", field="unit")
    if role in AREA_ROLES and area_id is None:
        raise Unprocessable(f"role {role.value} needs an area", field="area")
    return unit_id, area_id


def authenticate(session: Session, *, username: str, password: str) -> User:
    user = get_user_by_username(session, username=username)
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)  # same cost whether or not the user exists
        raise Unauthorized("wrong username or password")
    if not verify_password(user.password_hash, password):
        raise Unauthorized("wrong username or password")
    return user


def principal_for_user(session: Session, *, user: User) -> Principal:
    area_path = areas_service.path_of(session, area_id=user.area_id) if user.area_id else None
    return Principal(
        role=Role(user.role),
        name=user.display_name or user.username,
        user_id=user.id,
        unit_id=user.unit_id,
        area_id=user.area_id,
        area_path=area_path,
    )


# --- installation secret and signed tokens -------------------------------------------------------


def installation_secret(session: Session, *, configured: str | None) -> str:
    """The configured secret, else one generated once and kept in the database."""
    if configured:
        return configured
    row = session.get(AppSetting, "secret_key")
    if row is None:
        row = AppSetting(key="secret_key", value=secrets.token_urlsafe(48))
        session.add(row)
        session.flush()
    return row.value


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="huitian-api-token")


def issue_token(*, secret: str, user: User) -> str:
    return _serializer(secret).dumps({"u": user.id, "v": user.token_version})


def user_from_token(session: Session, *, secret: str, token: str, max_age_s: int) -> User:
    try:
        data = _serializer(secret).loads(token, max_age=max_age_s)
    except SignatureExpired as exc:
        raise Unauthorized("token expired") from exc
    except BadSignature as exc:
        raise Unauthorized("invalid token") from exc
    user = session.get(User, data.get("u"))
    if user is None or not user.active or user.token_version != data.get("v"):
        raise Unauthorized("invalid token")
    return user


# --- browser sessions (server-side, so that signing out ends them) ---------------------------------


def _session_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def start_session(session: Session, *, user_id: int, ttl_s: int) -> str:
    """A new browser session for the user; returns its id, for the signed cookie (only a hash is kept)."""
    sid = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AuthSession(
            key_hash=_session_hash(sid),
            user_id=user_id,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_s),
        )
    )
    session.flush()
    return sid


def end_session(session: Session, *, sid: str | None) -> None:
    """Sign a browser session out: its cookie, replayed, no longer signs anyone in."""
    if not isinstance(sid, str) or not sid:
        return
    session.execute(
        update(AuthSession)
        .where(AuthSession.key_hash == _session_hash(sid), AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def end_sessions_of(session: Session, *, user_id: int) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def purge_sessions(session: Session, *, older_than: timedelta = timedelta(days=30)) -> int:
    """Forget sessions that expired (or were revoked) long ago; how many went."""
    cutoff = utcnow() - older_than
    result = session.execute(
        delete(AuthSession).where((AuthSession.expires_at < cutoff) | (AuthSession.revoked_at < cutoff))
    )
    return result.rowcount or 0


def user_for_session(
    session: Session, *, user_id: int, token_version: int | None, sid: str | None = None
) -> User | None:
    """The user a signed session cookie names, unless its session was signed out or has expired, the
    user was deactivated or their password changed since."""
    if not isinstance(sid, str) or not sid:
        return None  # a cookie without a server-side session (or from before there were any)
    row = session.scalar(select(AuthSession).where(AuthSession.key_hash == _session_hash(sid)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow() or row.user_id != user_id:
        return None
    user = session.get(User, user_id)
    if user is None or not user.active or user.token_version != token_version:
        return None
    return user


# --- API keys --------------------------------------------------------------------------------------


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(
    session: Session, *, name: str, unit_code: str | None = None, role: Role | None = None
) -> tuple[ApiKey, str]:
    """A key with a unit acts as that unit's handler; without, as a hotline-centre operator."""
    unit_id = units_service.get_by_code(session, code=unit_code).id if unit_code else None
    role = role or (Role.HANDLER if unit_id else Role.OPERATOR)
    if role in UNIT_ROLES and unit_id is None:
        raise Unprocessable(f"role {role.value} needs a unit", field="unit")
    if role in AREA_ROLES:
        raise Unprocessable("API keys cannot take an area-scoped role", field="role")
    key = "ht_" + secrets.token_urlsafe(32)
    row = ApiKey(name=name, key_hash=_key_hash(key), prefix=key[:10], role=role.value, unit_id=unit_id)
    session.add(row)
    session.flush()
    return row, key


def list_api_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_api_key(session: Session, *, key_id: int) -> ApiKey:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"API key {key_id} not found")
    row.active = False
    session.flush()
    return row


def principal_from_api_key(session: Session, *, key: str) -> Principal:
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == _key_hash(key)))
    if row is None or not row.active:
        raise Unauthorized("invalid API key")
    return Principal(role=Role(row.role), name=f"apikey:{row.name}", unit_id=row.unit_id, api_key_id=row.id)
