"""Plans and projects: the seed plans, scoped edits, progress roll-up, late flags, the monthly dispatch
sheet (月调度), the micro-project library and the before/after measure of a finished project."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from huitian.areas import service as areas_service
from huitian.areas.models import Area
from huitian.auth.enums import UNIT_ROLES, Role
from huitian.auth.service import Principal
from huitian.categories import service as categories_service
from huitian.categories.models import Category
from huitian.db import utcnow
from huitian.errors import Forbidden, NotFound, Unprocessable
from huitian.orders.models import Order
from huitian.plans.enums import (
    MICRO_YEARLY_TARGET,
    MicroStatus,
    PlanKind,
    ProjectStatus,
    ReportCycle,
    ReportStatus,
    UnitRole,
)
from huitian.plans.models import (
    MicroProject,
    Milestone,
    Plan,
    PlanSection,
    PlanTarget,
    PlanTask,
    ProgressReport,
    Project,
    Responsibility,
    SupervisionNote,
)
from huitian.plans.schemas import (
    DispatchSheet,
    EffectRead,
    EffectSide,
    FlagRead,
    MicroCreate,
    MicroPage,
    MicroRead,
    MicroUpdate,
    MilestoneCreate,
    MilestoneRead,
    MilestoneUpdate,
    NoteCreate,
    NoteFollowUp,
    NoteRead,
    PlanRead,
    PlanSummary,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
    ReportCreate,
    SheetItem,
    TargetRead,
    TaskRead,
)
from huitian.sla import service as sla_service
from huitian.units.models import Unit

DATA_DIR = Path(__file__).parent / "data"
SEED_FILES = ("huitian-2021-2025.json", "huitian-2022.json")  # parents first


def today(now: datetime | None = None) -> date:
    """The installation's local date (Asia/Shanghai): what "today" means on a plan's timetable."""
    return (now or utcnow()).astimezone(sla_service.local_tz()).date()


# --- seed plans -----------------------------------------------------------------------------------


def _unit_links(session: Session) -> dict[str, int]:
    """Unit name as written in a plan → unit id, through the alias table and exact names."""
    aliases = json.loads((DATA_DIR / "unit_aliases.json").read_text(encoding="utf-8"))
    by_code = dict(session.execute(select(Unit.code, Unit.id)).tuples().all())
    links = dict(session.execute(select(Unit.name, Unit.id)).tuples().all())
    for name, code in aliases.items():
        if not name.startswith("_") and code in by_code:
            links[name] = by_code[code]
    return links


def load_seed_plans(session: Session) -> list[Plan]:
    """Import the 2021–2025 action plan and the 2022 work plan from plans/data (idempotent: a plan whose
    code is already present is left as it is)."""
    links = _unit_links(session)
    plans = []
    for name in SEED_FILES:
        doc = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
        plan = session.scalar(select(Plan).where(Plan.code == doc["code"]))
        if plan is None:
            plan = _import_plan(session, doc=doc, links=links)
        plans.append(plan)
    return plans


def _import_plan(session: Session, *, doc: dict, links: dict[str, int]) -> Plan:
    parent = session.scalar(select(Plan).where(Plan.code == doc["parent"])) if doc.get("parent") else None
    plan = Plan(
        code=doc["code"],
        title=doc["title"],
        kind=PlanKind(doc["kind"]).value,
        start_year=doc["start_year"],
        end_year=doc["end_year"],
        parent_id=parent.id if parent else None,
        issuer=doc.get("issuer"),
        issued_on=date.fromisoformat(doc["issued_on"]) if doc.get("issued_on") else None,
        document_no=doc.get("document_no"),
    )
    session.add(plan)
    session.flush()
    position = 0
    for s_pos, sec in enumerate(doc["sections"]):
        section = PlanSection(
            plan_id=plan.id, number=sec["number"], title=sec["title"], intro=sec.get("intro"), position=s_pos
        )
        session.add(section)
        session.flush()
        for t in sec["tasks"]:
            task = PlanTask(
                plan_id=plan.id,
                section_id=section.id,
                number=t["number"],
                title=t["title"],
                text=t["text"],
                responsible_as_written=t.get("responsible_as_written"),
                report_cycle=ReportCycle.MONTHLY.value,
                position=position,
            )
            position += 1
            session.add(task)
            session.flush()
            for role, names in ((UnitRole.LEAD, t["lead_units"]), (UnitRole.CO, t["co_units"])):
                for i, unit_name in enumerate(names):
                    session.add(
                        Responsibility(
                            task_id=task.id,
                            role=role.value,
                            unit_name=unit_name,
                            unit_id=links.get(unit_name),
                            position=i,
                        )
                    )
            for i, tg in enumerate(t["targets"]):
                session.add(
                    PlanTarget(
                        plan_id=plan.id,
                        task_id=task.id,
                        indicator=tg["indicator"],
                        measure=tg["measure"],
                        comparator=tg["comparator"],
                        baseline=tg.get("baseline"),
                        target=tg["target"],
                        due=date.fromisoformat(tg["due"]) if tg.get("due") else None,
                        quote=tg.get("quote"),
                        position=i,
                    )
                )
    session.flush()
    return plan


# --- reading plans --------------------------------------------------------------------------------


def _period(plan: Plan) -> str:
    return str(plan.start_year) if plan.start_year == plan.end_year else f"{plan.start_year}-{plan.end_year}"


def list_plans(session: Session) -> list[PlanSummary]:
    counts = dict(
        session.execute(select(PlanTask.plan_id, func.count()).group_by(PlanTask.plan_id)).tuples().all()
    )
    plans = session.scalars(select(Plan).order_by(Plan.start_year, Plan.id))
    return [_summary(p, counts.get(p.id, 0)) for p in plans]


def _summary(plan: Plan, tasks_count: int) -> PlanSummary:
    return PlanSummary(
        id=plan.id,
        code=plan.code,
        title=plan.title,
        kind=plan.kind,
        period=_period(plan),
        parent_id=plan.parent_id,
        tasks_count=tasks_count,
    )


def get_plan(session: Session, *, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"plan {plan_id} not found")
    return plan


def get_task(session: Session, *, task_id: int, field: str | None = None) -> PlanTask:
    task = session.get(PlanTask, task_id)
    if task is None:
        if field:
            raise Unprocessable(f"task {task_id} not found", field=field)
        raise NotFound(f"task {task_id} not found")
    return task


def weighted_mean(items: list[tuple[float, float | None]]) -> float | None:
    """Mean of (value, weight) pairs, weighted by the weights when every item has a positive one
    (budgets), else equally."""
    if not items:
        return None
    weights = [w for _, w in items]
    if all(w is not None and w > 0 for w in weights):
        total = sum(weights)  # type: ignore[arg-type]
        return sum(v * w for v, w in items) / total  # type: ignore[operator]
    return sum(v for v, _ in items) / len(items)


def _rolled_progress(projects: list[Project]) -> dict[int, float]:
    """Each project's progress: its own figure for a leaf (100 when done), else the weighted mean of its
    sub-projects (weights = budgets, or equal)."""
    children: dict[int | None, list[Project]] = defaultdict(list)
    for p in projects:
        children[p.parent_id].append(p)
    out: dict[int, float] = {}

    def walk(p: Project) -> float:
        if p.id in out:
            return out[p.id]
        kids = children.get(p.id, [])
        if kids:
            value = weighted_mean([(walk(k), k.budget) for k in kids]) or 0.0
        else:
            value = 100.0 if p.status == ProjectStatus.DONE else float(p.progress or 0)
        out[p.id] = value
        return value

    for p in projects:
        walk(p)
    return out


def task_progress(projects: list[Project], rolled: dict[int, float], last_report: ProgressReport | None):
    top = [p for p in projects if p.parent_id is None]
    if top:
        return weighted_mean([(rolled[p.id], p.budget) for p in top])
    return last_report.progress if last_report is not None else None


def _flags(
    *, cycle: str, created_at: datetime, last: ProgressReport | None, now: datetime, done: bool = False
) -> FlagRead:
    """Late: the last report (or, with none, the item's creation) is older than one reporting cycle."""
    if done:
        return FlagRead(late=False, missing=False, last_report_at=last.submitted_at if last else None)
    limit = timedelta(days=ReportCycle(cycle).days)
    reference = last.submitted_at if last is not None else created_at
    late = now - reference > limit
    return FlagRead(
        late=late, missing=late and last is None, last_report_at=last.submitted_at if last else None
    )


def _last_reports(session: Session, *, column, ids: list[int]) -> dict[int, ProgressReport]:
    if not ids:
        return {}
    newest = (
        select(column.label("sid"), func.max(ProgressReport.id).label("rid"))
        .where(column.in_(ids))
        .group_by(column)
        .subquery()
    )
    rows = session.scalars(select(ProgressReport).join(newest, ProgressReport.id == newest.c.rid))
    return {getattr(r, column.key): r for r in rows}


@dataclass
class _PlanData:
    plan: Plan
    tasks: list[PlanTask]
    sections: dict[int, PlanSection]
    projects: list[Project]
    rolled: dict[int, float]
    task_reports: dict[int, ProgressReport]
    project_reports: dict[int, ProgressReport]
    resp_task: dict[int, list[Responsibility]]
    resp_project: dict[int, list[Responsibility]]
    milestones: dict[int, list[Milestone]]
    targets: dict[int, list[PlanTarget]]
    area_codes: dict[int, str]


def _load(session: Session, *, plan: Plan) -> _PlanData:
    tasks = list(
        session.scalars(select(PlanTask).where(PlanTask.plan_id == plan.id).order_by(PlanTask.position))
    )
    task_ids = [t.id for t in tasks]
    sections = {s.id: s for s in session.scalars(select(PlanSection).where(PlanSection.plan_id == plan.id))}
    projects = list(
        session.scalars(select(Project).where(Project.task_id.in_(task_ids)).order_by(Project.id))
    )
    project_ids = [p.id for p in projects]
    resp_task: dict[int, list[Responsibility]] = defaultdict(list)
    resp_project: dict[int, list[Responsibility]] = defaultdict(list)
    resp = session.scalars(
        select(Responsibility)
        .where(
            Responsibility.task_id.in_(task_ids)
            | (Responsibility.project_id.in_(project_ids) if project_ids else False)
        )
        .order_by(Responsibility.role.desc(), Responsibility.position)
    )
    for r in resp:
        if r.task_id is not None:
            resp_task[r.task_id].append(r)
        else:
            resp_project[r.project_id].append(r)
    milestones: dict[int, list[Milestone]] = defaultdict(list)
    if project_ids:
        for m in session.scalars(
            select(Milestone).where(Milestone.project_id.in_(project_ids)).order_by(Milestone.planned_on)
        ):
            milestones[m.project_id].append(m)
    targets: dict[int, list[PlanTarget]] = defaultdict(list)
    for tg in session.scalars(
        select(PlanTarget).where(PlanTarget.plan_id == plan.id).order_by(PlanTarget.position)
    ):
        targets[tg.task_id].append(tg)
    area_ids = {p.area_id for p in projects if p.area_id}
    area_codes = (
        dict(session.execute(select(Area.id, Area.code).where(Area.id.in_(area_ids))).tuples().all())
        if area_ids
        else {}
    )
    return _PlanData(
        plan=plan,
        tasks=tasks,
        sections=sections,
        projects=projects,
        rolled=_rolled_progress(projects),
        task_reports=_last_reports(session, column=ProgressReport.task_id, ids=task_ids),
        project_reports=_last_reports(session, column=ProgressReport.project_id, ids=project_ids),
        resp_task=resp_task,
        resp_project=resp_project,
        milestones=milestones,
        targets=targets,
        area_codes=area_codes,
    )


def _names(resps: list[Responsibility], role: UnitRole) -> list[str]:
    return [r.unit_name for r in resps if r.role == role.value]


def _project_read(d: _PlanData, p: Project, now: datetime) -> ProjectRead:
    resps = d.resp_project.get(p.id, [])
    return ProjectRead(
        id=p.id,
        task_id=p.task_id,
        parent_id=p.parent_id,
        name=p.name,
        type=p.type,
        status=p.status,
        progress=round(d.rolled[p.id], 2),
        budget=p.budget,
        area_code=d.area_codes.get(p.area_id) if p.area_id else None,
        lat=p.lat,
        lon=p.lon,
        category_codes=list(p.category_codes or []),
        report_cycle=p.report_cycle,
        completed_on=p.completed_on,
        lead_units=_names(resps, UnitRole.LEAD),
        co_units=_names(resps, UnitRole.CO),
        milestones=[MilestoneRead.model_validate(m) for m in d.milestones.get(p.id, [])],
        flags=_flags(
            cycle=p.report_cycle,
            created_at=p.created_at,
            last=d.project_reports.get(p.id),
            now=now,
            done=p.status == ProjectStatus.DONE,
        ),
    )


def _task_read(d: _PlanData, t: PlanTask, now: datetime) -> TaskRead:
    projects = [p for p in d.projects if p.task_id == t.id]
    resps = d.resp_task.get(t.id, [])
    progress = task_progress(projects, d.rolled, d.task_reports.get(t.id))
    section = d.sections.get(t.section_id) if t.section_id else None
    return TaskRead(
        id=t.id,
        section=f"({section.number}){section.title}" if section else None,
        number=t.number,
        title=t.title,
        text=t.text,
        responsible_as_written=t.responsible_as_written,
        lead_units=_names(resps, UnitRole.LEAD),
        co_units=_names(resps, UnitRole.CO),
        targets=[
            TargetRead(
                id=tg.id,
                indicator=tg.indicator,
                measure=tg.measure,
                comparator=tg.comparator,
                baseline=tg.baseline,
                target=tg.target,
                due=tg.due,
                current=tg.current,
                quote=tg.quote,
            )
            for tg in d.targets.get(t.id, [])
        ],
        projects=[_project_read(d, p, now) for p in projects],
        progress=round(progress, 2) if progress is not None else None,
        flags=_flags(cycle=t.report_cycle, created_at=t.created_at, last=d.task_reports.get(t.id), now=now),
    )


def read_plan(session: Session, *, plan_id: int, now: datetime | None = None) -> PlanRead:
    now = now or utcnow()
    d = _load(session, plan=get_plan(session, plan_id=plan_id))
    tasks = [_task_read(d, t, now) for t in d.tasks]
    progress = [t.progress for t in tasks if t.progress is not None]
    p = d.plan
    return PlanRead(
        **_summary(p, len(tasks)).model_dump(),
        issuer=p.issuer,
        issued_on=p.issued_on,
        document_no=p.document_no,
        progress=round(sum(progress) / len(progress), 2) if progress else None,
        tasks=tasks,
    )


def read_project(session: Session, *, project_id: int, now: datetime | None = None) -> ProjectRead:
    project = get_project(session, project_id=project_id)
    task = session.get(PlanTask, project.task_id)
    d = _load(session, plan=session.get(Plan, task.plan_id))
    return _project_read(d, next(p for p in d.projects if p.id == project.id), now or utcnow())


# --- who may read what: one rule for the pages, the API and the Excel exports ------------------------

# Plans are for staff: residents read none of it (the pages answer them 404, the API 403).
PLAN_READERS = frozenset(Role) - {Role.RESIDENT}
# The hotline centre and admins read every task and project of every plan.
WHOLE_PLAN_ROLES = frozenset({Role.ADMIN, Role.OPERATOR})
# Planners and supervisors read every task, and the projects in their area (or placed nowhere).
AREA_PLAN_ROLES = frozenset({Role.PLANNER, Role.SUPERVISOR})


def may_read_plans(principal: Principal | None) -> bool:
    return principal is not None and principal.role in PLAN_READERS


def may_read_internal(principal: Principal | None) -> bool:
    """The plan-wide internal material — the monthly dispatch sheet with its supervision notes, the
    progress reports across a plan — is for the plan's staff, not for a unit's staff (they read the
    reports and notes of their own tasks and projects, on those pages and their to-do)."""
    return may_read_plans(principal) and principal.role not in UNIT_ROLES


def require_reader(principal: Principal) -> None:
    if not may_read_plans(principal):
        raise Forbidden("plans are for staff")


def require_internal(principal: Principal) -> None:
    require_reader(principal)
    if not may_read_internal(principal):
        raise Forbidden("the dispatch sheet and plan-wide reports are not for unit staff")


def visible_ids(
    session: Session, principal: Principal, *, task_ids: set[int], project_ids: set[int]
) -> tuple[set[int], set[int]]:
    """(task ids, project ids) among the given ones that the principal may read: admins and the centre
    all; planners and supervisors every task and the projects in their area (or placed nowhere); other
    staff (grid workers) the tasks but no project; unit staff the tasks and projects their unit is
    responsible for, every project of such a task, and the tasks such a project is under; residents
    nothing."""
    if not may_read_plans(principal):
        return set(), set()
    if principal.role in WHOLE_PLAN_ROLES:
        return set(task_ids), set(project_ids)
    if principal.role not in UNIT_ROLES:
        if principal.role not in AREA_PLAN_ROLES or not project_ids:
            return set(task_ids), set()
        rows = session.execute(select(Project.id, Project.area_path).where(Project.id.in_(project_ids)))
        return set(task_ids), {pid for pid, path in rows if path is None or _in_scope(principal, path)}
    if principal.unit_id is None or not (task_ids or project_ids):
        return set(), set()
    mine = select(Responsibility.task_id, Responsibility.project_id).where(
        Responsibility.unit_id == principal.unit_id
    )
    my_tasks, my_projects = set(), set()
    for tid, pid in session.execute(mine):
        if tid in task_ids:
            my_tasks.add(tid)
        if pid in project_ids:
            my_projects.add(pid)
    task_of = dict(
        session.execute(select(Project.id, Project.task_id).where(Project.id.in_(project_ids))).tuples().all()
        if project_ids
        else {}
    )
    seen_projects = {pid for pid, tid in task_of.items() if pid in my_projects or tid in my_tasks}
    return my_tasks | {task_of[p] for p in seen_projects if task_of[p] in task_ids}, seen_projects


def scoped_plan(session: Session, principal: Principal, plan: PlanRead) -> PlanRead:
    """The plan as the principal may read it: only the tasks it sees, and of those only the projects it
    sees (see `visible_ids`)."""
    if principal.role in WHOLE_PLAN_ROLES:
        return plan
    tasks, projects = visible_ids(
        session,
        principal,
        task_ids={t.id for t in plan.tasks},
        project_ids={p.id for t in plan.tasks for p in t.projects},
    )
    kept = [
        t.model_copy(update={"projects": [p for p in t.projects if p.id in projects]})
        for t in plan.tasks
        if t.id in tasks
    ]
    return plan.model_copy(update={"tasks": kept, "tasks_count": len(kept)})


def readable_plan(
    session: Session, *, principal: Principal, plan_id: int, now: datetime | None = None
) -> PlanRead:
    """The plan as the principal may read it (pages, API, Excel alike). A plan in which a unit's staff
    have nothing is not found for them, as it is not listed for them."""
    require_reader(principal)
    plan = scoped_plan(session, principal, read_plan(session, plan_id=plan_id, now=now))
    if principal.role in UNIT_ROLES and not plan.tasks:
        raise NotFound(f"plan {plan_id} not found")
    return plan


def readable_plans(session: Session, *, principal: Principal) -> list[PlanSummary]:
    """The plans the principal may read: every plan for staff, for a unit's staff those in which their
    unit has a task or a project."""
    require_reader(principal)
    plans = list_plans(session)
    if principal.role not in UNIT_ROLES:
        return plans
    mine = select(Responsibility.task_id, Responsibility.project_id).where(
        Responsibility.unit_id == principal.unit_id
    )
    task_ids, project_ids = set(), set()
    for tid, pid in session.execute(mine) if principal.unit_id is not None else ():
        task_ids.add(tid)
        project_ids.add(pid)
    ids = set(session.scalars(select(PlanTask.plan_id).where(PlanTask.id.in_(task_ids - {None}))))
    ids |= set(
        session.scalars(
            select(PlanTask.plan_id)
            .join(Project, Project.task_id == PlanTask.id)
            .where(Project.id.in_(project_ids - {None}))
        )
    )
    return [p for p in plans if p.id in ids]


def visible_project(session: Session, *, principal: Principal, project_id: int) -> Project:
    """The project, if the principal may read it; else 404, as if it did not exist."""
    project = session.get(Project, project_id)
    if (
        project is None
        or project.id
        not in visible_ids(session, principal, task_ids={project.task_id}, project_ids={project.id})[1]
    ):
        raise NotFound(f"project {project_id} not found")
    return project


def visible_task(session: Session, *, principal: Principal, task_id: int) -> PlanTask:
    """The task, if the principal may read it (its page, its reports); else 404."""
    task = session.get(PlanTask, task_id)
    if task is None:
        raise NotFound(f"task {task_id} not found")
    project_ids = set(session.scalars(select(Project.id).where(Project.task_id == task.id)))
    if task.id not in visible_ids(session, principal, task_ids={task.id}, project_ids=project_ids)[0]:
        raise NotFound(f"task {task_id} not found")
    return task


def readable_reports(
    session: Session, *, principal: Principal, task_id: int | None, project_id: int | None
) -> list[ProgressReport]:
    """Progress reports as the pages show them: a task's or a project's to whoever may read that task or
    project (404 otherwise); the plan-wide list only to the plan's staff (`may_read_internal`), less the
    reports on tasks and projects they may not read."""
    require_reader(principal)
    if project_id is not None:
        visible_project(session, principal=principal, project_id=project_id)
    if task_id is not None:
        visible_task(session, principal=principal, task_id=task_id)
    reports = list_reports(session, task_id=task_id, project_id=project_id)
    if task_id is not None or project_id is not None:
        return reports
    require_internal(principal)
    tasks, projects = visible_ids(
        session,
        principal,
        task_ids={r.task_id for r in reports if r.task_id is not None},
        project_ids={r.project_id for r in reports if r.project_id is not None},
    )
    return [r for r in reports if (r.project_id in projects if r.project_id else r.task_id in tasks)]


# --- who may change what --------------------------------------------------------------------------


def get_project(session: Session, *, project_id: int, field: str | None = None) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        if field:
            raise Unprocessable(f"project {project_id} not found", field=field)
        raise NotFound(f"project {project_id} not found")
    return project


def _unit_ids(session: Session, *, task_id: int | None = None, project_id: int | None = None) -> set[int]:
    col = Responsibility.task_id if task_id is not None else Responsibility.project_id
    key = task_id if task_id is not None else project_id
    return set(
        session.scalars(select(Responsibility.unit_id).where(col == key, Responsibility.unit_id.is_not(None)))
    )


def _in_scope(principal: Principal, area_path: str | None) -> bool:
    return bool(principal.area_path and area_path and area_path.startswith(principal.area_path))


def require_manage(principal: Principal, *, area_path: str | None) -> None:
    """Create and reshape projects: admins anywhere, planners within their area."""
    if principal.role == Role.ADMIN:
        return
    if principal.role == Role.PLANNER:
        if _in_scope(principal, area_path):
            return
        raise Forbidden("a planner manages projects within its own area only", field="area")
    raise Forbidden("planner or admin role required")


def require_report(session: Session, principal: Principal, *, project: Project | None, task: PlanTask | None):
    """Report on (and update the progress of) a task or project: admins, planners in scope, and members of
    a unit responsible for it."""
    if principal.role == Role.ADMIN:
        return
    if principal.role == Role.PLANNER and (task is not None or _in_scope(principal, project.area_path)):
        return
    if principal.is_unit_member:
        ids = (
            _unit_ids(session, project_id=project.id)
            if project is not None
            else _unit_ids(session, task_id=task.id)
        )
        if principal.unit_id in ids:
            return
        raise Forbidden("this is not a task or project of your unit")
    raise Forbidden("you may not report on this task or project")


# --- projects and milestones ----------------------------------------------------------------------


def _place(session: Session, *, code: str | None) -> tuple[int | None, str | None]:
    if not code:
        return None, None
    try:
        area = areas_service.get_by_code(session, code=code)
    except NotFound as exc:
        raise Unprocessable(exc.message, field="area") from exc
    return area.id, area.path


def _check_categories(session: Session, codes: list[str]) -> None:
    for code in codes:
        try:
            categories_service.get_by_code(session, code=code)
        except NotFound as exc:
            raise Unprocessable(exc.message, field="category_codes") from exc


def _set_units(session: Session, *, project: Project, lead: list[str], co: list[str]) -> None:
    units = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(lead + co)))}
    links = _unit_links(session)
    for role, names in ((UnitRole.LEAD, lead), (UnitRole.CO, co)):
        for i, ref in enumerate(dict.fromkeys(names)):
            unit = units.get(ref)
            session.add(
                Responsibility(
                    project_id=project.id,
                    role=role.value,
                    unit_name=unit.name if unit else ref,
                    unit_id=unit.id if unit else links.get(ref),
                    position=i,
                )
            )


