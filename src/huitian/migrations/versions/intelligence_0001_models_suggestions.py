"""intelligence: model versions, suggestions shown to operators, settings

Revision ID: intelligence_0001
Revises: 0001
Create Date: 2026-11-23 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import huitian.db

revision = "intelligence_0001"
down_revision = "0001"
branch_labels = ("intelligence",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intelligence_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("n_train", sa.Integer(), nullable=False),
        sa.Column("evaluation", sa.JSON(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence_models")),
    )
    with op.batch_alter_table("intelligence_models", schema=None) as batch_op:
        # The active model of a target (every suggestion) and the list of versions.
        batch_op.create_index("ix_intelligence_models_target_active", ["target", "active"], unique=False)

    op.create_table(
        "intelligence_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("category_code", sa.String(length=32), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("unit_code", sa.String(length=40), nullable=True),
        sa.Column("created_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["intelligence_models.id"],
            name=op.f("fk_intelligence_suggestions_model_id_intelligence_models"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_intelligence_suggestions_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence_suggestions")),
    )
    with op.batch_alter_table("intelligence_suggestions", schema=None) as batch_op:
        # "Was this order already suggested by this model?" and an order's latest suggestion.
        batch_op.create_index("ix_intelligence_suggestions_order", ["order_id", "model_id"], unique=False)

    op.create_table(
        "intelligence_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_intelligence_settings")),
    )


def downgrade() -> None:
    op.drop_table("intelligence_settings")
    with op.batch_alter_table("intelligence_suggestions", schema=None) as batch_op:
        batch_op.drop_index("ix_intelligence_suggestions_order")
    op.drop_table("intelligence_suggestions")
    with op.batch_alter_table("intelligence_models", schema=None) as batch_op:
        batch_op.drop_index("ix_intelligence_models_target_active")
    op.drop_table("intelligence_models")
