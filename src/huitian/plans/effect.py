"""Did it work? Complaints before and after a finished project, against comparable areas."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from huitian.areas.models import Area
from huitian.categories import service as categories_service
from huitian.categories.models import Category
from huitian.errors import Unprocessable
from huitian.orders.models import Order
from huitian.plans.enums import ProjectStatus
from huitian.plans.reading import get_project
from huitian.plans.schemas import EffectRead, EffectSide

# --- did it work? ---------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    days_in = [
        31,
        29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ]
    return date(year, month, min(day.day, days_in[month - 1]))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def effect(session: Session, *, project_id: int, months: int = 6) -> EffectRead:
    """Complaints in the project's area (and its categories) in the N months before vs after completion,
    against the comparable areas (same level, not the project's area), as a difference in differences:
    (treated after − before) − (mean comparison after − before). Negative: fewer complaints than the
    trend elsewhere would predict."""
    if not 1 <= months <= 36:
        raise Unprocessable("months must be between 1 and 36", field="months")
    project = get_project(session, project_id=project_id)
    if project.status != ProjectStatus.DONE or project.completed_on is None:
        raise Unprocessable("the project is not finished yet", field="project_id")
    if project.area_id is None:
        raise Unprocessable("the project has no area", field="area")
    area = session.get(Area, project.area_id)
    depth = len([c for c in area.path.split("/") if c])
    comparables = [
        a.path
        for a in session.scalars(
            select(Area).where(Area.level == area.level, Area.id != area.id, Area.active.is_(True))
        )
    ]
    start = _midnight(add_months(project.completed_on, -months))
    pivot = _midnight(project.completed_on)
    end = _midnight(add_months(project.completed_on, months))
    side = case((Order.created_at < pivot, "before"), else_="after")
    stmt = (
        select(Order.area_path, side.label("side"), func.count())
        .where(
            Order.created_at >= start,
            Order.created_at < end,
            Order.area_path.is_not(None),
            Order.merged_into_id.is_(None),
        )
        .group_by(Order.area_path, side)
    )
    codes = list(project.category_codes or [])
    if codes:
        paths = [categories_service.get_by_code(session, code=c).path for c in codes]
        cond = None
        for p in paths:
            c = Category.path.startswith(p, autoescape=True)
            cond = c if cond is None else cond | c
        stmt = stmt.join(Category, Category.id == Order.category_id).where(cond)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"before": 0, "after": 0})
    for path, when, n in session.execute(stmt):
        parts = [c for c in path.split("/") if c]
        if len(parts) < depth:
            continue
        key = "/" + "/".join(parts[:depth]) + "/"
        counts[key][when] += n
    treated = counts.get(area.path, {"before": 0, "after": 0})
    k = len(comparables) or 1
    c_before = sum(counts.get(p, {}).get("before", 0) for p in comparables) / k
    c_after = sum(counts.get(p, {}).get("after", 0) for p in comparables) / k
    did = (treated["after"] - treated["before"]) - (c_after - c_before)
    summary = (
        f"完工前后各{months}个月：本区域诉求 {treated['before']} → {treated['after']} 件，"
        f"可比区域平均 {c_before:.1f} → {c_after:.1f} 件；双重差分 {did:+.1f} 件"
        + ("（少于对照趋势）" if did < 0 else "（未见下降）" if did > 0 else "（与对照持平）")
    )
    return EffectRead(
        project_id=project.id,
        area_code=area.code,
        completed_on=project.completed_on,
        months=months,
        categories=codes,
        treated=EffectSide(
            before=treated["before"], after=treated["after"], change=treated["after"] - treated["before"]
        ),
        comparison=EffectSide(before=c_before, after=c_after, change=c_after - c_before),
        comparison_areas=[p.strip("/").split("/")[-1] for p in comparables],
        did=did,
        summary=summary,
    )
