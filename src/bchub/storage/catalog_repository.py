"""The hub catalog in the database: items, listings (the catalog's bindings) and stock by source.

Read API (for any operation; one query each, domain objects out):

- ``items_by_sku(skus) -> dict[str, Item]``: items by master SKU (missing SKUs are absent).
- ``item(item_id) -> Item | None``, ``item_by_sku(sku) -> Item | None``.
- ``listing(connection_id, item_id) -> Listing | None``: an item's listing in one store.
- ``listing_by_variant(connection_id, variant_id) -> Listing | None``.
- ``listings_for(item_id) -> list[Listing]``: the item in every store it is known in.
- ``vendor_listing_for(item_id) -> VendorListing | None``: the item's listing in its supplier's
  store (connection id, product id, variant id), when it has a supplier that still lists it.
- ``search_items(...)``, ``count_items(...)``: browsing by text, store, supplier and listing state
  (``ListingState``: paused, hidden, delisted, unmatched), all in SQL; ``matches(...)``: reports.

Write helpers work a page at a time with one query to load what exists and bulk statements to
write, so an import of 30,000 items stays fast on SQLite.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar, cast

from sqlalchemy import Select, Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bchub.domain.catalog import (
    Accounting,
    Attribute,
    Item,
    ItemData,
    Listing,
    MatchStatus,
    Origin,
    VendorListing,
)
from bchub.storage.catalog_tables import ItemRow, ListingRow, StockRow
from bchub.storage.repositories import utc_now
from bchub.storage.tables import ConnectionRow

T = TypeVar("T")
# the Core tables, for bulk statements without the ORM's per-row work
ITEMS = cast(Table, ItemRow.__table__)
LISTINGS = cast(Table, ListingRow.__table__)
STOCK = cast(Table, StockRow.__table__)
CHUNK = 500  # ids per IN (...) list, well under every database's parameter limit


def chunked(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _rowcount(result: Any) -> int:
    """Rows an UPDATE changed (``CursorResult.rowcount``; typed loosely by SQLAlchemy)."""
    return int(result.rowcount)


def _update_by_id(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """UPDATE rows by ``id`` with executemany, one statement per set of columns (Core: no ORM overhead)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        columns = tuple(sorted(key for key in row if key != "id"))
        groups.setdefault(columns, []).append({**{f"new_{key}": row[key] for key in columns}, "match_id": row["id"]})
    for columns, params in groups.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("match_id"))
            .values({key: bindparam(f"new_{key}") for key in columns})
        )
        session.execute(statement, params)


class ListingState(StrEnum):
    """A listing filter: items with a live (not deleted) listing in this state, in one store or any."""

    PAUSED = "paused"  # the hub does not sync it
    HIDDEN = "hidden"  # not visible in the storefront
    DELISTED = "delisted"  # taken off the store by the hub
    UNMATCHED = "unmatched"  # a merchant listing no vendor listing supplies


def stock_source(connection_id: int) -> str:
    return f"connection:{connection_id}"


# -- rows ↔ domain ------------------------------------------------------------------------------


def _attributes(values: Iterable[dict[str, str]] | None) -> tuple[Attribute, ...]:
    return tuple(Attribute(str(value.get("name", "")), str(value.get("value", ""))) for value in values or ())


def item_data_of(row: ItemRow) -> ItemData:
    return ItemData(
        sku=row.sku,
        name=row.name,
        parent_sku=row.parent_sku,
        description=row.description,
        price=row.price,
        cost_price=row.cost_price,
        sale_price=row.sale_price,
        retail_price=row.retail_price,
        upc=row.upc,
        mpn=row.mpn,
        gtin=row.gtin,
        weight=row.weight,
        width=row.width,
        height=row.height,
        depth=row.depth,
        brand=row.brand,
        categories=tuple(str(category) for category in row.categories or ()),
        images=tuple(row.images or ()),
        custom_fields=_attributes(row.custom_fields),
        options=_attributes(row.options),
        hs_code=row.hs_code,
    )


