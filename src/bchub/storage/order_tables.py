"""Tables of the order area (registered on ``tables.Base.metadata``; see ``schema.py``).

- ``orders``: merchant orders, one row per (connection, store order id), the key every import
  upserts on. Addresses are JSON (a PII purge rewrites them); lines have their own table.
- ``order_lines``: one per store line (``order_product_id``), with the hub item its SKU matched
  and the vendor supplying it, or why it matched nothing.
- ``vendor_orders`` / ``vendor_order_lines``: the dropship order sent to one vendor for one
  merchant order (and address), with its deterministic ``external_order_id`` and its state.
- ``shipments``: shipments to write to merchant orders (from vendors, by hand, from CSV).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bchub.storage.catalog_tables import Amount  # exact decimals: NUMERIC, or text on SQLite
from bchub.storage.tables import Base, UTCDateTime


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("connection_id", "store_order_id", name="uq_orders_connection_store_order"),
        Index("ix_orders_connection_route_state", "connection_id", "route_state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(Integer, ForeignKey("connections.id", ondelete="CASCADE"))
    store_order_id: Mapped[int] = mapped_column(Integer)
    status_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(64))
    import_as: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int] = mapped_column(Integer, default=0)
    date_created: Mapped[datetime | None] = mapped_column(UTCDateTime)
    date_modified: Mapped[datetime | None] = mapped_column(UTCDateTime)
    currency_code: Mapped[str] = mapped_column(String(8), default="")
    subtotal_ex_tax: Mapped[Decimal | None] = mapped_column(Amount())
    subtotal_inc_tax: Mapped[Decimal | None] = mapped_column(Amount())
    shipping_cost_inc_tax: Mapped[Decimal | None] = mapped_column(Amount())
    total_ex_tax: Mapped[Decimal | None] = mapped_column(Amount())
    total_inc_tax: Mapped[Decimal | None] = mapped_column(Amount())
    items_total: Mapped[int] = mapped_column(Integer, default=0)
    items_shipped: Mapped[int] = mapped_column(Integer, default=0)
    payment_method: Mapped[str] = mapped_column(String(100), default="")
    customer_message: Mapped[str] = mapped_column(Text, default="")
    billing_address: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    shipping_addresses: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    unmatched_lines: Mapped[int] = mapped_column(Integer, default=0)
    route_state: Mapped[str] = mapped_column(String(16))
    hold_reason: Mapped[str | None] = mapped_column(Text)
    acknowledge_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pii_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OrderLineRow(Base):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "order_product_id", name="uq_order_lines_order_product"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(Integer, ForeignKey("orders.id", ondelete="CASCADE"))
    order_product_id: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(Integer)
    variant_id: Mapped[int | None] = mapped_column(Integer)
    order_address_id: Mapped[int | None] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(255), default="", index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    quantity: Mapped[int] = mapped_column(Integer)
    quantity_shipped: Mapped[int] = mapped_column(Integer, default=0)
    price_ex_tax: Mapped[Decimal | None] = mapped_column(Amount())
    price_inc_tax: Mapped[Decimal | None] = mapped_column(Amount())
    total_inc_tax: Mapped[Decimal | None] = mapped_column(Amount())
    item_id: Mapped[int | None] = mapped_column(Integer)  # the hub catalog item its SKU matched
    vendor_connection_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("connections.id", ondelete="SET NULL"))
    unmatched_reason: Mapped[str | None] = mapped_column(Text)


class VendorOrderRow(Base):
    __tablename__ = "vendor_orders"
    __table_args__ = (
        UniqueConstraint("external_order_id", name="uq_vendor_orders_external_order_id"),
        UniqueConstraint("vendor_connection_id", "vendor_order_id", name="uq_vendor_orders_vendor_order"),
        Index("ix_vendor_orders_vendor_state", "vendor_connection_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(Integer, ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    vendor_connection_id: Mapped[int] = mapped_column(Integer, ForeignKey("connections.id", ondelete="CASCADE"))
    order_address_id: Mapped[int | None] = mapped_column(Integer)  # the merchant order's address it ships to
    external_order_id: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16))
    vendor_order_id: Mapped[int | None] = mapped_column(Integer)
    vendor_status_id: Mapped[int | None] = mapped_column(Integer)
    items_shipped: Mapped[int] = mapped_column(Integer, default=0)  # as last read from the vendor
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    cancel_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    placed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VendorOrderLineRow(Base):
    __tablename__ = "vendor_order_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vendor_order_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("vendor_orders.id", ondelete="CASCADE"), index=True
    )
    order_line_id: Mapped[int] = mapped_column(Integer, ForeignKey("order_lines.id", ondelete="CASCADE"))
    merchant_order_product_id: Mapped[int] = mapped_column(Integer)
    vendor_product_id: Mapped[int] = mapped_column(Integer)
    vendor_variant_id: Mapped[int | None] = mapped_column(Integer)
    vendor_order_product_id: Mapped[int | None] = mapped_column(Integer)  # known once the vendor order is read
    sku: Mapped[str] = mapped_column(String(255), default="")
    quantity: Mapped[int] = mapped_column(Integer)


class ShipmentRow(Base):
    __tablename__ = "shipments"
    __table_args__ = (
        UniqueConstraint("vendor_order_id", "vendor_shipment_id", name="uq_shipments_vendor_shipment"),
        Index("ix_shipments_order_tracking", "order_id", "tracking_number"),
        Index("ix_shipments_state", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(Integer, ForeignKey("orders.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))
    vendor_order_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("vendor_orders.id", ondelete="SET NULL"))
    vendor_shipment_id: Mapped[int | None] = mapped_column(Integer)
    order_address_id: Mapped[int] = mapped_column(Integer)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{order_product_id, quantity}]
    fingerprint: Mapped[str] = mapped_column(String(32))
    tracking_number: Mapped[str] = mapped_column(String(50), default="")
    tracking_carrier: Mapped[str] = mapped_column(String(100), default="")
    shipping_provider: Mapped[str] = mapped_column(String(64), default="")
    shipping_method: Mapped[str] = mapped_column(String(250), default="")
    tracking_link: Mapped[str] = mapped_column(String(500), default="")
    comments: Mapped[str] = mapped_column(Text, default="")
    pickup: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16))
    merchant_shipment_id: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    written_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
