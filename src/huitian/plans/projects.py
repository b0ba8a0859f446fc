"""Projects, their milestones and the progress reports on tasks and projects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from huitian.areas import service as areas_service
from huitian.auth.service import Principal
from huitian.categories import service as categories_service
from huitian.db import utcnow
from huitian.errors import NotFound, Unprocessable
from huitian.plans.access import require_manage, require_report
from huitian.plans.enums import ProjectStatus, UnitRole
from huitian.plans.models import Milestone, PlanTarget, PlanTask, ProgressReport, Project, Responsibility
from huitian.plans.reading import get_project, get_task
from huitian.plans.schemas import MilestoneCreate, MilestoneUpdate, ProjectCreate, ProjectUpdate, ReportCreate
from huitian.plans.seeds import _unit_links
from huitian.units.models import Unit

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