def create_project(
    session: Session, *, principal: Principal, data: ProjectCreate, now: datetime | None = None
) -> Project:
    now = now or utcnow()
    get_task(session, task_id=data.task_id, field="task_id")
    if data.parent_id is not None:
        parent = get_project(session, project_id=data.parent_id, field="parent_id")
        if parent.task_id != data.task_id:
            raise Unprocessable("a sub-project belongs to its parent's task", field="parent_id")
    area_id, area_path = _place(session, code=data.area)
    require_manage(principal, area_path=area_path)
    _check_categories(session, data.category_codes)
    project = Project(
        task_id=data.task_id,
        parent_id=data.parent_id,
        name=data.name,
        type=data.type.value,
        status=data.status.value,
        progress=100.0 if data.status == ProjectStatus.DONE else data.progress,
        budget=data.budget,
        area_id=area_id,
        area_path=area_path,
        lat=data.lat,
        lon=data.lon,
        category_codes=data.category_codes,
        report_cycle=data.report_cycle.value,
        completed_on=data.completed_on,
        created_at=now,
        updated_at=now,
    )
    session.add(project)
    session.flush()
    _set_units(session, project=project, lead=data.lead_units, co=data.co_units)
    session.flush()
    return project


# Fields a responsible unit may change on its own project; the rest is for planners and admins.
UNIT_FIELDS = {"status", "progress", "completed_on"}


