"""``import_listings``: a store's products into the hub catalog, exactly once, at the lower bound.

Per page of 250 products (see ``reader``): map every variant to a read listing (``mapping``),
load what exists in one query per table, decide each SKU's outcome, write with bulk statements
and record the outcomes, all in one transaction; only then move on. Database work runs in a
worker thread so the next pages keep downloading meanwhile.

Outcomes per SKU: ``created`` (a new item), ``linked`` (an existing item, by master SKU, now
listed in this store), ``updated`` (hub data or the listing changed), ``unchanged``, ``skipped``
(no master SKU value, or a SKU the store lists twice) and ``failed`` (with the reason); a page
that cannot be read is one ``failed`` outcome and the other pages go on. Any failure makes the
run ``partial``.

Modes: ``create_only`` never changes the hub data of an item that exists (only its listing in
this store: ids, the store's price and stock, flags); ``create_and_overwrite`` also overwrites
the item with the store's product data, or with only its prices. Stock by source (the store's
quantity for the item) is a reading of that store, so it is kept current in every mode.

After the pages: a full import marks listings whose variants the store no longer has as deleted
(never deletes items); every merchant listing is matched to the vendor listing of the same item
(conflicts and unmatched SKUs are kept on the listing and counted in the run); and the
``catalog.products`` cursor moves to the run's start time, only when every page was committed,
so a product modified during the run is read again by the next incremental run.

Vendor stores are only read: nothing here writes to any store.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Table, insert
from sqlalchemy.orm import Session, sessionmaker

from bchub.bigcommerce.client import BigCommerceClient
from bchub.bigcommerce.models.catalog import Product
from bchub.domain.catalog import (
    Accounting,
    ImportMode,
    ImportOptions,
    MatchStatus,
    Origin,
    Overwrite,
    match_listing,
    merged,
)
from bchub.domain.connections import Connection, Role
from bchub.domain.runs import ItemOutcome, Outcome, Run, Trigger
from bchub.storage.catalog_repository import (
    CatalogRepository,
    accounting_columns,
    item_columns,
    item_data_of,
    stock_source,
)
from bchub.storage.catalog_tables import ItemRow, ListingRow
from bchub.storage.cursors import CursorStore
from bchub.storage.repositories import utc_now
from bchub.storage.tables import RunItemRow
from bchub.sync.catalog.mapping import ReadListing, Unmappable, master_sku_of, product_listings
from bchub.sync.catalog.reader import (
    ID_BATCH,
    BrandNames,
    PageFailure,
    ProductPage,
    ProductReader,
    id_filters,
    incremental_filters,
)
from bchub.sync.connections.service import ClientFactory, ConnectionService
from bchub.sync.progress import NoProgress, Progress
from bchub.sync.runner import OperationBody, OperationRun, execute

log = logging.getLogger(__name__)

RUN_ITEMS = cast(Table, RunItemRow.__table__)
OPERATION = "import_listings"
STREAM = "catalog.products"
SKU_BATCH = 50  # SKUs per variant lookup (keeps the URL short)
REPORTED_CONFLICTS = 20  # SKUs named in the run's summary; the rest are in `bchub catalog matches`


@dataclass(frozen=True)
class CatalogDeps:
    sessions: sessionmaker[Session]
    connections: ConnectionService
    clients: ClientFactory
    now: Callable[[], datetime] = utc_now


@dataclass
class _Decision:
    read: ReadListing
    outcome: Outcome
    reason: str | None = None


@dataclass
class _Batch:
    """What one batch of read listings will write, decided before any statement runs."""

    new_items: list[dict[str, Any]] = field(default_factory=list)
    item_updates: list[dict[str, Any]] = field(default_factory=list)
    listing_updates: list[dict[str, Any]] = field(default_factory=list)
    new_listings: list[tuple[ReadListing, str]] = field(default_factory=list)  # item ids known after the insert
    relink_new_item: list[tuple[ListingRow, ReadListing, str]] = field(default_factory=list)
    drop_listings: list[int] = field(default_factory=list)
    stock: list[ReadListing] = field(default_factory=list)
    decisions: list[_Decision] = field(default_factory=list)

    def decide(self, read: ReadListing, outcome: Outcome, reason: str | None = None) -> None:
        self.decisions.append(_Decision(read, outcome, reason))


@dataclass
class _RunState:
    """What one import remembers across pages."""

    started: datetime
    seen_variants: set[int] = field(default_factory=set)  # every variant id the store showed
    seen_products: set[int] = field(default_factory=set)
    sku_owner: dict[str, tuple[int, int]] = field(default_factory=dict)  # master SKU → (product, variant)
    failed_pages: list[int] = field(default_factory=list)
    contested: list[ReadListing] = field(default_factory=list)  # SKUs another variant of the store is listed with
    supplier_conflicts: list[str] = field(default_factory=list)


def _key(read: ReadListing) -> str:
    return read.master_sku


def _kind(read: ReadListing | Unmappable) -> str:
    if isinstance(read, ReadListing):
        return "product" if read.base_variant else "variant"
    return "variant"


class ListingImport:
    """One import run's work (``body`` of the recorded run)."""

    def __init__(
        self,
        run: OperationRun,
        options: ImportOptions,
        now: Callable[[], datetime],
        progress: Progress,
    ) -> None:
        self.run = run
        self.options = options
        self.now = now
        self.progress = progress
        self.connection: Connection = run.connection
        assert run.connection.id is not None
        self.connection_id: int = run.connection.id
        self.is_vendor = run.connection.role.includes(Role.VENDOR)
        self.brands = BrandNames()
        self.state = _RunState(started=now())

    # -- the run -----------------------------------------------------------------------------

    async def execute(self) -> None:
        client = self.run.client
        readers, full = await self._readers(client)
        self.run.summary["scope"] = "full" if full else ("selective" if self.options.selective else "incremental")
        products = 0
        self.progress.start("products", None)
        for reader in readers:
            async for page in reader.pages():
                if isinstance(page, PageFailure):
                    await asyncio.to_thread(self._page_failed, page)
                    continue
                if page.number == 1 and page.total is not None:
                    self.progress.start("products", page.total)
                await self.brands.resolve(client, page.products)
                await asyncio.to_thread(self._apply_page, page)
                products += len(page.products)
                self.progress.advance("products", len(page.products))
        self.run.summary["products_read"] = products
        self.run.summary["pages_failed"] = len(self.state.failed_pages)
        await self._resolve_contested(client, full)
        if full and not self.state.failed_pages:
            await asyncio.to_thread(self._mark_deleted)
        await asyncio.to_thread(self._match)
        if not self.options.selective and not self.state.failed_pages:
            await asyncio.to_thread(self._advance_cursor)

    async def _readers(self, client: BigCommerceClient) -> tuple[list[ProductReader], bool]:
        """The listings to read, and whether together they are the whole store."""
        if self.options.selective:
            ids = set(self.options.product_ids)
            if self.options.skus:
                ids |= await self._product_ids_for_skus(client, self.options.skus)
            ordered = sorted(ids)
            batches = [ordered[start : start + ID_BATCH] for start in range(0, len(ordered), ID_BATCH)]
            return [ProductReader(client, id_filters(batch)) for batch in batches], False
        if self.options.incremental:
            with self.run.sessions() as session:
                cursor = CursorStore(session).get(self.connection_id, STREAM)
            if cursor is not None:
                since = cursor - self.options.lookback
                self.run.summary["modified_since"] = since.isoformat()
                return [ProductReader(client, incremental_filters(since))], False
            self.run.summary["note"] = "no earlier import: read the whole store"
        return [ProductReader(client)], True

    async def _product_ids_for_skus(self, client: BigCommerceClient, skus: Iterable[str]) -> set[int]:
        wanted = sorted({sku.strip() for sku in skus if sku.strip()})
        found: dict[str, int] = {}
        for start in range(0, len(wanted), SKU_BATCH):
            async for variant in client.catalog.list_variants(skus=wanted[start : start + SKU_BATCH]):
                if variant.sku:
                    found[variant.sku] = variant.product_id
        missing = [sku for sku in wanted if sku not in found]
        if missing:
            with self.run.sessions.begin() as session:
                for sku in missing:
                    self.run.record(session, ItemOutcome("variant", sku, Outcome.SKIPPED, "no such SKU in the store"))
        return set(found.values())

    # -- one page ------------------------------------------------------------------------------

    def _page_failed(self, page: PageFailure) -> None:
        self.state.failed_pages.append(page.number)
        log.warning("import from %r: page %s failed: %s", self.connection.name, page.number, page.reason)
        with self.run.sessions.begin() as session:
            self.run.record(session, ItemOutcome("page", f"page {page.number}", Outcome.FAILED, page.reason))

    def _apply_page(self, page: ProductPage) -> None:
        reads: list[ReadListing] = []
        early: list[ItemOutcome] = []
        for raw in page.products:
            product_id = raw.get("id")
            if isinstance(product_id, int) and product_id in self.state.seen_products:
                continue  # offset paging repeats a product when one is inserted ahead of the reader
            try:
                product = Product.model_validate(raw)
            except ValidationError as error:
                key = str(raw.get("sku") or f"product {product_id}")
                reason = f"unreadable product: {error.errors()[0]['msg']}"
                early.append(ItemOutcome("product", key, Outcome.FAILED, reason))
                continue
            self.state.seen_products.add(product.id)
            for read in product_listings(product, self.options.master_sku, self.brands.names):
                self.state.seen_variants.add(read.variant_id)
                if isinstance(read, Unmappable):
                    early.append(ItemOutcome("variant", read.key, Outcome.SKIPPED, read.reason))
                elif self._chosen(read):
                    reads.append(read)
        if early:
            with self.run.sessions.begin() as session:
                for outcome in early:
                    self.run.record(session, outcome)
        self._write_batch(reads, takeover=False)

    def _write_batch(self, reads: list[ReadListing], *, takeover: bool) -> None:
        """Write ``reads`` in one transaction; if that fails, one by one so only the bad ones fail."""
        owners = dict(self.state.sku_owner)
        contested = len(self.state.contested)
        try:
            with self.run.sessions.begin() as session:
                self._write(session, reads, takeover=takeover)
        except Exception as error:
            log.info("bulk write of %s SKUs failed (%s); writing them one by one", len(reads), error)
            self.state.sku_owner = owners
            del self.state.contested[contested:]
            for read in reads:
                self._write_alone(read, takeover=takeover)

    def _write_alone(self, read: ReadListing, *, takeover: bool) -> None:
        owners = dict(self.state.sku_owner)
        try:
            with self.run.sessions.begin() as session:
                self._write(session, [read], takeover=takeover)
        except Exception as error:
            self.state.sku_owner = owners
            with self.run.sessions.begin() as session:
                reason = f"{type(error).__name__}: {error}"
                self.run.record(session, ItemOutcome(_kind(read), _key(read), Outcome.FAILED, reason))

    def _record(self, session: Session, outcomes: list[ItemOutcome]) -> None:
        """``OperationRun.record`` for a whole batch in one executemany (an ORM object per row costs too much)."""
        if not outcomes:
            return
        at = self.now()
        rows = [
            {
                "run_id": self.run.run.id,
                "kind": outcome.kind,
                "key": outcome.key[:255],
                "outcome": outcome.outcome.value,
                "reason": outcome.reason,
                "at": at,
            }
            for outcome in outcomes
        ]
        session.execute(insert(RUN_ITEMS), rows)
        for outcome in outcomes:
            self.run.tally.add(outcome.outcome)

    def _chosen(self, read: ReadListing) -> bool:
        """A SKU-selective import takes only the chosen SKUs of the products it reads."""
        if not self.options.skus or read.product_id in self.options.product_ids:
            return True
        return read.sku in self.options.skus or read.master_sku in self.options.skus

    def _duplicate_reason(self, read: ReadListing, product: int | str, variant: int | str) -> str:
        return (
            f"duplicate master SKU {read.master_sku!r} in this store: product {product} variant {variant} "
            f"has it already, so product {read.product_id} variant {read.variant_id} is not imported"
        )

    def _write(self, session: Session, reads: list[ReadListing], *, takeover: bool) -> None:
        """Decide and write one batch of read listings in ``session``; records their outcomes.

        ``takeover``: these reads may move this store's listing of their item from a variant the
        store no longer has (or that has another SKU now) to theirs.
        """
        repository = CatalogRepository(session, self.now)
        now = self.now()
        items = repository.item_rows_by_sku(read.master_sku for read in reads)
        listings = repository.listing_rows_by_variant(self.connection_id, (read.variant_id for read in reads))
        by_item = repository.listing_rows_by_item(self.connection_id, (row.id for row in items.values()))
        batch = _Batch()
        for read in reads:
            owner = self.state.sku_owner.get(read.master_sku)
            if owner is not None and owner != (read.product_id, read.variant_id):
                batch.decide(read, Outcome.SKIPPED, self._duplicate_reason(read, *owner))
                continue
            item = items.get(read.master_sku)
            listing = listings.get(read.variant_id)
            relinked = False
            if item is not None and (listing is None or listing.item_id != item.id):
                other = by_item.get(item.id)
                if other is not None:
                    if other.deleted_at is None and not takeover:
                        self.state.contested.append(read)  # decided once the other variant is known
                        continue
                    if listing is None:
                        listing, relinked = other, True  # the product was re-created: same SKU, new ids
                    else:
                        batch.drop_listings.append(other.id)  # a stale listing of a variant gone from the store
            self.state.sku_owner[read.master_sku] = (read.product_id, read.variant_id)
            self._decide(batch, read, item, listing, relinked, now)
        ids = repository.insert_items(batch.new_items)
        ids.update((sku, row.id) for sku, row in items.items())
        for listing, read, read_hash in batch.relink_new_item:
            batch.listing_updates.append(self._listing_update(listing, read, read_hash, ids[read.master_sku], now))
        repository.delete_listings(batch.drop_listings)
        repository.update_items(batch.item_updates)
        repository.update_listings(batch.listing_updates)
        repository.insert_listings(
            [self._new_listing(read, read_hash, ids[read.master_sku], now) for read, read_hash in batch.new_listings]
        )
        repository.put_stock(
            [
                {
                    "item_id": ids[read.master_sku],
                    "source": stock_source(self.connection_id),
                    "connection_id": self.connection_id,
                    "quantity": read.inventory_level,
                    "updated_at": now,
                }
                for read in batch.stock
                if read.inventory_level is not None
            ]
        )
        self._record(
            session,
            [
                ItemOutcome(_kind(decision.read), _key(decision.read), decision.outcome, decision.reason)
                for decision in batch.decisions
            ],
        )

    def _decide(
        self,
        batch: _Batch,
        read: ReadListing,
        item: ItemRow | None,
        listing: ListingRow | None,
        relinked: bool,
        now: datetime,
    ) -> None:
        data_hash = read.data.content_hash()
        read_hash = read.read_hash(data_hash)
        if item is None:
            batch.new_items.append(self._new_item(read, data_hash, now))
            if listing is None:
                batch.new_listings.append((read, read_hash))
            else:
                batch.relink_new_item.append((listing, read, read_hash))
            batch.stock.append(read)
            batch.decide(read, Outcome.CREATED)
            return
        item_changed = self._item_update(item, read, data_hash, now, batch.item_updates)
        if listing is None:
            batch.new_listings.append((read, read_hash))
            batch.stock.append(read)
            batch.decide(read, Outcome.LINKED, "hub data overwritten" if item_changed else None)
            return
        listing_changed = listing.read_hash != read_hash or listing.item_id != item.id or listing.deleted_at is not None
        if listing_changed:
            batch.listing_updates.append(self._listing_update(listing, read, read_hash, item.id, now))
            batch.stock.append(read)
        if relinked:
            reason = f"relinked: this store's product {listing.product_id} variant {listing.variant_id} no longer has this SKU"
            batch.decide(read, Outcome.LINKED, reason)
        elif item_changed:
            batch.decide(read, Outcome.UPDATED)
        elif listing_changed:
            overwriting = self.options.mode is ImportMode.CREATE_AND_OVERWRITE
            keep = None if overwriting else "the store's listing changed; create_only keeps the hub's item data"
            batch.decide(read, Outcome.UPDATED, keep)
        else:
            batch.decide(read, Outcome.UNCHANGED)

    def _new_item(self, read: ReadListing, data_hash: str, now: datetime) -> dict[str, Any]:
        columns = item_columns(read.data, data_hash)
        columns.update(accounting_columns(Accounting()))
        columns.update(
            origin=Origin.STORE.value,
            origin_connection_id=self.connection_id,
            supplier_connection_id=self.connection_id if self.is_vendor else None,
            created_at=now,
            updated_at=now,
        )
        return columns

    def _item_update(
        self, item: ItemRow, read: ReadListing, data_hash: str, now: datetime, updates: list[dict[str, Any]]
    ) -> bool:
        """Queue the matched item's update (hub data per the options, the supplier); True if its data changes."""
        change: dict[str, Any] = {}
        changed = False
        if self.options.mode is ImportMode.CREATE_AND_OVERWRITE:
            if self.options.overwrite is Overwrite.PRODUCT_DATA:
                if item.content_hash != data_hash:
                    change.update(item_columns(read.data, data_hash))
                    changed = True
            else:
                data = merged(item_data_of(item), read.data, self.options)
                new_hash = data.content_hash()
                if new_hash != item.content_hash:
                    change.update(item_columns(data, new_hash))
                    changed = True
        if self.is_vendor:
            if item.supplier_connection_id is None:
                change["supplier_connection_id"] = self.connection_id
                item.supplier_connection_id = self.connection_id  # later reads in this batch see it
            elif item.supplier_connection_id != self.connection_id:
                self.state.supplier_conflicts.append(item.sku)
        if change:
            change.update(id=item.id, updated_at=now)
            updates.append(change)
        return changed

    def _listing_columns(self, read: ReadListing, read_hash: str, item_id: int, now: datetime) -> dict[str, Any]:
        return {
            "item_id": item_id,
            "product_id": str(read.product_id),
            "variant_id": str(read.variant_id),
            "base_variant": read.base_variant,
            "sku": read.sku,
            "price": read.price,
            "inventory_level": read.inventory_level,
            "visible": read.visible,
            "deleted_at": None,
            "remote_modified_at": read.modified_at,
            "read_hash": read_hash,
            "updated_at": now,
        }

    def _listing_update(
        self, listing: ListingRow, read: ReadListing, read_hash: str, item_id: int, now: datetime
    ) -> dict[str, Any]:
        return {"id": listing.id, **self._listing_columns(read, read_hash, item_id, now)}

    def _new_listing(self, read: ReadListing, read_hash: str, item_id: int, now: datetime) -> dict[str, Any]:
        return {
            **self._listing_columns(read, read_hash, item_id, now),
            "connection_id": self.connection_id,
            "paused": self.options.paused,
            "hidden": False,
            "delisted": False,
            "data": {},
            "created_at": now,
        }

    async def _resolve_contested(self, client: BigCommerceClient, full: bool) -> None:
        """SKUs that a listed variant of this store already had: a duplicate, or the SKU moved?

        When the listed variant was read in this run with the same SKU, the store lists the SKU
        twice (reported). Otherwise the SKU moved (the product was re-created, or the old variant
        was renamed or deleted): a full read saw every variant, so that is certain; other reads
        ask the store about the listed variants (one request per 250).
        """
        contested, self.state.contested = self.state.contested, []
        undecided: list[ReadListing] = []
        skipped: list[ItemOutcome] = []
        for read in contested:
            owner = self.state.sku_owner.get(read.master_sku)
            if owner is not None and owner != (read.product_id, read.variant_id):
                skipped.append(
                    ItemOutcome(_kind(read), _key(read), Outcome.SKIPPED, self._duplicate_reason(read, *owner))
                )
            else:
                undecided.append(read)
        takeovers = undecided
        if undecided and not full:
            takeovers = []
            listed = await asyncio.to_thread(self._listed_variants, [read.master_sku for read in undecided])
            present = await self._variants_in_store(client, [variant for variant, _ in listed.values()])
            for read in undecided:
                variant, product = listed.get(read.master_sku, (None, None))
                if variant is not None and present.get(variant) == read.master_sku:
                    skipped.append(
                        ItemOutcome(
                            _kind(read),
                            _key(read),
                            Outcome.SKIPPED,
                            self._duplicate_reason(read, str(product), variant),
                        )
                    )
                else:
                    takeovers.append(read)
        if skipped:
            with self.run.sessions.begin() as session:
                for outcome in skipped:
                    self.run.record(session, outcome)
        if takeovers:
            await asyncio.to_thread(self._write_batch, takeovers, takeover=True)

    def _listed_variants(self, skus: list[str]) -> dict[str, tuple[int, str]]:
        """Master SKU → (variant id, product id) of this store's live listing of it."""
        with self.run.sessions() as session:
            repository = CatalogRepository(session)
            items = repository.item_rows_by_sku(skus)
            by_item = repository.listing_rows_by_item(self.connection_id, (row.id for row in items.values()))
        return {
            sku: (int(by_item[row.id].variant_id), by_item[row.id].product_id)
            for sku, row in items.items()
            if row.id in by_item
        }

    async def _variants_in_store(self, client: BigCommerceClient, variant_ids: list[int]) -> dict[int, str | None]:
        """Which of ``variant_ids`` the store still has, with each one's master SKU now."""
        found: dict[int, str | None] = {}
        ordered = sorted(set(variant_ids))
        for start in range(0, len(ordered), ID_BATCH):
            batch = ordered[start : start + ID_BATCH]
            async for variant in client.catalog.list_variants(filters={"id:in": ",".join(map(str, batch))}):
                found[variant.id] = master_sku_of(self.options.master_sku, variant.sku, variant.upc, variant.mpn)
        return found

    # -- after the pages -------------------------------------------------------------------------

    def _mark_deleted(self) -> None:
        """Listings whose variants a full read did not show are gone from the store: mark, never delete."""
        with self.run.sessions.begin() as session:
            repository = CatalogRepository(session, self.now)
            live = repository.live_listing_variants(self.connection_id)
            gone = sorted(variant for variant in live if variant not in self.state.seen_variants)
            if not gone:
                return
            repository.mark_deleted([live[variant][0] for variant in gone], self.now())
            for variant in gone:
                _, _, sku = live[variant]
                self.run.record(
                    session,
                    ItemOutcome(
                        "variant",
                        sku or f"variant {variant}",
                        Outcome.DELETED,
                        "gone from the store; marked deleted, kept in the hub",
                    ),
                )

    def _match(self) -> None:
        with self.run.sessions.begin() as session:
            report = rematch(CatalogRepository(session, self.now), self.now())
        self.run.summary.update(report.counts())
        if report.conflicts:
            self.run.summary["conflict_skus"] = report.conflicts[:REPORTED_CONFLICTS]
        if self.state.supplier_conflicts:
            self.run.summary["supplier_conflicts"] = len(self.state.supplier_conflicts)

    def _advance_cursor(self) -> None:
        with self.run.sessions.begin() as session:
            CursorStore(session, self.now).advance(self.connection_id, STREAM, self.state.started)


