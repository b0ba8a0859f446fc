"""The sign-in pages (/login, /logout, and / sending to the one or the other), the admin console's
landing page (/admin), users and API keys. Templates under web/templates/admin/;
the helpers every admin page uses (the admin-only guard, the console's frame, `submit`) are in web/forms.py.

Routes stay thin: they parse the form, call the same services as the JSON API, commit, and redirect
(or render the form again with each error beside its field)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huitian.areas import service as areas_service
from huitian.auth import service as auth_service
from huitian.auth.deps import OptionalPrincipal, SessionDep, WriteSessionDep
from huitian.auth.enums import Role
from huitian.auth.schemas import ApiKeyCreate, UserCreate, UserUpdate
from huitian.errors import NotFound, Unauthorized, Unprocessable
from huitian.intake import service as intake_service
from huitian.units import service as units_service
from huitian.web.forms import (
    admin_page,
    field_errors,
    found,
    not_found,
    refused,
    stripped,
    submit,
)
from huitian.web.pages import clean, page, safe_next

router = APIRouter(include_in_schema=False)

ROLE_OPTIONS = [(r.value, r.label) for r in Role]


# --- login -----------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return page(request, "login.html", None, {"error": None, "next": safe_next(next), "username": ""})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    username: str = Form(...),
    password: str = Form(...),
    next: str | None = Form(None),
) -> Response:
    try:
        user = auth_service.authenticate(session, username=username, password=password)
    except Unauthorized:
        context = {"error": "用户名或密码错误", "next": safe_next(next), "username": username}
        return page(request, "login.html", None, context, status_code=401)
    # The password was checked on a read session (argon2 is slow: no write lock held meanwhile).
    state = request.app.state
    with state.db.write() as writer:
        sid = auth_service.start_session(writer, user_id=user.id, ttl_s=state.settings.token_ttl_hours * 3600)
        writer.commit()
    request.session.clear()
    request.session.update({"uid": user.id, "tv": user.token_version, "sid": sid})
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, session: WriteSessionDep) -> RedirectResponse:
    auth_service.end_session(session, sid=request.session.get("sid"))
    session.commit()
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home(principal: OptionalPrincipal) -> RedirectResponse:
    return RedirectResponse("/orders" if principal else "/login", status_code=303)


# --- landing -----------------------------------------------------------------------------------------


@router.get("/admin", response_class=HTMLResponse)
def admin_home(request: Request, principal: OptionalPrincipal) -> Response:
    return refused(request, principal) or admin_page(request, principal, "index.html")


# --- users -------------------------------------------------------------------------------------------

USER_FIELDS = ("username", "display_name", "role", "unit", "area", "phone")


def _users_page(request, principal, session, *, values=None, errors=None, status_code=200) -> Response:
    units = units_service.directory(session)
    areas = {a.id: a for a in _areas(session)}
    context = {
        "users": auth_service.list_users(session),
        "unit_of": {i: f"{u.name}({u.code})" for i, u in units.items()},
        "area_of": {i: f"{a.name}({a.code})" for i, a in areas.items()},
        "role_options": ROLE_OPTIONS,
        "unit_options": units_service.select_options(session),
        "area_codes": [(a.code, a.name) for a in areas.values()],
        "values": values or {"role": Role.HANDLER.value},
        "errors": errors or {},
    }
    return admin_page(request, principal, "users.html", context, status_code)


def _areas(session):
    return areas_service.list_areas(session)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    return refused(request, principal) or _users_page(request, principal, session)


@router.post("/admin/users")
def create_user(
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    username: str | None = Form(None),
    display_name: str | None = Form(None),
    role: str | None = Form(None),
    unit: str | None = Form(None),
    area: str | None = Form(None),
    phone: str | None = Form(None),
    password: str | None = Form(None),
) -> Response:
    if no := refused(request, principal):
        return no
    values = clean(
        {"username": username, "display_name": display_name, "role": role, "unit": unit, "area": area}
        | {"phone": phone}
    )
    return submit(
        session,
        lambda: auth_service.create_user(
            session, data=UserCreate.model_validate({**values, "password": password or ""})
        ),
        ok="/admin/users",
        again=lambda errors, status: _users_page(
            request, principal, session, values=values, errors=errors, status_code=status
        ),
        # The only domain error without a field is a name already taken.
        errors=lambda exc: field_errors(exc, default="username"),
    )


def _user_page(request, principal, session, user, *, values=None, errors=None, status_code=200, done=None):
    current = {
        "display_name": user.display_name,
        "role": user.role,
        "unit": units_service.code_of(session, unit_id=user.unit_id) or "",
        "area": areas_service.code_of(session, area_id=user.area_id) or "",
        "phone": user.phone or "",
        "active": "1" if user.active else "0",
    }
    context = {
        "user": user,
        "role_options": ROLE_OPTIONS,
        "unit_options": units_service.select_options(session),
        "area_codes": [(a.code, a.name) for a in _areas(session)],
        "values": {**current, **(values or {})},
        "errors": errors or {},
        "done": done,
    }
    return admin_page(request, principal, "user.html", context, status_code)


def _user_or_404(request, principal, session, user_id: int):
    return found(
        request, principal, lambda: auth_service.get_user(session, user_id=user_id), f"未找到用户 {user_id}。"
    )


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def user_page(user_id: int, request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    if no := refused(request, principal):
        return no
    user, missing = _user_or_404(request, principal, session, user_id)
    return missing or _user_page(request, principal, session, user)


@router.post("/admin/users/{user_id}")
def update_user(
    user_id: int,
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    display_name: str | None = Form(None),
    role: str | None = Form(None),
    unit: str | None = Form(None),
    area: str | None = Form(None),
    phone: str | None = Form(None),
    active: str | None = Form(None),
) -> Response:
    if no := refused(request, principal):
        return no
    user, missing = _user_or_404(request, principal, session, user_id)
    if missing:
        return missing
    values = stripped(display_name=display_name, role=role, unit=unit, area=area, phone=phone, active=active)
    # An empty unit, area or phone clears it; an empty name or role leaves it as it is.
    body: dict = {k: values[k] or None for k in ("unit", "area", "phone")}
    body |= {k: values[k] for k in ("display_name", "role") if values[k]}
    body["active"] = {"1": True, "0": False}.get(values["active"], user.active)

    def save() -> None:
        data = UserUpdate.model_validate(body)
        if user.id == principal.user_id and (not data.active or (data.role and data.role != Role.ADMIN)):
            raise Unprocessable("不能停用自己的账号或取消自己的管理员角色", field="active")
        auth_service.update_user(session, user=user, data=data)

    return submit(
        session,
        save,
        ok=f"/admin/users/{user_id}",
        again=lambda errors, status: _user_page(
            request,
            principal,
            session,
            auth_service.get_user(session, user_id=user_id),
            values=values,
            errors=errors,
            status_code=status,
        ),
    )


@router.post("/admin/users/{user_id}/password")
def reset_password(
    user_id: int,
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    password: str | None = Form(None),
) -> Response:
    if no := refused(request, principal):
        return no
    user, missing = _user_or_404(request, principal, session, user_id)
    if missing:
        return missing
    return submit(
        session,
        lambda: auth_service.update_user(
            session, user=user, data=UserUpdate.model_validate({"password": password or ""})
        ),
        ok=lambda _: _user_page(
            request, principal, session, user, done="密码已重置,该用户已登录的会话全部失效。"
        ),
        again=lambda errors, _: _user_page(
            request,
            principal,
            session,
            auth_service.get_user(session, user_id=user_id),
            errors=errors,
            status_code=422,
        ),
    )


# --- API keys ----------------------------------------------------------------------------------------


def _keys_page(request, principal, session, *, values=None, errors=None, created=None, status_code=200):
    units = units_service.directory(session)
    context = {
        "keys": auth_service.list_api_keys(session),
        "unit_of": {i: f"{u.name}({u.code})" for i, u in units.items()},
        "unit_options": units_service.select_options(session, blank="(不代表单位)"),
        "key_role_options": [(r.value, r.label) for r in (Role.OPERATOR, Role.HANDLER, Role.UNIT_LEAD)],
        "values": values or {},
        "errors": errors or {},
        "created": created,
        "open311_public_read": intake_service.public_read(session),
    }
    return admin_page(request, principal, "apikeys.html", context, status_code)


@router.get("/admin/apikeys", response_class=HTMLResponse)
def keys_page(request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    return refused(request, principal) or _keys_page(request, principal, session)


@router.post("/admin/apikeys")
def create_key(
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    name: str | None = Form(None),
    unit: str | None = Form(None),
    role: str | None = Form(None),
) -> Response:
    if no := refused(request, principal):
        return no
    values = clean({"name": name, "unit": unit, "role": role})

    def save():
        data = ApiKeyCreate.model_validate({"name": "", **values})
        row, key = auth_service.create_api_key(session, name=data.name, unit_code=data.unit, role=data.role)
        return {"name": row.name, "key": key}

    return submit(
        session,
        save,
        # The key is shown on this response only: only its hash is kept.
        ok=lambda created: _keys_page(request, principal, session, created=created),
        again=lambda errors, status: _keys_page(
            request, principal, session, values=values, errors=errors, status_code=status
        ),
    )


@router.post("/admin/apikeys/open311")
def set_open311_reading(
    request: Request, principal: OptionalPrincipal, session: WriteSessionDep, public_read: str = Form("")
) -> Response:
    """The jurisdiction's Open311 reading: anonymous callers get coarse views (on) or a 403 (off)."""
    if no := refused(request, principal):
        return no
    intake_service.set_public_read(session, enabled=public_read == "on")
    session.commit()
    return RedirectResponse("/admin/apikeys", status_code=303)


@router.post("/admin/apikeys/{key_id}/revoke")
def revoke_key(
    key_id: int, request: Request, principal: OptionalPrincipal, session: WriteSessionDep
) -> Response:
    if no := refused(request, principal):
        return no
    try:
        auth_service.revoke_api_key(session, key_id=key_id)
        session.commit()
    except NotFound:
        return not_found(request, principal, f"未找到接口密钥 {key_id}。")
    return RedirectResponse("/admin/apikeys", status_code=303)