def update_project(
    session: Session,
    *,
    principal: Principal,
    project_id: int,
    data: ProjectUpdate,
    now: datetime | None = None,
) -> Project:
    project = get_project(session, project_id=project_id)
    fields = data.model_dump(exclude_unset=True)
    if principal.is_unit_member and set(fields) <= UNIT_FIELDS:
        require_report(session, principal, project=project, task=None)
    else:
        require_manage(principal, area_path=project.area_path)
    if "area" in fields:
        project.area_id, project.area_path = _place(session, code=fields.pop("area"))
        require_manage(principal, area_path=project.area_path)
    if "category_codes" in fields:
        _check_categories(session, fields["category_codes"] or [])
    for key, value in fields.items():
        setattr(project, key, value.value if hasattr(value, "value") else value)
    if project.status == ProjectStatus.DONE:
        project.progress = 100.0
        project.completed_on = project.completed_on or (now or utcnow()).date()
    project.updated_at = now or utcnow()
    session.flush()
    return project


def add_milestone(
    session: Session, *, principal: Principal, project_id: int, data: MilestoneCreate
) -> Milestone:
    project = get_project(session, project_id=project_id)
    require_manage(principal, area_path=project.area_path)
    milestone = Milestone(
        project_id=project.id, name=data.name, planned_on=data.planned_on, actual_on=data.actual_on
    )
    session.add(milestone)
    session.flush()
    return milestone


