"""Monthly topics (每月一题).

Candidates are clusters of one month's orders by category (second level) × place (community,
or another level), ranked by volume, growth on the previous month, repeat rate and dissatisfaction;
each comes with key phrases (c-TF-IDF of jieba words and word pairs, the cluster against the rest of
the month) and representative texts. A chosen topic links its orders (its scope), its tasks and units,
and measures its effect as a difference in differences against the areas of the same level.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from huitian.areas.models import Area
from huitian.auth.service import Principal
from huitian.categories.models import Category
from huitian.db import utcnow
from huitian.errors import Conflict, Forbidden, NotFound, Unprocessable
from huitian.kpi import service as kpi_service
from huitian.orders import service as orders_service
from huitian.orders.enums import Satisfaction
from huitian.orders.models import Order
from huitian.plans import service as plans_service
from huitian.plans.enums import MicroSource
from huitian.plans.schemas import MicroCreate
from huitian.proactive.enums import TopicStatus
from huitian.proactive.models import Topic, TopicTask
from huitian.proactive.phrases import _representatives, c_tf_idf, terms
from huitian.proactive.schemas import (
    CandidateRead,
    EffectRead,
    TaskCreate,
    TopicCreate,
    TopicRead,
)
from huitian.proactive.scope import (
    CHOOSE_ROLES,
    _area_by_code,
    _area_clause,
    _category_by_code,
    _in_scope,
    _require_view,
    _Taxonomy,
    _taxonomy,
)
from huitian.units.models import Unit

# --- monthly topics: candidates -----------------------------------------------------------------------


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
