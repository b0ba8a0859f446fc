"""Reading plans: the plan, its tasks, targets and projects, the progress roll-up and the late flags
(no scoping here: who may read what is in plans/access.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huitian.areas.models import Area
from huitian.db import utcnow
from huitian.errors import NotFound, Unprocessable
from huitian.plans.enums import ProjectStatus, ReportCycle, UnitRole
from huitian.plans.models import (
    Milestone,
    Plan,
    PlanSection,
    PlanTarget,
    PlanTask,
    ProgressReport,
    Project,
    Responsibility,
)
from huitian.plans.schemas import (
    FlagRead,
    MilestoneRead,
    PlanRead,
    PlanSummary,
    ProjectRead,
    TargetRead,
    TaskRead,
)
from huitian.sla import service as sla_service


def today(now: datetime | None = None) -> date:
    """The installation's local date (Asia/Shanghai): what "today" means on a plan's timetable."""
    return (now or utcnow()).astimezone(sla_service.local_tz()).date()


# --- reading plans --------------------------------------------------------------------------------


def get_project(session: Session, *, project_id: int, field: str | None = None) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        if field:
            raise Unprocessable(f"project {project_id} not found", field=field)
        raise NotFound(f"project {project_id} not found")
    return project


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


def list_reports(session: Session, *, task_id: int | None, project_id: int | None) -> list[ProgressReport]:
    stmt = select(ProgressReport).order_by(ProgressReport.submitted_at.desc(), ProgressReport.id.desc())
    if task_id is not None:
        stmt = stmt.where(ProgressReport.task_id == task_id)
    if project_id is not None:
        stmt = stmt.where(ProgressReport.project_id == project_id)
    return list(session.scalars(stmt.limit(500)))
