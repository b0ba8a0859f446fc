"""orders: each event carries the digest of the order's state after it (huitian audit verify)

Revision ID: orders_0001
Revises: 0001
Create Date: 2026-12-04 18:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "orders_0001"
down_revision = "0001"
branch_labels = ("orders",)
depends_on = None


def upgrade() -> None:
    # NULL on the events written before: their hashes stay as they were (lib.chain hashes a digest only
    # when there is one), and verify checks an order's state once its newest event has a digest.
    with op.batch_alter_table("order_events") as batch:
        batch.add_column(sa.Column("state_digest", sa.String(length=160), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_events") as batch:
        batch.drop_column("state_digest")
