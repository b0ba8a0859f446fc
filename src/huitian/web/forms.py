"""What every form page shares: the admin console's guard and frame, errors next to their fields, and one
way to handle a submitted form (`submit`): save and commit, then redirect; or roll back and show the
form again with each error beside its field. The admin pages (auth, units, categories, dispatch, areas,
sla) and the plans pages use it, so their POST handlers all read the same:

    @router.post("/admin/units/{code}")
    def update_unit(code: str, request: Request, principal: OptionalPrincipal, session: WriteSessionDep,
                    name: str | None = Form(None)) -> Response:
        if no := refused(request, principal):
            return no
        unit, missing = found(request, principal, lambda: get_unit(session, code), f"未找到单位 {code}。")
        if missing:
            return missing
        values = {"name": (name or "").strip()}
        return submit(
            session,
            lambda: update(session, unit=unit, data=UnitUpdate.model_validate(values)),
            ok=f"/admin/units/{code}",
            again=lambda errors, status: _form(request, principal, session, unit=unit, values=values,
                                               errors=errors, status_code=status),
        )

A page that reads errors its own way passes `errors=` and `status=`: `one_message` and `own_status` for
pages that show one error line with the domain error's own status (hotline, proactive); the plans pages
keep pydantic's text, and answer a 404 page from `again` when the status is 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from huitian.errors import DomainError, NotFound
from huitian.web.pages import error_message, page, to_login, validation_message

T = TypeVar("T")
Principal = Any  # the signed-in user as the route's auth dependency gives it (anything with a .role)
Failure = ValidationError | DomainError

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


def stripped(**fields: str | None) -> dict[str, str]:
    """The form's fields trimmed, a missing one as "" (where `clean` leaves empty ones out)."""
    return {name: (value or "").strip() for name, value in fields.items()}


def refused(request: Request, principal: Principal | None) -> Response | None:
    """None for an admin; else the login redirect (anonymous) or a 403 page (any other role)."""
    if principal is None:
        return to_login(request)
    if principal.role != "admin":  # auth's Role.ADMIN (a StrEnum)
        return page(request, "error.html", principal, {"message": "系统管理页面仅供系统管理员使用。"}, 403)
    return None


def not_found(request: Request, principal: Principal | None, message: str) -> HTMLResponse:
    """The error page saying `message`, status 404."""
    return page(request, "error.html", principal, {"message": message}, 404)


def found(
    request: Request, principal: Principal | None, get: Callable[[], T], message: str
) -> tuple[T, None] | tuple[None, HTMLResponse]:
    """(what `get` returns, None), or (None, the 404 page saying `message`) when it raises NotFound."""
    try:
        return get(), None
    except NotFound:
        return None, not_found(request, principal, message)


def field_errors(exc: Failure, default: str = "_") -> dict[str, str]:
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


def one_message(exc: Failure) -> dict[str, str]:
    """The form's one error line under "_", for pages that show a single message rather than one per field."""
    return {"_": validation_message(exc) if isinstance(exc, ValidationError) else error_message(exc)}


def own_status(exc: Failure) -> int:
    """The domain error's own status (404 when out of sight, 409 for a clash), 422 for a bad field."""
    return exc.status_code if isinstance(exc, DomainError) else 422


def error_status(exc: Failure) -> int:
    """409 for a clash (a code already taken), 422 for anything else wrong in the form."""
    return 409 if isinstance(exc, DomainError) and exc.status_code == 409 else 422


def submit(
    session: Session,
    save: Callable[[], T],
    *,
    ok: str | Callable[[T], str | Response],
    again: Callable[[dict[str, str], int], Response],
    errors: Callable[[Failure], dict[str, str]] = field_errors,
    status: Callable[[Failure], int] = error_status,
) -> Response:
    """Run `save` (validate the form's body, call the service) and commit, then answer `ok`: a URL to
    redirect to (303), or a function of what `save` returned giving that URL or a whole response.

    When `save` raises a ValidationError or a DomainError nothing is kept (rollback) and the answer is
    `again(errors, status)`: the form shown again with {field: message} and its status, by default
    `field_errors` and `error_status` (409 for a clash, 422 otherwise). Any other exception goes up."""
    try:
        result = save()
        session.commit()
    except (ValidationError, DomainError) as exc:
        session.rollback()
        return again(errors(exc), status(exc))
    answer = ok(result) if callable(ok) else ok
    return RedirectResponse(answer, status_code=303) if isinstance(answer, str) else answer


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
