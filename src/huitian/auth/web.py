"""The admin console's landing page (/admin), users and API keys; and the helpers every admin page uses
(the admin-only guard, field errors next to their fields). Templates under web/templates/admin/.

Routes stay thin: they parse the form, call the same services as the JSON API, commit, and redirect
(or render the form again with each error beside its field)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from huitian.areas import service as areas_service
from huitian.auth import service as auth_service
from huitian.auth.deps import OptionalPrincipal, SessionDep, WriteSessionDep
from huitian.auth.enums import Role
from huitian.auth.schemas import ApiKeyCreate, UserCreate, UserUpdate
from huitian.auth.service import Principal
from huitian.errors import DomainError, NotFound, Unprocessable
from huitian.units import service as units_service
from huitian.web.web import clean, error_message, page, to_login

router = APIRouter(include_in_schema=False)

# The admin console's sections, in the order of its menu: (path, title, what it is for).
SECTIONS = [
    ("/admin/areas", "区域", "区—街道/镇—社区—网格,人口,边界地图,导入 GeoJSON"),
    ("/admin/units", "承办单位", "单位及其管辖区域"),
    ("/admin/categories", "诉求分类", "三级分类,办理时限类别,派单单位提示"),
    ("/admin/routing", "派单目录", "分类 × 区域 → 承办单位,以及每次修改的记录"),
    ("/admin/models", "派单模型", "分类与承办单位模型的版本、评估、回滚,自动派单阈值"),
    ("/admin/sla", "办理时限与工作日历", "各类时限,节假日与调休上班日"),
    ("/admin/users", "用户与角色", "账号、角色、单位/区域范围,停用,重置密码"),
    ("/admin/apikeys", "接口密钥", "对接系统的 API 密钥:创建(仅显示一次)、吊销"),
]

# Pydantic's error types in Chinese (the message shown beside the field); others keep pydantic's text.
_PYDANTIC_ZH = {
    "missing": "必填",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "只能使用字母、数字、下划线(_)和连字符(-)",
    "enum": "请从列表中选择",
    "int_parsing": "须为整数",
    "int_from_float": "须为整数",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "bool_parsing": "请选择是或否",
    "extra_forbidden": "不接受此字段",
}


def refused(request: Request, principal: Principal | None) -> Response | None:
    """None for an admin; else the login redirect (anonymous) or a 403 page (any other role)."""
    if principal is None:
        return to_login(request)
    if principal.role != Role.ADMIN:
        return page(request, "error.html", principal, {"message": "系统管理页面仅供系统管理员使用。"}, 403)
    return None


def field_errors(exc: ValidationError | DomainError, default: str = "_") -> dict[str, str]:
    """{field: message} for the form: pydantic's errors by their first location, a domain error under
    its field (or `default`: "_" for the form as a whole)."""
    if isinstance(exc, DomainError):
        return {exc.field or default: error_message(exc)}
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ()) if str(x) != "__root__"]
        key = loc[0] if loc else "_"
        template = _PYDANTIC_ZH.get(err.get("type", ""))
        try:
            text = template.format(**(err.get("ctx") or {})) if template else str(err.get("msg", ""))
        except (KeyError, IndexError):
            text = str(err.get("msg", ""))
        out.setdefault(key, text)
    return out


def admin_page(
    request: Request,
    principal: Principal,
    name: str,
    context: dict | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """An admin template with the console's menu; `errors` and `values` default to empty."""
    ctx = {"sections": SECTIONS, "errors": {}, "values": {}, **(context or {})}
    return page(request, f"admin/{name}", principal, ctx, status_code=status_code)


def error_status(errors: dict[str, str], exc: ValidationError | DomainError) -> int:
    """409 for a clash (a code already taken), 422 for anything else wrong in the form."""
    return 409 if isinstance(exc, DomainError) and exc.status_code == 409 else 422


def unit_options(session, blank: str = "(无)") -> list[tuple[str, str]]:
    """("", blank) then every unit as (code, "name(code)"), for a <select>; inactive units are marked
    (a user may still belong to one; the services refuse them where they must)."""
    units = [
        (u.code, f"{u.name}({u.code})" + ("(已停用)" if not u.active else ""))
        for u in units_service.list_units(session)
    ]
    return [("", blank), *units]


