"""The routing catalogue (派单目录) and the resolver that applies it.

Routing is data (职权法定、属地管理、分级负责): for an order's category and area,

1. the explicit rule of the catalogue for the most specific category, then the most specific area;
2. else the category's `unit_hint` (on the category or its nearest parent that has one): a unit code,
   or a unit kind resolved to the unit of that kind serving the order's area ("street_office" → the
   street office of the order's street);
3. else 属地管理: the street office serving the order's area;
4. else no unit: the operator dispatches by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from huitian.areas import service as areas_service
from huitian.auth.service import Principal
from huitian.categories import service as categories_service
from huitian.db import cache_key, utcnow
from huitian.dispatch.enums import RouteReason, RuleChange
from huitian.dispatch.models import DispatchRule, DispatchRuleChange
from huitian.dispatch.schemas import RuleChangeRead, RuleCreate, RuleRead, RuleUpdate
from huitian.errors import Conflict, NotFound, Unprocessable
from huitian.lib.ttlcache import TTLCache
from huitian.units import service as units_service
from huitian.units.enums import UnitKind
from huitian.units.service import UnitInfo

# (unit, codes of the areas it serves) per unit kind; unit edits are seen within the TTL.
_jurisdictions: TTLCache[list[tuple[UnitInfo, frozenset[str]]]] = TTLCache(ttl_s=30.0)


@dataclass(frozen=True)
class Route:
    unit: UnitInfo | None
    reason: RouteReason
    rule_id: int | None = None


def prefixes(path: str | None) -> list[str]:
    """ "/a/b/c/" → ["/a/", "/a/b/", "/a/b/c/"]: the path of every ancestor, the node's own last."""
    codes = [c for c in (path or "").split("/") if c]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def _depth(path: str | None) -> int:
    return len([c for c in (path or "").split("/") if c])


# --- the resolver ---------------------------------------------------------------------------------------


def route(session: Session, *, category_id: int | None, area_path: str | None) -> Route:
    """The unit an order of this category at this place goes to, and why."""
    category = categories_service.get(session, category_id=category_id) if category_id else None
    rule = matching_rule(session, category_path=category.path if category else None, area_path=area_path)
    if rule is not None:
        return Route(units_service.directory(session)[rule.unit_id], RouteReason.RULE, rule.id)
    hint = _hint(session, category_path=category.path) if category else None
    if hint:
        unit = _hinted_unit(session, hint=hint, area_path=area_path)
        if unit is not None:
            return Route(unit, RouteReason.CATEGORY_HINT)
    unit = serving_unit(session, kind=UnitKind.STREET_OFFICE, area_path=area_path)
    if unit is not None:
        return Route(unit, RouteReason.TERRITORIAL)
    return Route(None, RouteReason.NONE)


def matching_rule(
    session: Session, *, category_path: str | None, area_path: str | None
) -> DispatchRule | None:
    """The active rule with the most specific category, then the most specific area, whose unit is
    active. A rule without category (or area) matches every category (area), least specifically."""
    stmt = select(DispatchRule).where(
        DispatchRule.active.is_(True),
        or_(DispatchRule.category_path.is_(None), DispatchRule.category_path.in_(prefixes(category_path))),
        or_(DispatchRule.area_path.is_(None), DispatchRule.area_path.in_(prefixes(area_path))),
    )
    rules = sorted(
        session.scalars(stmt),
        key=lambda r: (_depth(r.category_path), _depth(r.area_path), r.id),
        reverse=True,
    )
    for rule in rules:
        if units_service.get(session, unit_id=rule.unit_id).active:
            return rule
    return None


def _hint(session: Session, *, category_path: str) -> str | None:
    """The unit hint of the category, or of its nearest parent that has one."""
    for code in reversed([c for c in category_path.split("/") if c]):
        category = categories_service.get_by_code_cached(session, code=code)
        if category.unit_hint and category.active:
            return category.unit_hint.strip()
    return None


