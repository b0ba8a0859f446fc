"""security: rate-limit hits shared by every app process

Revision ID: security_0001
Revises: 0001
Create Date: 2026-11-23 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import huitian.db

revision = "security_0001"
down_revision = "0001"
branch_labels = ("security",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "security_rate_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_rate_hits")),
    )
    op.create_index(
        "ix_security_rate_hits_bucket_key_at", "security_rate_hits", ["bucket", "key", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_security_rate_hits_bucket_key_at", table_name="security_rate_hits")
    op.drop_table("security_rate_hits")