def update_milestone(
    session: Session, *, principal: Principal, milestone_id: int, data: MilestoneUpdate
) -> Milestone:
    milestone = session.get(Milestone, milestone_id)
    if milestone is None:
        raise NotFound(f"milestone {milestone_id} not found")
    project = get_project(session, project_id=milestone.project_id)
    fields = data.model_dump(exclude_unset=True)
    if principal.is_unit_member and set(fields) <= {"actual_on"}:
        require_report(session, principal, project=project, task=None)
    else:
        require_manage(principal, area_path=project.area_path)
    for key, value in fields.items():
        setattr(milestone, key, value)
    session.flush()
    return milestone


# --- progress reports -----------------------------------------------------------------------------


def submit_report(
    session: Session, *, principal: Principal, data: ReportCreate, now: datetime | None = None
) -> ProgressReport:
    """A weekly/monthly report. Figures toward targets update the targets' current values; a project
    report's progress becomes the project's progress."""
    now = now or utcnow()
    project = (
        get_project(session, project_id=data.project_id, field="project_id") if data.project_id else None
    )
    task = get_task(session, task_id=data.task_id, field="task_id") if data.task_id else None
    require_report(session, principal, project=project, task=task)
    task_id = task.id if task else project.task_id
    if data.figures:
        plan_id = session.get(PlanTask, task_id).plan_id
        targets = {
            t.id: t
            for t in session.scalars(
                select(PlanTarget).where(PlanTarget.id.in_(data.figures), PlanTarget.plan_id == plan_id)
            )
        }
        for target_id, value in data.figures.items():
            if target_id not in targets:
                raise Unprocessable(f"target {target_id} is not a target of this plan", field="figures")
            targets[target_id].current = value
    if project is not None and data.progress is not None and project.status != ProjectStatus.DONE:
        project.progress = data.progress
        project.updated_at = now
    report = ProgressReport(
        task_id=task.id if task else None,
        project_id=project.id if project else None,
        period=data.period,
        text=data.text,
        status=data.status.value,
        progress=data.progress,
        figures={str(k): v for k, v in data.figures.items()},
        photos=data.photos,
        unit_id=principal.unit_id,
        submitted_by_id=principal.user_id,
        submitted_by=principal.name,
        submitted_at=now,
    )
    session.add(report)
    session.flush()
    return report


