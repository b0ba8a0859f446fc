"""hotline: the audit of caller look-ups (who looked which number up, the number as a keyed hash)

Revision ID: hotline_0002
Revises: hotline_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import huitian.db

revision = "hotline_0002"
down_revision = "hotline_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hotline_caller_lookups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_hotline_caller_lookups_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name=op.f("fk_hotline_caller_lookups_api_key_id_api_keys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_caller_lookups")),
    )
    op.create_index(
        "ix_hotline_caller_lookups_user_at", "hotline_caller_lookups", ["user_id", "at"], unique=False
    )
    op.create_index(
        "ix_hotline_caller_lookups_phone_hash", "hotline_caller_lookups", ["phone_hash"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_hotline_caller_lookups_phone_hash", table_name="hotline_caller_lookups")
    op.drop_index("ix_hotline_caller_lookups_user_at", table_name="hotline_caller_lookups")
    op.drop_table("hotline_caller_lookups")
