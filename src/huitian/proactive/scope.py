"""Who may see and decide proactive work, and the look-ups the detectors and topics share: the area
clause for a principal, the category taxonomy (warnings and topics work at the second level), areas and
categories by code.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from huitian.areas.models import Area
from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.categories.models import Category
from huitian.errors import Forbidden, Unprocessable

# Who works with warnings and topics: the centre, and the street / district staff in their area.
VIEW_ROLES = frozenset({Role.ADMIN, Role.OPERATOR, Role.SUPERVISOR, Role.PLANNER})
CHOOSE_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.PLANNER})


# --- scope ------------------------------------------------------------------------------------------


def _require_view(principal: Principal) -> None:
    if principal.role not in VIEW_ROLES:
        raise Forbidden("warnings and topics are for the hotline centre, supervisors and planners")


def _area_clause(principal: Principal, column) -> ColumnElement[bool] | None:
    """None: no restriction (the centre); else the condition on an area_path column."""
    _require_view(principal)
    if principal.is_centre:
        return None
    if not principal.area_path:
        raise Forbidden("your account has no area")
    return column.startswith(principal.area_path, autoescape=True)


def _in_scope(principal: Principal, area_path: str | None) -> bool:
    if principal.is_centre:
        return True
    return bool(principal.area_path and area_path and area_path.startswith(principal.area_path))


# --- categories and areas ---------------------------------------------------------------------------


@dataclass
class _Taxonomy:
    by_id: dict[int, Category]
    group_of: dict[int, int]  # category id -> its ancestor at level ≤ 2 (the warning/topic grain)


def _taxonomy(session: Session) -> _Taxonomy:
    cats = list(session.scalars(select(Category)))
    by_code = {c.code: c for c in cats}
    group_of = {}
    for c in cats:
        codes = [x for x in c.path.split("/") if x]
        anchor = by_code.get(codes[min(len(codes), 2) - 1]) if codes else None
        group_of[c.id] = anchor.id if anchor else c.id
    return _Taxonomy(by_id={c.id: c for c in cats}, group_of=group_of)


def _category_by_code(session: Session, code: str, field_name: str = "category") -> Category:
    cat = session.scalar(select(Category).where(Category.code == code))
    if cat is None:
        raise Unprocessable(f"category {code!r} not found", field=field_name)
    return cat


def _area_by_code(session: Session, code: str, field_name: str = "area") -> Area:
    area = session.scalar(select(Area).where(Area.code == code))
    if area is None:
        raise Unprocessable(f"area {code!r} not found", field=field_name)
    return area


def _centre(area: Area | None) -> tuple[float | None, float | None]:
    if area is None or area.min_lon is None:
        return None, None
    return (area.min_lat + area.max_lat) / 2, (area.min_lon + area.max_lon) / 2
