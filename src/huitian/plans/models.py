"""Plans (行动计划/年度工作计划), their sections, tasks, targets, projects, milestones, progress reports,
supervision notes (督办) and the micro-project library (微民生微服务项目库)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huitian.db import Base, UTCDateTime, utcnow


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # seed plans are loaded by code
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    # An annual plan implements a multi-year one.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    issuer: Mapped[str | None] = mapped_column(String(100))
    issued_on: Mapped[date | None] = mapped_column(Date)
    document_no: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlanSection(Base):
    __tablename__ = "plan_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    number: Mapped[str] = mapped_column(String(8))  # "一"
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        # A plan's sections in order.
        Index("ix_plan_sections_plan", "plan_id", "position"),
    )


class PlanTask(Base):
    __tablename__ = "plan_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("plan_sections.id"))
    number: Mapped[str] = mapped_column(String(16))  # "1", "(一)1"
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    responsible_as_written: Mapped[str | None] = mapped_column(Text)  # 责任单位 exactly as the plan says
    report_cycle: Mapped[str] = mapped_column(String(8), default="monthly")
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # A plan's tasks in order (plan page, tasks_count).
        Index("ix_plan_tasks_plan", "plan_id", "position"),
    )


class PlanTarget(Base):
    """A quantified target (指标): indicator, measure, baseline, target, due date, current value."""

    __tablename__ = "plan_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("plan_tasks.id"))
    indicator: Mapped[str] = mapped_column(String(200))
    measure: Mapped[str] = mapped_column(String(20))  # the unit of measure: 个, 公里, %, 亩
    comparator: Mapped[str] = mapped_column(String(2), default="=")
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    due: Mapped[date | None] = mapped_column(Date)
    current: Mapped[float | None] = mapped_column(Float)
    quote: Mapped[str | None] = mapped_column(Text)  # the words of the plan the target comes from
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        # A task's targets (plan page).
        Index("ix_plan_targets_task", "task_id"),
        # A plan's targets (target progress charts).
        Index("ix_plan_targets_plan", "plan_id"),
    )


class Project(Base):
    __tablename__ = "plan_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("plan_tasks.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan_projects.id"))  # sub-projects roll up
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0–100, own figure for a leaf project
    budget: Mapped[float | None] = mapped_column(Float)  # 万元
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    area_path: Mapped[str | None] = mapped_column(String(255))
    lat: Mapped[float | None] = mapped_column(Float)  # WGS-84
    lon: Mapped[float | None] = mapped_column(Float)
    # Category codes whose complaints the project should change ("did it work?").
    category_codes: Mapped[list] = mapped_column(JSON, default=list)
    report_cycle: Mapped[str] = mapped_column(String(8), default="monthly")
    completed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # A task's projects (plan page, roll-up).
        Index("ix_plan_projects_task", "task_id"),
        # A project's sub-projects (roll-up).
        Index("ix_plan_projects_parent", "parent_id"),
        # A planner's area scope (`area_path LIKE prefix%`) and the project map.
        Index("ix_plan_projects_area_path", "area_path"),
    )


class Responsibility(Base):
    """A unit responsible for a task or a project, by name as written, linked to a unit when one exists."""

    __tablename__ = "plan_responsibilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("plan_tasks.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("plan_projects.id"))
    role: Mapped[str] = mapped_column(String(8))  # lead / co
    unit_name: Mapped[str] = mapped_column(String(120))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        # A task's units (plan page).
        Index("ix_plan_responsibilities_task", "task_id"),
        # A project's units (project page, permission checks).
        Index("ix_plan_responsibilities_project", "project_id"),
        # A unit's own to-do: "tasks and projects my unit is responsible for".
        Index("ix_plan_responsibilities_unit", "unit_id"),
    )


class Milestone(Base):
    __tablename__ = "plan_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("plan_projects.id"))
    name: Mapped[str] = mapped_column(String(200))
    planned_on: Mapped[date] = mapped_column(Date)
    actual_on: Mapped[date | None] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        # A project's milestones in order (roadmap).
        Index("ix_plan_milestones_project", "project_id", "planned_on"),
    )


class ProgressReport(Base):
    """A weekly or monthly report (周报告/月报告) on a task or a project. Append-only."""

    __tablename__ = "plan_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("plan_tasks.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("plan_projects.id"))
    period: Mapped[str] = mapped_column(String(10))  # "2022-04" or "2022-W14"
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="on_track")
    progress: Mapped[float | None] = mapped_column(Float)
    figures: Mapped[dict] = mapped_column(JSON, default=dict)  # {"<target id>": value}
    photos: Mapped[list] = mapped_column(JSON, default=list)  # URLs
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_by: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # A task's last report (late flags) and its report history.
        Index("ix_plan_reports_task", "task_id", "submitted_at"),
        # A project's last report (late flags) and its report history.
        Index("ix_plan_reports_project", "project_id", "submitted_at"),
    )


class SupervisionNote(Base):
    """A supervision note (督办) on a task or project, raised at the monthly dispatch, with its follow-up."""

    __tablename__ = "plan_supervision_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("plan_tasks.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("plan_projects.id"))
    text: Mapped[str] = mapped_column(Text)
    due: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    follow_up: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # Open notes of a task / project on the dispatch sheet.
        Index("ix_plan_supervision_notes_task", "task_id"),
        Index("ix_plan_supervision_notes_project", "project_id"),
    )


class MicroProject(Base):
    """An entry of the micro-livelihood project library (微民生微服务项目库)."""

    __tablename__ = "plan_micro_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(10))
    source_ref: Mapped[str | None] = mapped_column(String(100))  # hotspot id, topic id
    status: Mapped[str] = mapped_column(String(12), default="proposed")
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    area_path: Mapped[str | None] = mapped_column(String(255))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("plan_projects.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # The library of a year by status (list and the year's count against 100).
        Index("ix_plan_micro_projects_year_status", "year", "status"),
    )
