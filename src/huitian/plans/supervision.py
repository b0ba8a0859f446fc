"""Supervision notes (督办) and the monthly dispatch sheet (月调度)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.db import utcnow
from huitian.errors import Forbidden, NotFound
from huitian.plans.access import require_internal, require_report, visible_ids
from huitian.plans.enums import ProjectStatus, ReportStatus
from huitian.plans.models import SupervisionNote
from huitian.plans.reading import _flags, _load, get_plan, get_project, get_task
from huitian.plans.schemas import DispatchSheet, FlagRead, NoteCreate, NoteFollowUp, NoteRead, SheetItem

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
