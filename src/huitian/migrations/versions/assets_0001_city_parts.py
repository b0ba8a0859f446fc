"""assets: the city-parts registry (城市部件)

Revision ID: assets_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import huitian.db

revision = "assets_0001"
down_revision = "0001"
branch_labels = ("assets",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("class_code", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("area_path", sa.String(length=255), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", huitian.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_assets_area_id_areas")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_assets_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
        # get-by-code (the QR page) and the next-serial range look-up
        sa.UniqueConstraint("code", name=op.f("uq_assets_code")),
    )
    # list filter: parts of a class
    op.create_index("ix_assets_class_code", "assets", ["class_code"], unique=False)
    # list filter: parts in an area (area_path LIKE prefix%)
    op.create_index("ix_assets_area_path", "assets", ["area_path"], unique=False)
    # list filter: parts a unit maintains
    op.create_index("ix_assets_unit", "assets", ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_assets_unit", table_name="assets")
    op.drop_index("ix_assets_area_path", table_name="assets")
    op.drop_index("ix_assets_class_code", table_name="assets")
    op.drop_table("assets")
