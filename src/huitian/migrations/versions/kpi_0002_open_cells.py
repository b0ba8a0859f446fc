"""kpi: the snapshot of open orders per cell (dashboard counts and map); the cube in three projections

Revision ID: kpi_0002
Revises: kpi_0001
Create Date: 2026-11-23 15:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import huitian.db

revision = "kpi_0002"
down_revision = "kpi_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The cube's cells become projections (grain); the old full-grain cells are dropped and rebuilt by
    # the rollup job (every month is refreshed again once its kpi_rollup_months row is gone).
    op.execute("DELETE FROM kpi_rollups")
    op.execute("DELETE FROM kpi_rollup_months")
    with op.batch_alter_table("kpi_rollups") as batch:
        batch.add_column(sa.Column("grain", sa.String(length=2), nullable=False, server_default="up"))
    with op.batch_alter_table("kpi_rollups") as batch:
        batch.alter_column("grain", server_default=None)
    op.create_index("ix_kpi_rollups_month_grain", "kpi_rollups", ["month", "grain"], unique=False)
    op.create_table(
        "kpi_open_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_unit_id", sa.Integer(), nullable=True),
        sa.Column("area_path", sa.String(length=255), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("escalated", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_open_cells")),
    )
    op.create_table(
        "kpi_open_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_open_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("kpi_open_snapshots")
    op.drop_table("kpi_open_cells")
    op.drop_index("ix_kpi_rollups_month_grain", table_name="kpi_rollups")
    op.execute("DELETE FROM kpi_rollups")
    op.execute("DELETE FROM kpi_rollup_months")
    with op.batch_alter_table("kpi_rollups") as batch:
        batch.drop_column("grain")
