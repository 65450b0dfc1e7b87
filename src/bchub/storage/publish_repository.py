"""Publishing and listing sync in the database: what a store's listings should show, what was pushed.

One query loads a whole store's sync candidates (listing, item prices, supplier, push state),
one more loads their stock and one the suppliers' listings, so a sync of 10,000 listings with
nothing changed is three queries and no request.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bchub.domain.publishing import VendorStockRule
from bchub.storage.catalog_repository import chunked
from bchub.storage.catalog_tables import ItemRow, ListingRow, StockRow
from bchub.storage.publish_tables import PublishStateRow, VendorStockRuleRow
from bchub.storage.repositories import utc_now


@dataclass(frozen=True)
class SyncCandidate:
    """A merchant listing with what the hub knows of its item and what was last pushed to it."""

    listing_id: int
    item_id: int
    sku: str
    product_id: int
    variant_id: int
    base_variant: bool
    price: Decimal | None
    sale_price: Decimal | None
    supplier_id: int | None
    price_hash: str | None
    stock_hash: str | None
    pushed_price: Decimal | None = None
    pushed_sale_price: Decimal | None = None
    pushed_stock: int | None = None
    tracking: str | None = None  # the store's inventory_tracking for the product, once known


@dataclass(frozen=True)
class SupplierListing:
    """The supplier's listing of an item: whether the vendor still sells it."""

    deleted: bool
    visible: bool

    @property
    def discontinued(self) -> bool:
        return self.deleted or not self.visible


