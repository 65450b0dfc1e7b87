"""``OrderService``: what the CLI, the REST API and the scheduler call for orders and shipments."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bchub.domain.orders import (
    SETTINGS_KEY,
    Order,
    OrderSettings,
    Shipment,
    ShipmentSource,
    VendorOrder,
    change_settings,
    settings_document,
)
from bchub.domain.runs import Run, RunStatus, Trigger
from bchub.errors import InputError, NotFoundError
from bchub.storage.order_repository import OrderFilter, OrderRepository
from bchub.storage.repositories import utc_now
from bchub.sync.connections.service import ClientFactory, ConnectionChanges, ConnectionService
from bchub.sync.orders.common import ItemCatalog, OrderDeps, settings_of
from bchub.sync.orders.explain import Explanation, RemoteOrder, explain_order, list_remote
from bchub.sync.orders.get import GetRequest, get_orders
from bchub.sync.orders.purge import purge_all
from bchub.sync.orders.route import RouteRequest, route_orders
from bchub.sync.orders.shipments import (
    ImportReport,
    ManualShipment,
    add_shipments,
    group_csv_rows,
    parse_csv,
    sync_shipments,
)
from bchub.sync.progress import Progress


@dataclass(frozen=True)
class GetResult:
    run: Run
    route_run: Run | None = None  # when the connection routes on import


@dataclass(frozen=True)
class OrderDetail:
    order: Order
    vendor_orders: list[VendorOrder] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    connection_names: dict[int, str] = field(default_factory=dict)


class OrderService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        connections: ConnectionService,
        clients: ClientFactory,
        items: ItemCatalog,
        *,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.deps = OrderDeps(sessions, connections, clients, items, now)

    # -- settings ----------------------------------------------------------------------------------
    def settings(self, reference: str | int) -> OrderSettings:
        return settings_of(self.deps.connections.get(reference))

    async def change_settings(
        self, reference: str | int, changes: Mapping[str, str | None], *, check_statuses: bool = True
    ) -> OrderSettings:
        """Validate and store order settings; status ids are checked against the store's ``/v2/order_statuses``."""
        connection = self.deps.connections.get(reference)
        current = connection.settings.get(SETTINGS_KEY)
        updated = change_settings(current if isinstance(current, dict) else None, changes)
        if check_statuses and connection.access_token is not None:
            async with self.deps.clients(connection.store_hash, connection.access_token.reveal()) as client:
                known = {status.id: status.name for status in await client.orders.list_statuses()}
            unknown = sorted(status for status in updated.status_ids() if status not in known)
            if unknown:
                choices = ", ".join(f"{number} {name}" for number, name in sorted(known.items()))
                raise InputError(
                    f"the store has no order status {', '.join(map(str, unknown))}; its statuses: {choices}"
                )
        document = settings_document(updated)
        self.deps.connections.update(connection.name, ConnectionChanges(settings={SETTINGS_KEY: document or None}))
        return updated

    # -- orders ------------------------------------------------------------------------------------
    async def get(
        self,
        reference: str | int,
        request: GetRequest | None = None,
        *,
        progress: Progress | None = None,
        trigger: Trigger = Trigger.USER,
    ) -> GetResult:
        """Import orders; then route them when the connection routes on import."""
        run, created = await get_orders(self.deps, reference, request, progress=progress, trigger=trigger)
        route_run = None
        if created and run.status is not RunStatus.FAILED and self.settings(reference).route_on_import:
            route_run = await route_orders(self.deps, reference, RouteRequest(), progress=progress, trigger=trigger)
        return GetResult(run, route_run)

    async def route(
        self,
        reference: str | int,
        request: RouteRequest | None = None,
        *,
        progress: Progress | None = None,
        trigger: Trigger = Trigger.USER,
    ) -> Run:
        return await route_orders(self.deps, reference, request, progress=progress, trigger=trigger)

    def search(self, where: OrderFilter, *, limit: int = 50, offset: int = 0) -> tuple[list[Order], int]:
        with self.deps.sessions() as session:
            repository = OrderRepository(session)
            return repository.search(where, limit=limit, offset=offset), repository.count(where)

    def connection_id(self, reference: str | int) -> int:
        connection = self.deps.connections.get(reference)
        assert connection.id is not None
        return connection.id

    def show(self, reference: str | int, store_order_id: int) -> OrderDetail:
        connection_id = self.connection_id(reference)
        with self.deps.sessions() as session:
            repository = OrderRepository(session)
            order = repository.find(connection_id, store_order_id)
            if order is None or order.id is None:
                raise NotFoundError(
                    f"order #{store_order_id} is not in the hub; `bchub orders explain {reference} {store_order_id}` says why"
                )
            vendor_orders = repository.vendor_orders([order.id]).get(order.id, [])
            shipments = repository.shipments_of([order.id]).get(order.id, [])
            names = repository.connection_names({item.vendor_connection_id for item in vendor_orders} | {connection_id})
        return OrderDetail(order, vendor_orders, shipments, names)

    def purge_pii(self, reference: str | int | None = None, *, trigger: Trigger = Trigger.USER) -> list[Run]:
        return purge_all(self.deps, reference, trigger=trigger)

    async def explain(self, reference: str | int, store_order_id: int) -> Explanation:
        return await explain_order(self.deps, reference, store_order_id)

    async def remote(
        self,
        reference: str | int,
        *,
        statuses: Sequence[int] | None = None,
        created_since: datetime | None = None,
        limit: int = 50,
    ) -> list[RemoteOrder]:
        return await list_remote(self.deps, reference, statuses=statuses, created_since=created_since, limit=limit)

    # -- shipments ---------------------------------------------------------------------------------
    async def sync_shipments(
        self, reference: str | int, *, progress: Progress | None = None, trigger: Trigger = Trigger.USER
    ) -> Run:
        return await sync_shipments(self.deps, reference, progress=progress, trigger=trigger)

    async def sync_shipments_from_vendor(
        self, vendor: str | int, *, progress: Progress | None = None, trigger: Trigger = Trigger.WEBHOOK
    ) -> list[Run]:
        """A vendor's store says it shipped something: sync every merchant with orders placed there."""
        with self.deps.sessions() as session:
            merchants = OrderRepository(session).merchants_of_vendor(self.connection_id(vendor))
        return [await sync_shipments(self.deps, merchant, progress=progress, trigger=trigger) for merchant in merchants]

    async def add_shipment(
        self, reference: str | int, shipment: ManualShipment, *, progress: Progress | None = None
    ) -> tuple[Run, ImportReport]:
        return await add_shipments(self.deps, reference, [([], shipment)], progress=progress)

    async def import_csv(
        self, reference: str | int, text: str, *, name: str = "CSV", progress: Progress | None = None
    ) -> tuple[Run, ImportReport]:
        """Import shipments from CSV text; bad rows are reported with their row number, good ones written."""
        rows, errors = parse_csv(text)
        return await add_shipments(
            self.deps,
            reference,
            group_csv_rows(rows),
            source=ShipmentSource.CSV,
            parse_errors=errors,
            progress=progress,
            params={"file": name},
        )
