"""Orders, order lines, vendor orders and their lines, shipments.

Revision ID: 0004_orders
Revises: 0003_catalog
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bchub.storage.catalog_tables import Amount
from bchub.storage.tables import UTCDateTime

revision = "0004_orders"
down_revision: str | None = "0003_catalog"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("store_order_id", sa.Integer(), nullable=False),
        sa.Column("status_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("import_as", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("date_created", UTCDateTime(), nullable=True),
        sa.Column("date_modified", UTCDateTime(), nullable=True),
        sa.Column("currency_code", sa.String(length=8), nullable=False),
        sa.Column("subtotal_ex_tax", Amount(), nullable=True),
        sa.Column("subtotal_inc_tax", Amount(), nullable=True),
        sa.Column("shipping_cost_inc_tax", Amount(), nullable=True),
        sa.Column("total_ex_tax", Amount(), nullable=True),
        sa.Column("total_inc_tax", Amount(), nullable=True),
        sa.Column("items_total", sa.Integer(), nullable=False),
        sa.Column("items_shipped", sa.Integer(), nullable=False),
        sa.Column("payment_method", sa.String(length=100), nullable=False),
        sa.Column("customer_message", sa.Text(), nullable=False),
        sa.Column("billing_address", sa.JSON(), nullable=False),
        sa.Column("shipping_addresses", sa.JSON(), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("unmatched_lines", sa.Integer(), nullable=False),
        sa.Column("route_state", sa.String(length=16), nullable=False),
        sa.Column("hold_reason", sa.Text(), nullable=True),
        sa.Column("acknowledge_pending", sa.Boolean(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("pii_purged_at", UTCDateTime(), nullable=True),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name=op.f("fk_orders_connection_id_connections"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("connection_id", "store_order_id", name="uq_orders_connection_store_order"),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_connection_route_state", ["connection_id", "route_state"], unique=False)

    op.create_table(
        "order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("order_product_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("variant_id", sa.Integer(), nullable=True),
        sa.Column("order_address_id", sa.Integer(), nullable=True),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("quantity_shipped", sa.Integer(), nullable=False),
        sa.Column("price_ex_tax", Amount(), nullable=True),
        sa.Column("price_inc_tax", Amount(), nullable=True),
        sa.Column("total_inc_tax", Amount(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("vendor_connection_id", sa.Integer(), nullable=True),
        sa.Column("unmatched_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_lines_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["vendor_connection_id"],
            ["connections.id"],
            name=op.f("fk_order_lines_vendor_connection_id_connections"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
        sa.UniqueConstraint("order_id", "order_product_id", name="uq_order_lines_order_product"),
    )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_lines_sku"), ["sku"], unique=False)

    op.create_table(
        "vendor_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("vendor_connection_id", sa.Integer(), nullable=False),
        sa.Column("order_address_id", sa.Integer(), nullable=True),
        sa.Column("external_order_id", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("vendor_order_id", sa.Integer(), nullable=True),
        sa.Column("vendor_status_id", sa.Integer(), nullable=True),
        sa.Column("items_shipped", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("cancel_reported_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("placed_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_vendor_orders_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["vendor_connection_id"],
            ["connections.id"],
            name=op.f("fk_vendor_orders_vendor_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_orders")),
        sa.UniqueConstraint("external_order_id", name="uq_vendor_orders_external_order_id"),
        sa.UniqueConstraint("vendor_connection_id", "vendor_order_id", name="uq_vendor_orders_vendor_order"),
    )
    with op.batch_alter_table("vendor_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vendor_orders_order_id"), ["order_id"], unique=False)
        batch_op.create_index("ix_vendor_orders_vendor_state", ["vendor_connection_id", "state"], unique=False)

    op.create_table(
        "shipments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("vendor_order_id", sa.Integer(), nullable=True),
        sa.Column("vendor_shipment_id", sa.Integer(), nullable=True),
        sa.Column("order_address_id", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("tracking_number", sa.String(length=50), nullable=False),
        sa.Column("tracking_carrier", sa.String(length=100), nullable=False),
        sa.Column("shipping_provider", sa.String(length=64), nullable=False),
        sa.Column("shipping_method", sa.String(length=250), nullable=False),
        sa.Column("tracking_link", sa.String(length=500), nullable=False),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("pickup", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("merchant_shipment_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("written_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_shipments_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["vendor_order_id"],
            ["vendor_orders.id"],
            name=op.f("fk_shipments_vendor_order_id_vendor_orders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
        sa.UniqueConstraint("vendor_order_id", "vendor_shipment_id", name="uq_shipments_vendor_shipment"),
    )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index("ix_shipments_order_tracking", ["order_id", "tracking_number"], unique=False)
        batch_op.create_index("ix_shipments_state", ["state"], unique=False)

    op.create_table(
        "vendor_order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_order_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("merchant_order_product_id", sa.Integer(), nullable=False),
        sa.Column("vendor_product_id", sa.Integer(), nullable=False),
        sa.Column("vendor_variant_id", sa.Integer(), nullable=True),
        sa.Column("vendor_order_product_id", sa.Integer(), nullable=True),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_vendor_order_lines_order_line_id_order_lines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_order_id"],
            ["vendor_orders.id"],
            name=op.f("fk_vendor_order_lines_vendor_order_id_vendor_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_order_lines")),
    )
    with op.batch_alter_table("vendor_order_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vendor_order_lines_vendor_order_id"), ["vendor_order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("vendor_order_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vendor_order_lines_vendor_order_id"))

    op.drop_table("vendor_order_lines")
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_state")
        batch_op.drop_index("ix_shipments_order_tracking")

    op.drop_table("shipments")
    with op.batch_alter_table("vendor_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_vendor_orders_vendor_state")
        batch_op.drop_index(batch_op.f("ix_vendor_orders_order_id"))

    op.drop_table("vendor_orders")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_lines_sku"))

    op.drop_table("order_lines")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_connection_route_state")

    op.drop_table("orders")
