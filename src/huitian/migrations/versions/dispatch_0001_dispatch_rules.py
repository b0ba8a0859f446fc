"""dispatch: the routing catalogue (派单目录) and its change history

Revision ID: dispatch_0001
Revises: 0001
Create Date: 2026-11-23 13:06:23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import huitian.db

revision = "dispatch_0001"
down_revision = "0001"
branch_labels = ("dispatch",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dispatch_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("category_path", sa.String(length=120), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("area_path", sa.String(length=255), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_dispatch_rules_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_dispatch_rules_category_id_categories")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_dispatch_rules_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_rules")),
    )
    with op.batch_alter_table("dispatch_rules", schema=None) as batch_op:
        # route(): active rules whose category path is one of the order's category's ancestors.
        batch_op.create_index("ix_dispatch_rules_active_category", ["active", "category_path"], unique=False)

    op.create_table(
        "dispatch_rule_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("created_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_dispatch_rule_history_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["dispatch_rules.id"], name=op.f("fk_dispatch_rule_history_rule_id_dispatch_rules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_rule_history")),
    )
    with op.batch_alter_table("dispatch_rule_history", schema=None) as batch_op:
        # A rule's history in order (GET /api/v1/dispatch/rules/{id}/history).
        batch_op.create_index("ix_dispatch_rule_history_rule", ["rule_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dispatch_rule_history", schema=None) as batch_op:
        batch_op.drop_index("ix_dispatch_rule_history_rule")
    op.drop_table("dispatch_rule_history")
    with op.batch_alter_table("dispatch_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_dispatch_rules_active_category")
    op.drop_table("dispatch_rules")
