"""``CatalogService``: what the CLI, the REST API and jobs call for the hub catalog."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bchub.bigcommerce.models.catalog import Product
from bchub.bigcommerce.pagination import MAX_PAGE_SIZE
from bchub.domain.catalog import ImportOptions, Item, Listing, MatchStatus, Origin
from bchub.domain.connections import Connection, Role
from bchub.domain.runs import Outcome, Run, Trigger
from bchub.errors import InputError, NotFoundError
from bchub.storage.catalog_repository import (
    CatalogRepository,
    ListingState,
    MatchRow,
    accounting_columns,
    chunked,
    item_columns,
    item_data_of,
    to_item,
)
from bchub.storage.catalog_tables import ItemRow, StockRow
from bchub.storage.repositories import utc_now
from bchub.storage.tables import ConnectionRow
from bchub.sync.catalog.csv_io import ExportRow, RowPlan, export_lines, parse_csv
from bchub.sync.catalog.importer import CatalogDeps, import_listings
from bchub.sync.connections.service import ClientFactory, ConnectionService
from bchub.sync.progress import Progress

CSV_SOURCE = "csv"
REMOTE_PAGE_MAX = MAX_PAGE_SIZE


@dataclass(frozen=True)
class RemoteVariant:
    id: int
    sku: str | None
    options: str  # "Size L, Color Black"
    imported: bool


@dataclass(frozen=True)
class RemoteProduct:
    """A product in a store, as ``list-remote`` shows it for picking."""

    id: int
    name: str
    sku: str | None
    price: float | None
    visible: bool
    variants: list[RemoteVariant]

    @property
    def imported(self) -> bool:
        return bool(self.variants) and all(variant.imported for variant in self.variants)


@dataclass(frozen=True)
class RemotePage:
    products: list[RemoteProduct]
    page: int
    total: int | None
    total_pages: int | None


@dataclass(frozen=True)
class ListingView:
    listing: Listing
    connection: str


@dataclass(frozen=True)
class ItemDetail:
    item: Item
    listings: list[ListingView]
    supplier: str | None


@dataclass(frozen=True)
class CsvRowResult:
    line: int
    sku: str
    outcome: Outcome
    reason: str | None = None


@dataclass
class CsvReport:
    dry_run: bool
    rows: list[CsvRowResult] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for row in self.rows:
            found[row.outcome.value] = found.get(row.outcome.value, 0) + 1
        return found

    @property
    def failed(self) -> list[CsvRowResult]:
        return [row for row in self.rows if row.outcome is Outcome.FAILED]


class CatalogService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        connections: ConnectionService,
        clients: ClientFactory,
        *,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.deps = CatalogDeps(sessions, connections, clients, now)

    # -- imports ----------------------------------------------------------------------------------

    async def import_listings(
        self,
        reference: str | int,
        options: ImportOptions | None = None,
        *,
        progress: Progress | None = None,
        trigger: Trigger = Trigger.USER,
    ) -> Run:
        return await import_listings(self.deps, reference, options, progress=progress, trigger=trigger)

    async def list_remote(
        self, reference: str | int, *, search: str | None = None, page: int = 1, limit: int = 50
    ) -> RemotePage:
        """One page of a store's products (optionally by keyword), each marked imported or not."""
        if not 1 <= limit <= REMOTE_PAGE_MAX:
            raise InputError(f"limit must be between 1 and {REMOTE_PAGE_MAX}")
        if page < 1:
            raise InputError("page starts at 1")
        connection = self._connection(reference)
        assert connection.id is not None and connection.access_token is not None
        params: dict[str, Any] = {"include": "variants", "page": page, "limit": limit, "sort": "id"}
        if search:
            params["keyword"] = search
        async with self.deps.clients(connection.store_hash, connection.access_token.reveal()) as client:
            response = await client.request("GET", "/v3/catalog/products", params=params)
        body = response.json() or {}
        products = [Product.model_validate(item) for item in body.get("data") or []]
        pagination = (body.get("meta") or {}).get("pagination") or {}
        variant_ids = [variant.id for product in products for variant in product.variants]
        with self.deps.sessions() as session:
            known = CatalogRepository(session).listing_rows_by_variant(connection.id, variant_ids)
        return RemotePage(
            [_remote(product, known) for product in products],
            page,
            pagination.get("total"),
            pagination.get("total_pages"),
        )

    # -- browsing ---------------------------------------------------------------------------------

    def items(
        self,
        *,
        search: str | None = None,
        connection: str | int | None = None,
        supplier: str | int | None = None,
        state: ListingState | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[Item], int]:
        """A page of items and how many match: text, listed in a store, supplied by a vendor, and with a
        listing in ``state`` (in that store when one is given, else in any), all filtered in SQL."""
        connection_id = self._connection(connection).id if connection is not None else None
        supplier_id = self._connection(supplier).id if supplier is not None else None
        where: dict[str, Any] = {
            "text": search,
            "connection_id": connection_id,
            "supplier_id": supplier_id,
            "state": state,
        }
        with self.deps.sessions() as session:
            repository = CatalogRepository(session)
            found = repository.search_items(**where, limit=limit, offset=offset)
            total = repository.count_items(**where)
        return found, total

    def item(self, sku: str) -> ItemDetail:
        with self.deps.sessions() as session:
            repository = CatalogRepository(session)
            item = repository.item_by_sku(sku)
            if item is None:
                raise NotFoundError(f"no item with master SKU {sku!r} in the hub catalog")
            listings = repository.listings_for(item.id)
            names = self._names(session)
        return ItemDetail(
            item,
            [
                ListingView(listing, names.get(listing.connection_id, f"#{listing.connection_id}"))
                for listing in listings
            ],
            names.get(item.supplier_connection_id) if item.supplier_connection_id is not None else None,
        )

    def matches(self, *, status: MatchStatus | None = None, connection: str | int | None = None) -> list[MatchRow]:
        connection_id = self._connection(connection).id if connection is not None else None
        with self.deps.sessions() as session:
            return CatalogRepository(session).matches(status=status, connection_id=connection_id)

    def set_paused(self, reference: str | int, skus: Sequence[str] | None, paused: bool) -> int:
        """Pause or unpause a store's listings (the given master SKUs, or all); returns how many changed."""
        connection = self._connection(reference)
        assert connection.id is not None
        with self.deps.sessions.begin() as session:
            repository = CatalogRepository(session, self.deps.now)
            item_ids: list[int] | None = None
            if skus:
                rows = repository.item_rows_by_sku(skus)
                missing = sorted(set(skus) - set(rows))
                if missing:
                    raise NotFoundError(f"no items with master SKU {', '.join(missing[:10])}")
                item_ids = [row.id for row in rows.values()]
            return repository.set_paused(connection.id, item_ids, paused)

    # -- CSV --------------------------------------------------------------------------------------

    def import_csv(self, text: str, *, dry_run: bool = False) -> CsvReport:
        """Create or update items from CSV text; ``dry_run`` reports what would happen and writes nothing."""
        plans, errors = parse_csv(text)
        report = CsvReport(
            dry_run, [CsvRowResult(error.line, error.sku, Outcome.FAILED, error.reason) for error in errors]
        )
        with self.deps.sessions() as session:
            suppliers = {
                name: (connection_id, Role(role))
                for connection_id, name, role in session.execute(
                    select(ConnectionRow.id, ConnectionRow.name, ConnectionRow.role)
                )
            }
            for part in chunked(plans):
                report.rows.extend(self._apply_csv(session, list(part), suppliers))
            if dry_run:
                session.rollback()
            else:
                session.commit()
        report.rows.sort(key=lambda row: row.line)
        return report

    def _apply_csv(
        self, session: Session, plans: list[RowPlan], suppliers: dict[str, tuple[int, Role]]
    ) -> list[CsvRowResult]:
        repository = CatalogRepository(session, self.deps.now)
        now = self.deps.now()
        existing = repository.item_rows_by_sku(plan.sku for plan in plans)
        stock = _csv_stock(session, [row.id for row in existing.values()])
        results: list[CsvRowResult] = []
        inserts: list[tuple[RowPlan, dict[str, Any]]] = []
        updates: list[dict[str, Any]] = []
        stock_rows: list[tuple[RowPlan, int | None]] = []
        for plan in plans:
            supplier_id, problem = _supplier(plan, suppliers)
            if problem is not None:
                results.append(CsvRowResult(plan.line, plan.sku, Outcome.FAILED, problem))
                continue
            row = existing.get(plan.sku)
            if row is None:
                if "name" not in plan.values:
                    results.append(CsvRowResult(plan.line, plan.sku, Outcome.FAILED, "a new item needs a name"))
                    continue
                data = plan.apply(None)
                columns = {**item_columns(data), **accounting_columns(plan.apply_accounting(None))}
                columns.update(
                    origin=Origin.CSV.value,
                    origin_connection_id=None,
                    supplier_connection_id=supplier_id,
                    created_at=now,
                    updated_at=now,
                )
                inserts.append((plan, columns))
                stock_rows.append((plan, None))
                results.append(CsvRowResult(plan.line, plan.sku, Outcome.CREATED))
                continue
            change = _csv_change(plan, row, supplier_id)
            stock_changed = plan.has_stock and plan.stock is not None and stock.get(row.id) != plan.stock
            if change:
                updates.append({**change, "id": row.id, "updated_at": now})
            if stock_changed:
                stock_rows.append((plan, row.id))
            outcome = Outcome.UPDATED if change or stock_changed else Outcome.UNCHANGED
            results.append(CsvRowResult(plan.line, plan.sku, outcome))
        ids = repository.insert_items([columns for _, columns in inserts])
        repository.update_items(updates)
        repository.put_stock(
            [
                {
                    "item_id": item_id if item_id is not None else ids[plan.sku],
                    "source": CSV_SOURCE,
                    "connection_id": None,
                    "quantity": plan.stock,
                    "updated_at": now,
                }
                for plan, item_id in stock_rows
                if plan.stock is not None
            ]
        )
        return results

    def export_csv(self, *, connection: str | int | None = None, supplier: str | int | None = None) -> Iterator[str]:
        """The hub catalog (or the items listed in one store, or of one supplier) as CSV lines."""
        connection_id = self._connection(connection).id if connection is not None else None
        supplier_id = self._connection(supplier).id if supplier is not None else None
        with self.deps.sessions() as session:
            repository = CatalogRepository(session)
            names = self._names(session)
            total = repository.count_items(connection_id=connection_id, supplier_id=supplier_id)
            items = repository.search_items(connection_id=connection_id, supplier_id=supplier_id, limit=max(total, 1))
        rows = [
            ExportRow(
                item.data,
                item.accounting,
                names.get(item.supplier_connection_id) if item.supplier_connection_id is not None else None,
                item.stock.get(CSV_SOURCE),
            )
            for item in items
        ]
        return export_lines(rows)

    # -- helpers ----------------------------------------------------------------------------------

    def _connection(self, reference: str | int | None) -> Connection:
        if reference is None:
            raise InputError("a connection is required")
        connection = self.deps.connections.get(reference)
        if connection.id is None or connection.access_token is None:
            raise InputError(f"connection {connection.name!r} has no access token (reinstall the app or edit it)")
        return connection

    @staticmethod
    def _names(session: Session) -> dict[int, str]:
        return {
            connection_id: name for connection_id, name in session.execute(select(ConnectionRow.id, ConnectionRow.name))
        }


