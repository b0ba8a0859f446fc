"""The page toolkit every domain's web.py uses: the templates (web/templates/, partials named _x.html), a
page with its frame, the login redirect, safe `next=` targets, form fields trimmed, and domain or pydantic
errors as one Chinese line. It imports no domain: the principal is whatever the route's auth dependency
gave (anything with a `.role`), or None for an anonymous visitor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from huitian.errors import Conflict, DomainError
from huitian.web import render

TEMPLATES_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.filters.update(render.JINJA_FILTERS)
templates.env.globals.update(render.JINJA_GLOBALS)

FIELD_LABELS = {
    "type": "类型",
    "title": "标题",
    "description": "诉求内容",
    "address": "地址",
    "category_code": "分类代码",
    "citizen_name": "诉求人姓名",
    "citizen_phone": "联系电话",
    "lat": "纬度",
    "lon": "经度",
    "priority": "紧急程度",
    "action": "操作",
    "version": "版本",
    "unit": "单位",
    "task": "任务",
    "reason": "原因",
    "note": "联系记录",
    "text": "内容",
    "days": "延期工作日",
    "approve": "审批结果",
    "resolved": "是否解决",
    "satisfaction": "满意度",
    "comment": "评价",
    "into": "并入工单号",
    "outcome": "办结结果",
    "photos": "照片",
    "status": "状态",
    "channel": "渠道",
    "area": "区域代码",
    "category": "分类代码",
    "overdue": "超时",
    "q": "关键词",
    "created_from": "起始日期",
    "created_to": "截止日期",
    "sort": "排序",
    "page": "页码",
}
_STATUS_HEADLINES = {
    403: "无权执行此操作",
    404: "未找到",
    409: "当前状态不允许此操作",
    422: "填写的内容不完整或有误",
}


def page(
    request: Request,
    name: str,
    principal: Any | None,
    context: dict | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The template `name` in the site's frame; `principal` (None: anonymous) is the signed-in user."""
    ctx = {
        "principal": principal,
        "role_label": render.role_label(principal.role) if principal else "",
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def safe_next(value: str | None) -> str:
    """Only same-site paths: never an open redirect."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/orders"


def error_message(exc: DomainError) -> str:
    """The domain's message under a Chinese headline (stale versions get their own sentence)."""
    if isinstance(exc, Conflict) and exc.field == "version":
        current = exc.extra.get("current_version")
        now = f"(当前版本 {current})" if current is not None else ""
        return f"工单已被他人更新{now},您提交时看到的内容已过时,操作未执行。请核对最新内容后重试。"
    headline = _STATUS_HEADLINES.get(exc.status_code, "操作未完成")
    return f"{headline}:{exc.message}"


def validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ()) if str(x) != "__root__"]
        name = FIELD_LABELS.get(loc[0], loc[0]) if loc else ""
        parts.append(f"{name}:{err.get('msg', '')}" if name else str(err.get("msg", "")))
    return "填写的内容不完整或有误:" + ";".join(parts)


def clean(values: dict[str, str | None]) -> dict[str, str]:
    """Form fields as given, trimmed, empty ones left out (an empty field means 'not given')."""
    return {k: v.strip() for k, v in values.items() if v is not None and v.strip() != ""}
