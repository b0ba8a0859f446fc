"""assets: a part's own attributes, and the history of registry edits

Revision ID: assets_0002
Revises: assets_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import huitian.db

revision = "assets_0002"
down_revision = "assets_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("attributes", sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
    op.create_table(
        "asset_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=120), nullable=False),
        sa.Column("actor_role", sa.String(length=24), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("created_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"], name=op.f("fk_asset_changes_asset_id_assets")),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_asset_changes_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_changes")),
    )
    # history(asset): the changes of one part, newest first
    op.create_index("ix_asset_changes_asset", "asset_changes", ["asset_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_asset_changes_asset", table_name="asset_changes")
    op.drop_table("asset_changes")
    with op.batch_alter_table("assets") as batch:
        batch.drop_column("attributes")
