"""intake: open311_requests

Revision ID: intake_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import huitian.db

revision = "intake_0001"
down_revision = "0001"
branch_labels = ("intake",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open311_requests",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(length=32), nullable=False),
        sa.Column("media_url", sa.String(length=1000), nullable=True),
        sa.Column("address_id", sa.String(length=100), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("jurisdiction_id", sa.String(length=100), nullable=True),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("created_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name=op.f("fk_open311_requests_api_key_id_api_keys")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_open311_requests_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_open311_requests")),
    )


def downgrade() -> None:
    op.drop_table("open311_requests")