def list_reports(session: Session, *, task_id: int | None, project_id: int | None) -> list[ProgressReport]:
    stmt = select(ProgressReport).order_by(ProgressReport.submitted_at.desc(), ProgressReport.id.desc())
    if task_id is not None:
        stmt = stmt.where(ProgressReport.task_id == task_id)
    if project_id is not None:
        stmt = stmt.where(ProgressReport.project_id == project_id)
    return list(session.scalars(stmt.limit(500)))


# --- supervision notes and the monthly dispatch sheet (月调度) --------------------------------------


def add_note(session: Session, *, principal: Principal, data: NoteCreate, now: datetime | None = None):
    if principal.role not in (Role.ADMIN, Role.PLANNER, Role.SUPERVISOR):
        raise Forbidden("planner, supervisor or admin role required")
    if data.project_id is not None:
        get_project(session, project_id=data.project_id, field="project_id")
    else:
        get_task(session, task_id=data.task_id, field="task_id")
    note = SupervisionNote(
        task_id=data.task_id,
        project_id=data.project_id,
        text=data.text,
        due=data.due,
        created_by=principal.name,
        created_at=now or utcnow(),
    )
    session.add(note)
    session.flush()
    return note


def follow_up_note(
    session: Session, *, principal: Principal, note_id: int, data: NoteFollowUp, now: datetime | None = None
) -> SupervisionNote:
    note = session.get(SupervisionNote, note_id)
    if note is None:
        raise NotFound(f"supervision note {note_id} not found")
    if note.project_id is not None:
        project = get_project(session, project_id=note.project_id)
        if principal.role not in (Role.ADMIN, Role.SUPERVISOR):
            require_report(session, principal, project=project, task=None)
    elif principal.role not in (Role.ADMIN, Role.SUPERVISOR):
        require_report(session, principal, project=None, task=get_task(session, task_id=note.task_id))
    note.follow_up = data.follow_up
    note.resolved_at = (now or utcnow()) if data.resolved else None
    session.flush()
    return note


