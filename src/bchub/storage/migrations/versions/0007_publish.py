"""publish state and vendor stock rules

Revision ID: 0007_publish
Revises: 0006_auth
Create Date: 2026-11-23 12:16:36.159741
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bchub.storage.catalog_tables import Amount
from bchub.storage.tables import UTCDateTime

revision = "0007_publish"
down_revision: str | None = "0006_auth"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "vendor_stock_rules",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("buffer", sa.Integer(), nullable=False),
        sa.Column("cap", sa.Integer(), nullable=True),
        sa.Column("zero_when_discontinued", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_vendor_stock_rules_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", name=op.f("pk_vendor_stock_rules")),
    )
    op.create_table(
        "publish_state",
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("price", Amount(), nullable=True),
        sa.Column("sale_price", Amount(), nullable=True),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("price_hash", sa.String(length=32), nullable=True),
        sa.Column("stock_hash", sa.String(length=32), nullable=True),
        sa.Column("tracking", sa.String(length=16), nullable=True),
        sa.Column("published", sa.JSON(), nullable=False),
        sa.Column("published_hash", sa.String(length=64), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_publish_state_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["catalog_listings.id"],
            name=op.f("fk_publish_state_listing_id_catalog_listings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("listing_id", name=op.f("pk_publish_state")),
    )
    with op.batch_alter_table("publish_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publish_state_connection_id"), ["connection_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("publish_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publish_state_connection_id"))

    op.drop_table("publish_state")
    op.drop_table("vendor_stock_rules")
