"""Proactive governance: early warnings (未诉先办) and the monthly topics (每月一题).

Warnings. A *spike* is a grid (or community) × category week well above what that cell normally
sees at this time of year: the expected count is the larger of the recent weeks' mean and the mean of
the same weeks last year, so heating in November or flooding in July at their seasonal normal do not
fire; the bound is a negative-binomial (or Poisson) upper quantile. A *repeat* is the same category
again and again at one spot (≈50 m) or on one city part (asset) within 30 days. `spike_test` is pure
so that the backtest (bench/backtest.py) uses the very same detector.

Topics. Candidates are clusters of one month's orders by category (second level) × place (community,
or another level), ranked by volume, growth on the previous month, repeat rate and dissatisfaction;
each comes with key phrases (c-TF-IDF of jieba words and word pairs, the cluster against the rest of
the month) and representative texts. A chosen topic links its orders (its scope), its tasks and units,
and measures its effect as a difference in differences against the areas of the same level.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from statistics import fmean, pvariance

from scipy import stats
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from huitian.areas.models import Area
from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.categories.models import Category
from huitian.db import utcnow
from huitian.errors import Conflict, Forbidden, NotFound, Unprocessable
from huitian.intake import flows as intake_flows
from huitian.kpi import service as kpi_service
from huitian.orders import service as orders_service
from huitian.orders.enums import Channel, OrderType, Satisfaction
from huitian.orders.models import Order
from huitian.orders.schemas import OrderCreate
from huitian.plans import service as plans_service
from huitian.plans.enums import MicroSource
from huitian.plans.schemas import MicroCreate
from huitian.proactive.enums import ACTIVE_WARNING, TopicStatus, WarningKind, WarningStatus
from huitian.proactive.models import EarlyWarning, Topic, TopicTask
from huitian.proactive.schemas import (
    CandidateRead,
    EffectRead,
    TaskCreate,
    TopicCreate,
    TopicRead,
    WarningRead,
)
from huitian.units.models import Unit

# Who works with warnings and topics: the centre, and the street / district staff in their area.
VIEW_ROLES = frozenset({Role.ADMIN, Role.OPERATOR, Role.SUPERVISOR, Role.PLANNER})
CHOOSE_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.PLANNER})

WEEK = timedelta(days=7)
RECENT_WEEKS = 6  # recent baseline: the six weeks before the week looked at
SEASON_WEEKS = (51, 52, 53)  # seasonal baseline: the same week last year and its two neighbours
REPEAT_WINDOW = timedelta(days=30)
REPEAT_MIN = 3  # orders of one category at one spot / part within the window
PLACE_CELL_DEG = 0.0005  # ≈ 55 m north-south, ≈ 43 m east-west at Beijing's latitude


# --- the detector (pure: the product and the backtest share it) -------------------------------------


@dataclass(frozen=True)
class SpikeParams:
    alpha: float = 0.001  # upper-tail probability of the bound
    min_count: int = 5  # never fire below this many orders in the week
    min_ratio: float = 2.0  # … nor below this multiple of the expected count
    floor: float = 0.5  # expected count used when the history is empty


DEFAULT_PARAMS = SpikeParams()


@dataclass(frozen=True)
class SpikeResult:
    fire: bool
    observed: int
    expected: float
    threshold: int
    dispersion: float
    recent_mean: float
    seasonal_mean: float | None


def spike_test(
    observed: int,
    recent: Sequence[int],
    seasonal: Sequence[int] | None,
    params: SpikeParams = DEFAULT_PARAMS,
) -> SpikeResult:
    """Does `observed` (this week's count) stand out against the recent weeks and, when the history
    reaches back a year (`seasonal` not None), the same weeks last year?

    Expected = max(recent mean, seasonal mean): a category at its seasonal normal is expected. The
    counts' dispersion φ = variance ÷ mean over the recent and seasonal weeks (at least 1); the bound is
    the (1 − alpha) quantile of a negative binomial with that mean and variance φ·mean (Poisson when
    φ = 1), and never below min_count or min_ratio × expected."""
    recent_mean = fmean(recent) if recent else 0.0
    seasonal_mean = fmean(seasonal) if seasonal else None
    expected = max(recent_mean, seasonal_mean or 0.0, params.floor)
    history = list(recent) + list(seasonal or [])
    dispersion = 1.0
    if len(history) >= 3:
        mean = fmean(history)
        if mean > 0:
            dispersion = max(1.0, pvariance(history) / mean)
    if dispersion > 1.0:
        n = expected / (dispersion - 1.0)
        bound = stats.nbinom.isf(params.alpha, n, 1.0 / dispersion)
    else:
        bound = stats.poisson.isf(params.alpha, expected)
    threshold = int(max(params.min_count, math.ceil(params.min_ratio * expected), bound + 1))
    return SpikeResult(
        fire=observed >= threshold,
        observed=observed,
        expected=round(expected, 3),
        threshold=threshold,
        dispersion=round(dispersion, 3),
        recent_mean=round(recent_mean, 3),
        seasonal_mean=None if seasonal_mean is None else round(seasonal_mean, 3),
    )


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


# --- computing warnings -----------------------------------------------------------------------------


def _week_windows(end: datetime) -> dict[int, tuple[datetime, datetime]]:
    """Week j covers [end − 7(j+1) days, end − 7j days): 0 is the week looked at."""
    weeks = [0, *range(1, RECENT_WEEKS + 1), *SEASON_WEEKS]
    return {j: (end - WEEK * (j + 1), end - WEEK * j) for j in weeks}


def _counts(session: Session, *, end: datetime, tax: _Taxonomy) -> dict[tuple[int, int], dict[int, int]]:
    """Orders per (grid, category group) per week index, citizens' orders only (proactive ones left out)."""
    windows = _week_windows(end)
    bucket = case(*((and_(Order.created_at >= s, Order.created_at < e), j) for j, (s, e) in windows.items()))
    stmt = (
        select(Order.area_id, Order.category_id, bucket.label("week"), func.count())
        .where(
            # Two index ranges on created_at: the recent weeks, and the same weeks last year.
            or_(
                and_(Order.created_at >= windows[RECENT_WEEKS][0], Order.created_at < end),
                and_(
                    Order.created_at >= windows[max(SEASON_WEEKS)][0],
                    Order.created_at < windows[min(SEASON_WEEKS)][1],
                ),
            ),
            Order.area_id.is_not(None),
            Order.category_id.is_not(None),
            Order.proactive.is_(False),
        )
        .group_by(Order.area_id, Order.category_id, bucket)
    )
    out: dict[tuple[int, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for area_id, category_id, week, n in session.execute(stmt):
        if week is None:
            continue
        out[(area_id, tax.group_of.get(category_id, category_id))][int(week)] += n
    return out


def _history_reaches(session: Session, *, since: datetime) -> bool:
    first = session.scalar(select(func.min(Order.created_at)))
    return first is not None and first <= since


@dataclass
class _Found:
    key: str
    subject: str
    values: dict = field(default_factory=dict)


def _communities(session: Session) -> dict[int, int]:
    """area id -> the id of its community, for the grids (and the communities themselves)."""
    rows = session.execute(select(Area.id, Area.level, Area.parent_id)).all()
    level = {i: lv for i, lv, _ in rows}
    out = {}
    for i, lv, parent in rows:
        if lv == "community":
            out[i] = i
        elif lv == "grid" and parent is not None and level.get(parent) == "community":
            out[i] = parent
    return out


def detect_spikes(session: Session, *, end: datetime, params: SpikeParams = DEFAULT_PARAMS) -> list[_Found]:
    """Spikes per grid × category group, then per community × category group where none of its grids
    fired for that group (a community's grids may each stay under the bar while together they surge)."""
    tax = _taxonomy(session)
    seasonal_known = _history_reaches(session, since=end - WEEK * (max(SEASON_WEEKS) + 1))
    cells = _counts(session, end=end, tax=tax)
    community_of = _communities(session)
    pooled: dict[tuple[int, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for (area_id, group), weeks in cells.items():
        community = community_of.get(area_id)
        if community is not None and community != area_id:
            for j, n in weeks.items():
                pooled[(community, group)][j] += n
    found = _spikes_in(session, cells=cells, end=end, params=params, seasonal_known=seasonal_known)
    fired = {(community_of.get(f.values["area_id"]), f.values["category_id"]) for f in found}
    pooled = {key: weeks for key, weeks in pooled.items() if key not in fired}
    return found + _spikes_in(session, cells=pooled, end=end, params=params, seasonal_known=seasonal_known)


def _spikes_in(session: Session, *, cells, end: datetime, params: SpikeParams, seasonal_known: bool):
    found = []
    for (area_id, group), weeks in sorted(cells.items()):
        observed = weeks.get(0, 0)
        if observed < params.min_count:
            continue
        recent = [weeks.get(j, 0) for j in range(1, RECENT_WEEKS + 1)]
        seasonal = [weeks.get(j, 0) for j in SEASON_WEEKS] if seasonal_known else None
        result = spike_test(observed, recent, seasonal, params)
        if not result.fire:
            continue
        area = session.get(Area, area_id)
        lat, lon = _centre(area)
        subject = f"spike:{area_id}:{group}"
        found.append(
            _Found(
                key=f"{subject}@{end:%Y%m%dT%H}",
                subject=subject,
                values=dict(
                    kind=WarningKind.SPIKE.value,
                    area_id=area_id,
                    area_path=area.path if area else None,
                    category_id=group,
                    lat=lat,
                    lon=lon,
                    period_start=end - WEEK,
                    period_end=end,
                    observed=observed,
                    expected=result.expected,
                    threshold=float(result.threshold),
                    detail={
                        "recent_weeks": recent,
                        "same_weeks_last_year": seasonal,
                        "recent_mean": result.recent_mean,
                        "seasonal_mean": result.seasonal_mean,
                        "dispersion": result.dispersion,
                        "alpha": params.alpha,
                    },
                ),
            )
        )
    return found


def detect_repeats(session: Session, *, end: datetime) -> list[_Found]:
    """The same category (group) again and again on one city part or at one spot within 30 days."""
    tax = _taxonomy(session)
    start = end - REPEAT_WINDOW
    rows = session.execute(
        select(
            Order.id, Order.asset_id, Order.lat, Order.lon, Order.area_id, Order.area_path, Order.category_id
        )
        .where(
            Order.created_at >= start,
            Order.created_at < end,
            Order.category_id.is_not(None),
            Order.proactive.is_(False),
        )
        .order_by(Order.id)
    ).all()
    by_asset: dict[tuple[int, int], list] = defaultdict(list)
    by_place: dict[tuple[int, int, int], list] = defaultdict(list)
    for row in rows:
        group = tax.group_of.get(row.category_id, row.category_id)
        if row.asset_id is not None:
            by_asset[(row.asset_id, group)].append(row)
        elif row.lat is not None and row.lon is not None:
            cell = (math.floor(row.lat / PLACE_CELL_DEG), math.floor(row.lon / PLACE_CELL_DEG))
            by_place[(*cell, group)].append(row)
    found = []
    for kind, groups in ((WarningKind.REPEAT_ASSET, by_asset), (WarningKind.REPEAT_PLACE, by_place)):
        for key, members in groups.items():
            if len(members) < REPEAT_MIN:
                continue
            group = key[-1]
            last = members[-1]
            subject = (
                f"asset:{key[0]}:{group}"
                if kind == WarningKind.REPEAT_ASSET
                else f"place:{key[0]}:{key[1]}:{group}"
            )
            lats = [m.lat for m in members if m.lat is not None]
            lons = [m.lon for m in members if m.lon is not None]
            found.append(
                _Found(
                    key=f"{subject}@{end:%Y%m%dT%H}",
                    subject=subject,
                    values=dict(
                        kind=kind.value,
                        area_id=last.area_id,
                        area_path=last.area_path,
                        category_id=group,
                        asset_id=key[0] if kind == WarningKind.REPEAT_ASSET else None,
                        lat=fmean(lats) if lats else None,
                        lon=fmean(lons) if lons else None,
                        period_start=start,
                        period_end=end,
                        observed=len(members),
                        expected=0.0,
                        threshold=float(REPEAT_MIN),
                        detail={
                            "order_ids": [m.id for m in members][-20:],
                            "window_days": REPEAT_WINDOW.days,
                        },
                    ),
                )
            )
    return found


def compute_warnings(session: Session, *, now: datetime | None = None) -> list[EarlyWarning]:
    """Detect spikes and repeats for the week (30 days for repeats) ending at the current hour, and
    record those not already warned about: a subject (grid × category, part, spot) warns at most once
    per week for spikes and once per 30 days for repeats. Safe in several processes: a warning's key is
    unique, and an insert that loses the race is skipped."""
    end = (now or utcnow()).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    found = detect_spikes(session, end=end) + detect_repeats(session, end=end)
    if not found:
        return []
    recent = session.execute(
        select(EarlyWarning.key, EarlyWarning.kind, EarlyWarning.created_at).where(
            EarlyWarning.created_at >= end - REPEAT_WINDOW
        )
    ).all()
    quiet: set[str] = set()
    for key, kind, created in recent:
        span = WEEK if kind == WarningKind.SPIKE else REPEAT_WINDOW
        if created >= end - span:
            quiet.add(key.split("@", 1)[0])
    made = []
    for f in found:
        if f.subject in quiet:
            continue
        warning = EarlyWarning(key=f.key, status=WarningStatus.OPEN.value, created_at=end, **f.values)
        try:
            with session.begin_nested():
                session.add(warning)
        except IntegrityError:
            continue
        made.append(warning)
    return made


# --- reading and deciding warnings --------------------------------------------------------------------


def _warning_read(w: EarlyWarning, tax: _Taxonomy, areas: dict[int, Area]) -> WarningRead:
    cat = tax.by_id.get(w.category_id) if w.category_id else None
    area = areas.get(w.area_id) if w.area_id else None
    return WarningRead(
        id=w.id,
        kind=w.kind,
        kind_label=WarningKind(w.kind).label,
        status=w.status,
        status_label=WarningStatus(w.status).label,
        area_code=area.code if area else None,
        area_name=area.name if area else None,
        area_path=w.area_path,
        category_code=cat.code if cat else None,
        category_name=cat.name if cat else None,
        asset_id=w.asset_id,
        lat=w.lat,
        lon=w.lon,
        period_start=w.period_start,
        period_end=w.period_end,
        observed=w.observed,
        expected=w.expected,
        threshold=w.threshold,
        detail=w.detail or {},
        created_at=w.created_at,
        decided_at=w.decided_at,
        note=w.note,
        order_id=w.order_id,
        order_number=None,
    )


def read_warnings(session: Session, *, warnings: list[EarlyWarning]) -> list[WarningRead]:
    tax = _taxonomy(session)
    ids = {w.area_id for w in warnings if w.area_id}
    areas = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(ids)))} if ids else {}
    out = [_warning_read(w, tax, areas) for w in warnings]
    order_ids = [w.order_id for w in warnings if w.order_id]
    if order_ids:
        orders = {o.id: o for o in session.scalars(select(Order).where(Order.id.in_(order_ids)))}
        for r in out:
            if r.order_id in orders:
                r.order_number = orders_service.public_number(orders[r.order_id])
    return out


def list_warnings(
    session: Session,
    *,
    principal: Principal,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 100,
) -> tuple[list[EarlyWarning], int]:
    clause = _area_clause(principal, EarlyWarning.area_path)
    stmt = select(EarlyWarning)
    if clause is not None:
        stmt = stmt.where(clause)
    if status:
        try:
            stmt = stmt.where(EarlyWarning.status == WarningStatus(status).value)
        except ValueError:
            allowed = ", ".join(s.value for s in WarningStatus)
            raise Unprocessable(f"status must be one of {allowed}, got {status!r}", field="status") from None
    if kind:
        try:
            stmt = stmt.where(EarlyWarning.kind == WarningKind(kind).value)
        except ValueError:
            allowed = ", ".join(k.value for k in WarningKind)
            raise Unprocessable(f"kind must be one of {allowed}, got {kind!r}", field="kind") from None
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = list(
        session.scalars(stmt.order_by(EarlyWarning.created_at.desc(), EarlyWarning.id.desc()).limit(limit))
    )
    return items, total


def get_warning(
    session: Session, *, principal: Principal, warning_id: int, lock: bool = False
) -> EarlyWarning:
    _require_view(principal)
    stmt = select(EarlyWarning).where(EarlyWarning.id == warning_id)
    if lock:
        stmt = stmt.with_for_update()
    w = session.scalar(stmt)
    if w is None or not _in_scope(principal, w.area_path):
        raise NotFound(f"warning {warning_id} not found")
    return w


def _decidable(w: EarlyWarning) -> None:
    if w.status not in ACTIVE_WARNING:
        raise Conflict(
            f"warning {w.id} is already {WarningStatus(w.status).label} ({w.status})",
            field="status",
            current_status=w.status,
        )


def decide_warning(
    session: Session,
    *,
    principal: Principal,
    warning_id: int,
    action: str,
    note: str | None = None,
    now: datetime | None = None,
) -> EarlyWarning:
    """Acknowledge (知悉, still open for an order) or dismiss (排除) a warning."""
    targets = {"acknowledge": WarningStatus.ACKNOWLEDGED, "dismiss": WarningStatus.DISMISSED}
    if action not in targets:
        raise Unprocessable(f"action must be acknowledge or dismiss, got {action!r}", field="action")
    w = get_warning(session, principal=principal, warning_id=warning_id, lock=True)
    _decidable(w)
    if action == "dismiss" and not (note and note.strip()):
        raise Unprocessable("a dismissal needs a note saying why", field="note")
    w.status = targets[action].value
    w.decided_at = now or utcnow()
    w.decided_by_id = principal.user_id
    w.note = note.strip() if note else w.note
    session.flush()
    return w


def warning_order(
    session: Session,
    *,
    principal: Principal,
    warning_id: int,
    description: str | None = None,
    now: datetime | None = None,
) -> Order:
    """Turn a warning into a proactive order (主动发现, channel patrol): filed through intake.flows.receive,
    so it starts its own event history, plus a note event naming the warning, and is triaged."""
    w = get_warning(session, principal=principal, warning_id=warning_id, lock=True)
    _decidable(w)
    tax = _taxonomy(session)
    cat = tax.by_id.get(w.category_id) if w.category_id else None
    area = session.get(Area, w.area_id) if w.area_id else None
    text = (description or "").strip() or _warning_text(w, cat, area)
    data = OrderCreate(
        type=OrderType.REPORT,
        description=text,
        title=f"未诉先办:{WarningKind(w.kind).label}" + (f"·{cat.name}" if cat else ""),
        lat=w.lat,
        lon=w.lon,
        category_code=cat.code if cat else None,
        channel=Channel.PATROL,
    )
    note = f"由未诉先办预警 #{w.id}({WarningKind(w.kind).label})转为主动工单"
    order = intake_flows.receive_one(session, data=data, principal=principal, now=now, note=note).order
    w.status = WarningStatus.ORDERED.value
    w.order_id = order.id
    w.decided_at = now or utcnow()
    w.decided_by_id = principal.user_id
    session.flush()
    return order


def _warning_text(w: EarlyWarning, cat: Category | None, area: Area | None) -> str:
    place = area.name if area else "该区域"
    what = cat.name if cat else "同类问题"
    if w.kind == WarningKind.SPIKE:
        return (
            f"未诉先办预警:{place}{what}类诉求近7天 {w.observed} 件,"
            f"季节基线约 {w.expected:.1f} 件,请提前排查处置。"
        )
    spot = f"部件 {w.asset_id}" if w.asset_id else "同一地点"
    return f"未诉先办预警:{place}{spot}30天内 {w.observed} 次反映{what}问题,请现场核查根治。"


# --- monthly topics: candidates -----------------------------------------------------------------------

_STOP = frozenset(
    "的 了 和 是 在 有 我 我们 你 他 她 它 这 那 就 也 都 而 及 与"
    " 着 或 一个 没有 不 要 请 请求 希望 反映 问题 处理 解决 尽快 相关 部门 市民 来电 诉求 情况"
    " 表示 目前 现在 已经 一直 非常 严重 经常 每天 今天 昨天 一下 小区 附近 位于 称 能否 是否 进行 导致"
    " 造成 影响 存在 没 还 很 被 把 给 对 让 从 到 为 以 但 因为 所以"
    # the hotline's own formulae around a caller's words
    " 来电人 人家 人称 家住 了解 咨询 话务员 知识库 根据 具体"
    " 办理 流程 材料 所需 明显 此前 多次 曾向 至今".split()
)
_WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z]{2,}$")


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


def terms(text: str) -> list[str]:
    """The words (two characters or more, no stop words) of a text and its adjacent word pairs."""
    return list(_terms(text or ""))


@lru_cache(maxsize=20_000)
def _terms(text: str) -> tuple[str, ...]:
    words = [w for w in _jieba().lcut(text) if _WORD.match(w) and w not in _STOP]
    return tuple(words + [a + b for a, b in zip(words, words[1:], strict=False) if len(a + b) <= 8])


def c_tf_idf(classes: dict[str, list[list[str]]], top: int = 8) -> dict[str, list[tuple[str, float]]]:
    """Class-based TF-IDF (each class's documents joined into one): weight(t, c) = tf(t, c) ÷ |c| ×
    log(1 + A ÷ f(t)), A the mean number of terms per class, f(t) the term's count in all classes."""
    tf = {c: Counter(t for doc in docs for t in set(doc)) for c, docs in classes.items()}
    total = Counter()
    for counter in tf.values():
        total.update(counter)
    sizes = {c: sum(counter.values()) or 1 for c, counter in tf.items()}
    mean_size = fmean(sizes.values()) if sizes else 1.0
    out = {}
    for c, counter in tf.items():
        scored = [
            (t, n / sizes[c] * math.log(1 + mean_size / total[t])) for t, n in counter.items() if n >= 2
        ]
        scored.sort(key=lambda x: (-x[1], x[0]))
        chosen: list[tuple[str, float]] = []
        for t, w in scored:
            if any(t in kept or kept in t for kept, _ in chosen):
                continue  # a pair and its own words say the same thing
            chosen.append((t, round(w, 5)))
            if len(chosen) == top:
                break
        out[c] = chosen
    return out


def _representatives(docs: list[tuple[int, str, list[str]]], weights: dict[str, float], n: int = 3):
    def score(doc: tuple[int, str, list[str]]) -> float:
        ts = set(doc[2])
        return sum(weights.get(t, 0.0) for t in ts) / math.sqrt(len(ts) + 1)

    return sorted(docs, key=lambda d: (-score(d), d[0]))[:n]


def _place_of(path: str | None, level_codes: dict[str, Area]) -> Area | None:
    for code in reversed([c for c in (path or "").split("/") if c]):
        if code in level_codes:
            return level_codes[code]
    return None


def _month_cells(
    session: Session, *, month: str, clause, tax: _Taxonomy, level_codes: dict[str, Area]
) -> dict[tuple[int, int], dict[str, int]]:
    start, end = kpi_service.month_bounds(month)
    repeated = case((Order.reopen_count > 0, 1), (Order.merged_into_id.is_not(None), 1), else_=0)
    unhappy = case((Order.satisfaction == Satisfaction.DISSATISFIED.value, 1), else_=0)
    called = case((Order.satisfaction.is_not(None), 1), else_=0)
    stmt = (
        select(
            Order.area_path,
            Order.category_id,
            func.count(),
            func.sum(repeated),
            func.sum(unhappy),
            func.sum(called),
        )
        .where(
            Order.created_at >= start,
            Order.created_at < end,
            Order.category_id.is_not(None),
            Order.area_path.is_not(None),
            Order.proactive.is_(False),
        )
        .group_by(Order.area_path, Order.category_id)
    )
    if clause is not None:
        stmt = stmt.where(clause)
    cells: dict[tuple[int, int], dict[str, int]] = defaultdict(Counter)
    for path, cat_id, n, rep, bad, cb in session.execute(stmt):
        place = _place_of(path, level_codes)
        if place is None:
            continue
        c = cells[(place.id, tax.group_of.get(cat_id, cat_id))]
        c["volume"] += n
        c["repeated"] += int(rep or 0)
        c["dissatisfied"] += int(bad or 0)
        c["called_back"] += int(cb or 0)
    return cells


def _level_codes(session: Session, level: str) -> dict[str, Area]:
    return {a.code: a for a in session.scalars(select(Area).where(Area.level == level))}


def _score(volume: int, growth: float | None, repeat_rate: float, dissatisfied_rate: float) -> float:
    """volume × (1 + growth, 0..2) × (1 + repeat rate + dissatisfaction rate)."""
    g = min(max(growth or 0.0, 0.0), 2.0)
    return round(volume * (1 + g) * (1 + repeat_rate + dissatisfied_rate), 3)


def _texts(session: Session, *, month: str, clause, tax, level_codes, cells: set, cap: int = 150):
    """(order id, description, terms) of the month's orders, grouped by candidate cell, 'rest' the others."""
    start, end = kpi_service.month_bounds(month)
    stmt = select(Order.id, Order.area_path, Order.category_id, Order.description).where(
        Order.created_at >= start,
        Order.created_at < end,
        Order.category_id.is_not(None),
        Order.area_path.is_not(None),
        Order.proactive.is_(False),
    )
    if clause is not None:
        stmt = stmt.where(clause)
    out: dict[object, list[tuple[int, str, list[str]]]] = defaultdict(list)
    for oid, path, cat_id, text in session.execute(stmt.order_by(Order.id)):
        place = _place_of(path, level_codes)
        key = (place.id, tax.group_of.get(cat_id, cat_id)) if place else None
        key = key if key in cells else "rest"
        if len(out[key]) < (cap * 5 if key == "rest" else cap):
            out[key].append((oid, text, terms(text)))
    return out


def candidates(
    session: Session, *, principal: Principal, month: str, level: str = "community", limit: int = 10
) -> list[CandidateRead]:
    """The month's high-frequency problems, best first, with their figures, key phrases and texts."""
    month = kpi_service.parse_month(month)
    if level not in ("grid", "community", "street"):
        raise Unprocessable(f"level must be grid, community or street, got {level!r}", field="level")
    if not 1 <= limit <= 50:
        raise Unprocessable("limit must be between 1 and 50", field="limit")
    clause = _area_clause(principal, Order.area_path)
    tax = _taxonomy(session)
    codes = _level_codes(session, level)
    now_cells = _month_cells(session, month=month, clause=clause, tax=tax, level_codes=codes)
    before = _month_cells(
        session, month=kpi_service.previous_month(month), clause=clause, tax=tax, level_codes=codes
    )
    ranked = []
    for key, c in now_cells.items():
        if c["volume"] < 3:
            continue
        prev = before.get(key, {}).get("volume", 0)
        growth = (c["volume"] - prev) / prev if prev else None
        repeat_rate = c["repeated"] / c["volume"]
        bad_rate = c["dissatisfied"] / c["called_back"] if c["called_back"] else 0.0
        ranked.append(
            (_score(c["volume"], growth, repeat_rate, bad_rate), key, prev, growth, repeat_rate, bad_rate)
        )
    ranked.sort(key=lambda r: (-r[0], r[1]))
    ranked = ranked[:limit]
    return _describe(
        session, month=month, clause=clause, tax=tax, codes=codes, ranked=ranked, cells=now_cells
    )


def _describe(session, *, month, clause, tax, codes, ranked, cells) -> list[CandidateRead]:
    texts = _texts(
        session, month=month, clause=clause, tax=tax, level_codes=codes, cells={r[1] for r in ranked}
    )
    phrases = c_tf_idf({k: [d[2] for d in docs] for k, docs in texts.items()}, top=12)
    areas = {a.id: a for a in codes.values()}
    out = []
    for score, key, prev, growth, repeat_rate, bad_rate in ranked:
        area, cat = areas[key[0]], tax.by_id[key[1]]
        weights = dict(phrases.get(key, []))
        reps = _representatives(texts.get(key, []), weights)
        c = cells[key]
        out.append(
            CandidateRead(
                month=month,
                area_code=area.code,
                area_name=area.name,
                category_code=cat.code,
                category_name=cat.name,
                volume=c["volume"],
                previous_volume=prev,
                growth=None if growth is None else round(growth, 4),
                repeat_rate=round(repeat_rate, 4),
                dissatisfied_rate=round(bad_rate, 4),
                score=score,
                # The place's own name says nothing about the problem.
                key_phrases=[
                    t for t, _ in phrases.get(key, []) if t not in area.name and area.name[:2] not in t
                ][:8],
                representative=[{"order_id": oid, "text": text[:160]} for oid, text, _ in reps],
            )
        )
    return out


def candidate_for(session: Session, *, principal: Principal, month: str, area: Area, category: Category):
    """The figures and phrases of one scope (category group × area) in a month, chosen or not."""
    clause = _area_clause(principal, Order.area_path)
    tax = _taxonomy(session)
    codes = {area.code: area}
    group = tax.group_of.get(category.id, category.id)
    now_cells = _month_cells(session, month=month, clause=clause, tax=tax, level_codes=codes)
    before = _month_cells(
        session, month=kpi_service.previous_month(month), clause=clause, tax=tax, level_codes=codes
    )
    key = (area.id, group)
    c = now_cells.get(key) or Counter()
    if not c["volume"]:
        now_cells[key] = Counter(volume=0)
        c = now_cells[key]
    prev = before.get(key, {}).get("volume", 0)
    growth = (c["volume"] - prev) / prev if prev else None
    repeat_rate = c["repeated"] / c["volume"] if c["volume"] else 0.0
    bad_rate = c["dissatisfied"] / c["called_back"] if c["called_back"] else 0.0
    ranked = [(_score(c["volume"], growth, repeat_rate, bad_rate), key, prev, growth, repeat_rate, bad_rate)]
    # Phrases against the rest of the month in the whole place's level, not only this area.
    level_codes = _level_codes(session, area.level)
    return _describe(
        session, month=month, clause=clause, tax=tax, codes=level_codes, ranked=ranked, cells=now_cells
    )[0]


# --- monthly topics: choosing, tasks, orders, effect --------------------------------------------------


def _require_choose(principal: Principal, area: Area) -> None:
    if principal.role not in CHOOSE_ROLES:
        raise Forbidden("supervisor, planner or admin role required to choose a topic")
    if not _in_scope(principal, area.path):
        raise Forbidden("the area is outside your scope", field="area")


def _unit_by_code(session: Session, code: str, field_name: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise Unprocessable(f"unit {code!r} not found", field=field_name)
    return unit


def choose_topic(session: Session, *, principal: Principal, data: TopicCreate) -> Topic:
    month = kpi_service.parse_month(data.month)
    area = _area_by_code(session, data.area)
    category = _category_by_code(session, data.category)
    _require_choose(principal, area)
    tax = _taxonomy(session)
    group = tax.by_id[tax.group_of.get(category.id, category.id)]
    units = [_unit_by_code(session, t.unit, f"tasks[{i}].unit") for i, t in enumerate(data.tasks)]
    exists = session.scalar(
        select(Topic.id).where(Topic.month == month, Topic.category_id == group.id, Topic.area_id == area.id)
    )
    if exists:
        raise Conflict(f"topic {exists} already covers {group.code} in {area.code} for {month}", field="area")
    cand = candidate_for(session, principal=principal, month=month, area=area, category=group)
    topic = Topic(
        month=month,
        title=(data.title or f"{area.name}{group.name}问题").strip(),
        status=TopicStatus.ACTIVE.value,
        category_id=group.id,
        area_id=area.id,
        area_path=area.path,
        key_phrases=cand.key_phrases,
        figures=cand.model_dump(
            mode="json",
            include={
                "volume",
                "previous_volume",
                "growth",
                "repeat_rate",
                "dissatisfied_rate",
                "score",
                "representative",
            },
        ),
        chosen_by_id=principal.user_id,
        created_at=utcnow(),
    )
    session.add(topic)
    session.flush()
    for t, unit in zip(data.tasks, units, strict=True):
        session.add(TopicTask(topic_id=topic.id, unit_id=unit.id, title=t.title, created_at=utcnow()))
    session.flush()
    return topic


def get_topic(session: Session, *, principal: Principal, topic_id: int) -> Topic:
    _require_view(principal)
    topic = session.get(Topic, topic_id)
    if topic is None or not _in_scope(principal, topic.area_path):
        raise NotFound(f"topic {topic_id} not found")
    return topic


def list_topics(session: Session, *, principal: Principal, month: str | None = None) -> list[Topic]:
    clause = _area_clause(principal, Topic.area_path)
    stmt = select(Topic)
    if clause is not None:
        stmt = stmt.where(clause)
    if month:
        stmt = stmt.where(Topic.month == kpi_service.parse_month(month))
    return list(session.scalars(stmt.order_by(Topic.month.desc(), Topic.id.desc())))


def add_task(session: Session, *, principal: Principal, topic_id: int, data: TaskCreate) -> TopicTask:
    topic = get_topic(session, principal=principal, topic_id=topic_id)
    _require_choose(principal, session.get(Area, topic.area_id))
    unit = _unit_by_code(session, data.unit, "unit")
    task = TopicTask(topic_id=topic.id, unit_id=unit.id, title=data.title, created_at=utcnow())
    session.add(task)
    session.flush()
    return task


def finish_task(session: Session, *, principal: Principal, topic_id: int, task_id: int) -> TopicTask:
    topic = get_topic(session, principal=principal, topic_id=topic_id)
    _require_choose(principal, session.get(Area, topic.area_id))
    task = session.get(TopicTask, task_id)
    if task is None or task.topic_id != topic.id:
        raise NotFound(f"task {task_id} not found in topic {topic_id}")
    if task.status == "done":
        raise Conflict(f"task {task_id} is already done", field="status")
    task.status, task.done_at = "done", utcnow()
    session.flush()
    return task


def _scope_clause(session: Session, topic: Topic) -> ColumnElement[bool]:
    cat = session.get(Category, topic.category_id)
    return and_(
        Order.area_path.startswith(topic.area_path, autoescape=True),
        Order.category_id.in_(select(Category.id).where(Category.path.startswith(cat.path, autoescape=True))),
        Order.proactive.is_(False),
    )


def topic_orders(session: Session, *, principal: Principal, topic_id: int, limit: int = 200):
    """The topic's orders: its category (subtree) in its area, created in its month."""
    topic = get_topic(session, principal=principal, topic_id=topic_id)
    start, end = kpi_service.month_bounds(topic.month)
    stmt = select(Order).where(
        _scope_clause(session, topic), Order.created_at >= start, Order.created_at < end
    )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    orders = list(session.scalars(stmt.order_by(Order.created_at.desc()).limit(limit)))
    return orders_service.summaries(session, orders=orders, principal=principal), total


def _add_months(month: str, n: int) -> str:
    year, mon = int(month[:4]), int(month[5:]) - 1 + n
    return f"{year + mon // 12}-{mon % 12 + 1:02d}"


def effect(
    session: Session, *, principal: Principal, topic_id: int, months: int = 3, now: datetime | None = None
) -> EffectRead:
    """Complaints in the topic's scope in the `months` months before its month vs the months after it
    (the topic's own month is the work, left out), against the areas of the same level (mean), as a
    difference in differences of monthly means: (treated after − before) − (comparison after − before).
    Months not yet over are left out of the after side; negative: fewer complaints than the trend."""
    if not 1 <= months <= 12:
        raise Unprocessable("months must be between 1 and 12", field="months")
    topic = get_topic(session, principal=principal, topic_id=topic_id)
    now = now or utcnow()
    area = session.get(Area, topic.area_id)
    cat = session.get(Category, topic.category_id)
    before_start = kpi_service.month_bounds(_add_months(topic.month, -months))[0]
    pivot = kpi_service.month_bounds(topic.month)[0]
    after_start = kpi_service.month_bounds(topic.month)[1]
    after_months = [
        m
        for m in (_add_months(topic.month, k) for k in range(1, months + 1))
        if kpi_service.month_bounds(m)[1] <= now
    ]
    after_end = kpi_service.month_bounds(after_months[-1])[1] if after_months else after_start
    side = case((Order.created_at < pivot, "before"), else_="after")
    stmt = (
        select(Order.area_path, side, func.count())
        .where(
            Order.category_id.in_(
                select(Category.id).where(Category.path.startswith(cat.path, autoescape=True))
            ),
            Order.proactive.is_(False),
            Order.area_path.is_not(None),
            ((Order.created_at >= before_start) & (Order.created_at < pivot))
            | ((Order.created_at >= after_start) & (Order.created_at < after_end)),
        )
        .group_by(Order.area_path, side)
    )
    peers = {
        a.code: a
        for a in session.scalars(select(Area).where(Area.level == area.level, Area.active.is_(True)))
    }
    counts: dict[str, Counter] = defaultdict(Counter)
    for path, when, n in session.execute(stmt):
        place = _place_of(path, peers)
        if place is not None:
            counts[place.code][when] += n
    n_after = len(after_months)
    treated_before = counts[area.code]["before"] / months
    treated_after = counts[area.code]["after"] / n_after if n_after else None
    others = [code for code in peers if code != area.code]
    k = len(others) or 1
    comp_before = sum(counts[c]["before"] for c in others) / k / months
    comp_after = sum(counts[c]["after"] for c in others) / k / n_after if n_after else None
    did = None
    if treated_after is not None and others:
        did = round((treated_after - treated_before) - (comp_after - comp_before), 4)
    if did is None:
        summary = "选题月之后尚无完整月份,暂无法评估成效" if not n_after else "没有可比区域,无法做双重差分"
    else:
        verdict = "(少于对照趋势)" if did < 0 else "(未见下降)" if did > 0 else "(与对照持平)"
        summary = (
            f"选题前{months}个月与之后{n_after}个月的月均诉求:"
            f"本区域 {treated_before:.1f} → {treated_after:.1f} 件,"
            f"可比区域平均 {comp_before:.1f} → {comp_after:.1f} 件;双重差分 {did:+.1f} 件/月{verdict}"
        )
    return EffectRead(
        topic_id=topic.id,
        area_code=area.code,
        category_code=cat.code,
        months_before=months,
        months_after=n_after,
        treated_before=round(treated_before, 4),
        treated_after=None if treated_after is None else round(treated_after, 4),
        comparison_before=round(comp_before, 4),
        comparison_after=None if comp_after is None else round(comp_after, 4),
        comparison_areas=others,
        did=did,
        summary=summary,
    )


def read_topic(session: Session, *, topic: Topic) -> TopicRead:
    area = session.get(Area, topic.area_id)
    cat = session.get(Category, topic.category_id)
    tasks = list(
        session.scalars(select(TopicTask).where(TopicTask.topic_id == topic.id).order_by(TopicTask.id))
    )
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_({t.unit_id for t in tasks})))}
    return TopicRead(
        id=topic.id,
        month=topic.month,
        title=topic.title,
        status=topic.status,
        status_label=TopicStatus(topic.status).label,
        area_code=area.code,
        area_name=area.name,
        category_code=cat.code,
        category_name=cat.name,
        key_phrases=list(topic.key_phrases or []),
        figures=dict(topic.figures or {}),
        tasks=[
            {
                "id": t.id,
                "title": t.title,
                "unit": units[t.unit_id].code,
                "unit_name": units[t.unit_id].name,
                "status": t.status,
                "done_at": t.done_at,
            }
            for t in tasks
        ],
        units=sorted({units[t.unit_id].name for t in tasks}),
        created_at=topic.created_at,
    )


def raise_micro_project(session: Session, *, principal: Principal, topic_id: int):
    """Put the topic into the micro-project library (微民生微服务项目库) as a proposal from 每月一题."""
    topic = get_topic(session, principal=principal, topic_id=topic_id)
    area = session.get(Area, topic.area_id)
    phrases = "、".join((topic.key_phrases or [])[:5])
    data = MicroCreate(
        year=int(topic.month[:4]),
        title=topic.title[:200],
        description=f"每月一题({topic.month})。关键词:{phrases}" if phrases else f"每月一题({topic.month})",
        source=MicroSource.TOPIC,
        source_ref=f"topic:{topic.id}",
        area=area.code,
    )
    return plans_service.create_micro(session, principal=principal, data=data)
