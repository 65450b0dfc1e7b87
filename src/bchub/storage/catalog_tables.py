"""Tables of the catalog area (registered on ``tables.Base.metadata``; see ``schema.py``).

- ``catalog_items``: the hub's own catalog, one row per sellable SKU (a product without variants,
  or one variant), keyed by its master SKU.
- ``catalog_listings``: an item's presence in one store — the catalog's binding: the store's
  product and variant ids (a product without variants uses its base variant id), and the
  listing's flags (paused, hidden, delisted, deleted from the store, matched vendor listing).
  Unique per (connection, variant id) and per (connection, item).
- ``catalog_stock``: an item's stock per source (a store connection, a spreadsheet …).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from bchub.storage.tables import Base, UTCDateTime


class Amount(TypeDecorator[Decimal]):
    """Exact decimals (money, weights): NUMERIC where the database has it, decimal text on SQLite.

    SQLite has no decimal type and SQLAlchemy would round-trip through floats, so there the
    value is kept as its exact text.
    """

    impl = Numeric(18, 4)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(18, 4))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            value = Decimal(str(value))
        return format(value, "f") if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


class ItemRow(Base):
    """One sellable SKU in the hub's catalog."""

    __tablename__ = "catalog_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(255), unique=True)  # the master SKU
    parent_sku: Mapped[str | None] = mapped_column(String(255), index=True)  # the product's, for variant items
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    price: Mapped[Decimal | None] = mapped_column(Amount())
    cost_price: Mapped[Decimal | None] = mapped_column(Amount())
    sale_price: Mapped[Decimal | None] = mapped_column(Amount())
    retail_price: Mapped[Decimal | None] = mapped_column(Amount())
    upc: Mapped[str | None] = mapped_column(String(64), index=True)
    mpn: Mapped[str | None] = mapped_column(String(255), index=True)
    gtin: Mapped[str | None] = mapped_column(String(64))
    weight: Mapped[Decimal | None] = mapped_column(Amount())
    width: Mapped[Decimal | None] = mapped_column(Amount())
    height: Mapped[Decimal | None] = mapped_column(Amount())
    depth: Mapped[Decimal | None] = mapped_column(Amount())
    brand: Mapped[str | None] = mapped_column(String(255))
    categories: Mapped[list[Any]] = mapped_column(JSON, default=list)
    images: Mapped[list[str]] = mapped_column(JSON, default=list)  # URLs
    custom_fields: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)  # [{name, value}], as read
    options: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)  # [{name, value}], normalised
    hs_code: Mapped[str | None] = mapped_column(String(64))
    unit_of_measure: Mapped[str] = mapped_column(String(32), default="Each")
    income_account: Mapped[str] = mapped_column(String(100), default="Sales")
    cogs_account: Mapped[str] = mapped_column(String(100), default="Cost of Goods Sold")
    asset_account: Mapped[str] = mapped_column(String(100), default="Stock Asset")
    # the vendor connection the item is drop-shipped from
    supplier_connection_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("connections.id", ondelete="SET NULL"), index=True
    )
    origin: Mapped[str] = mapped_column(String(16))  # store | csv
    origin_connection_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("connections.id", ondelete="SET NULL"))
    content_hash: Mapped[str] = mapped_column(String(64))  # of the product data, to tell "unchanged"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ListingRow(Base):
    """An item's presence in one store: the store's ids for it and the listing's state."""

    __tablename__ = "catalog_listings"
    __table_args__ = (
        UniqueConstraint("connection_id", "variant_id", name="uq_catalog_listings_connection_variant"),
        UniqueConstraint("connection_id", "item_id", name="uq_catalog_listings_connection_item"),
        Index("ix_catalog_listings_connection_product", "connection_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(Integer, ForeignKey("connections.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(Integer, ForeignKey("catalog_items.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[str] = mapped_column(String(32))
    variant_id: Mapped[str] = mapped_column(String(32))  # the base variant's for a product without variants
    base_variant: Mapped[bool] = mapped_column(Boolean, default=False)  # the product has no variants
    sku: Mapped[str | None] = mapped_column(String(255))  # the SKU in this store
    price: Mapped[Decimal | None] = mapped_column(Amount())  # the price in this store, as read
    inventory_level: Mapped[int | None] = mapped_column(Integer)
    visible: Mapped[bool] = mapped_column(Boolean, default=True)  # the store's is_visible
    paused: Mapped[bool] = mapped_column(Boolean, default=False)  # no price/stock is pushed while paused
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    delisted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # gone from the store
    # a merchant listing's matched vendor listing (same master SKU), and how the match went
    vendor_listing_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("catalog_listings.id", ondelete="SET NULL")
    )
    match_status: Mapped[str | None] = mapped_column(String(16))  # matched | unmatched | conflict
    match_note: Mapped[str | None] = mapped_column(Text)
    remote_modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the product's date_modified
    read_hash: Mapped[str | None] = mapped_column(String(64))  # of what was last read from the store
    pushed_hash: Mapped[str | None] = mapped_column(String(64))  # of what was last pushed to the store
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StockRow(Base):
    """How many of an item one source holds (a store connection, a spreadsheet)."""

    __tablename__ = "catalog_stock"
    __table_args__ = (UniqueConstraint("item_id", "source", name="uq_catalog_stock_item_source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, ForeignKey("catalog_items.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(64))  # "connection:<id>" or "csv"
    connection_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