class PublishRepository:
    def __init__(self, session: Session, now: Callable[[], datetime] = utc_now) -> None:
        self.session = session
        self._now = now

    # -- sync ----------------------------------------------------------------------------------

    def sync_candidates(self, connection_id: int, item_ids: Collection[int] | None = None) -> list[SyncCandidate]:
        """Live, unpaused, not hidden-by-delisting listings of a store (optionally only some items)."""
        query = (
            select(
                ListingRow.id,
                ListingRow.item_id,
                ItemRow.sku,
                ListingRow.product_id,
                ListingRow.variant_id,
                ListingRow.base_variant,
                ItemRow.price,
                ItemRow.sale_price,
                ItemRow.supplier_connection_id,
                PublishStateRow.price_hash,
                PublishStateRow.stock_hash,
                PublishStateRow.price,
                PublishStateRow.sale_price,
                PublishStateRow.stock,
                PublishStateRow.tracking,
            )
            .join(ItemRow, ItemRow.id == ListingRow.item_id)
            .outerjoin(PublishStateRow, PublishStateRow.listing_id == ListingRow.id)
            .where(
                ListingRow.connection_id == connection_id,
                ListingRow.paused.is_(False),
                ListingRow.delisted.is_(False),
                ListingRow.deleted_at.is_(None),
            )
            .order_by(ListingRow.id)
        )
        if item_ids is None:
            return [_candidate(row) for row in self.session.execute(query)]
        found: list[SyncCandidate] = []
        for part in chunked(sorted(set(item_ids))):
            found.extend(_candidate(row) for row in self.session.execute(query.where(ListingRow.item_id.in_(part))))
        return found

    def stock_of(self, item_ids: Iterable[int]) -> dict[int, dict[str, int]]:
        found: dict[int, dict[str, int]] = {}
        for part in chunked(sorted(set(item_ids))):
            query = select(StockRow.item_id, StockRow.source, StockRow.quantity).where(StockRow.item_id.in_(part))
            for item_id, source, quantity in self.session.execute(query):
                found.setdefault(item_id, {})[source] = quantity
        return found

    def supplier_listings(self, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], SupplierListing]:
        """(supplier connection id, item id) → that vendor's listing of the item, for the given pairs."""
        wanted = set(pairs)
        suppliers = sorted({supplier for supplier, _ in wanted})
        found: dict[tuple[int, int], SupplierListing] = {}
        for part in chunked(suppliers):
            query = select(
                ListingRow.connection_id,
                ListingRow.item_id,
                ListingRow.deleted_at,
                ListingRow.delisted,
                ListingRow.visible,
            ).where(ListingRow.connection_id.in_(part))
            for connection_id, item_id, deleted_at, delisted, visible in self.session.execute(query):
                if (connection_id, item_id) in wanted:
                    found[(connection_id, item_id)] = SupplierListing(deleted_at is not None or delisted, visible)
        return found

    def save_pushed(self, rows: list[dict[str, Any]]) -> None:
        """Upsert push state rows (``listing_id``, ``connection_id`` and the pushed columns)."""
        for row in rows:
            row.setdefault("updated_at", self._now())
        # rows that set different columns go in separate statements, so none overwrites the others'
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            by_columns.setdefault(tuple(sorted(row)), []).append(row)
        for columns, group in by_columns.items():
            statement = self._insert()
            changed = {name: getattr(statement.excluded, name) for name in columns if name != "listing_id"}
            self.session.execute(statement.on_conflict_do_update(index_elements=["listing_id"], set_=changed), group)

    def published_state(self, listing_ids: Iterable[int]) -> dict[int, tuple[dict[str, Any], str | None]]:
        """listing id → (product fields last published, their hash)."""
        found: dict[int, tuple[dict[str, Any], str | None]] = {}
        for part in chunked(sorted(set(listing_ids))):
            query = select(PublishStateRow.listing_id, PublishStateRow.published, PublishStateRow.published_hash)
            for listing_id, published, published_hash in self.session.execute(
                query.where(PublishStateRow.listing_id.in_(part))
            ):
                found[listing_id] = (dict(published or {}), published_hash)
        return found

    def copy_state(self, source_listing_id: int) -> dict[str, Any]:
        """The product-level part of a listing's push state (published fields, their hash, the store's
        tracking), to give a new variant of the same product; empty when the listing has none."""
        row = self.session.get(PublishStateRow, source_listing_id)
        if row is None:
            return {}
        return {"published": dict(row.published or {}), "published_hash": row.published_hash, "tracking": row.tracking}

    # -- vendor stock rules --------------------------------------------------------------------

    def vendor_rules(self, connection_ids: Iterable[int]) -> dict[int, VendorStockRule]:
        wanted = sorted(set(connection_ids))
        if not wanted:
            return {}
        rows = self.session.scalars(select(VendorStockRuleRow).where(VendorStockRuleRow.connection_id.in_(wanted)))
        return {row.connection_id: VendorStockRule(row.buffer, row.cap, row.zero_when_discontinued) for row in rows}

    def set_vendor_rule(self, connection_id: int, rule: VendorStockRule) -> None:
        row = self.session.get(VendorStockRuleRow, connection_id)
        if row is None:
            row = VendorStockRuleRow(connection_id=connection_id)
            self.session.add(row)
        row.buffer = rule.buffer
        row.cap = rule.cap
        row.zero_when_discontinued = rule.zero_when_discontinued
        row.updated_at = self._now()

    def _insert(self) -> Any:
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            return pg_insert(PublishStateRow)
        if dialect == "sqlite":
            return sqlite_insert(PublishStateRow)
        raise NotImplementedError(f"push state upserts are written for SQLite and PostgreSQL, not {dialect}")


def _candidate(row: Any) -> SyncCandidate:
    listing_id, item_id, sku, product_id, variant_id, base, price, sale_price, supplier, *pushed = row
    price_hash, stock_hash, pushed_price, pushed_sale_price, pushed_stock, tracking = pushed
    return SyncCandidate(
        listing_id,
        item_id,
        sku,
        int(product_id),
        int(variant_id),
        bool(base),
        price,
        sale_price,
        supplier,
        price_hash,
        stock_hash,
        pushed_price,
        pushed_sale_price,
        pushed_stock,
        tracking,
    )
