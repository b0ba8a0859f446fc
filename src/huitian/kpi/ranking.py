"""The monthly ranking of streets/towns and their tiers (先进类, 进步类, 整改类, 治理类)."""

from __future__ import annotations

import math

from sqlalchemy.orm import Session

from huitian.areas import service as areas_service
from huitian.areas.enums import AreaLevel
from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.errors import Forbidden
from huitian.kpi.enums import DEFAULTS, Tier
from huitian.kpi.rates import _round, rate_item, rates, settings_values
from huitian.kpi.rollup import NONE_KEY, Counts, parse_month, previous_month
from huitian.units import service as units_service

# --- ranking --------------------------------------------------------------------------------------


_EVERYTHING = Principal(role=Role.ADMIN, name="kpi")  # rankings compare every street


def _street_scores(session: Session, *, month: str, basic_weight: float) -> dict[str, dict]:
    out = rates(session, principal=_EVERYTHING, month=month, by="street", basic_weight=basic_weight)
    return {i["key"]: i for i in out["items"] if i["key"] != NONE_KEY}


def assign_tiers(
    scored: list[tuple[str, float]], previous: dict[str, float | None], settings: dict[str, float]
) -> dict[str, Tier]:
    """Tiers of ranked streets (scored = [(key, score)] best first). The rule, in this order:
    1. a score below tier_governance_below, or a place in the worst tier_governance_share → 治理类;
    2. a place in the best tier_advanced_share → 先进类;
    3. a gain of at least tier_progress_min_gain over the previous month's score → 进步类;
    4. otherwise 整改类. Shares are rounded up (4 streets × 0.25 → 1 street; 2 streets → 1 each)."""
    n = len(scored)
    top = math.ceil(n * settings["tier_advanced_share"])
    bottom = math.ceil(n * settings["tier_governance_share"])
    tiers: dict[str, Tier] = {}
    for i, (key, score) in enumerate(scored):
        before = previous.get(key)
        if score < settings["tier_governance_below"] or (i >= n - bottom and i >= top):
            tiers[key] = Tier.GOVERNANCE
        elif i < top:
            tiers[key] = Tier.ADVANCED
        elif before is not None and score - before >= settings["tier_progress_min_gain"] - 1e-9:
            tiers[key] = Tier.PROGRESS
        else:
            tiers[key] = Tier.RECTIFY
    return tiers


def ranking(session: Session, *, principal: Principal, month: str, basic_weight: float) -> dict:
    """Every active street/town, best score first, with its rank, tier and change on the previous month.
    The ranking is computed over all streets (a place is relative to the others); the principal sees the
    rows of the streets in its scope: all for the centre, its area's for area roles, the streets its unit
    serves for unit members. Streets with no score this month come last, unranked, without a tier."""
    month = parse_month(month)
    visible = _visible_streets(session, principal)
    current = _street_scores(session, month=month, basic_weight=basic_weight)
    prev = {
        k: i["score"]
        for k, i in _street_scores(session, month=previous_month(month), basic_weight=basic_weight).items()
    }
    streets = areas_service.list_areas(session, level=AreaLevel.STREET)
    scored = sorted(
        (
            (a.code, current[a.code]["score"])
            for a in streets
            if current.get(a.code, {}).get("score") is not None
        ),
        key=lambda p: (-p[1], p[0]),
    )
    tiers = assign_tiers(scored, prev, settings_values(session))
    rank = {key: i + 1 for i, (key, _) in enumerate(scored)}
    items = []
    for a in sorted(streets, key=lambda a: (rank.get(a.code, 10**9), a.code)):
        if not a.active or (visible is not None and a.code not in visible):
            continue
        figures = current.get(a.code) or rate_item(a.code, a.name, Counts(), weights=DEFAULTS, basic_weight=0)
        tier = tiers.get(a.code)
        score, before = figures["score"], prev.get(a.code)
        items.append(
            figures
            | {
                "rank": rank.get(a.code),
                "tier": tier.label if tier else None,
                "tier_code": tier.value if tier else None,
                "previous_score": before,
                "change": _round(score - before) if score is not None and before is not None else None,
            }
        )
    return {"month": month, "ranked": len(scored), "items": items}


def _visible_streets(session: Session, principal: Principal) -> set[str] | None:
    """Street codes whose ranking rows the principal sees; None = all."""
    if principal.is_centre:
        return None
    streets = areas_service.list_areas(session, level=AreaLevel.STREET)
    if principal.is_unit_member:
        served = [
            areas_service.get_by_code(session, code=c).path
            for c in units_service.area_codes(session, unit_id=principal.unit_id)
        ]
        return {a.code for a in streets if any(a.path.startswith(p) or p.startswith(a.path) for p in served)}
    if principal.is_area_scoped and principal.area_path:
        p = principal.area_path
        return {a.code for a in streets if a.path.startswith(p) or p.startswith(a.path)}
    raise Forbidden("assessment figures are for staff with a unit or an area")
