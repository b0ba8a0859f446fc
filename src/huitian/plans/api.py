"""Plans, projects, progress reports, the monthly dispatch sheet and the micro-project library."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from huitian.auth.deps import CurrentPrincipal, SessionDep, WriteSessionDep
from huitian.errors import Unprocessable
from huitian.plans import export, overview, service
from huitian.plans.enums import MicroStatus, ProjectStatus
from huitian.plans.models import Milestone
from huitian.plans.schemas import (
    ROW_ID_MAX,
    DispatchSheet,
    EffectRead,
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
    PlanList,
    PlanRead,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
    ReportCreate,
    ReportRead,
)

router = APIRouter(prefix="/api/v1", tags=["plans"])

PathId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]
QueryId = Annotated[int | None, Query(ge=1, le=ROW_ID_MAX)]


@router.get("/plans", response_model=PlanList)
def list_plans(principal: CurrentPrincipal, session: SessionDep) -> PlanList:
    return PlanList(items=service.readable_plans(session, principal=principal))


@router.get("/plans/{plan_id}", response_model=PlanRead)
def read_plan(plan_id: PathId, principal: CurrentPrincipal, session: SessionDep) -> PlanRead:
    return service.readable_plan(session, principal=principal, plan_id=plan_id)


@router.get("/plans/{plan_id}/dispatch-sheet", response_model=DispatchSheet)
def dispatch_sheet(plan_id: PathId, principal: CurrentPrincipal, session: SessionDep) -> DispatchSheet:
    return service.dispatch_sheet(session, plan_id=plan_id, principal=principal)


@router.get("/plans/{plan_id}/roadmap")
def plan_roadmap(plan_id: PathId, principal: CurrentPrincipal, session: SessionDep) -> dict:
    """The roadmap (时间表、路线图): each project's planned and actual span and milestones, late flagged."""
    return overview.roadmap(session, plan_id=plan_id, principal=principal)


@router.get("/plans/{plan_id}/map.geojson")
def plan_map(plan_id: PathId, principal: CurrentPrincipal, session: SessionDep) -> dict:
    """The plan's placed projects as GeoJSON points, with the outlines of their areas."""
    return overview.project_map(session, plan_id=plan_id, principal=principal)


def _xlsx(data: bytes, name: str, ascii_name: str) -> Response:
    disposition = f"attachment; filename={ascii_name}; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=export.XLSX_TYPE, headers={"Content-Disposition": disposition})


@router.get(
    "/plans/{plan_id}/tasks.xlsx",
    response_class=Response,
    responses={200: {"content": {export.XLSX_TYPE: {}}}},
)
def tasks_xlsx(
    plan_id: PathId,
    principal: CurrentPrincipal,
    session: SessionDep,
    section: Annotated[str | None, Query(max_length=8, description="section number: 一, 二 …")] = None,
    unit: Annotated[str | None, Query(max_length=120, description="part of a unit's name")] = None,
) -> Response:
    """The 任务清单 as an Excel file (sections, tasks, units, deadlines, targets, progress): the plan as
    the caller reads it on its page."""
    plan = service.readable_plan(session, principal=principal, plan_id=plan_id)
    if section and not any((t.section or "").startswith(f"({section})") for t in plan.tasks):
        raise Unprocessable(f"section {section!r} is not a section of this plan", field="section")
    keep = export.task_filter(section=section, unit=unit)
    data = export.tasks_workbook(plan, today=service.today(), keep=keep)
    return _xlsx(data, export.filename(plan, "tasks"), f"plan-{plan_id}-tasks.xlsx")


@router.get(
    "/plans/{plan_id}/projects.xlsx",
    response_class=Response,
    responses={200: {"content": {export.XLSX_TYPE: {}}}},
)
def projects_xlsx(
    plan_id: PathId,
    principal: CurrentPrincipal,
    session: SessionDep,
    status: ProjectStatus | None = None,
    unit: Annotated[str | None, Query(max_length=120, description="part of a unit's name")] = None,
    task: Annotated[str | None, Query(max_length=16, description="task number")] = None,
) -> Response:
    """The 项目清单 as an Excel file (projects under their tasks, units, deadlines, milestones, progress):
    the plan as the caller reads it on its page."""
    plan = service.readable_plan(session, principal=principal, plan_id=plan_id)
    if task:
        tasks = [t for t in plan.tasks if t.number == task]
        if not tasks:
            raise Unprocessable(f"task {task!r} is not a task of this plan", field="task")
        plan = plan.model_copy(update={"tasks": tasks})
    keep = export.project_filter(status=status.value if status else None, unit=unit)
    data = export.projects_workbook(plan, today=service.today(), keep=keep)
    return _xlsx(data, export.filename(plan, "projects"), f"plan-{plan_id}-projects.xlsx")


