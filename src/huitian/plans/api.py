"""Plans, projects, progress reports, the monthly dispatch sheet and the micro-project library."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from huitian.auth.deps import CurrentPrincipal, SessionDep, WriteSessionDep
from huitian.plans import service
from huitian.plans.enums import MicroStatus
from huitian.plans.models import Milestone
from huitian.plans.schemas import (
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


@router.get("/plans", response_model=PlanList)
def list_plans(principal: CurrentPrincipal, session: SessionDep) -> PlanList:
    return PlanList(items=service.list_plans(session))


@router.get("/plans/{plan_id}", response_model=PlanRead)
def read_plan(plan_id: int, principal: CurrentPrincipal, session: SessionDep) -> PlanRead:
    return service.read_plan(session, plan_id=plan_id)


@router.get("/plans/{plan_id}/dispatch-sheet", response_model=DispatchSheet)
def dispatch_sheet(plan_id: int, principal: CurrentPrincipal, session: SessionDep) -> DispatchSheet:
    return service.dispatch_sheet(session, plan_id=plan_id)


@router.post("/projects", response_model=ProjectRead, status_code=201)
def create_project(body: ProjectCreate, principal: CurrentPrincipal, session: WriteSessionDep) -> ProjectRead:
    project = service.create_project(session, principal=principal, data=body)
    session.commit()
    return service.read_project(session, project_id=project.id)


@router.get("/projects/{project_id}", response_model=ProjectRead)
def read_project(project_id: int, principal: CurrentPrincipal, session: SessionDep) -> ProjectRead:
    return service.read_project(session, project_id=project_id)


@router.patch("/projects/{project_id}", response_model=ProjectRead)
def update_project(
    project_id: int, body: ProjectUpdate, principal: CurrentPrincipal, session: WriteSessionDep
) -> ProjectRead:
    service.update_project(session, principal=principal, project_id=project_id, data=body)
    session.commit()
    return service.read_project(session, project_id=project_id)


@router.get("/projects/{project_id}/effect", response_model=EffectRead)
def project_effect(
    project_id: int,
    principal: CurrentPrincipal,
    session: SessionDep,
    months: Annotated[int, Query(ge=1, le=36)] = 6,
) -> EffectRead:
    return service.effect(session, project_id=project_id, months=months)


@router.post("/projects/{project_id}/milestones", response_model=MilestoneRead, status_code=201)
def add_milestone(
    project_id: int, body: MilestoneCreate, principal: CurrentPrincipal, session: WriteSessionDep
) -> Milestone:
    milestone = service.add_milestone(session, principal=principal, project_id=project_id, data=body)
    session.commit()
    return milestone


@router.patch("/milestones/{milestone_id}", response_model=MilestoneRead)
def update_milestone(
    milestone_id: int, body: MilestoneUpdate, principal: CurrentPrincipal, session: WriteSessionDep
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
    task_id: int | None = None,
    project_id: int | None = None,
):
    return service.list_reports(session, task_id=task_id, project_id=project_id)


@router.post("/supervision-notes", response_model=NoteRead, status_code=201)
def add_note(body: NoteCreate, principal: CurrentPrincipal, session: WriteSessionDep):
    note = service.add_note(session, principal=principal, data=body)
    session.commit()
    return note


@router.post("/supervision-notes/{note_id}/follow-up", response_model=NoteRead)
def follow_up(note_id: int, body: NoteFollowUp, principal: CurrentPrincipal, session: WriteSessionDep):
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
    return service.micro_page(session, year=year, status=status)


@router.post("/micro-projects", response_model=MicroRead, status_code=201)
def create_micro(body: MicroCreate, principal: CurrentPrincipal, session: WriteSessionDep):
    micro = service.create_micro(session, principal=principal, data=body)
    session.commit()
    return micro


@router.patch("/micro-projects/{micro_id}", response_model=MicroRead)
def update_micro(micro_id: int, body: MicroUpdate, principal: CurrentPrincipal, session: WriteSessionDep):
    micro = service.update_micro(session, principal=principal, micro_id=micro_id, data=body)
    session.commit()
    return micro