def _hinted_unit(session: Session, *, hint: str, area_path: str | None) -> UnitInfo | None:
    if hint in UnitKind.__members__.values():
        return serving_unit(session, kind=UnitKind(hint), area_path=area_path)
    try:
        unit = units_service.get_by_code(session, code=hint)
    except NotFound:
        return None
    return units_service.directory(session).get(unit.id) if unit.active else None


def serving_unit(session: Session, *, kind: UnitKind, area_path: str | None) -> UnitInfo | None:
    """The active unit of this kind that serves the most specific area on the path (属地管理)."""
    codes = [c for c in (area_path or "").split("/") if c]
    if not codes:
        return None
    candidates = []
    for info, served in _jurisdiction(session, kind=kind):
        depth = max((i for i, code in enumerate(codes) if code in served), default=-1)
        if depth >= 0:
            candidates.append((-depth, info.code, info))
    return min(candidates, key=lambda c: c[:2])[2] if candidates else None


def _jurisdiction(session: Session, *, kind: UnitKind) -> list[tuple[UnitInfo, frozenset[str]]]:
    def load() -> list[tuple[UnitInfo, frozenset[str]]]:
        directory = units_service.directory(session)
        return [
            (directory[u.id], frozenset(units_service.area_codes(session, unit_id=u.id)))
            for u in units_service.list_units(session, kind=kind)
            if u.active and u.id in directory
        ]

    return _jurisdictions.get((cache_key(session), kind.value), load)


def clear_caches() -> None:
    _jurisdictions.clear()


def route_read(route: Route) -> dict:
    return {
        "unit": route.unit.code if route.unit else None,
        "unit_name": route.unit.name if route.unit else None,
        "reason": route.reason.value,
        "reason_label": route.reason.label,
        "rule_id": route.rule_id,
    }


# --- the catalogue ----------------------------------------------------------------------------------------


def list_rules(
    session: Session, *, active: bool | None = None, category: str | None = None, area: str | None = None
) -> list[DispatchRule]:
    stmt = select(DispatchRule).order_by(DispatchRule.category_path, DispatchRule.area_path, DispatchRule.id)
    if active is not None:
        stmt = stmt.where(DispatchRule.active.is_(active))
    if category:
        stmt = stmt.where(DispatchRule.category_id == _category(session, category).id)
    if area:
        stmt = stmt.where(DispatchRule.area_id == _area(session, area).id)
    return list(session.scalars(stmt))


def get_rule(session: Session, *, rule_id: int) -> DispatchRule:
    rule = session.get(DispatchRule, rule_id)
    if rule is None:
        raise NotFound(f"dispatch rule {rule_id} not found", field="rule_id")
    return rule


def _category(session: Session, code: str):
    try:
        return categories_service.get_by_code(session, code=code)
    except NotFound as exc:
        raise Unprocessable(exc.message, field="category") from exc


def _area(session: Session, code: str):
    try:
        return areas_service.get_by_code(session, code=code)
    except NotFound as exc:
        raise Unprocessable(exc.message, field="area") from exc


def _unit(session: Session, code: str):
    try:
        unit = units_service.get_by_code(session, code=code)
    except NotFound as exc:
        raise Unprocessable(exc.message, field="unit") from exc
    if not unit.active:
        raise Unprocessable(f"unit {code!r} is inactive", field="unit")
    return unit


def _check_unique(session: Session, rule: DispatchRule) -> None:
    """At most one active rule per (category, area): the catalogue must never be ambiguous."""
    clash = session.scalar(
        select(DispatchRule.id).where(
            DispatchRule.active.is_(True),
            DispatchRule.id != (rule.id or 0),
            DispatchRule.category_id.is_(None)
            if rule.category_id is None
            else DispatchRule.category_id == rule.category_id,
            DispatchRule.area_id.is_(None) if rule.area_id is None else DispatchRule.area_id == rule.area_id,
        )
    )
    if clash is not None:
        raise Conflict(
            f"rule {clash} already routes this category in this area; update or deactivate it",
            field="category",
            rule_id=clash,
        )