def get_note(session: Session, *, note_id: int) -> SupervisionNote | None:
    return session.get(SupervisionNote, note_id)


def notes_of(
    session: Session, *, task_id: int | None = None, project_id: int | None = None
) -> list[SupervisionNote]:
    """A task's or a project's supervision notes, open ones first, newest first."""
    col = SupervisionNote.task_id if task_id is not None else SupervisionNote.project_id
    key = task_id if task_id is not None else project_id
    stmt = select(SupervisionNote).where(col == key)
    stmt = stmt.order_by(SupervisionNote.resolved_at.is_not(None), SupervisionNote.created_at.desc())
    return list(session.scalars(stmt))


REASON_LABELS = {
    "late": "未按期报告",
    "missing": "从未报告",
    "off_track": "进度滞后",
    "milestone_overdue": "节点逾期",
    "blocked": "遇到阻碍",
    "supervised": "督办未办结",
}


def dispatch_sheet(
    session: Session, *, plan_id: int, now: datetime | None = None, principal: Principal | None = None
) -> DispatchSheet:
    """What the monthly dispatch meeting goes through: every task and project of the plan that is late
    with its report, off track (its report says so, or a milestone is overdue) or blocked, with its open
    supervision notes. Given a principal: only for the plan's staff (`require_internal`), and only the
    tasks and projects they may read (`visible_ids`)."""
    if principal is not None:
        require_internal(principal)
    now = now or utcnow()
    today = now.date()
    d = _load(session, plan=get_plan(session, plan_id=plan_id))
    if principal is not None:
        seen_tasks, seen_projects = visible_ids(
            session, principal, task_ids={t.id for t in d.tasks}, project_ids={p.id for p in d.projects}
        )
    else:
        seen_tasks, seen_projects = {t.id for t in d.tasks}, {p.id for p in d.projects}
    notes: dict[tuple[str, int], list[SupervisionNote]] = defaultdict(list)
    task_ids = [t.id for t in d.tasks]
    project_ids = [p.id for p in d.projects]
    for n in session.scalars(
        select(SupervisionNote)
        .where(
            SupervisionNote.resolved_at.is_(None),
            SupervisionNote.task_id.in_(task_ids)
            | (SupervisionNote.project_id.in_(project_ids) if project_ids else False),
        )
        .order_by(SupervisionNote.created_at)
    ):
        notes[("project", n.project_id) if n.project_id else ("task", n.task_id)].append(n)
    numbers = {t.id: t.number for t in d.tasks}
    items: list[SheetItem] = []
    counts = {"late": 0, "off_track": 0, "blocked": 0}

    def add(kind: str, id_: int, number: str, name: str, flags: FlagRead, last, status: str | None, overdue):
        reasons = []
        if flags.late:
            reasons.append("late")
            if flags.missing:
                reasons.append("missing")
        if last is not None and last.status == ReportStatus.OFF_TRACK:
            reasons.append("off_track")
        if overdue:
            reasons.append("milestone_overdue")
        if status == ProjectStatus.BLOCKED or (last is not None and last.status == ReportStatus.BLOCKED):
            reasons.append("blocked")
        open_notes = notes.get((kind, id_), [])
        if open_notes and not reasons:
            reasons.append("supervised")
        if not reasons:
            return
        counts["late"] += "late" in reasons
        counts["off_track"] += bool({"off_track", "milestone_overdue"} & set(reasons))
        counts["blocked"] += "blocked" in reasons
        items.append(
            SheetItem(
                kind=kind,
                id=id_,
                task_number=number,
                name=name,
                reasons=reasons,
                labels=[REASON_LABELS[r] for r in reasons],
                last_report_at=flags.last_report_at,
                notes=[NoteRead.model_validate(n) for n in open_notes],
            )
        )

    for t in d.tasks:
        if t.id not in seen_tasks:
            continue
        last = d.task_reports.get(t.id)
        flags = _flags(cycle=t.report_cycle, created_at=t.created_at, last=last, now=now)
        add("task", t.id, t.number, t.title, flags, last, None, False)
    for p in d.projects:
        if p.status == ProjectStatus.DONE or p.id not in seen_projects:
            continue
        last = d.project_reports.get(p.id)
        flags = _flags(cycle=p.report_cycle, created_at=p.created_at, last=last, now=now)
        overdue = any(m.actual_on is None and m.planned_on < today for m in d.milestones.get(p.id, []))
        add("project", p.id, numbers[p.task_id], p.name, flags, last, p.status, overdue)
    return DispatchSheet(plan_id=plan_id, as_of=today, items=items, **counts)


