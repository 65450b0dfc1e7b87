"""Order lines → hub catalog items, by SKU at the variant level (one query per batch of SKUs).

A line's SKU is looked up as an item's master SKU first, then as the SKU of any of the item's
store listings (a merchant may list a vendor's item under its own SKU). An item with a supplier
is a dropship item: its listing in the supplier's store gives the vendor's product and variant
ids and the stock last read there; a listing deleted from or delisted in that store counts as
no listing (the order is held rather than sent for a product the vendor no longer has).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from bchub.domain.orders import ItemMatch
from bchub.storage.catalog_tables import ItemRow, ListingRow
from bchub.storage.order_repository import chunks


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and str(value).isdigit() else None


class CatalogItems:
    """``ItemCatalog`` over the hub catalog's items and listings."""

    def matches(self, session: Session, skus: Collection[str]) -> dict[str, ItemMatch]:
        wanted = {sku for sku in skus if sku}
        items: dict[str, ItemRow] = {}
        for part in chunks(wanted):
            items.update((row.sku, row) for row in session.scalars(select(ItemRow).where(ItemRow.sku.in_(part))))
        missing = wanted - set(items)
        for part in chunks(missing):
            query = (
                select(ListingRow.sku, ItemRow)
                .join(ItemRow, ItemRow.id == ListingRow.item_id)
                .where(ListingRow.sku.in_(part), ListingRow.deleted_at.is_(None))
                .order_by(ListingRow.id)
            )
            for listed_sku, item in session.execute(query):
                if listed_sku is not None:
                    items.setdefault(listed_sku, item)
        listings = self._supplier_listings(session, items.values())
        return {sku: self._match(sku, item, listings.get(item.id)) for sku, item in items.items()}

    @staticmethod
    def _supplier_listings(session: Session, items: Collection[ItemRow]) -> dict[int, ListingRow]:
        """Each dropship item's listing in its supplier's store."""
        suppliers = {item.id: item.supplier_connection_id for item in items if item.supplier_connection_id is not None}
        found: dict[int, ListingRow] = {}
        for part in chunks(list(suppliers)):
            query = select(ListingRow).where(
                ListingRow.item_id.in_(part), ListingRow.deleted_at.is_(None), ListingRow.delisted.is_(False)
            )
            for listing in session.scalars(query):
                if suppliers.get(listing.item_id) == listing.connection_id:
                    found[listing.item_id] = listing
        return found

    @staticmethod
    def _match(sku: str, item: ItemRow, listing: ListingRow | None) -> ItemMatch:
        if item.supplier_connection_id is None:
            return ItemMatch(sku, item.id)
        if listing is None:
            return ItemMatch(sku, item.id, vendor_connection_id=item.supplier_connection_id)
        return ItemMatch(
            sku,
            item.id,
            vendor_connection_id=item.supplier_connection_id,
            vendor_product_id=_int(listing.product_id),
            # a product without options is ordered by its product id alone
            vendor_variant_id=None if listing.base_variant else _int(listing.variant_id),
            vendor_stock=listing.inventory_level,
        )
