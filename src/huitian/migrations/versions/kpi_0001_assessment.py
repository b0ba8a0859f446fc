"""kpi: assessment settings and the monthly rollup cube

Revision ID: kpi_0001
Revises: 0001
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import huitian.db

revision = "kpi_0001"
down_revision = "0001"
branch_labels = ("kpi",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_settings",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_kpi_settings")),
    )
    op.create_table(
        "kpi_rollups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("lead_unit_id", sa.Integer(), nullable=False),
        sa.Column("area_path", sa.String(length=255), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("assessed", sa.Integer(), nullable=False),
        sa.Column("dispatched", sa.Integer(), nullable=False),
        sa.Column("responded", sa.Integer(), nullable=False),
        sa.Column("called_back", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("satisfied", sa.Integer(), nullable=False),
        sa.Column("basic", sa.Integer(), nullable=False),
        sa.Column("excluded", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_rollups")),
    )
    # Rates and ranking of a month: "all cells of month M" (then scope on unit or area path).
    op.create_index("ix_kpi_rollups_month_unit", "kpi_rollups", ["month", "lead_unit_id"], unique=False)
    op.create_table(
        "kpi_rollup_months",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("refreshed_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_kpi_rollup_months")),
    )


def downgrade() -> None:
    op.drop_table("kpi_rollup_months")
    op.drop_index("ix_kpi_rollups_month_unit", table_name="kpi_rollups")
    op.drop_table("kpi_rollups")
    op.drop_table("kpi_settings")
