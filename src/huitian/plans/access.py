"""Who may read what (one rule for the pages, the API and the Excel exports) and who may change what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from huitian.auth.enums import UNIT_ROLES, Role
from huitian.auth.service import Principal
from huitian.errors import Forbidden, NotFound
from huitian.plans.models import PlanTask, ProgressReport, Project, Responsibility
from huitian.plans.reading import list_plans, list_reports, read_plan
from huitian.plans.schemas import PlanRead, PlanSummary

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
