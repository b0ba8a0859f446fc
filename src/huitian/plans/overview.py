"""Readings of a plan for its pages: the roadmap (时间表、路线图) as gantt rows, the project map as GeoJSON,
who may see a project or a task, and a unit's own to-do (reports due, milestones due, notes to follow)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from huitian.areas import service as areas_service
from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.db import utcnow
from huitian.errors import NotFound
from huitian.plans import service
from huitian.plans.enums import ProjectStatus, ReportCycle
from huitian.plans.models import (
    Milestone,
    Plan,
    PlanTask,
    Project,
    Responsibility,
    SupervisionNote,
)
from huitian.plans.schemas import PlanRead, ProjectRead

# How far ahead a milestone or a report counts as "due" on a unit's to-do.
DUE_SOON_DAYS = 14

# --- the roadmap ------------------------------------------------------------------------------------


def _milestone_late(planned: date, actual: date | None, today: date) -> bool:
    return actual > planned if actual is not None else planned < today


def gantt_row(p: ProjectRead, *, task_number: str, plan_start: date, plan_end: date, today: date) -> dict:
    """One project on the roadmap: planned span (first to last milestone planned, else the plan's years),
    actual span (first milestone reached to completion, or to today while under way), late in red."""
    planned = [m.planned_on for m in p.milestones]
    actual = [m.actual_on for m in p.milestones if m.actual_on]
    planned_start, planned_end = (min(planned), max(planned)) if planned else (plan_start, plan_end)
    done = p.status == ProjectStatus.DONE
    actual_start = min(actual) if actual else None
    actual_end = p.completed_on if done else (today if actual_start else None)
    if done and actual_start is None and p.completed_on:
        actual_start = p.completed_on
    milestones = [
        {
            "name": m.name,
            "planned_on": m.planned_on.isoformat(),
            "actual_on": m.actual_on.isoformat() if m.actual_on else None,
            "late": _milestone_late(m.planned_on, m.actual_on, today),
        }
        for m in p.milestones
    ]
    late = (
        any(m["late"] for m in milestones)
        or (not done and planned_end < today)
        or bool(done and p.completed_on and p.completed_on > planned_end)
    )
    return {
        "id": p.id,
        "task_number": task_number,
        "name": p.name,
        "parent_id": p.parent_id,
        "status": p.status,
        "progress": p.progress,
        "planned_start": planned_start.isoformat(),
        "planned_end": planned_end.isoformat(),
        "actual_start": actual_start.isoformat() if actual_start else None,
        "actual_end": actual_end.isoformat() if actual_end else None,
        "late": late,
        "milestones": milestones,
    }


def roadmap(session: Session, *, plan_id: int, now: datetime | None = None) -> dict:
    """The plan's projects as gantt rows, in task order, with today's date for the today line."""
    now = now or utcnow()
    today = service.today(now)
    plan = service.read_plan(session, plan_id=plan_id, now=now)
    db_plan = session.get(Plan, plan_id)
    start, end = date(db_plan.start_year, 1, 1), date(db_plan.end_year, 12, 31)
    rows = [
        gantt_row(p, task_number=t.number, plan_start=start, plan_end=end, today=today)
        for t in plan.tasks
        for p in t.projects
    ]
    # The chart's time axis: the plan's years, stretched to every bar and to today's line.
    dates = [date.fromisoformat(r[k]) for r in rows for k in ("planned_start", "planned_end", "actual_start")
             if r[k]] + [today]  # fmt: skip
    return {
        "plan_id": plan_id,
        "title": plan.title,
        "today": today.isoformat(),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "axis_start": min([start, *dates]).isoformat(),
        "axis_end": max([end, *dates]).isoformat(),
        "rows": rows,
    }


# --- the project map ---------------------------------------------------------------------------------


def project_map(session: Session, *, plan_id: int) -> dict:
    """A GeoJSON FeatureCollection: each placed project as a point (WGS-84; late when its report or a
    milestone is overdue), and the outline of every area a project lies in — our own geometry."""
    plan = service.read_plan(session, plan_id=plan_id)
    today = service.today()
    features: list[dict] = []
    codes: list[str] = []
    for t in plan.tasks:
        for p in t.projects:
            if p.area_code and p.area_code not in codes:
                codes.append(p.area_code)
            if p.lat is None or p.lon is None:
                continue
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                    "properties": {
                        "kind": "project",
                        "id": p.id,
                        "name": p.name,
                        "task_number": t.number,
                        "status": p.status,
                        "progress": p.progress,
                        "late": p.flags.late
                        or any(_milestone_late(m.planned_on, m.actual_on, today) for m in p.milestones),
                        "url": f"/plans/projects/{p.id}",
                    },
                }
            )
    areas = []
    for code in codes:
        area = areas_service.get_by_code(session, code=code)
        if area.geometry:
            areas.append(
                {
                    "type": "Feature",
                    "geometry": area.geometry,
                    "properties": {"kind": "area", "code": area.code, "name": area.name},
                }
            )
    return {"type": "FeatureCollection", "features": areas + features}


# --- who sees what -------------------------------------------------------------------------------------


STAFF_ROLES = frozenset(Role) - {Role.RESIDENT}


def _unit_of_task(session: Session, task_id: int) -> set[int]:
    return set(
        session.scalars(
            select(Responsibility.unit_id).where(
                Responsibility.task_id == task_id, Responsibility.unit_id.is_not(None)
            )
        )
    )


def _unit_of_project(session: Session, project_id: int) -> set[int]:
    return set(
        session.scalars(
            select(Responsibility.unit_id).where(
                Responsibility.project_id == project_id, Responsibility.unit_id.is_not(None)
            )
        )
    )


def visible_project(session: Session, *, principal: Principal, project_id: int) -> Project:
    """The project, if the principal may see its page: the centre and admins every project; planners and
    supervisors those in their area (or placed nowhere); unit staff those of their unit or of a task of
    their unit. Anyone else: 404, as if it did not exist."""
    project = session.get(Project, project_id)
    if project is None or not _sees_project(session, principal, project):
        raise NotFound(f"project {project_id} not found")
    return project


def _sees_project(session: Session, principal: Principal, project: Project) -> bool:
    if principal.role in (Role.ADMIN, Role.OPERATOR):
        return True
    if principal.role in (Role.PLANNER, Role.SUPERVISOR):
        return project.area_path is None or bool(
            principal.area_path and project.area_path.startswith(principal.area_path)
        )
    if principal.is_unit_member:
        return principal.unit_id in _unit_of_project(session, project.id) | _unit_of_task(
            session, project.task_id
        )
    return False


def visible_task(session: Session, *, principal: Principal, task_id: int) -> PlanTask:
    """The task, if the principal may see its page: every staff role but unit staff, who see the tasks
    their unit is responsible for (or has a project under)."""
    task = session.get(PlanTask, task_id)
    if task is None or principal.role not in STAFF_ROLES:
        raise NotFound(f"task {task_id} not found")
    if principal.is_unit_member and principal.unit_id not in _unit_of_task(session, task.id):
        mine = select(Responsibility.project_id).where(Responsibility.unit_id == principal.unit_id)
        has_project = session.scalar(
            select(Project.id).where(Project.task_id == task.id, Project.id.in_(mine)).limit(1)
        )
        if has_project is None:
            raise NotFound(f"task {task_id} not found")
    return task


def _visible_ids(session: Session, principal: Principal, plan: PlanRead) -> tuple[set[int], set[int]]:
    """(project ids, task ids) of the plan the principal sees on its pages — `_sees_project` and
    `visible_task`'s rules, read in three queries for the whole plan rather than per row."""
    project_ids = [p.id for t in plan.tasks for p in t.projects]
    task_ids = {t.id for t in plan.tasks}
    if principal.role in (Role.ADMIN, Role.OPERATOR):
        return set(project_ids), task_ids
    if principal.role in (Role.PLANNER, Role.SUPERVISOR):
        rows = session.execute(select(Project.id, Project.area_path).where(Project.id.in_(project_ids))).all()
        scope = principal.area_path
        seen = {pid for pid, path in rows if path is None or bool(scope and path.startswith(scope))}
        return seen, task_ids
    if not principal.is_unit_member:
        return set(), set()
    unit = principal.unit_id
    my_tasks = set(
        session.scalars(
            select(Responsibility.task_id).where(
                Responsibility.unit_id == unit, Responsibility.task_id.in_(task_ids)
            )
        )
    )
    my_projects = set(
        session.scalars(
            select(Responsibility.project_id).where(
                Responsibility.unit_id == unit, Responsibility.project_id.in_(project_ids)
            )
        )
    )
    seen = {p.id for t in plan.tasks for p in t.projects if p.id in my_projects or t.id in my_tasks}
    return seen, my_tasks | {t.id for t in plan.tasks if any(p.id in seen for p in t.projects)}


def scoped_plan(plan: PlanRead, *, session: Session, principal: Principal) -> PlanRead:
    """The plan as a unit's staff may read it on its pages: only the tasks of their unit (or with a
    project of their unit), and of those only the projects they may see. Others read it whole, less
    the projects outside a planner's or supervisor's area."""
    if principal.role in (Role.ADMIN, Role.OPERATOR):
        return plan
    projects, task_ids = _visible_ids(session, principal, plan)
    tasks = [
        t.model_copy(update={"projects": [p for p in t.projects if p.id in projects]})
        for t in plan.tasks
        if t.id in task_ids
    ]
    return plan.model_copy(update={"tasks": tasks, "tasks_count": len(tasks)})


# --- a unit's own to-do ------------------------------------------------------------------------------


@dataclass
class TodoItem:
    kind: str  # task / project
    id: int
    plan_id: int
    number: str
    name: str
    cycle: str
    last_report_at: datetime | None
    next_due: date
    late: bool
    missing: bool


@dataclass
class Todo:
    reports: list[TodoItem] = field(default_factory=list)  # overdue first, then due soonest
    milestones: list[tuple[Milestone, Project]] = field(default_factory=list)
    notes: list[SupervisionNote] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.reports if r.late)


