"""Connections to BigCommerce stores.

Revision ID: 0001_connections
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bchub.storage.tables import UTCDateTime

revision = "0001_connections"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("store_hash", sa.String(length=32), nullable=False),
        sa.Column("auth_type", sa.String(length=16), nullable=False),
        sa.Column("access_token_encrypted", sa.Text(), nullable=True),
        sa.Column("access_token_hint", sa.String(length=8), nullable=True),
        sa.Column("client_id", sa.String(length=255), nullable=True),
        sa.Column("client_secret_encrypted", sa.Text(), nullable=True),
        sa.Column("client_secret_hint", sa.String(length=8), nullable=True),
        sa.Column("store_url", sa.String(length=500), nullable=True),
        sa.Column("store_name", sa.String(length=255), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("health_status", sa.String(length=32), nullable=False),
        sa.Column("health_reason", sa.Text(), nullable=True),
        sa.Column("health_checked_at", UTCDateTime(), nullable=True),
        sa.Column("scopes", sa.Text(), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
        sa.UniqueConstraint("name", name=op.f("uq_connections_name")),
    )
    op.create_index(op.f("ix_connections_store_hash"), "connections", ["store_hash"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_connections_store_hash"), table_name="connections")
    op.drop_table("connections")
