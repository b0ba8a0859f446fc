"""intelligence: training runs (the retraining job's claims and outcomes)

Revision ID: intelligence_0002
Revises: intelligence_0001
Create Date: 2026-11-23 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import huitian.db

revision = "intelligence_0002"
down_revision = "intelligence_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intelligence_training_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("started_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", huitian.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claim", sa.String(length=16), nullable=True),
        sa.Column("n_train", sa.Integer(), nullable=True),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["intelligence_models.id"],
            name=op.f("fk_intelligence_training_runs_model_id_intelligence_models"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence_training_runs")),
        sa.UniqueConstraint("claim", name=op.f("uq_intelligence_training_runs_claim")),
    )
    with op.batch_alter_table("intelligence_training_runs", schema=None) as batch_op:
        # The admin page's latest runs of a target.
        batch_op.create_index("ix_intelligence_training_runs_target", ["target", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("intelligence_training_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_intelligence_training_runs_target")
    op.drop_table("intelligence_training_runs")
