"""The request taxonomy."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from huitian.categories.models import Category
from huitian.categories.schemas import CategoryCreate, CategoryUpdate
from huitian.db import cache_key
from huitian.errors import Conflict, NotFound, Unprocessable
from huitian.lib.ttlcache import TTLCache

_names: TTLCache[list[str]] = TTLCache(ttl_s=60.0)
_by_code: TTLCache[Category] = TTLCache(ttl_s=60.0)


_codes: TTLCache[dict[int, str]] = TTLCache(ttl_s=60.0)


def _clear_caches() -> None:
    _names.clear()
    _by_code.clear()
    _codes.clear()


def codes_by_id(session: Session) -> dict[int, str]:
    """Every category's code by id, cached briefly (the taxonomy is a few hundred rows)."""
    return _codes.get(
        cache_key(session),
        lambda: dict(session.execute(select(Category.id, Category.code)).tuples().all()),
    )


def get_by_code(session: Session, *, code: str) -> Category:
    cat = session.scalar(select(Category).where(Category.code == code))
    if cat is None:
        raise NotFound(f"category {code!r} not found", field="category_code")
    return cat


def get(session: Session, *, category_id: int) -> Category:
    cat = session.get(Category, category_id)
    if cat is None:
        raise NotFound(f"category {category_id} not found")
    return cat


def list_categories(session: Session, *, level: int | None = None) -> list[Category]:
    stmt = select(Category).order_by(Category.path)
    if level is not None:
        stmt = stmt.where(Category.level == level)
    return list(session.scalars(stmt))


def names_on_path(session: Session, *, category_id: int | None) -> list[str]:
    """Names from the first level down to the category, for display (cached briefly)."""
    if category_id is None:
        return []

    def load() -> list[str]:
        category = get(session, category_id=category_id)
        codes = [c for c in category.path.split("/") if c]
        rows = {c.code: c.name for c in session.scalars(select(Category).where(Category.code.in_(codes)))}
        return [rows[c] for c in codes if c in rows]

    return _names.get((cache_key(session), category_id), load)


def get_by_code_cached(session: Session, *, code: str) -> Category:
    """The category for a code, from a short-lived per-process cache (detached: read its columns only)."""
    return _by_code.get((cache_key(session), code), lambda: _detached(session, code))


def _detached(session: Session, code: str) -> Category:
    cat = get_by_code(session, code=code)
    session.expunge(cat)
    return cat


def create_category(session: Session, *, data: CategoryCreate) -> Category:
    if session.scalar(select(Category.id).where(Category.code == data.code)) is not None:
        raise Conflict(f"category code {data.code!r} exists", field="code")
    parent = get_by_code(session, code=data.parent) if data.parent else None
    level = parent.level + 1 if parent else 1
    if level > 3:
        raise Unprocessable("the taxonomy has three levels", field="parent")
    cat = Category(
        code=data.code,
        name=data.name,
        level=level,
        parent_id=parent.id if parent else None,
        path=f"{parent.path if parent else '/'}{data.code}/",
        time_limit_class=data.time_limit_class.value,
        unit_hint=data.unit_hint,
    )
    session.add(cat)
    session.flush()
    _clear_caches()
    return cat


def update_category(session: Session, *, category: Category, data: CategoryUpdate) -> Category:
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(category, key, value.value if hasattr(value, "value") else value)
    session.flush()
    _clear_caches()
    return category


def options(session: Session) -> list[tuple[str, str]]:
    """(code, 一级/二级/三级 names) for every active category, for a form's datalist or select."""
    cats = list_categories(session)
    names = {c.code: c.name for c in cats}
    return [(c.code, "/".join(names.get(p, p) for p in c.path.split("/") if p)) for c in cats if c.active]