def _remote(product: Product, known: dict[int, Any]) -> RemoteProduct:
    variants = [
        RemoteVariant(
            variant.id,
            variant.sku,
            ", ".join(f"{value.option_display_name} {value.label}" for value in variant.option_values),
            variant.id in known and known[variant.id].deleted_at is None,
        )
        for variant in product.variants
    ]
    return RemoteProduct(
        product.id, product.name, product.sku, product.price, product.is_visible is not False, variants
    )


def _supplier(plan: RowPlan, suppliers: dict[str, tuple[int, Role]]) -> tuple[int | None, str | None]:
    if not plan.supplier:
        return None, None
    found = suppliers.get(plan.supplier)
    if found is None:
        return None, f"no connection named {plan.supplier!r} (the supplier column takes a vendor connection's name)"
    connection_id, role = found
    if not role.includes(Role.VENDOR):
        return None, f"connection {plan.supplier!r} is a {role.value} connection, not a vendor"
    return connection_id, None


def _csv_change(plan: RowPlan, row: ItemRow, supplier_id: int | None) -> dict[str, Any]:
    """The columns a CSV row changes on an existing item (empty when nothing changes)."""
    item = to_item(row)
    change: dict[str, Any] = {}
    data = plan.apply(item_data_of(row))
    data_hash = data.content_hash()
    if data_hash != row.content_hash:
        change.update(item_columns(data, data_hash))
    accounting = plan.apply_accounting(item.accounting)
    if accounting != item.accounting:
        change.update(accounting_columns(accounting))
    if plan.has_supplier and supplier_id != row.supplier_connection_id:
        change["supplier_connection_id"] = supplier_id
    return change


def _csv_stock(session: Session, item_ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for part in chunked(item_ids):
        query = select(StockRow.item_id, StockRow.quantity).where(
            StockRow.item_id.in_(part), StockRow.source == CSV_SOURCE
        )
        found.update((item_id, quantity) for item_id, quantity in session.execute(query))
    return found