def snapshot(session: Session, rule: DispatchRule) -> dict:
    """The rule as codes, for the history and the API."""
    return {
        "category": _code(rule.category_path),
        "area": _code(rule.area_path),
        "unit": units_service.directory(session)[rule.unit_id].code,
        "note": rule.note,
        "active": rule.active,
    }


def _code(path: str | None) -> str | None:
    codes = [c for c in (path or "").split("/") if c]
    return codes[-1] if codes else None


def _record(
    session: Session, *, rule: DispatchRule, change: RuleChange, principal: Principal, before: dict | None
) -> None:
    session.add(
        DispatchRuleChange(
            rule_id=rule.id,
            change=change.value,
            actor_id=principal.user_id,
            actor_name=principal.name,
            created_at=rule.updated_at,
            before=before,
            after=snapshot(session, rule),
        )
    )


def create_rule(session: Session, *, data: RuleCreate, principal: Principal) -> DispatchRule:
    category = _category(session, data.category) if data.category else None
    area = _area(session, data.area) if data.area else None
    unit = _unit(session, data.unit)
    now = utcnow()
    rule = DispatchRule(
        category_id=category.id if category else None,
        category_path=category.path if category else None,
        area_id=area.id if area else None,
        area_path=area.path if area else None,
        unit_id=unit.id,
        note=data.note,
        active=True,
        created_at=now,
        updated_at=now,
    )
    _check_unique(session, rule)
    session.add(rule)
    session.flush()
    _record(session, rule=rule, change=RuleChange.CREATE, principal=principal, before=None)
    session.flush()
    return rule


def update_rule(
    session: Session, *, rule: DispatchRule, data: RuleUpdate, principal: Principal
) -> DispatchRule:
    """Change a rule's unit, note or active flag. The category and area are what the rule is: to
    route something else, deactivate it and create another."""
    before = snapshot(session, rule)
    fields = data.model_dump(exclude_unset=True)
    if fields.get("unit") is not None:
        rule.unit_id = _unit(session, fields["unit"]).id
    if "note" in fields:
        rule.note = fields["note"]
    if fields.get("active") is not None:
        rule.active = fields["active"]
    after = snapshot(session, rule)
    if after == before:
        return rule
    if rule.active:
        _check_unique(session, rule)
    if before["active"] != after["active"]:
        change = RuleChange.REACTIVATE if rule.active else RuleChange.DEACTIVATE
    else:
        change = RuleChange.UPDATE
    rule.updated_at = utcnow()
    _record(session, rule=rule, change=change, principal=principal, before=before)
    session.flush()
    return rule


def deactivate_rule(session: Session, *, rule: DispatchRule, principal: Principal) -> DispatchRule:
    """Rules are never deleted: a rule that no longer applies is deactivated, and that is recorded."""
    return update_rule(session, rule=rule, data=RuleUpdate(active=False), principal=principal)


def history(session: Session, *, rule_id: int | None = None, limit: int = 200) -> list[DispatchRuleChange]:
    stmt = select(DispatchRuleChange).order_by(DispatchRuleChange.id.desc()).limit(limit)
    if rule_id is not None:
        stmt = stmt.where(DispatchRuleChange.rule_id == rule_id)
    return list(session.scalars(stmt))


def read_rule(session: Session, *, rule: DispatchRule) -> RuleRead:
    unit = units_service.directory(session)[rule.unit_id]
    return RuleRead(
        id=rule.id,
        category=_code(rule.category_path),
        area=_code(rule.area_path),
        unit=unit.code,
        unit_name=unit.name,
        note=rule.note,
        active=rule.active,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
    )


def read_change(change: DispatchRuleChange) -> RuleChangeRead:
    return RuleChangeRead(
        id=change.id,
        rule_id=change.rule_id,
        change=change.change,
        actor=change.actor_name,
        created_at=change.created_at,
        before=change.before,
        after=change.after,
    )
