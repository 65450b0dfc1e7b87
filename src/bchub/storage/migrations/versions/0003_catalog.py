"""Catalog: items, listings, stock

Revision ID: 0003_catalog
Revises: 0002_runs_bindings
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bchub.storage.catalog_tables import Amount
from bchub.storage.tables import UTCDateTime

revision = "0003_catalog"
down_revision: str | None = "0002_runs_bindings"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "catalog_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("parent_sku", sa.String(length=255), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("price", Amount(), nullable=True),
        sa.Column("cost_price", Amount(), nullable=True),
        sa.Column("sale_price", Amount(), nullable=True),
        sa.Column("retail_price", Amount(), nullable=True),
        sa.Column("upc", sa.String(length=64), nullable=True),
        sa.Column("mpn", sa.String(length=255), nullable=True),
        sa.Column("gtin", sa.String(length=64), nullable=True),
        sa.Column("weight", Amount(), nullable=True),
        sa.Column("width", Amount(), nullable=True),
        sa.Column("height", Amount(), nullable=True),
        sa.Column("depth", Amount(), nullable=True),
        sa.Column("brand", sa.String(length=255), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("hs_code", sa.String(length=64), nullable=True),
        sa.Column("unit_of_measure", sa.String(length=32), nullable=False),
        sa.Column("income_account", sa.String(length=100), nullable=False),
        sa.Column("cogs_account", sa.String(length=100), nullable=False),
        sa.Column("asset_account", sa.String(length=100), nullable=False),
        sa.Column("supplier_connection_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("origin_connection_id", sa.Integer(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["origin_connection_id"],
            ["connections.id"],
            name=op.f("fk_catalog_items_origin_connection_id_connections"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_connection_id"],
            ["connections.id"],
            name=op.f("fk_catalog_items_supplier_connection_id_connections"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_items")),
        sa.UniqueConstraint("sku", name=op.f("uq_catalog_items_sku")),
    )
    with op.batch_alter_table("catalog_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_items_mpn"), ["mpn"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_items_parent_sku"), ["parent_sku"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_catalog_items_supplier_connection_id"), ["supplier_connection_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_catalog_items_upc"), ["upc"], unique=False)

    op.create_table(
        "catalog_listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=32), nullable=False),
        sa.Column("variant_id", sa.String(length=32), nullable=False),
        sa.Column("base_variant", sa.Boolean(), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=True),
        sa.Column("price", Amount(), nullable=True),
        sa.Column("inventory_level", sa.Integer(), nullable=True),
        sa.Column("visible", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("delisted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.Column("vendor_listing_id", sa.Integer(), nullable=True),
        sa.Column("match_status", sa.String(length=16), nullable=True),
        sa.Column("match_note", sa.Text(), nullable=True),
        sa.Column("remote_modified_at", UTCDateTime(), nullable=True),
        sa.Column("read_hash", sa.String(length=64), nullable=True),
        sa.Column("pushed_hash", sa.String(length=64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_catalog_listings_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["catalog_items.id"],
            name=op.f("fk_catalog_listings_item_id_catalog_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_listing_id"],
            ["catalog_listings.id"],
            name=op.f("fk_catalog_listings_vendor_listing_id_catalog_listings"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_listings")),
        sa.UniqueConstraint("connection_id", "item_id", name="uq_catalog_listings_connection_item"),
        sa.UniqueConstraint("connection_id", "variant_id", name="uq_catalog_listings_connection_variant"),
    )
    with op.batch_alter_table("catalog_listings", schema=None) as batch_op:
        batch_op.create_index("ix_catalog_listings_connection_product", ["connection_id", "product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_listings_item_id"), ["item_id"], unique=False)

    op.create_table(
        "catalog_stock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_catalog_stock_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["catalog_items.id"], name=op.f("fk_catalog_stock_item_id_catalog_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_stock")),
        sa.UniqueConstraint("item_id", "source", name="uq_catalog_stock_item_source"),
    )
    with op.batch_alter_table("catalog_stock", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_stock_connection_id"), ["connection_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("catalog_stock", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_stock_connection_id"))

    op.drop_table("catalog_stock")
    with op.batch_alter_table("catalog_listings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_listings_item_id"))
        batch_op.drop_index("ix_catalog_listings_connection_product")

    op.drop_table("catalog_listings")
    with op.batch_alter_table("catalog_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_items_upc"))
        batch_op.drop_index(batch_op.f("ix_catalog_items_supplier_connection_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_items_parent_sku"))
        batch_op.drop_index(batch_op.f("ix_catalog_items_mpn"))

    op.drop_table("catalog_items")
