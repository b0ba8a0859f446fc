"""Pages of plans and projects (计划项目): the plan list and plan page with its target charts, the roadmap
(时间表、路线图), the project map, task and project pages with their reports and 督办 notes, the monthly
dispatch sheet (月调度), the micro-project library and a unit's own to-do. Templates in
web/templates/plans/; the charts and the map are drawn by static/plans.js from our own JSON."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from huitian.auth.deps import OptionalPrincipal, SessionDep, WriteSessionDep
from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.config import get_settings
from huitian.errors import DomainError, NotFound
from huitian.plans import export, overview, service
from huitian.plans.enums import (
    MICRO_YEARLY_TARGET,
    MicroSource,
    MicroStatus,
    PlanKind,
    ProjectStatus,
    ProjectType,
    ReportCycle,
    ReportStatus,
)
from huitian.plans.schemas import MicroUpdate, NoteCreate, NoteFollowUp, ReportCreate
from huitian.web import render
from huitian.web.forms import not_found, own_status, submit
from huitian.web.pages import page, to_login

router = APIRouter(include_in_schema=False)

FIELD_LABELS = {
    "PlanKind": PlanKind,
    "period": "报告期",
    "text": "内容",
    "status": "状态",
    "progress": "进度",
    "figures": "指标完成值",
    "due": "办结期限",
    "follow_up": "跟进情况",
    "task_id": "任务",
    "project_id": "项目",
}
LABELS = {
    "PlanKind": PlanKind,
    "ProjectStatus": ProjectStatus,
    "ProjectType": ProjectType,
    "ReportStatus": ReportStatus,
    "ReportCycle": ReportCycle,
    "MicroStatus": MicroStatus,
    "MicroSource": MicroSource,
}
PLANNING_ROLES = (Role.ADMIN, Role.PLANNER, Role.SUPERVISOR)


def _staff(request: Request, principal: Principal | None) -> Response | None:
    """Plans are for staff: no sign-in → the login page; residents → 404 (nothing to see here)."""
    if principal is None:
        return to_login(request)
    if not service.may_read_plans(principal):
        return page(request, "error.html", principal, {"message": "未找到该页面。"}, 404)
    return None


def _render(request, principal, name: str, ctx: dict, status_code: int = 200) -> HTMLResponse:
    base = {
        "labels": LABELS,
        "label_of": render.label_of,
        "num": export.number_text,
        "can_plan": principal.role in PLANNING_ROLES,
        "errors": {},
        "values": {},
    }
    return page(request, name, principal, base | ctx, status_code=status_code)


def _errors(exc: ValidationError | DomainError) -> dict[str, str]:
    """Field → message, for showing next to each field."""
    if isinstance(exc, DomainError):
        return {exc.field or "_": exc.message}
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ()) if str(x) != "__root__"]
        out.setdefault(loc[0] if loc else "_", str(err.get("msg", "")).removeprefix("Value error, "))
    return out


def _period_now() -> str:
    return service.today().strftime("%Y-%m")


# --- plans ----------------------------------------------------------------------------------------------


@router.get("/plans", response_class=HTMLResponse)
def plans_page(request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    if no := _staff(request, principal):
        return no
    plans = service.readable_plans(session, principal=principal)
    return _render(request, principal, "plans/list.html", {"plans": plans})


@router.get("/plans/{plan_id:int}", response_class=HTMLResponse)
def plan_page(plan_id: int, request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    if no := _staff(request, principal):
        return no
    try:
        plan = service.readable_plan(session, principal=principal, plan_id=plan_id)
    except NotFound:
        return not_found(request, principal, f"未找到计划 {plan_id}。")
    sections: list[tuple[str | None, list]] = []
    for task in plan.tasks:
        if not sections or sections[-1][0] != task.section:
            sections.append((task.section, []))
        sections[-1][1].append(task)
    chart = [
        {
            "name": f"{t.number}.{tg.indicator}",
            "target": tg.target,
            "current": tg.current or 0,
            "measure": tg.measure,
            "share": round(100 * (tg.current or 0) / tg.target, 1) if tg.target else 0,
            "due": tg.due.isoformat() if tg.due else "",
        }
        for t in plan.tasks
        for tg in t.targets
    ]
    ctx = {"plan": plan, "sections": sections, "chart": chart}
    return _render(request, principal, "plans/plan.html", ctx)


@router.get("/plans/{plan_id:int}/roadmap", response_class=HTMLResponse)
def roadmap_page(
    plan_id: int, request: Request, principal: OptionalPrincipal, session: SessionDep
) -> Response:
    if no := _staff(request, principal):
        return no
    try:
        data = overview.roadmap(session, plan_id=plan_id, principal=principal)
    except NotFound:
        return not_found(request, principal, f"未找到计划 {plan_id}。")
    ctx = {"plan_id": plan_id, "roadmap": data, "echarts": render.vendor_url("echarts/echarts.min.js")}
    return _render(request, principal, "plans/roadmap.html", ctx)


def _visible_projects(session: Session, principal: Principal, plan_id: int):
    plan = service.readable_plan(session, principal=principal, plan_id=plan_id)
    return [p for t in plan.tasks for p in t.projects]


@router.get("/plans/{plan_id:int}/map", response_class=HTMLResponse)
def map_page(plan_id: int, request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    if no := _staff(request, principal):
        return no
    try:
        projects = _visible_projects(session, principal, plan_id)
    except NotFound:
        return not_found(request, principal, f"未找到计划 {plan_id}。")
    ctx = {
        "plan_id": plan_id,
        "projects": projects,
        "placed": [p for p in projects if p.lat is not None],
        "leaflet": render.vendor_url("leaflet/leaflet.js"),
        "tiles": get_settings().map_tile_url or "",
    }
    return _render(request, principal, "plans/map.html", ctx)


@router.get("/plans/{plan_id:int}/dispatch", response_class=HTMLResponse)
def dispatch_page(
    plan_id: int, request: Request, principal: OptionalPrincipal, session: SessionDep
) -> Response:
    if no := _staff(request, principal):
        return no
    if not service.may_read_internal(principal):
        return RedirectResponse("/plans/todo", status_code=303)
    try:
        sheet = service.dispatch_sheet(session, plan_id=plan_id, principal=principal)
    except NotFound:
        return not_found(request, principal, f"未找到计划 {plan_id}。")
    plan = service.get_plan(session, plan_id=plan_id)
    return _render(request, principal, "plans/dispatch.html", {"plan": plan, "sheet": sheet})


# --- tasks and projects ---------------------------------------------------------------------------------


def _task_ctx(session: Session, principal: Principal, task_id: int) -> dict:
    task = service.visible_task(session, principal=principal, task_id=task_id)
    plan = service.readable_plan(session, principal=principal, plan_id=task.plan_id)
    read = next((t for t in plan.tasks if t.id == task.id), None)
    if read is None:  # visible_task and readable_plan share one rule: not reached
        raise NotFound(f"task {task_id} not found")
    return {
        "plan": plan,
        "task": read,
        "reports": service.list_reports(session, task_id=task.id, project_id=None),
        "notes": service.notes_of(session, task_id=task.id),
        "subject": {"task_id": task.id},
        "period": _period_now(),
    }


def _project_ctx(session: Session, principal: Principal, project_id: int) -> dict:
    service.visible_project(session, principal=principal, project_id=project_id)
    project = service.read_project(session, project_id=project_id)
    task = service.get_task(session, task_id=project.task_id)
    effect = None
    if project.status == ProjectStatus.DONE and project.completed_on and project.area_code:
        effect = service.effect(session, project_id=project_id)
    return {
        "plan": service.get_plan(session, plan_id=task.plan_id),
        "task": task,
        "project": project,
        "reports": service.list_reports(session, task_id=None, project_id=project_id),
        "notes": service.notes_of(session, project_id=project_id),
        "effect": effect,
        "subject": {"project_id": project_id},
        "today": service.today(),
        "period": _period_now(),
    }


@router.get("/plans/tasks/{task_id:int}", response_class=HTMLResponse)
def task_page(task_id: int, request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    if no := _staff(request, principal):
        return no
    try:
        ctx = _task_ctx(session, principal, task_id)
    except NotFound:
        return not_found(request, principal, f"未找到任务 {task_id}。")
    return _render(request, principal, "plans/task.html", ctx)


@router.get("/plans/projects/{project_id:int}", response_class=HTMLResponse)
def project_page(
    project_id: int, request: Request, principal: OptionalPrincipal, session: SessionDep
) -> Response:
    if no := _staff(request, principal):
        return no
    try:
        ctx = _project_ctx(session, principal, project_id)
    except NotFound:
        return not_found(request, principal, f"未找到项目 {project_id}。")
    return _render(request, principal, "plans/project.html", ctx)


def _subject_page(request, principal, session, *, task_id, project_id, ctx: dict, status: int = 422):
    """Re-render the task or project page the form came from, with the errors next to its fields."""
    try:
        if project_id:
            return _render(
                request,
                principal,
                "plans/project.html",
                _project_ctx(session, principal, project_id) | ctx,
                status,
            )
        return _render(
            request, principal, "plans/task.html", _task_ctx(session, principal, task_id) | ctx, status
        )
    except NotFound:
        return not_found(request, principal, "未找到该任务或项目。")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


@router.post("/plans/reports")
async def submit_report(request: Request, principal: OptionalPrincipal, session: WriteSessionDep) -> Response:
    """A progress report from the task or project page: figures arrive as figure_<target id> fields."""
    if no := _staff(request, principal):
        return no
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    task_id, project_id = _int(values.get("task_id")), _int(values.get("project_id"))
    figures: dict[str, str] = {}
    for key, value in values.items():
        if key.startswith("figure_") and value.strip():
            figures[key.removeprefix("figure_")] = value.strip()

    def save() -> None:
        # The page must be one the user can see before anything is written (404 otherwise).
        if project_id:
            service.visible_project(session, principal=principal, project_id=project_id)
        elif task_id:
            service.visible_task(session, principal=principal, task_id=task_id)
        data = ReportCreate(
            task_id=task_id,
            project_id=project_id,
            period=values.get("period", "").strip(),
            text=values.get("text", "").strip(),
            status=values.get("status") or ReportStatus.ON_TRACK,
            progress=values.get("progress") or None,
            figures=figures,
        )
        service.submit_report(session, principal=principal, data=data)

    def again(errors: dict[str, str], status: int) -> Response:
        if status == 404:
            return not_found(request, principal, "未找到该任务或项目。")
        if any(k.startswith("figures") for k in errors):
            errors["figures"] = errors.pop(next(k for k in errors if k.startswith("figures")))
        ctx = {"errors": errors, "values": values}
        return _subject_page(
            request, principal, session, task_id=task_id, project_id=project_id, ctx=ctx, status=status
        )

    target = f"/plans/projects/{project_id}" if project_id else f"/plans/tasks/{task_id}"
    return submit(
        session, save, ok=f"{target}?reported=1#reports", again=again, errors=_errors, status=own_status
    )


def _back(next_url: str | None, fallback: str) -> str:
    if next_url and next_url.startswith("/plans") and "//" not in next_url and "\\" not in next_url:
        return next_url
    return fallback


@router.post("/plans/notes")
def add_note(
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    text: str = Form(""),
    due: str = Form(""),
    task_id: str = Form(""),
    project_id: str = Form(""),
    next: str = Form(""),
) -> Response:
    """A 督办 note on a task or project (planners, supervisors, admins)."""
    if no := _staff(request, principal):
        return no
    tid, pid = _int(task_id), _int(project_id)

    def again(errors: dict[str, str], status: int) -> Response:
        if status == 404:
            return not_found(request, principal, "未找到该任务或项目。")
        ctx = {
            "errors": {f"note_{k}": v for k, v in errors.items()},
            "values": {"note_text": text, "note_due": due},
        }
        return _subject_page(request, principal, session, task_id=tid, project_id=pid, ctx=ctx, status=status)

    fallback = f"/plans/projects/{pid}" if pid else f"/plans/tasks/{tid}"
    return submit(
        session,
        lambda: service.add_note(
            session,
            principal=principal,
            data=NoteCreate(task_id=tid, project_id=pid, text=text.strip(), due=due or None),
        ),
        ok=_back(next, fallback) + "#notes",
        again=again,
        errors=_errors,
        status=own_status,
    )


@router.post("/plans/notes/{note_id:int}/follow-up")
def follow_up(
    note_id: int,
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    follow_up: str = Form(""),
    resolved: str = Form(""),
    next: str = Form(""),
) -> Response:
    """The follow-up of a 督办 note (the responsible unit, or a supervisor), resolved or still open."""
    if no := _staff(request, principal):
        return no
    note = service.get_note(session, note_id=note_id)
    if note is None:
        return not_found(request, principal, f"未找到督办事项 {note_id}。")
    task_id, project_id = note.task_id, note.project_id

    def save() -> None:
        if project_id:
            service.visible_project(session, principal=principal, project_id=project_id)
        else:
            service.visible_task(session, principal=principal, task_id=task_id)
        data = NoteFollowUp(follow_up=follow_up.strip(), resolved=resolved in ("1", "on", "true"))
        service.follow_up_note(session, principal=principal, note_id=note_id, data=data)

    def again(errors: dict[str, str], status: int) -> Response:
        if status == 404:
            return not_found(request, principal, f"未找到督办事项 {note_id}。")
        ctx = {"errors": {f"follow_{note_id}": ";".join(errors.values())}, "values": {}}
        return _subject_page(
            request, principal, session, task_id=task_id, project_id=project_id, ctx=ctx, status=status
        )

    fallback = f"/plans/projects/{project_id}" if project_id else f"/plans/tasks/{task_id}"
    return submit(
        session, save, ok=_back(next, fallback) + "#notes", again=again, errors=_errors, status=own_status
    )


# --- the micro-project library --------------------------------------------------------------------------


def _micro_ctx(session: Session, year: int, status: str | None) -> dict:
    st = MicroStatus(status) if status in MicroStatus._value2member_map_ else None
    lib = service.micro_page(session, year=year, status=st)
    return {
        "year": year,
        "status": st.value if st else "",
        "library": lib,
        "share": min(100.0, round(100 * lib.count / lib.target, 1)) if lib.target else 0,
        "target": MICRO_YEARLY_TARGET,
        "area_names": service.area_names(session, paths=[m.area_path for m in lib.items]),
    }


@router.get("/plans/micro", response_class=HTMLResponse)
def micro_page(
    request: Request,
    principal: OptionalPrincipal,
    session: SessionDep,
    year: int | None = None,
    status: str | None = None,
) -> Response:
    if no := _staff(request, principal):
        return no
    year = year if year and 2000 <= year <= 2100 else service.today().year
    ctx = _micro_ctx(session, year, status)
    return _render(
        request,
        principal,
        "plans/micro.html",
        ctx | {"can_approve": principal.role in (Role.ADMIN, Role.PLANNER)},
    )


@router.post("/plans/micro/{micro_id:int}")
def micro_status(
    micro_id: int,
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    status: str = Form(""),
) -> Response:
    """Approve a candidate into the library (入库), or move it on (实施中, 已完成)."""
    if no := _staff(request, principal):
        return no
    micro = service.get_micro(session, micro_id=micro_id)
    if micro is None:
        return not_found(request, principal, f"未找到微项目 {micro_id}。")
    year = micro.year

    def again(errors: dict[str, str], code: int) -> Response:
        ctx = _micro_ctx(session, year, None) | {"errors": {f"micro_{micro_id}": next(iter(errors.values()))}}
        ctx["can_approve"] = principal.role in (Role.ADMIN, Role.PLANNER)
        return _render(request, principal, "plans/micro.html", ctx, code)

    return submit(
        session,
        lambda: service.update_micro(
            session, principal=principal, micro_id=micro_id, data=MicroUpdate(status=status)
        ),
        ok=f"/plans/micro?year={year}#micro-{micro_id}",
        again=again,
        errors=_errors,
        status=own_status,
    )


# --- a unit's own to-do ------------------------------------------------------------------------------------


@router.get("/plans/todo", response_class=HTMLResponse)
def todo_page(request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    if no := _staff(request, principal):
        return no
    todo = overview.unit_todo(session, unit_id=principal.unit_id) if principal.unit_id else None
    return _render(request, principal, "plans/todo.html", {"todo": todo, "today": service.today()})
