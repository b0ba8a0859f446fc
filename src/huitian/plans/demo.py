"""Plausible progress on the seed plans for the demo: projects under the tasks of the 2021–2025 action plan
and the 2022 work plan, with milestones (some late), progress reports (some missing), supervision notes
(督办) and the micro-project library (微民生微服务项目库).

Everything goes through plans.service (areas and units are read through their own services), so the
demo's rows are exactly what the application would have written. Seeded: the same seed and the same
``today`` give the same rows.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from shapely.geometry import Point, shape
from sqlalchemy.orm import Session

from huitian.areas import service as areas_service
from huitian.areas.enums import AreaLevel
from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.plans import service as plans_service
from huitian.plans.enums import (
    MICRO_YEARLY_TARGET,
    MicroSource,
    MicroStatus,
    ProjectStatus,
    ProjectType,
    ReportStatus,
)
from huitian.plans.schemas import (
    MicroCreate,
    MicroUpdate,
    MilestoneCreate,
    NoteCreate,
    NoteFollowUp,
    ProjectCreate,
    ReportCreate,
)
from huitian.units import service as units_service
from huitian.units.enums import UnitKind

T = ProjectType
# Themes: words of a task's title/text → project names ({p} = the place) with their type.
THEMES: list[tuple[tuple[str, ...], list[tuple[str, ProjectType]]]] = [
    (
        ("教育", "学位", "学校", "幼儿园"),
        [
            ("{p}小学新建工程", T.NEW_BUILD),
            ("{p}幼儿园建设", T.NEW_BUILD),
            ("{p}中学改扩建", T.RENOVATION),
            ("{p}配套学校移交启用", T.RENOVATION),
        ],
    ),
    (
        ("医疗", "卫生"),
        [("{p}社区卫生服务中心", T.NEW_BUILD), ("{p}社区卫生服务站改造", T.RENOVATION)],
    ),
    (
        ("文化",),
        [("{p}综合文化中心", T.NEW_BUILD), ("{p}社区文化活动室达标改造", T.RENOVATION)],
    ),
    (
        ("体育",),
        [("{p}全民健身场地", T.RENOVATION), ("{p}口袋体育公园", T.MICRO), ("{p}多功能运动场", T.NEW_BUILD)],
    ),
    (
        ("养老", "助残", "托育"),
        [("{p}养老服务驿站", T.RENOVATION), ("{p}社区托育点", T.MICRO), ("{p}无障碍环境改造", T.MICRO)],
    ),
    (
        ("停车",),
        [("{p}立体停车场", T.NEW_BUILD), ("{p}错时共享停车位", T.MICRO), ("{p}地下停车场", T.NEW_BUILD)],
    ),
    (
        ("道路", "路网", "交通", "上跨下穿"),
        [("{p}周边道路工程", T.NEW_BUILD), ("{p}断头路打通", T.NEW_BUILD), ("{p}道路大中修", T.RENOVATION)],
    ),
    (
        ("轨道",),
        [("{p}地铁站接驳改造", T.RENOVATION), ("{p}轨道站点一体化", T.NEW_BUILD)],
    ),
    (
        ("绿色出行", "慢行", "公交", "自行车"),
        [("{p}慢行系统", T.NEW_BUILD), ("{p}共享单车入栏结算点位", T.MICRO), ("{p}公交场站", T.NEW_BUILD)],
    ),
    (
        ("市政", "防灾", "输变电", "管网", "水务"),
        [("{p}雨污管线改造", T.RENOVATION), ("{p}积水点治理", T.MICRO), ("{p}输变电配套工程", T.NEW_BUILD)],
    ),
    (
        ("公园", "绿地", "绿色空间", "绿道"),
        [("{p}口袋公园", T.MICRO), ("{p}城市休闲公园", T.NEW_BUILD), ("{p}绿道贯通", T.RENOVATION)],
    ),
    (
        ("秩序", "整治", "背街小巷"),
        [("{p}背街小巷精细化整治", T.RENOVATION), ("{p}人防工程功能恢复", T.RENOVATION)],
    ),
    (
        ("更新", "老旧小区", "微提升"),
        [("{p}老旧小区综合整治", T.RENOVATION), ("{p}公共空间微改造", T.MICRO), ("{p}楼道加装电梯", T.MICRO)],
    ),
    (
        ("消费", "商业", "便民"),
        [("{p}便民商业网点", T.MICRO), ("{p}特色商业街区提升", T.RENOVATION)],
    ),
    (
        ("产业", "创新", "科技"),
        [("{p}双创社区空间", T.RENOVATION), ("{p}产业服务中心", T.NEW_BUILD)],
    ),
    (
        ("党建", "报到", "参与", "共治", "治理"),
        [("{p}社区议事厅", T.MICRO), ("{p}社会工作服务中心", T.RENOVATION), ("{p}志愿服务站", T.MICRO)],
    ),
]
GENERIC = [("{p}配套设施提升", T.RENOVATION), ("{p}便民服务点", T.MICRO)]

MILESTONES = {
    T.NEW_BUILD: ["立项批复", "开工建设", "主体完工", "竣工验收"],
    T.RENOVATION: ["方案设计", "进场施工", "完工验收"],
    T.MICRO: ["居民议事定方案", "实施", "验收"],
}
BUDGET = {T.NEW_BUILD: (3000, 30000), T.RENOVATION: (300, 5000), T.MICRO: (10, 200)}

MICRO_TITLES = [
    "加装楼道扶手",
    "增设休闲座椅",
    "更换破损井盖",
    "补建充电桩",
    "增设快递柜",
    "修缮健身器材",
    "改造垃圾分类驿站",
    "增设无障碍坡道",
    "修补破损步道",
    "增补路灯照明",
    "打造口袋花园",
    "规范非机动车停放",
    "设置便民晾晒区",
    "改造社区小广场",
    "增设儿童游乐设施",
    "清理楼道堆物",
]

REPORT_TEXT = {
    ReportStatus.ON_TRACK: "本期按计划推进，{m}。",
    ReportStatus.OFF_TRACK: "本期进度滞后：{m}，正协调施工力量加快推进。",
    ReportStatus.BLOCKED: "遇到阻碍：{m}受征拆和管线迁改影响暂停，需专班协调。",
}
NOTES = [
    "节点逾期，请牵头单位说明原因并报送赶工计划",
    "连续两期未报送进度，请于下周一前补报",
    "居民反映施工扰民，请优化施工时间并做好沟通",
    "征拆难点久拖未决，请区政府牵头召开专题会",
]
FOLLOW_UPS = ["已召开专题会，明确赶工计划", "已补报进度并落实专人负责", "已调整夜间施工安排，居民诉求已回复"]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _month(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def _theme(title: str, text: str) -> list[tuple[str, ProjectType]]:
    """Project names for a task: the themes its title names, else those its text names, else generic."""
    for source in (title, text):
        names = [n for words, pool in THEMES if any(w in source for w in words) for n in pool]
        if names:
            return names
    return GENERIC


def _point(rng: random.Random, geometry: dict | None) -> tuple[float | None, float | None]:
    if not geometry:
        return None, None
    geom = shape(geometry)
    minx, miny, maxx, maxy = geom.bounds
    for _ in range(50):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if geom.contains(Point(x, y)):
            return round(y, 6), round(x, 6)
    p = geom.representative_point()
    return round(p.y, 6), round(p.x, 6)


def seed_demo_progress(
    session: Session, *, rng_seed: int = 2026, today: date | None = None
) -> dict[str, int]:
    """Projects, milestones, reports, supervision notes and micro-projects on the loaded seed plans.
    Returns the counts written; writes nothing (all zeros) when the seed plans already have projects."""
    rng = random.Random(rng_seed)
    today = today or plans_service.today()
    counts = {"projects": 0, "milestones": 0, "reports": 0, "notes": 0, "micro_projects": 0}
    plans = [p for p in plans_service.list_plans(session) if p.code in ("huitian-2021-2025", "huitian-2022")]
    reads = [plans_service.read_plan(session, plan_id=p.id) for p in plans]
    if not reads or any(t.projects for r in reads for t in r.tasks):
        return counts

    # Places: communities (most projects) and streets, each with the street office that serves it.
    streets = areas_service.list_areas(session, level=AreaLevel.STREET)
    communities = areas_service.list_areas(session, level=AreaLevel.COMMUNITY)
    places = communities + streets if communities else streets
    offices = units_service.list_units(session, kind=UnitKind.STREET_OFFICE)
    served = units_service.served_areas(session, unit_ids=[u.id for u in offices])
    office_of: dict[str, str] = {}
    for u in offices:
        for code in served[u.id]:
            office_of.setdefault(code, u.code)
    if not places:
        return counts

    def office_for(path: str) -> str | None:
        for code in reversed([c for c in path.split("/") if c]):
            if code in office_of:
                return office_of[code]
        return None

    admin = Principal(role=Role.ADMIN, name="系统导入")
    planner = Principal(role=Role.PLANNER, name="回天专班", area_path="/")
    late_projects = []
    used: set[str] = set()  # project names, unique over both plans
    for plan in reads:
        start = date(int(plan.period[:4]), 1, 1)
        end = date(int(plan.period[-4:]), 12, 31)
        for task in plan.tasks:
            if rng.random() < 0.15:  # a few tasks are policy only, without projects
                continue
            names = _theme(task.title, task.text)
            for _ in range(rng.randint(1, 4)):
                area = rng.choice(communities if communities and rng.random() < 0.75 else places)
                template, ptype = rng.choice(names)
                name = template.format(p=area.name).replace("社区社区", "社区")
                if name in used:
                    name += "（二期）"
                if name in used:
                    continue
                used.add(name)
                project, late = _project(
                    session, rng, admin, task, area, name, ptype, start, end, today, office_for
                )
                counts["projects"] += 1
                counts["milestones"] += len(MILESTONES[ptype])
                counts["reports"] += _reports(session, rng, task, project, today)
                if late:
                    late_projects.append(project)
            if task.targets and rng.random() < 0.85:  # a task report with figures toward its targets
                counts["reports"] += _task_report(session, rng, task, plan.period, today)

    # Supervision notes (督办) on some of the late projects, half of them followed up.
    for i, project in enumerate(late_projects[::3][:8]):
        note = plans_service.add_note(
            session,
            principal=planner,
            data=NoteCreate(project_id=project.id, text=rng.choice(NOTES), due=today + timedelta(days=14)),
            now=_at(today - timedelta(days=rng.randint(10, 40))),
        )
        counts["notes"] += 1
        if i % 2 == 0:
            plans_service.follow_up_note(
                session,
                principal=admin,
                note_id=note.id,
                data=NoteFollowUp(follow_up=rng.choice(FOLLOW_UPS), resolved=i % 4 == 0),
                now=_at(today - timedelta(days=rng.randint(1, 9))),
            )

    counts["micro_projects"] = _micro_library(session, rng, places, office_for, today)
    return counts


def _project(session, rng, admin, task, area, name, ptype, start, end, today, office_for):
    """One project with its milestones; returns (project, whether a milestone is overdue)."""
    steps = MILESTONES[ptype]
    span_days = (end - start).days
    months = {T.NEW_BUILD: (14, 30), T.RENOVATION: (5, 14), T.MICRO: (2, 5)}[ptype]
    duration = min(span_days, rng.randint(*months) * 30)
    first = start + timedelta(days=rng.randint(0, max(0, span_days - duration)))
    planned = [first + timedelta(days=duration * i // (len(steps) - 1)) for i in range(len(steps))]
    lagging = rng.random() < 0.22  # stops at some step: overdue milestones, maybe blocked
    stop = rng.randint(1, len(steps) - 1) if lagging else len(steps)
    actual: list[date | None] = []
    for i, day in enumerate(planned):
        if i >= stop or day > today:
            actual.append(None)
            continue
        slip = rng.choice([-7, -3, 0, 0, 5, 10, 20]) + (rng.randint(30, 90) if rng.random() < 0.15 else 0)
        done = day + timedelta(days=slip)
        if actual and actual[-1] is not None and done < actual[-1]:
            done = actual[-1]
        if done > today:
            break
        actual.append(done)
    actual += [None] * (len(steps) - len(actual))
    done_count = sum(1 for a in actual if a is not None)
    overdue = any(a is None and p < today for p, a in zip(planned, actual, strict=True))
    if done_count == len(steps):
        status, progress = ProjectStatus.DONE, 100.0
    elif done_count == 0 and not overdue:
        status, progress = ProjectStatus.PLANNED, 0.0
    else:
        status = ProjectStatus.BLOCKED if overdue and rng.random() < 0.3 else ProjectStatus.IN_PROGRESS
        progress = round(min(95.0, 100 * done_count / len(steps) + rng.uniform(0, 100 / len(steps))), 1)
    lat, lon = _point(rng, area.geometry)
    lead_pool = task.lead_units + task.co_units[:1]
    lead = (
        [lead_pool[0] if rng.random() < 0.65 or len(lead_pool) == 1 else lead_pool[-1]] if lead_pool else []
    )
    co = [u for u in task.co_units[:2] if u not in lead]
    office = office_for(area.path)
    if office:
        co.append(office)
    low, high = BUDGET[ptype]
    project = plans_service.create_project(
        session,
        principal=admin,
        data=ProjectCreate(
            task_id=task.id,
            name=name,
            type=ptype,
            status=status,
            progress=progress,
            budget=round(rng.uniform(low, high), 1),
            area=area.code,
            lat=lat,
            lon=lon,
            lead_units=lead,
            co_units=co,
            completed_on=actual[-1] if status == ProjectStatus.DONE else None,
        ),
        now=_at(min(first - timedelta(days=30), today)),
    )
    for step, p, a in zip(steps, planned, actual, strict=True):
        plans_service.add_milestone(
            session,
            principal=admin,
            project_id=project.id,
            data=MilestoneCreate(name=step, planned_on=p, actual_on=a),
        )
    return project, overdue and status != ProjectStatus.DONE


def _reports(session, rng, task, project, today) -> int:
    """Monthly reports of an open project over its recent months; some stopped a while ago (late)."""
    if project.status in (ProjectStatus.DONE, ProjectStatus.PLANNED):
        return 0
    reporter = Principal(role=Role.ADMIN, name=(task.lead_units or ["牵头单位"])[0])
    gap = rng.choice([0, 0, 0, 0, 1, 2, 3, 4])  # months since the last report: > 1 is late
    months = rng.randint(2, 5)
    final = project.progress
    status = (
        ReportStatus.BLOCKED
        if project.status == ProjectStatus.BLOCKED
        else ReportStatus.OFF_TRACK
        if rng.random() < 0.25
        else ReportStatus.ON_TRACK
    )
    n = 0
    for k in range(months, 0, -1):
        day = plans_service.add_months(today, -(gap + k - 1)).replace(day=min(today.day, 25))
        day = min(day - timedelta(days=rng.randint(0, 4)), today)
        progress = round(max(0.0, final - 6 * (k - 1) * rng.uniform(0.5, 1.5)), 1)
        last = k == 1
        plans_service.submit_report(
            session,
            principal=reporter,
            data=ReportCreate(
                project_id=project.id,
                period=_month(day),
                text=REPORT_TEXT[status if last else ReportStatus.ON_TRACK].format(m=project.name),
                status=status if last else ReportStatus.ON_TRACK,
                progress=progress,
            ),
            now=_at(day, 16),
        )
        n += 1
    return n


def _task_report(session, rng, task, period, today) -> int:
    """One monthly report on the task with figures toward its targets."""
    figures = {}
    for tg in task.targets:
        base = tg.baseline or 0.0
        share = rng.uniform(0.55, 1.08)
        value = base + (tg.target - base) * share
        figures[tg.id] = round(value, 1) if tg.measure in ("%", "公里") else float(round(value))
    day = today - timedelta(days=rng.randint(1, 20))
    plans_service.submit_report(
        session,
        principal=Principal(role=Role.ADMIN, name=(task.lead_units or ["牵头单位"])[0]),
        data=ReportCreate(
            task_id=task.id,
            period=_month(day),
            text=f"{task.title}：本月汇总各项目进展，主要指标完成情况见附表。",
            figures=figures,
        ),
        now=_at(day, 15),
    )
    return 1


def _micro_library(session, rng, places, office_for, today) -> int:
    """The micro-project library: this year's entries in every state (count below the target of 100),
    a few from last year done."""
    admin = Principal(role=Role.ADMIN, name="回天专班")
    n = 0
    for year, count in ((today.year - 1, 8), (today.year, min(MICRO_YEARLY_TARGET // 2, 44))):
        for i in range(count):
            area = rng.choice(places)
            source = MicroSource.TOPIC if i % 5 == 0 else MicroSource.MANUAL
            micro = plans_service.create_micro(
                session,
                principal=admin,
                data=MicroCreate(
                    year=year,
                    title=f"{area.name}{rng.choice(MICRO_TITLES)}",
                    description="居民通过12345和社区议事会反映，拟纳入微民生微服务项目库。",
                    source=source,
                    area=area.code,
                    unit=office_for(area.path),
                ),
                now=_at(
                    min(
                        today, date(year, rng.randint(1, 3 if year == today.year else 12), rng.randint(1, 28))
                    )
                ),
            )
            n += 1
            if year < today.year:
                status = MicroStatus.DONE
            else:
                status = rng.choices(
                    [MicroStatus.PROPOSED, MicroStatus.APPROVED, MicroStatus.IN_PROGRESS, MicroStatus.DONE],
                    weights=[2, 3, 3, 3],
                )[0]
            if status != MicroStatus.PROPOSED:
                plans_service.update_micro(
                    session,
                    principal=admin,
                    micro_id=micro.id,
                    data=MicroUpdate(status=status),
                    now=_at(min(today, date(year, rng.randint(3, 12), rng.randint(1, 28)))),
                )
    return n


__all__ = ["seed_demo_progress"]
