"""proactive warnings and monthly topics

Revision ID: proactive_0001
Revises: 0001
Create Date: 2026-11-23 15:01:41.793093
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import huitian.db

revision = "proactive_0001"
down_revision = "0001"
branch_labels = ("proactive",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proactive_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("key_phrases", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("chosen_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_proactive_topics_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_proactive_topics_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["chosen_by_id"], ["users.id"], name=op.f("fk_proactive_topics_chosen_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proactive_topics")),
        sa.UniqueConstraint("month", "category_id", "area_id", name="uq_proactive_topics_scope"),
    )
    op.create_table(
        "proactive_topic_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", huitian.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["proactive_topics.id"],
            name=op.f("fk_proactive_topic_tasks_topic_id_proactive_topics"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_proactive_topic_tasks_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proactive_topic_tasks")),
    )
    # A topic's tasks on its page.
    with op.batch_alter_table("proactive_topic_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_proactive_topic_tasks_topic", ["topic_id"], unique=False)

    op.create_table(
        "proactive_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("area_path", sa.String(length=255), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("period_start", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("period_end", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("observed", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", huitian.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_proactive_warnings_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_proactive_warnings_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_proactive_warnings_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_proactive_warnings_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proactive_warnings")),
        sa.UniqueConstraint("key", name="uq_proactive_warnings_key"),
    )
    # The warnings page: "open warnings, newest first" (then scope on area_path).
    with op.batch_alter_table("proactive_warnings", schema=None) as batch_op:
        batch_op.create_index("ix_proactive_warnings_status_created", ["status", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("proactive_warnings", schema=None) as batch_op:
        batch_op.drop_index("ix_proactive_warnings_status_created")

    op.drop_table("proactive_warnings")
    with op.batch_alter_table("proactive_topic_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_proactive_topic_tasks_topic")

    op.drop_table("proactive_topic_tasks")
    op.drop_table("proactive_topics")
