"""Readings of a plan for its pages: the roadmap (时间表、路线图) as gantt rows, the project map as GeoJSON
(scoped by service.visible_ids, the one rule of who reads what), and a unit's own to-do (reports
due, milestones due, notes to follow)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from huitian.areas import service as areas_service
from huitian.auth.service import Principal
from huitian.db import utcnow
from huitian.plans import reading, service
from huitian.plans.enums import ProjectStatus, ReportCycle
from huitian.plans.models import (
    Milestone,
    Plan,
    PlanTask,
    ProgressReport,
    Project,
    Responsibility,
    SupervisionNote,
)
from huitian.plans.schemas import ProjectRead

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


def roadmap(
    session: Session, *, plan_id: int, principal: Principal | None = None, now: datetime | None = None
) -> dict:
    """The plan's projects as gantt rows, in task order, with today's date for the today line; given a
    principal, only the projects it may read (service.readable_plan)."""
    now = now or utcnow()
    today = service.today(now)
    if principal is not None:
        plan = service.readable_plan(session, principal=principal, plan_id=plan_id, now=now)
    else:
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


def project_map(session: Session, *, plan_id: int, principal: Principal | None = None) -> dict:
    """A GeoJSON FeatureCollection: each placed project as a point (WGS-84; late when its report or a
    milestone is overdue), and the outline of every area a project lies in — our own geometry. Given a
    principal, only the projects it may read (service.readable_plan)."""
    if principal is not None:
        plan = service.readable_plan(session, principal=principal, plan_id=plan_id)
    else:
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
# The rule is service.visible_ids (one rule for the pages, the API and the Excel exports).

STAFF_ROLES = service.PLAN_READERS


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
    task_reports = reading._last_reports(session, column=ProgressReport.task_id, ids=list(task_ids))
    project_reports = reading._last_reports(session, column=ProgressReport.project_id, ids=list(project_ids))
    todo = Todo()
    subjects = [("task", t, t.number, t.title, task_reports.get(t.id), False) for t in tasks] + [
        ("project", p, numbers[p.task_id], p.name, project_reports.get(p.id), p.status == ProjectStatus.DONE)
        for p in projects
    ]
    for kind, obj, number, name, last, done in subjects:
        if done:
            continue
        flags = reading._flags(cycle=obj.report_cycle, created_at=obj.created_at, last=last, now=now)
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
