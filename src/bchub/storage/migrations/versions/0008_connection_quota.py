"""connections: the store's plan and API quota

Revision ID: 0008_connection_quota
Revises: 0007_publish
Create Date: 2026-11-23 14:09:53.741466
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bchub.storage.tables import UTCDateTime

revision = "0008_connection_quota"
down_revision: str | None = "0007_publish"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # all nullable: known once a connection test (or a run) has seen the store's answer
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("quota_requests", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("quota_window_ms", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("quota_seen_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_column("quota_seen_at")
        batch_op.drop_column("quota_window_ms")
        batch_op.drop_column("quota_requests")
        batch_op.drop_column("plan_name")