@dataclass
class MatchReport:
    matched: int = 0
    unmatched: int = 0
    conflict: int = 0
    changed: int = 0
    conflicts: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"matched": self.matched, "unmatched": self.unmatched, "conflicts": self.conflict}


def rematch(repository: CatalogRepository, now: datetime) -> MatchReport:
    """Match every live merchant listing to the vendor listings of its item; write what changed."""
    rows = repository.live_listings_with_roles()
    names = {connection_id: name for _, connection_id, _, _, name, _, _, _ in rows}
    vendors: dict[int, dict[int, int]] = {}
    for listing_id, connection_id, item_id, role, _, _, _, _ in rows:
        if Role(role).includes(Role.VENDOR):
            vendors.setdefault(item_id, {})[connection_id] = listing_id
    merchant_rows = [row for row in rows if Role(row[3]).includes(Role.MERCHANT)]
    suppliers = repository.suppliers(row[2] for row in merchant_rows)
    report = MatchReport()
    updates: list[dict[str, Any]] = []
    skus: dict[int, str] = {}
    for listing_id, connection_id, item_id, _, _, current_vendor, current_status, current_note in merchant_rows:
        offers = {vendor: listing for vendor, listing in vendors.get(item_id, {}).items() if vendor != connection_id}
        result = match_listing(suppliers.get(item_id), offers, names)
        if result.status is MatchStatus.MATCHED:
            report.matched += 1
        elif result.status is MatchStatus.UNMATCHED:
            report.unmatched += 1
        else:
            report.conflict += 1
            skus[item_id] = ""
        if (result.vendor_listing_id, result.status.value, result.note) != (
            current_vendor,
            current_status,
            current_note,
        ):
            updates.append(
                {
                    "id": listing_id,
                    "vendor_listing_id": result.vendor_listing_id,
                    "match_status": result.status.value,
                    "match_note": result.note,
                    "updated_at": now,
                }
            )
    repository.update_listings(updates)
    report.changed = len(updates)
    if skus:
        report.conflicts = sorted(repository.skus_of(skus))
    return report


def import_body(
    options: ImportOptions, *, now: Callable[[], datetime] = utc_now, progress: Progress | None = None
) -> OperationBody:
    """The import as a run body, for ``execute`` or a job."""

    async def body(run: OperationRun) -> None:
        await ListingImport(run, options, now, progress or NoProgress()).execute()

    return body


async def import_listings(
    deps: CatalogDeps,
    reference: str | int | Connection,
    options: ImportOptions | None = None,
    *,
    progress: Progress | None = None,
    trigger: Trigger = Trigger.USER,
) -> Run:
    """Import a store's listings into the hub catalog as one recorded run."""
    options = options or ImportOptions()
    return await execute(
        OPERATION,
        reference,
        import_body(options, now=deps.now, progress=progress),
        sessions=deps.sessions,
        connections=deps.connections,
        clients=deps.clients,
        trigger=trigger,
        params=options.as_params(),
    )
