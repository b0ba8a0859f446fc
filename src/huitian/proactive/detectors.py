"""Early warnings (未诉先办): the detectors and the run that records what they find.

A *spike* is a grid (or community) × category week well above what that cell normally
sees at this time of year: the expected count is the larger of the recent weeks' mean and the mean of
the same weeks last year, so heating in November or flooding in July at their seasonal normal do not
fire; the bound is a negative-binomial (or Poisson) upper quantile. A *repeat* is the same category
again and again at one spot (≈50 m) or on one city part (asset) within 30 days. `spike_test` is pure
so that the backtest (bench/backtest.py) uses the very same detector.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import fmean, pvariance

from scipy import stats
from sqlalchemy import Float, and_, case, func, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from huitian.areas.models import Area
from huitian.db import utcnow
from huitian.orders.models import Order
from huitian.proactive.enums import WarningKind, WarningStatus
from huitian.proactive.models import EarlyWarning
from huitian.proactive.scope import _centre, _Taxonomy, _taxonomy

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


class _floor(FunctionElement):
    """floor(x), as Python's math.floor of the same double: PostgreSQL's own; on SQLite, whose floor()
    exists only when its math functions are compiled in, the integer part less one where x lies below it."""

    type = Float()
    name = "floor"
    inherit_cache = True


@compiles(_floor)
def _floor_sql(element, compiler, **kw):
    return f"floor({compiler.process(element.clauses, **kw)})"


@compiles(_floor, "sqlite")
def _floor_sqlite(element, compiler, **kw):
    x = compiler.process(element.clauses, **kw)
    return f"(CAST({x} AS INTEGER) - ({x} < CAST({x} AS INTEGER)))"


def detect_repeats(session: Session, *, end: datetime) -> list[_Found]:
    """The same category (group) again and again on one city part or at one spot within 30 days.

    The database counts the orders per (part, group) and per (≈50 m cell, group) and hands back only
    the orders of those seen REPEAT_MIN times or more; a month of orders stays in the database."""
    tax = _taxonomy(session)
    start = end - REPEAT_WINDOW
    lifted = {c: g for c, g in tax.group_of.items() if c != g}  # categories below the group level
    grp = case(lifted, value=Order.category_id, else_=Order.category_id) if lifted else Order.category_id
    cell_lat = _floor(Order.lat / PLACE_CELL_DEG)
    cell_lon = _floor(Order.lon / PLACE_CELL_DEG)
    window = (
        Order.created_at >= start,
        Order.created_at < end,
        Order.category_id.is_not(None),
        Order.proactive.is_(False),
    )
    repeated_parts = (
        select(Order.asset_id, grp)
        .where(*window, Order.asset_id.is_not(None))
        .group_by(Order.asset_id, grp)
        .having(func.count() >= REPEAT_MIN)
    )
    on_spot = (Order.asset_id.is_(None), Order.lat.is_not(None), Order.lon.is_not(None))
    repeated_spots = (
        select(cell_lat, cell_lon, grp)
        .where(*window, *on_spot)
        .group_by(cell_lat, cell_lon, grp)
        .having(func.count() >= REPEAT_MIN)
    )
    rows = session.execute(
        select(
            Order.id, Order.asset_id, Order.lat, Order.lon, Order.area_id, Order.area_path, Order.category_id
        )
        .where(
            *window,
            or_(
                tuple_(Order.asset_id, grp).in_(repeated_parts),
                and_(*on_spot, tuple_(cell_lat, cell_lon, grp).in_(repeated_spots)),
            ),
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