def unit_todo(session: Session, *, unit_id: int, now: datetime | None = None) -> Todo:
    """What a unit owes: reports on its tasks and projects (late, or due within DUE_SOON_DAYS), its
    projects' milestones not reached and planned before then, and the open supervision notes on them."""
    now = now or utcnow()
    today = service.today(now)
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    task_ids = set(
        session.scalars(select(Responsibility.task_id).where(Responsibility.unit_id == unit_id))
    ) - {None}
    project_ids = set(
        session.scalars(select(Responsibility.project_id).where(Responsibility.unit_id == unit_id))
    ) - {None}
    tasks = list(session.scalars(select(PlanTask).where(PlanTask.id.in_(task_ids)))) if task_ids else []
    projects = (
        list(session.scalars(select(Project).where(Project.id.in_(project_ids)))) if project_ids else []
    )
    numbers = dict(
        session.execute(
            select(PlanTask.id, PlanTask.number).where(PlanTask.id.in_({p.task_id for p in projects}))
        ).all()
    )
    plan_of = dict(
        session.execute(
            select(PlanTask.id, PlanTask.plan_id).where(
                PlanTask.id.in_(task_ids | {p.task_id for p in projects})
            )
        ).all()
    )
    task_reports = service._last_reports(session, column=service.ProgressReport.task_id, ids=list(task_ids))
    project_reports = service._last_reports(
        session, column=service.ProgressReport.project_id, ids=list(project_ids)
    )
    todo = Todo()
    subjects = [("task", t, t.number, t.title, task_reports.get(t.id), False) for t in tasks] + [
        ("project", p, numbers[p.task_id], p.name, project_reports.get(p.id), p.status == ProjectStatus.DONE)
        for p in projects
    ]
    for kind, obj, number, name, last, done in subjects:
        if done:
            continue
        flags = service._flags(cycle=obj.report_cycle, created_at=obj.created_at, last=last, now=now)
        reference = last.submitted_at if last is not None else obj.created_at
        next_due = service.today(reference + timedelta(days=ReportCycle(obj.report_cycle).days))
        if flags.late or next_due <= horizon:
            plan_id = plan_of[obj.id if kind == "task" else obj.task_id]
            todo.reports.append(
                TodoItem(kind, obj.id, plan_id, number, name, obj.report_cycle, flags.last_report_at,
                         next_due, flags.late, flags.missing)
            )  # fmt: skip
    todo.reports.sort(key=lambda r: (not r.late, r.next_due, r.number))
    if project_ids:
        by_id = {p.id: p for p in projects}
        todo.milestones = [
            (m, by_id[m.project_id])
            for m in session.scalars(
                select(Milestone)
                .where(
                    Milestone.project_id.in_(project_ids),
                    Milestone.actual_on.is_(None),
                    Milestone.planned_on <= horizon,
                )
                .order_by(Milestone.planned_on)
            )
        ]
    cond = []
    if task_ids:
        cond.append(SupervisionNote.task_id.in_(task_ids))
    if project_ids:
        cond.append(SupervisionNote.project_id.in_(project_ids))
    if cond:
        where = cond[0] if len(cond) == 1 else cond[0] | cond[1]
        todo.notes = list(
            session.scalars(
                select(SupervisionNote)
                .where(SupervisionNote.resolved_at.is_(None), where)
                .order_by(SupervisionNote.created_at)
            )
        )
    return todo