def item_columns(data: ItemData, data_hash: str | None = None) -> dict[str, Any]:
    """The ``catalog_items`` columns holding ``data`` (and its hash, computed unless given)."""
    return {
        "sku": data.sku,
        "parent_sku": data.parent_sku,
        "name": data.name[:255],
        "description": data.description,
        "price": data.price,
        "cost_price": data.cost_price,
        "sale_price": data.sale_price,
        "retail_price": data.retail_price,
        "upc": data.upc,
        "mpn": data.mpn,
        "gtin": data.gtin,
        "weight": data.weight,
        "width": data.width,
        "height": data.height,
        "depth": data.depth,
        "brand": data.brand,
        "categories": list(data.categories),
        "images": list(data.images),
        "custom_fields": [{"name": field.name, "value": field.value} for field in data.custom_fields],
        "options": [{"name": option.name, "value": option.value} for option in data.options],
        "hs_code": data.hs_code,
        "content_hash": data_hash or data.content_hash(),
    }


def accounting_columns(accounting: Accounting) -> dict[str, Any]:
    return {
        "unit_of_measure": accounting.unit_of_measure,
        "income_account": accounting.income_account,
        "cogs_account": accounting.cogs_account,
        "asset_account": accounting.asset_account,
    }


def to_item(row: ItemRow, stock: dict[str, int] | None = None) -> Item:
    return Item(
        id=row.id,
        data=item_data_of(row),
        accounting=Accounting(row.unit_of_measure, row.income_account, row.cogs_account, row.asset_account),
        origin=Origin(row.origin),
        supplier_connection_id=row.supplier_connection_id,
        origin_connection_id=row.origin_connection_id,
        stock=dict(stock or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def to_listing(row: ListingRow) -> Listing:
    return Listing(
        id=row.id,
        connection_id=row.connection_id,
        item_id=row.item_id,
        product_id=int(row.product_id),
        variant_id=int(row.variant_id),
        base_variant=row.base_variant,
        sku=row.sku,
        price=row.price,
        inventory_level=row.inventory_level,
        visible=row.visible,
        paused=row.paused,
        hidden=row.hidden,
        delisted=row.delisted,
        deleted_at=row.deleted_at,
        vendor_listing_id=row.vendor_listing_id,
        match_status=MatchStatus(row.match_status) if row.match_status else None,
        match_note=row.match_note,
        remote_modified_at=row.remote_modified_at,
        read_hash=row.read_hash,
        pushed_hash=row.pushed_hash,
    )


@dataclass(frozen=True)
class MatchRow:
    """One merchant listing in the match report."""

    connection: str
    sku: str
    item_id: int
    status: MatchStatus
    vendor: str | None
    note: str | None


class CatalogRepository:
    def __init__(self, session: Session, now: Callable[[], datetime] = utc_now) -> None:
        self.session = session
        self._now = now

    # -- read API ------------------------------------------------------------------------------

    def items_by_sku(self, skus: Iterable[str]) -> dict[str, Item]:
        """Items by master SKU; SKUs without an item are left out."""
        rows = self.item_rows_by_sku(skus)
        stock = self._stock([row.id for row in rows.values()])
        return {sku: to_item(row, stock.get(row.id)) for sku, row in rows.items()}

    def item(self, item_id: int) -> Item | None:
        row = self.session.get(ItemRow, item_id)
        return None if row is None else to_item(row, self._stock([row.id]).get(row.id))

    def item_by_sku(self, sku: str) -> Item | None:
        return self.items_by_sku([sku]).get(sku)

    def items_by_parent_sku(self, parent_skus: Iterable[str], *, excluding: Collection[int] = ()) -> list[Item]:
        """Items that are variants of these products (by parent SKU), in SKU order, but for ``excluding``
        (ids read first, so excluded items, often all of them, are never loaded)."""
        ids: set[int] = set()
        for parents in chunked(sorted(set(parent_skus))):
            ids.update(self.session.scalars(select(ItemRow.id).where(ItemRow.parent_sku.in_(parents))))
        rows: list[ItemRow] = []
        for part in chunked(sorted(ids.difference(excluding))):
            rows.extend(self.session.scalars(select(ItemRow).where(ItemRow.id.in_(part))))
        rows.sort(key=lambda row: row.sku)
        stock = self._stock([row.id for row in rows])
        return [to_item(row, stock.get(row.id)) for row in rows]

    def listing(self, connection_id: int, item_id: int) -> Listing | None:
        row = self.session.scalars(
            select(ListingRow).where(ListingRow.connection_id == connection_id, ListingRow.item_id == item_id)
        ).first()
        return None if row is None else to_listing(row)

    def listing_by_variant(self, connection_id: int, variant_id: int) -> Listing | None:
        row = self.session.scalars(
            select(ListingRow).where(
                ListingRow.connection_id == connection_id, ListingRow.variant_id == str(variant_id)
            )
        ).first()
        return None if row is None else to_listing(row)

    def listings_for(self, item_id: int) -> list[Listing]:
        rows = self.session.scalars(select(ListingRow).where(ListingRow.item_id == item_id).order_by(ListingRow.id))
        return [to_listing(row) for row in rows]

    def vendor_listing_for(self, item_id: int) -> VendorListing | None:
        """The item's listing in its supplier's store, unless the item has no supplier or it is gone there."""
        query = (
            select(ListingRow)
            .join(ItemRow, ItemRow.id == ListingRow.item_id)
            .where(
                ListingRow.item_id == item_id,
                ListingRow.connection_id == ItemRow.supplier_connection_id,
                ListingRow.deleted_at.is_(None),
                ListingRow.delisted.is_(False),
            )
        )
        row = self.session.scalars(query).first()
        if row is None:
            return None
        return VendorListing(row.connection_id, row.id, int(row.product_id), int(row.variant_id), row.sku)

    def search_items(
        self,
        *,
        text: str | None = None,
        connection_id: int | None = None,
        supplier_id: int | None = None,
        state: ListingState | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Item]:
        """Items whose SKU or name contains ``text`` (any case), optionally listed in one store, supplied
        by one vendor, or with a listing in ``state`` (in that store when one is given, else in any)."""
        query = self._filtered(select(ItemRow), text, connection_id, supplier_id, state).order_by(ItemRow.sku)
        rows = list(self.session.scalars(query.limit(limit).offset(offset)))
        stock = self._stock([row.id for row in rows])
        return [to_item(row, stock.get(row.id)) for row in rows]

    def count_items(
        self,
        *,
        text: str | None = None,
        connection_id: int | None = None,
        supplier_id: int | None = None,
        state: ListingState | None = None,
    ) -> int:
        query = self._filtered(select(func.count(ItemRow.id)), text, connection_id, supplier_id, state)
        return int(self.session.scalar(query) or 0)

    def matches(self, *, status: MatchStatus | None = None, connection_id: int | None = None) -> list[MatchRow]:
        """Merchant listings with how they matched a vendor listing (by master SKU)."""
        merchant = ConnectionRow.__table__.alias("merchant")
        vendor_listing = LISTINGS.alias("vendor_listing")
        vendor = ConnectionRow.__table__.alias("vendor")
        query = (
            select(
                merchant.c.name,
                ItemRow.sku,
                ItemRow.id,
                ListingRow.match_status,
                vendor.c.name,
                ListingRow.match_note,
            )
            .select_from(ListingRow)
            .join(ItemRow, ItemRow.id == ListingRow.item_id)
            .join(merchant, merchant.c.id == ListingRow.connection_id)
            .outerjoin(vendor_listing, vendor_listing.c.id == ListingRow.vendor_listing_id)
            .outerjoin(vendor, vendor.c.id == vendor_listing.c.connection_id)
            .where(ListingRow.match_status.is_not(None), ListingRow.deleted_at.is_(None))
            .order_by(merchant.c.name, ItemRow.sku)
        )
        if status is not None:
            query = query.where(ListingRow.match_status == status.value)
        if connection_id is not None:
            query = query.where(ListingRow.connection_id == connection_id)
        return [
            MatchRow(name, sku, item_id, MatchStatus(state), vendor_name, note)
            for name, sku, item_id, state, vendor_name, note in self.session.execute(query)
        ]

    def set_paused(self, connection_id: int, item_ids: Collection[int] | None, paused: bool) -> int:
        """Pause or unpause listings of one store (all of them when ``item_ids`` is None)."""
        query = update(ListingRow).where(ListingRow.connection_id == connection_id, ListingRow.paused != paused)
        total = 0
        if item_ids is None:
            total = _rowcount(self.session.execute(query.values(paused=paused, updated_at=self._now())))
        else:
            for part in chunked(sorted(item_ids)):
                result = self.session.execute(
                    query.where(ListingRow.item_id.in_(part)).values(paused=paused, updated_at=self._now())
                )
                total += _rowcount(result)
        return total

    # -- page helpers (bulk) -------------------------------------------------------------------

    def item_rows_by_sku(self, skus: Iterable[str]) -> dict[str, ItemRow]:
        wanted = sorted(set(skus))
        found: dict[str, ItemRow] = {}
        for part in chunked(wanted):
            found.update((row.sku, row) for row in self.session.scalars(select(ItemRow).where(ItemRow.sku.in_(part))))
        return found

    def listing_rows_by_variant(self, connection_id: int, variant_ids: Iterable[int]) -> dict[int, ListingRow]:
        wanted = sorted({str(variant) for variant in variant_ids})
        found: dict[int, ListingRow] = {}
        for part in chunked(wanted):
            query = select(ListingRow).where(ListingRow.connection_id == connection_id, ListingRow.variant_id.in_(part))
            found.update((int(row.variant_id), row) for row in self.session.scalars(query))
        return found

    def listing_rows_by_item(self, connection_id: int, item_ids: Iterable[int]) -> dict[int, ListingRow]:
        wanted = sorted(set(item_ids))
        found: dict[int, ListingRow] = {}
        for part in chunked(wanted):
            query = select(ListingRow).where(ListingRow.connection_id == connection_id, ListingRow.item_id.in_(part))
            found.update((row.item_id, row) for row in self.session.scalars(query))
        return found

    def insert_items(self, rows: list[dict[str, Any]]) -> dict[str, int]:
        """Insert items (column dicts); returns their ids by master SKU."""
        if not rows:
            return {}
        table = ITEMS
        result = self.session.execute(insert(table).returning(table.c.id, table.c.sku), rows)
        return {sku: item_id for item_id, sku in result}

    def update_items(self, rows: list[dict[str, Any]]) -> None:
        """Update items by primary key (each dict has ``id`` and the columns to change)."""
        _update_by_id(self.session, ITEMS, rows)

    def insert_listings(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(LISTINGS), rows)

    def update_listings(self, rows: list[dict[str, Any]]) -> None:
        _update_by_id(self.session, LISTINGS, rows)

    def delete_listings(self, listing_ids: Sequence[int]) -> None:
        for part in chunked(list(listing_ids)):
            self.session.execute(delete(ListingRow).where(ListingRow.id.in_(part)))

    def put_stock(self, rows: list[dict[str, Any]]) -> None:
        """Insert or replace stock rows (``item_id``, ``source``, ``connection_id``, ``quantity``, ``updated_at``)."""
        if not rows:
            return
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            statement: Any = pg_insert(STOCK)
        elif dialect == "sqlite":
            statement = sqlite_insert(STOCK)
        else:
            raise NotImplementedError(f"stock upserts are written for SQLite and PostgreSQL, not {dialect}")
        statement = statement.on_conflict_do_update(
            index_elements=["item_id", "source"],
            set_={"quantity": statement.excluded.quantity, "updated_at": statement.excluded.updated_at},
        )
        self.session.execute(statement, rows)

    def live_listing_variants(self, connection_id: int) -> dict[int, tuple[int, int, str | None]]:
        """Every listing of a store not yet marked deleted: variant id → (listing id, item id, SKU)."""
        query = select(ListingRow.id, ListingRow.variant_id, ListingRow.item_id, ListingRow.sku).where(
            ListingRow.connection_id == connection_id, ListingRow.deleted_at.is_(None)
        )
        return {
            int(variant_id): (listing_id, item_id, sku)
            for listing_id, variant_id, item_id, sku in self.session.execute(query)
        }

    def mark_deleted(self, listing_ids: Sequence[int], at: datetime) -> None:
        for part in chunked(list(listing_ids)):
            self.session.execute(update(ListingRow).where(ListingRow.id.in_(part)).values(deleted_at=at, updated_at=at))

    def live_listings_with_roles(self) -> list[tuple[int, int, int, str, str, int | None, str | None, str | None]]:
        """(listing id, connection id, item id, role, connection name, vendor listing id, match status, note)
        of every listing not deleted, for matching."""
        query = (
            select(
                ListingRow.id,
                ListingRow.connection_id,
                ListingRow.item_id,
                ConnectionRow.role,
                ConnectionRow.name,
                ListingRow.vendor_listing_id,
                ListingRow.match_status,
                ListingRow.match_note,
            )
            .join(ConnectionRow, ConnectionRow.id == ListingRow.connection_id)
            .where(ListingRow.deleted_at.is_(None), ListingRow.delisted.is_(False))
        )
        return [tuple(row) for row in self.session.execute(query)]  # type: ignore[misc]

    def suppliers(self, item_ids: Iterable[int]) -> dict[int, int | None]:
        wanted = sorted(set(item_ids))
        found: dict[int, int | None] = {}
        for part in chunked(wanted):
            query = select(ItemRow.id, ItemRow.supplier_connection_id).where(ItemRow.id.in_(part))
            found.update((item_id, supplier) for item_id, supplier in self.session.execute(query))
        return found

    def skus_of(self, item_ids: Iterable[int]) -> list[str]:
        wanted = sorted(set(item_ids))
        found: list[str] = []
        for part in chunked(wanted):
            found.extend(self.session.scalars(select(ItemRow.sku).where(ItemRow.id.in_(part))))
        return found

    # -- internals -----------------------------------------------------------------------------

    def _stock(self, item_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        found: dict[int, dict[str, int]] = {}
        for part in chunked(list(item_ids)):
            query = select(StockRow.item_id, StockRow.source, StockRow.quantity).where(StockRow.item_id.in_(part))
            for item_id, source, quantity in self.session.execute(query):
                found.setdefault(item_id, {})[source] = quantity
        return found

    @staticmethod
    def _filtered(
        query: Select[Any],
        text: str | None,
        connection_id: int | None,
        supplier_id: int | None,
        state: ListingState | None = None,
    ) -> Select[Any]:
        if text:
            pattern = f"%{text.casefold()}%"
            query = query.where(or_(func.lower(ItemRow.sku).like(pattern), func.lower(ItemRow.name).like(pattern)))
        if connection_id is not None:
            listed = select(ListingRow.item_id).where(ListingRow.connection_id == connection_id)
            query = query.where(ItemRow.id.in_(listed))
        if supplier_id is not None:
            query = query.where(ItemRow.supplier_connection_id == supplier_id)
        if state is not None:
            query = query.where(ItemRow.id.in_(_listed_in_state(state, connection_id)))
        return query


def _listed_in_state(state: ListingState, connection_id: int | None) -> Select[Any]:
    """Ids of items with a live listing in ``state`` (in one store, or in any)."""
    if state is ListingState.UNMATCHED:
        condition = ListingRow.match_status == MatchStatus.UNMATCHED.value
    else:
        condition = getattr(ListingRow, state.value).is_(True)
    query = select(ListingRow.item_id).where(ListingRow.deleted_at.is_(None), condition)
    if connection_id is not None:
        query = query.where(ListingRow.connection_id == connection_id)
    return query
