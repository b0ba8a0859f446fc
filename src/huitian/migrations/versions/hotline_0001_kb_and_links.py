"""hotline: knowledge base entries and order links

Revision ID: hotline_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import huitian.db

revision = "hotline_0001"
down_revision = "0001"
branch_labels = ("hotline",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hotline_kb_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("keywords", sa.String(length=500), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("category_code", sa.String(length=32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_kb_entries")),
    )
    op.create_index("ix_hotline_kb_entries_active", "hotline_kb_entries", ["active"], unique=False)
    op.create_table(
        "hotline_order_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("linked_order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_hotline_order_links_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["linked_order_id"], ["orders.id"], name=op.f("fk_hotline_order_links_linked_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_hotline_order_links_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_order_links")),
    )
    op.create_index(
        "ix_hotline_order_links_order", "hotline_order_links", ["order_id", "linked_order_id"], unique=False
    )
    op.create_index("ix_hotline_order_links_linked", "hotline_order_links", ["linked_order_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_hotline_order_links_linked", table_name="hotline_order_links")
    op.drop_index("ix_hotline_order_links_order", table_name="hotline_order_links")
    op.drop_table("hotline_order_links")
    op.drop_index("ix_hotline_kb_entries_active", table_name="hotline_kb_entries")
    op.drop_table("hotline_kb_entries")
