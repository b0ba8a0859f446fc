"""Admin pages for the request taxonomy (/admin/categories): the three-level tree, create, edit (name,
time-limit class, unit hint, active)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from huitian.auth.deps import OptionalPrincipal, SessionDep, WriteSessionDep
from huitian.categories import service as categories_service
from huitian.categories.schemas import CategoryCreate, CategoryUpdate
from huitian.sla.enums import TimeLimitClass
from huitian.web.forms import admin_page, found, refused, stripped, submit
from huitian.web.pages import clean

router = APIRouter(include_in_schema=False)

CLASS_OPTIONS = [(c.value, c.label) for c in TimeLimitClass]


def _tree(session) -> list[dict]:
    """The taxonomy as nested nodes {cat, children}, in path order."""
    nodes: dict[int, dict] = {}
    roots: list[dict] = []
    for cat in categories_service.list_categories(session):
        node = {"cat": cat, "children": []}
        nodes[cat.id] = node
        parent = nodes.get(cat.parent_id) if cat.parent_id else None
        (parent["children"] if parent else roots).append(node)
    return roots


def _list(request, principal, session, *, values=None, errors=None, status_code=200) -> Response:
    cats = categories_service.list_categories(session)
    context = {
        "tree": _tree(session),
        "count": len(cats),
        "class_options": CLASS_OPTIONS,
        "class_labels": dict(CLASS_OPTIONS),
        "parent_options": [("", "(无:一级分类)")]
        + [(c.code, f"{'  ' * (c.level - 1)}{c.name}({c.code})") for c in cats if c.level < 3],
        "values": values or {"time_limit_class": TimeLimitClass.ORDINARY.value},
        "errors": errors or {},
    }
    return admin_page(request, principal, "categories.html", context, status_code)


@router.get("/admin/categories", response_class=HTMLResponse)
def categories_page(request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    return refused(request, principal) or _list(request, principal, session)


@router.post("/admin/categories")
def create_category(
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    code: str | None = Form(None),
    name: str | None = Form(None),
    parent: str | None = Form(None),
    time_limit_class: str | None = Form(None),
    unit_hint: str | None = Form(None),
) -> Response:
    if no := refused(request, principal):
        return no
    values = clean(
        {"code": code, "name": name, "parent": parent, "time_limit_class": time_limit_class}
        | {"unit_hint": unit_hint}
    )
    return submit(
        session,
        lambda: categories_service.create_category(session, data=CategoryCreate.model_validate(values)),
        ok=lambda cat: f"/admin/categories/{cat.code}",
        again=lambda errors, status: _list(
            request, principal, session, values=values, errors=errors, status_code=status
        ),
    )


def _cat_or_404(request, principal, session, code: str):
    return found(
        request, principal, lambda: categories_service.get_by_code(session, code=code), f"未找到分类 {code}。"
    )


def _edit(request, principal, session, cat, *, values=None, errors=None, status_code=200) -> Response:
    current = {
        "name": cat.name,
        "time_limit_class": cat.time_limit_class,
        "unit_hint": cat.unit_hint or "",
        "active": "1" if cat.active else "0",
    }
    context = {
        "cat": cat,
        "names": categories_service.names_on_path(session, category_id=cat.id),
        "class_options": CLASS_OPTIONS,
        "values": {**current, **(values or {})},
        "errors": errors or {},
    }
    return admin_page(request, principal, "category.html", context, status_code)


@router.get("/admin/categories/{code}", response_class=HTMLResponse)
def category_page(code: str, request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    if no := refused(request, principal):
        return no
    cat, missing = _cat_or_404(request, principal, session, code)
    return missing or _edit(request, principal, session, cat)


@router.post("/admin/categories/{code}")
def update_category(
    code: str,
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    name: str | None = Form(None),
    time_limit_class: str | None = Form(None),
    unit_hint: str | None = Form(None),
    active: str | None = Form(None),
) -> Response:
    if no := refused(request, principal):
        return no
    cat, missing = _cat_or_404(request, principal, session, code)
    if missing:
        return missing
    values = stripped(name=name, time_limit_class=time_limit_class, unit_hint=unit_hint, active=active)
    body: dict = {"name": values["name"], "unit_hint": values["unit_hint"] or None}
    if values["time_limit_class"]:
        body["time_limit_class"] = values["time_limit_class"]
    if values["active"] in ("1", "0"):
        body["active"] = values["active"] == "1"
    return submit(
        session,
        lambda: categories_service.update_category(
            session, category=cat, data=CategoryUpdate.model_validate(body)
        ),
        ok=f"/admin/categories/{code}",
        again=lambda errors, status: _edit(
            request,
            principal,
            session,
            categories_service.get_by_code(session, code=code),
            values=values,
            errors=errors,
            status_code=status,
        ),
    )
