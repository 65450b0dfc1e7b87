"""``sync_inventory``: read a vendor's stock levels into the hub, then push them to merchants.

The vendor's stock is read with list calls (``/v3/inventory/items``, a page of many items per
request), never one call per SKU; each level (available to sell, summed over locations) is
matched to the vendor's listings by variant id (or product id for a product without variants)
and stored as the item's stock from that vendor. Only changed levels are written. Merchant
listings of those items are then brought up to date by ``sync_listings``, whose vendor rules
(buffer, cap, zero when discontinued) decide what each merchant shows.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bchub.bigcommerce.models.inventory import InventoryItem
from bchub.domain.connections import Connection, Role
from bchub.domain.publishing import VendorStockRule
from bchub.domain.runs import ItemOutcome, Outcome, Run
from bchub.errors import InputError
from bchub.storage.catalog_repository import CatalogRepository, stock_source
from bchub.storage.catalog_tables import ItemRow, ListingRow
from bchub.storage.publish_repository import PublishRepository
from bchub.storage.repositories import utc_now
from bchub.storage.tables import ConnectionRow
from bchub.sync.catalog.sync_listings import sync_listings
from bchub.sync.catalog.writes import PublishDeps, no_progress
from bchub.sync.runner import OperationRun

KIND = "stock"


def _level(item: InventoryItem) -> int:
    return sum(max(location.available_to_sell or 0, 0) for location in item.locations)


def _vendor_listings(session: Session, connection_id: int) -> tuple[dict[int, ListingRow], dict[int, ListingRow]]:
    """The vendor's live listings by variant id, and the base-variant ones also by product id."""
    query = select(ListingRow).where(ListingRow.connection_id == connection_id, ListingRow.deleted_at.is_(None))
    by_variant: dict[int, ListingRow] = {}
    by_product: dict[int, ListingRow] = {}
    for row in session.scalars(query):
        by_variant[int(row.variant_id)] = row
        if row.base_variant:
            by_product[int(row.product_id)] = row
    return by_variant, by_product


def _current(session: Session, item_ids: Iterable[int], source: str) -> dict[int, int]:
    stock = PublishRepository(session).stock_of(item_ids)
    return {item_id: sources[source] for item_id, sources in stock.items() if source in sources}


async def _read(run: OperationRun) -> None:
    connection_id = run.connection.id or 0
    source = stock_source(connection_id)
    levels: dict[int, tuple[str, int]] = {}  # item id → (sku, level)
    with run.sessions() as session:
        by_variant, by_product = _vendor_listings(session, connection_id)
    async for entry in run.client.inventory.list_items():
        identity = entry.identity
        row = by_variant.get(identity.variant_id or 0) or by_product.get(identity.product_id or 0)
        if row is not None:
            levels[row.item_id] = (row.sku or str(row.item_id), _level(entry))
    now = utc_now()
    with run.sessions.begin() as session:
        before = _current(session, levels, source)
        changed = [(item_id, sku, level) for item_id, (sku, level) in levels.items() if before.get(item_id) != level]
        CatalogRepository(session).put_stock(
            [
                {
                    "item_id": item_id,
                    "source": source,
                    "connection_id": connection_id,
                    "quantity": level,
                    "updated_at": now,
                }
                for item_id, _, level in changed
            ]
        )
        for _, sku, level in changed:
            run.record(session, ItemOutcome(KIND, sku, Outcome.UPDATED, f"stock {level}"))
    run.summary["unchanged"] = len(levels) - len(changed)
    run.summary["read"] = len(levels)


def merchants_listing(session: Session, vendor_id: int) -> list[int]:
    """Merchant connections with live listings of items this vendor supplies."""
    query = (
        select(ListingRow.connection_id)
        .join(ItemRow, ItemRow.id == ListingRow.item_id)
        .join(ConnectionRow, ConnectionRow.id == ListingRow.connection_id)
        .where(
            ItemRow.supplier_connection_id == vendor_id,
            ListingRow.connection_id != vendor_id,
            ConnectionRow.role.in_([Role.MERCHANT.value, Role.BOTH.value]),
        )
        .distinct()
    )
    return sorted(session.scalars(query))


async def sync_inventory(
    deps: PublishDeps, vendor: Connection | str | int, *, push: bool = True
) -> tuple[Run, list[Run]]:
    """Read a vendor's stock into the hub; with ``push``, sync every merchant listing its items."""
    current = deps.connections.get(vendor) if not isinstance(vendor, Connection) else vendor
    run = await deps.run("sync_inventory", current, _read)
    pushed: list[Run] = []
    if push:
        with deps.sessions() as session:
            merchants = merchants_listing(session, current.id or 0)
        for merchant in merchants:
            merchant_run, _ = await sync_listings(deps, merchant, progress=no_progress)
            assert merchant_run is not None
            pushed.append(merchant_run)
    return run, pushed


def set_vendor_rule(deps: PublishDeps, vendor: Connection | str | int, rule: VendorStockRule) -> None:
    """Set how a vendor's stock becomes what merchants show (applies from the next sync)."""
    current = deps.connections.get(vendor) if not isinstance(vendor, Connection) else vendor
    if not current.role.includes(Role.VENDOR):
        raise InputError(f"connection {current.name!r} is not a vendor: stock rules are set on vendors")
    with deps.sessions.begin() as session:
        PublishRepository(session).set_vendor_rule(current.id or 0, rule)


def vendor_rule(deps: PublishDeps, vendor: Connection | str | int) -> VendorStockRule:
    current = deps.connections.get(vendor) if not isinstance(vendor, Connection) else vendor
    with deps.sessions() as session:
        return PublishRepository(session).vendor_rules([current.id or 0]).get(current.id or 0, VendorStockRule())
