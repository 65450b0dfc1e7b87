"""Tables of publishing and listing sync (registered on ``tables.Base.metadata``; see ``schema.py``).

- ``publish_state``: per merchant listing, what the hub last pushed successfully (price, sale
  price, stock and their hashes) and the product fields it last published. Comparing hashes
  tells "nothing changed" with no request to the store.
- ``vendor_stock_rules``: per vendor connection, how its stock becomes the merchants' (buffer,
  cap, zero when discontinued).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bchub.storage.catalog_tables import Amount
from bchub.storage.tables import Base, UTCDateTime


class PublishStateRow(Base):
    __tablename__ = "publish_state"

    listing_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("catalog_listings.id", ondelete="CASCADE"), primary_key=True
    )
    connection_id: Mapped[int] = mapped_column(Integer, ForeignKey("connections.id", ondelete="CASCADE"), index=True)
    price: Mapped[Decimal | None] = mapped_column(Amount())
    sale_price: Mapped[Decimal | None] = mapped_column(Amount())
    stock: Mapped[int | None] = mapped_column(Integer)
    price_hash: Mapped[str | None] = mapped_column(String(32))
    stock_hash: Mapped[str | None] = mapped_column(String(32))
    # the store's inventory_tracking for the product ("product" or "variant"), once known
    tracking: Mapped[str | None] = mapped_column(String(16))
    published: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # product fields last published
    published_hash: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VendorStockRuleRow(Base):
    __tablename__ = "vendor_stock_rules"

    connection_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    buffer: Mapped[int] = mapped_column(Integer, default=0)
    cap: Mapped[int | None] = mapped_column(Integer)
    zero_when_discontinued: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