@router.post("/projects", response_model=ProjectRead, status_code=201)
def create_project(body: ProjectCreate, principal: CurrentPrincipal, session: WriteSessionDep) -> ProjectRead:
    project = service.create_project(session, principal=principal, data=body)
    session.commit()
    return service.read_project(session, project_id=project.id)


@router.get("/projects/{project_id}", response_model=ProjectRead)
def read_project(project_id: PathId, principal: CurrentPrincipal, session: SessionDep) -> ProjectRead:
    service.visible_project(session, principal=principal, project_id=project_id)
    return service.read_project(session, project_id=project_id)


@router.patch("/projects/{project_id}", response_model=ProjectRead)
def update_project(
    project_id: PathId, body: ProjectUpdate, principal: CurrentPrincipal, session: WriteSessionDep
) -> ProjectRead:
    service.update_project(session, principal=principal, project_id=project_id, data=body)
    session.commit()
    return service.read_project(session, project_id=project_id)


@router.get("/projects/{project_id}/effect", response_model=EffectRead)
def project_effect(
    project_id: PathId,
    principal: CurrentPrincipal,
    session: SessionDep,
    months: Annotated[int, Query(ge=1, le=36)] = 6,
) -> EffectRead:
    service.visible_project(session, principal=principal, project_id=project_id)
    return service.effect(session, project_id=project_id, months=months)


@router.post("/projects/{project_id}/milestones", response_model=MilestoneRead, status_code=201)
def add_milestone(
    project_id: PathId, body: MilestoneCreate, principal: CurrentPrincipal, session: WriteSessionDep
) -> Milestone:
    milestone = service.add_milestone(session, principal=principal, project_id=project_id, data=body)
    session.commit()
    return milestone


@router.patch("/milestones/{milestone_id}", response_model=MilestoneRead)
def update_milestone(
    milestone_id: PathId, body: MilestoneUpdate, principal: CurrentPrincipal, session: WriteSessionDep
) -> Milestone:
    milestone = service.update_milestone(session, principal=principal, milestone_id=milestone_id, data=body)
    session.commit()
    return milestone


@router.post("/plan-reports", response_model=ReportRead, status_code=201)
def submit_report(body: ReportCreate, principal: CurrentPrincipal, session: WriteSessionDep):
    report = service.submit_report(session, principal=principal, data=body)
    session.commit()
    return report


@router.get("/plan-reports", response_model=list[ReportRead])
def list_reports(
    principal: CurrentPrincipal,
    session: SessionDep,
    task_id: QueryId = None,
    project_id: QueryId = None,
):
    return service.readable_reports(session, principal=principal, task_id=task_id, project_id=project_id)


@router.post("/supervision-notes", response_model=NoteRead, status_code=201)
def add_note(body: NoteCreate, principal: CurrentPrincipal, session: WriteSessionDep):
    note = service.add_note(session, principal=principal, data=body)
    session.commit()
    return note


@router.post("/supervision-notes/{note_id}/follow-up", response_model=NoteRead)
def follow_up(note_id: PathId, body: NoteFollowUp, principal: CurrentPrincipal, session: WriteSessionDep):
    note = service.follow_up_note(session, principal=principal, note_id=note_id, data=body)
    session.commit()
    return note


@router.get("/micro-projects", response_model=MicroPage)
def list_micro(
    principal: CurrentPrincipal,
    session: SessionDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    status: MicroStatus | None = None,
) -> MicroPage:
    service.require_reader(principal)
    return service.micro_page(session, year=year, status=status)


@router.post("/micro-projects", response_model=MicroRead, status_code=201)
def create_micro(body: MicroCreate, principal: CurrentPrincipal, session: WriteSessionDep):
    micro = service.create_micro(session, principal=principal, data=body)
    session.commit()
    return micro


@router.patch("/micro-projects/{micro_id}", response_model=MicroRead)
def update_micro(micro_id: PathId, body: MicroUpdate, principal: CurrentPrincipal, session: WriteSessionDep):
    micro = service.update_micro(session, principal=principal, micro_id=micro_id, data=body)
    session.commit()
    return micro