ROLE_OPTIONS = [(r.value, r.label) for r in Role]


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
        "unit_options": unit_options(session),
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
    try:
        data = UserCreate.model_validate({**values, "password": password or ""})
        auth_service.create_user(session, data=data)
        session.commit()
    except (ValidationError, DomainError) as exc:
        session.rollback()
        errors = field_errors(exc, default="username")  # the only error without a field: name taken
        return _users_page(
            request, principal, session, values=values, errors=errors, status_code=error_status(errors, exc)
        )
    return RedirectResponse("/admin/users", status_code=303)


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
        "unit_options": unit_options(session),
        "area_codes": [(a.code, a.name) for a in _areas(session)],
        "values": {**current, **(values or {})},
        "errors": errors or {},
        "done": done,
    }
    return admin_page(request, principal, "user.html", context, status_code)


def _user_or_404(request, principal, session, user_id: int):
    try:
        return auth_service.get_user(session, user_id=user_id), None
    except NotFound:
        return None, page(request, "error.html", principal, {"message": f"未找到用户 {user_id}。"}, 404)


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
    values = {
        "display_name": (display_name or "").strip(),
        "role": (role or "").strip(),
        "unit": (unit or "").strip(),
        "area": (area or "").strip(),
        "phone": (phone or "").strip(),
        "active": (active or "").strip(),
    }
    # An empty unit, area or phone clears it; an empty name or role leaves it as it is.
    body: dict = {k: values[k] or None for k in ("unit", "area", "phone")}
    body |= {k: values[k] for k in ("display_name", "role") if values[k]}
    body["active"] = {"1": True, "0": False}.get(values["active"], user.active)
    try:
        data = UserUpdate.model_validate(body)
        if user.id == principal.user_id and (not data.active or (data.role and data.role != Role.ADMIN)):
            raise Unprocessable("不能停用自己的账号或取消自己的管理员角色", field="active")
        auth_service.update_user(session, user=user, data=data)
        session.commit()
    except (ValidationError, DomainError) as exc:
        session.rollback()
        errors = field_errors(exc)
        user = auth_service.get_user(session, user_id=user_id)
        return _user_page(
            request,
            principal,
            session,
            user,
            values=values,
            errors=errors,
            status_code=error_status(errors, exc),
        )
    return RedirectResponse(f"/admin/users/{user_id}", status_code=303)


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
    try:
        data = UserUpdate.model_validate({"password": password or ""})
        auth_service.update_user(session, user=user, data=data)
        session.commit()
    except (ValidationError, DomainError) as exc:
        session.rollback()
        errors = field_errors(exc)
        user = auth_service.get_user(session, user_id=user_id)
        return _user_page(request, principal, session, user, errors=errors, status_code=422)
    return _user_page(request, principal, session, user, done="密码已重置,该用户已登录的会话全部失效。")


# --- API keys ----------------------------------------------------------------------------------------


def _keys_page(request, principal, session, *, values=None, errors=None, created=None, status_code=200):
    units = units_service.directory(session)
    context = {
        "keys": auth_service.list_api_keys(session),
        "unit_of": {i: f"{u.name}({u.code})" for i, u in units.items()},
        "unit_options": unit_options(session, blank="(不代表单位)"),
        "key_role_options": [(r.value, r.label) for r in (Role.OPERATOR, Role.HANDLER, Role.UNIT_LEAD)],
        "values": values or {},
        "errors": errors or {},
        "created": created,
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
    try:
        data = ApiKeyCreate.model_validate({"name": "", **values})
        row, key = auth_service.create_api_key(session, name=data.name, unit_code=data.unit, role=data.role)
        session.commit()
    except (ValidationError, DomainError) as exc:
        session.rollback()
        errors = field_errors(exc)
        return _keys_page(
            request, principal, session, values=values, errors=errors, status_code=error_status(errors, exc)
        )
    # The key is shown on this response only: only its hash is kept.
    return _keys_page(request, principal, session, created={"name": row.name, "key": key})


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
        return page(request, "error.html", principal, {"message": f"未找到接口密钥 {key_id}。"}, 404)
    return RedirectResponse("/admin/apikeys", status_code=303)