# --- micro-project library (微民生微服务项目库) -------------------------------------------------------

LIBRARY_STATUSES = (MicroStatus.APPROVED, MicroStatus.IN_PROGRESS, MicroStatus.DONE)


def create_micro(session: Session, *, principal: Principal, data: MicroCreate, now: datetime | None = None):
    area_id, area_path = _place(session, code=data.area)
    if principal.role not in (Role.ADMIN, Role.PLANNER, Role.SUPERVISOR) and not principal.is_unit_member:
        raise Forbidden("staff role required to propose a micro-project")
    if (
        principal.role in (Role.PLANNER, Role.SUPERVISOR)
        and area_path
        and not _in_scope(principal, area_path)
    ):
        raise Forbidden("the area is outside your scope", field="area")
    unit_id = None
    if data.unit:
        unit = session.scalar(select(Unit).where(Unit.code == data.unit))
        if unit is None:
            raise Unprocessable(f"unit {data.unit!r} not found", field="unit")
        unit_id = unit.id
    elif principal.is_unit_member:
        unit_id = principal.unit_id
    now = now or utcnow()
    micro = MicroProject(
        year=data.year,
        title=data.title,
        description=data.description,
        source=data.source.value,
        source_ref=data.source_ref,
        status=MicroStatus.PROPOSED.value,
        area_id=area_id,
        area_path=area_path,
        unit_id=unit_id,
        created_at=now,
        updated_at=now,
    )
    session.add(micro)
    session.flush()
    return micro


