"""kpi: the open-orders snapshot in two projections (area × state; unit × area × state)

Revision ID: kpi_0003
Revises: kpi_0002
Create Date: 2026-11-23 15:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "kpi_0003"
down_revision = "kpi_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The snapshot is rebuilt every minute by the kpi.open job: the old cells are simply dropped.
    op.execute("DELETE FROM kpi_open_cells")
    op.execute("DELETE FROM kpi_open_snapshots")
    with op.batch_alter_table("kpi_open_cells") as batch:
        batch.add_column(sa.Column("grain", sa.String(length=3), nullable=False, server_default="ps"))
    with op.batch_alter_table("kpi_open_cells") as batch:
        batch.alter_column("grain", server_default=None)
    op.create_index("ix_kpi_open_cells_grain_unit", "kpi_open_cells", ["grain", "lead_unit_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_kpi_open_cells_grain_unit", table_name="kpi_open_cells")
    op.execute("DELETE FROM kpi_open_cells")
    op.execute("DELETE FROM kpi_open_snapshots")
    with op.batch_alter_table("kpi_open_cells") as batch:
        batch.drop_column("grain")
