"""plans: plans, sections, tasks, targets, projects, milestones, reports, supervision notes, micro-projects

Revision ID: plans_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import huitian.db

revision = "plans_0001"
down_revision = "0001"
branch_labels = ("plans",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=False),
        sa.Column("end_year", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("issuer", sa.String(length=100), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("document_no", sa.String(length=60), nullable=True),
        sa.Column("created_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["plans.id"], name=op.f("fk_plans_parent_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint("code", name=op.f("uq_plans_code")),
    )
    op.create_table(
        "plan_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("intro", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_sections_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_sections")),
    )
    # a plan's sections in order
    op.create_index("ix_plan_sections_plan", "plan_sections", ["plan_id", "position"], unique=False)
    op.create_table(
        "plan_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("responsible_as_written", sa.Text(), nullable=True),
        sa.Column("report_cycle", sa.String(length=8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_tasks_plan_id_plans")),
        sa.ForeignKeyConstraint(
            ["section_id"], ["plan_sections.id"], name=op.f("fk_plan_tasks_section_id_plan_sections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_tasks")),
    )
    # a plan's tasks in order (plan page, tasks_count)
    op.create_index("ix_plan_tasks_plan", "plan_tasks", ["plan_id", "position"], unique=False)
    op.create_table(
        "plan_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("budget", sa.Float(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("area_path", sa.String(length=255), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("category_codes", sa.JSON(), nullable=False),
        sa.Column("report_cycle", sa.String(length=8), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("created_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_plan_projects_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["plan_projects.id"], name=op.f("fk_plan_projects_parent_id_plan_projects")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["plan_tasks.id"], name=op.f("fk_plan_projects_task_id_plan_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_projects")),
    )
    # a planner's area scope (area_path LIKE prefix%) and the project map
    op.create_index("ix_plan_projects_area_path", "plan_projects", ["area_path"], unique=False)
    # a project's sub-projects (roll-up)
    op.create_index("ix_plan_projects_parent", "plan_projects", ["parent_id"], unique=False)
    # a task's projects (plan page, roll-up)
    op.create_index("ix_plan_projects_task", "plan_projects", ["task_id"], unique=False)
    op.create_table(
        "plan_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("indicator", sa.String(length=200), nullable=False),
        sa.Column("measure", sa.String(length=20), nullable=False),
        sa.Column("comparator", sa.String(length=2), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("current", sa.Float(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_targets_plan_id_plans")),
        sa.ForeignKeyConstraint(
            ["task_id"], ["plan_tasks.id"], name=op.f("fk_plan_targets_task_id_plan_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_targets")),
    )
    # a plan's targets (target progress charts)
    op.create_index("ix_plan_targets_plan", "plan_targets", ["plan_id"], unique=False)
    # a task's targets (plan page)
    op.create_index("ix_plan_targets_task", "plan_targets", ["task_id"], unique=False)
    op.create_table(
        "plan_micro_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("source_ref", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("area_path", sa.String(length=255), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("created_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_plan_micro_projects_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["plan_projects.id"], name=op.f("fk_plan_micro_projects_project_id_plan_projects")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_plan_micro_projects_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_micro_projects")),
    )
    # the library of a year by status (list, the year's count against 100)
    op.create_index(
        "ix_plan_micro_projects_year_status", "plan_micro_projects", ["year", "status"], unique=False
    )
    op.create_table(
        "plan_milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("actual_on", sa.Date(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["plan_projects.id"], name=op.f("fk_plan_milestones_project_id_plan_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_milestones")),
    )
    # a project's milestones in order (roadmap)
    op.create_index(
        "ix_plan_milestones_project", "plan_milestones", ["project_id", "planned_on"], unique=False
    )
    op.create_table(
        "plan_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("progress", sa.Float(), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by", sa.String(length=100), nullable=False),
        sa.Column("submitted_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["plan_projects.id"], name=op.f("fk_plan_reports_project_id_plan_projects")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["users.id"], name=op.f("fk_plan_reports_submitted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["plan_tasks.id"], name=op.f("fk_plan_reports_task_id_plan_tasks")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_plan_reports_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_reports")),
    )
    # a project's last report (late flags) and report history
    op.create_index("ix_plan_reports_project", "plan_reports", ["project_id", "submitted_at"], unique=False)
    # a task's last report (late flags) and report history
    op.create_index("ix_plan_reports_task", "plan_reports", ["task_id", "submitted_at"], unique=False)
    op.create_table(
        "plan_responsibilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("unit_name", sa.String(length=120), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["plan_projects.id"],
            name=op.f("fk_plan_responsibilities_project_id_plan_projects"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["plan_tasks.id"], name=op.f("fk_plan_responsibilities_task_id_plan_tasks")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_plan_responsibilities_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_responsibilities")),
    )
    # a project's units (project page, permission checks)
    op.create_index("ix_plan_responsibilities_project", "plan_responsibilities", ["project_id"], unique=False)
    # a task's units (plan page)
    op.create_index("ix_plan_responsibilities_task", "plan_responsibilities", ["task_id"], unique=False)
    # a unit's own to-do: tasks and projects it is responsible for
    op.create_index("ix_plan_responsibilities_unit", "plan_responsibilities", ["unit_id"], unique=False)
    op.create_table(
        "plan_supervision_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("follow_up", sa.Text(), nullable=True),
        sa.Column("resolved_at", huitian.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["plan_projects.id"],
            name=op.f("fk_plan_supervision_notes_project_id_plan_projects"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["plan_tasks.id"], name=op.f("fk_plan_supervision_notes_task_id_plan_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_supervision_notes")),
    )
    # open notes of a project on the dispatch sheet
    op.create_index(
        "ix_plan_supervision_notes_project", "plan_supervision_notes", ["project_id"], unique=False
    )
    # open notes of a task on the dispatch sheet
    op.create_index("ix_plan_supervision_notes_task", "plan_supervision_notes", ["task_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_plan_supervision_notes_task", table_name="plan_supervision_notes")
    op.drop_index("ix_plan_supervision_notes_project", table_name="plan_supervision_notes")
    op.drop_table("plan_supervision_notes")
    op.drop_index("ix_plan_responsibilities_unit", table_name="plan_responsibilities")
    op.drop_index("ix_plan_responsibilities_task", table_name="plan_responsibilities")
    op.drop_index("ix_plan_responsibilities_project", table_name="plan_responsibilities")
    op.drop_table("plan_responsibilities")
    op.drop_index("ix_plan_reports_task", table_name="plan_reports")
    op.drop_index("ix_plan_reports_project", table_name="plan_reports")
    op.drop_table("plan_reports")
    op.drop_index("ix_plan_milestones_project", table_name="plan_milestones")
    op.drop_table("plan_milestones")
    op.drop_index("ix_plan_micro_projects_year_status", table_name="plan_micro_projects")
    op.drop_table("plan_micro_projects")
    op.drop_index("ix_plan_targets_task", table_name="plan_targets")
    op.drop_index("ix_plan_targets_plan", table_name="plan_targets")
    op.drop_table("plan_targets")
    op.drop_index("ix_plan_projects_task", table_name="plan_projects")
    op.drop_index("ix_plan_projects_parent", table_name="plan_projects")
    op.drop_index("ix_plan_projects_area_path", table_name="plan_projects")
    op.drop_table("plan_projects")
    op.drop_index("ix_plan_tasks_plan", table_name="plan_tasks")
    op.drop_table("plan_tasks")
    op.drop_index("ix_plan_sections_plan", table_name="plan_sections")
    op.drop_table("plan_sections")
    op.drop_table("plans")