def update_micro(
    session: Session, *, principal: Principal, micro_id: int, data: MicroUpdate, now: datetime | None = None
) -> MicroProject:
    micro = session.get(MicroProject, micro_id)
    if micro is None:
        raise NotFound(f"micro-project {micro_id} not found")
    if principal.role != Role.ADMIN and not (
        principal.role == Role.PLANNER and (micro.area_path is None or _in_scope(principal, micro.area_path))
    ):
        raise Forbidden("planner or admin role required to approve or move a micro-project")
    fields = data.model_dump(exclude_unset=True)
    if fields.get("project_id") is not None:
        get_project(session, project_id=fields["project_id"], field="project_id")
    for key, value in fields.items():
        setattr(micro, key, value.value if hasattr(value, "value") else value)
    micro.updated_at = now or utcnow()
    session.flush()
    return micro


def get_micro(session: Session, *, micro_id: int) -> MicroProject | None:
    return session.get(MicroProject, micro_id)


def area_names(session: Session, *, paths: list[str | None]) -> dict[str, str]:
    """Area path → the names along it below the district ("一街道 / 一社区"), for lists of places."""
    out: dict[str, str] = {}
    for path in {p for p in paths if p}:
        out[path] = " / ".join(areas_service.names_on_path(session, path=path)[1:]) or path
    return out


def micro_page(session: Session, *, year: int, status: MicroStatus | None = None) -> MicroPage:
    stmt = select(MicroProject).where(MicroProject.year == year).order_by(MicroProject.id)
    if status is not None:
        stmt = stmt.where(MicroProject.status == status.value)
    items = [MicroRead.model_validate(m) for m in session.scalars(stmt)]
    by_status = dict(
        session.execute(
            select(MicroProject.status, func.count())
            .where(MicroProject.year == year)
            .group_by(MicroProject.status)
        )
        .tuples()
        .all()
    )
    count = sum(by_status.get(s.value, 0) for s in LIBRARY_STATUSES)
    return MicroPage(year=year, items=items, count=count, target=MICRO_YEARLY_TARGET, by_status=by_status)


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
