"""Shipments and tracking back to merchant orders: from vendors' stores, by hand, or from a CSV file.

Reading vendor shipments (per vendor store, for one merchant):
- one listing of the vendor's orders modified since the cursor (minus the lookback), from the
  lowest open vendor order id, kept to the orders bchub placed (their ``external_order_id``):
  ``ceil(M/250)`` requests for M orders modified in that store;
- the shipments of only those orders whose ``items_shipped`` grew since last read: one request
  per such order. The order listing carries no tracking numbers, so that read cannot be
  avoided, and an order whose count did not move costs nothing. (A vendor editing the tracking
  number of a shipment already read does not move the count and is not picked up.)

Writing to the merchant's order, per order: one read of its shipments (the look-up by tracking
number that makes the write exactly once, covering every shipment of that order in the run),
then one POST per shipment not found there. Shipments are marked ``sending`` before the POST;
the merchant shipment is bound to the hub's in the transaction that records it. A pickup
shipment then sets Awaiting Pickup (8), and a fully shipped order Completed (10) when the
merchant asks for it (one PUT each). A failure on the hub's side (its database gone away) stops
every write not started yet (``Halt``): a shipment whose result cannot be recorded is not sent.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bchub.bigcommerce.client import BigCommerceClient
from bchub.bigcommerce.errors import BigCommerceError, WriteOutcomeUnknown
from bchub.bigcommerce.models.orders import Order as ApiOrder
from bchub.bigcommerce.models.orders import OrderInput
from bchub.bigcommerce.models.orders import Shipment as ApiShipment
from bchub.domain.connections import Connection, Role
from bchub.domain.orders import (
    PARTIALLY_SHIPPED,
    SHIPPED,
    STATUS_NAMES,
    Order,
    OrderSettings,
    Shipment,
    ShipmentDetails,
    ShipmentSource,
    ShipmentState,
    VendorOrder,
    allocate_shipment,
    is_pickup,
    status_after_shipping,
    status_label,
)
from bchub.domain.runs import ItemOutcome, Outcome, Run, Trigger
from bchub.errors import InputError
from bchub.storage.binder import Binder
from bchub.storage.cursors import CursorStore
from bchub.storage.order_repository import OrderRepository
from bchub.sync.orders.common import (
    Halt,
    OrderDeps,
    bounded,
    count_vendor_requests,
    credential_problem,
    order_key,
    require_role,
    settings_of,
    transient,
    vendor_stream,
)
from bchub.sync.orders.mapping import (
    merchant_shipment_lines,
    pair_vendor_lines,
    same_shipment,
    shipment_details,
    shipment_input,
    vendor_items,
)
from bchub.sync.progress import NoProgress, Progress
from bchub.sync.runner import OperationRun, execute

SYNC_OPERATION = "sync_shipments"
WRITE_OPERATION = "write_shipments"
BINDING_KIND = "shipment"  # on the vendor connection (vendor shipment id) and the merchant one (merchant shipment id)
CSV_COLUMNS = {
    "order": ("order", "order_id", "order_number", "order id", "order number"),
    "sku": ("sku",),
    "quantity": ("quantity", "qty"),
    "tracking": ("tracking", "tracking_number", "tracking number"),
    "carrier": ("carrier", "tracking_carrier", "tracking carrier"),
    "provider": ("provider", "shipping_provider", "shipping provider"),
    "method": ("method", "shipping_method", "shipping method"),
    "tracking_link": ("tracking_link", "tracking link"),
    "comments": ("comments", "comment"),
}
REQUIRED_COLUMNS = ("order", "sku", "quantity")


def _key(order: Order | int, shipment: Shipment | ShipmentDetails) -> str:
    number = order.store_order_id if isinstance(order, Order) else order
    details = shipment.details if isinstance(shipment, Shipment) else shipment
    return f"{order_key(number)} {details.tracking_number or '(untracked)'}"


# -- writing to the merchant's orders -------------------------------------------------------------


class ShipmentWriter:
    """Writes the hub's shipments to merchant orders, exactly once each."""

    def __init__(self, deps: OrderDeps, run: OperationRun, settings: OrderSettings, progress: Progress) -> None:
        self.deps = deps
        self.run = run
        self.settings = settings
        self.progress = progress
        self.auth_error: BigCommerceError | None = None
        self.halt = Halt()

    async def write_pending(self, order_ids: Sequence[int] | None = None) -> None:
        assert self.run.connection.id is not None
        with self.deps.sessions() as session:
            repository = OrderRepository(session)
            pending = repository.writable_shipments(self.run.connection.id, order_ids)
            orders = repository.by_ids({shipment.order_id for shipment in pending})
        by_order: dict[int, list[Shipment]] = defaultdict(list)
        for shipment in pending:
            by_order[shipment.order_id].append(shipment)
        self.progress.start("shipments to merchant orders", len(pending))
        await bounded(
            list(by_order.items()), lambda entry: self._write_order(orders[entry[0]], entry[1]), halt=self.halt
        )
        if self.auth_error is not None:
            raise self.auth_error

    async def _write_order(self, order: Order, shipments: list[Shipment]) -> None:
        client = self.run.client
        if self.auth_error is not None:
            return
        try:
            existing = [item async for item in client.orders.list_shipments(order.store_order_id)]
        except BigCommerceError as error:
            self._fail_all(order, shipments, error)
            return
        with self.deps.sessions.begin() as session:
            OrderRepository(session, self.deps.now).shipments_sending([item.id for item in shipments if item.id])
        written: list[Shipment] = []
        for shipment in shipments:
            self.halt.check()  # another order found the database gone: nothing more goes out
            if await self._write_one(client, order, shipment, existing):
                written.append(shipment)
            self.progress.advance("shipments to merchant orders")
        if written:
            self.halt.check()
            await self._set_status(order, pickup=any(item.pickup for item in written))

    async def _write_one(
        self, client: BigCommerceClient, order: Order, shipment: Shipment, existing: list[ApiShipment]
    ) -> bool:
        found = self._find(existing, shipment)
        if found is not None:
            self._written(order, shipment, found, Outcome.LINKED)
            return True
        body = shipment_input(shipment.order_address_id, shipment.lines, shipment.details)
        try:
            try:
                created = await client.orders.create_shipment(order.store_order_id, body)
            except WriteOutcomeUnknown:
                existing[:] = [item async for item in client.orders.list_shipments(order.store_order_id)]
                found = self._find(existing, shipment)
                if found is None:
                    self._not_written(
                        order,
                        shipment,
                        ShipmentState.SENDING,
                        "the store did not confirm the shipment and it is not on the order; the next run looks again first",
                    )
                    return False
                created = found
        except BigCommerceError as error:
            if credential_problem(error):
                self.auth_error = error
            state = ShipmentState.SENDING if transient(error) else ShipmentState.FAILED
            self._not_written(order, shipment, state, f"the store refused the shipment: {error}")
            return False
        existing.append(created)
        self._written(order, shipment, created, Outcome.CREATED)
        return True

    @staticmethod
    def _find(existing: list[ApiShipment], shipment: Shipment) -> ApiShipment | None:
        return next(
            (
                item
                for item in existing
                if same_shipment(item, shipment.order_address_id, shipment.lines, shipment.details)
            ),
            None,
        )

    def _written(self, order: Order, shipment: Shipment, found: ApiShipment, outcome: Outcome) -> None:
        """Bind the merchant shipment and record it in one transaction."""
        assert order.id is not None and shipment.id is not None and self.run.connection.id is not None
        with self.deps.sessions.begin() as session:
            repository = OrderRepository(session, self.deps.now)
            repository.shipment_written(shipment.id, found.id)
            Binder(session, self.deps.now).bind(
                self.run.connection.id, BINDING_KIND, found.id, shipment.id, {"order_id": order.store_order_id}
            )
            if outcome is Outcome.CREATED:
                repository.add_shipped(order.id, shipment.lines)
                after = repository.get(order.id)
                status = (
                    SHIPPED
                    if all(line.remaining == 0 for line in after.lines if line.order_address_id)
                    else PARTIALLY_SHIPPED
                )
                repository.set_status(order.id, status, STATUS_NAMES[status])
            reason = f"merchant shipment #{found.id}" + (" (already on the order)" if outcome is Outcome.LINKED else "")
            self.run.record(session, ItemOutcome("shipment", _key(order, shipment), outcome, reason))

    def _not_written(self, order: Order, shipment: Shipment, state: ShipmentState, reason: str) -> None:
        assert shipment.id is not None
        with self.deps.sessions.begin() as session:
            OrderRepository(session, self.deps.now).shipment_failed(shipment.id, state, reason)
            self.run.record(session, ItemOutcome("shipment", _key(order, shipment), Outcome.FAILED, reason))

    def _fail_all(self, order: Order, shipments: list[Shipment], error: BigCommerceError) -> None:
        if credential_problem(error):
            self.auth_error = error
        with self.deps.sessions.begin() as session:
            for shipment in shipments:
                self.run.record(
                    session,
                    ItemOutcome(
                        "shipment",
                        _key(order, shipment),
                        Outcome.FAILED,
                        f"could not read the order's shipments: {error}",
                    ),
                )

    async def _set_status(self, order: Order, *, pickup: bool) -> None:
        assert order.id is not None
        with self.deps.sessions() as session:
            current = OrderRepository(session).get(order.id)
        target = status_after_shipping(current, pickup=pickup, settings=self.settings)
        if target is None or target == current.status_id:
            return
        try:
            updated = await self.run.client.orders.update(order.store_order_id, OrderInput(status_id=target))
        except BigCommerceError as error:
            if credential_problem(error):
                self.auth_error = error
            with self.deps.sessions.begin() as session:
                self.run.record(
                    session,
                    ItemOutcome(
                        "order",
                        order_key(order.store_order_id),
                        Outcome.FAILED,
                        f"could not set {status_label(target)}: {error}",
                    ),
                )
            return
        with self.deps.sessions.begin() as session:
            OrderRepository(session, self.deps.now).set_status(
                order.id, updated.status_id or target, updated.status or STATUS_NAMES[target]
            )
            self.run.record(
                session,
                ItemOutcome(
                    "order", order_key(order.store_order_id), Outcome.UPDATED, f"status set to {status_label(target)}"
                ),
            )


# -- reading vendors' shipments -------------------------------------------------------------------


@dataclass
class VendorRead:
    orders_listed: int = 0
    orders_shipped: int = 0
    shipments: int = 0


class SyncShipments:
    def __init__(self, deps: OrderDeps, progress: Progress) -> None:
        self.deps = deps
        self.progress = progress
        self.read = VendorRead()
        self.halt = Halt()  # shared by every vendor's reads

    async def __call__(self, run: OperationRun) -> None:
        require_role(run.connection, Role.MERCHANT, "writing shipments")
        assert run.connection.id is not None
        settings = settings_of(run.connection)
        with self.deps.sessions() as session:
            vendor_ids = OrderRepository(session).vendor_connections_with_orders(run.connection.id)
        await bounded(
            vendor_ids,
            lambda vendor_id: self._from_vendor(run, vendor_id, settings),
            limit=max(1, len(vendor_ids)),
            halt=self.halt,
        )
        run.summary.update(
            vendor_orders_listed=self.read.orders_listed,
            vendor_orders_shipped=self.read.orders_shipped,
            vendor_shipments_read=self.read.shipments,
        )
        await ShipmentWriter(self.deps, run, settings, self.progress).write_pending()

    async def _from_vendor(self, run: OperationRun, vendor_id: int, settings: OrderSettings) -> None:
        merchant_id = run.connection.id
        assert merchant_id is not None
        vendor = self.deps.connections.get(vendor_id)
        if not vendor.enabled or vendor.access_token is None:
            with self.deps.sessions.begin() as session:
                run.record(
                    session,
                    ItemOutcome(
                        "vendor", vendor.name, Outcome.SKIPPED, "the vendor connection is disabled or has no token"
                    ),
                )
            return
        with self.deps.sessions() as session:
            placed = OrderRepository(session).open_vendor_orders(vendor_id, merchant_id)
            cursor = CursorStore(session).get(vendor_id, vendor_stream(merchant_id))
        open_orders = {
            item.vendor_order_id: item
            for item in placed
            if item.vendor_order_id is not None and item.items_shipped < sum(line.quantity for line in item.lines)
        }
        if not open_orders:
            return
        started = self.deps.now()
        oldest = min((item.placed_at or started) for item in open_orders.values())
        since = (cursor if cursor is not None else oldest) - timedelta(minutes=settings.lookback_minutes)
        async with self.deps.clients(vendor.store_hash, vendor.access_token.reveal()) as client:
            try:
                await self._read_vendor(run, client, vendor, open_orders, settings, since, started)
            except BigCommerceError as error:
                self.deps.connections.record_api_error(vendor, error)
                with self.deps.sessions.begin() as session:
                    run.record(
                        session,
                        ItemOutcome("vendor", vendor.name, Outcome.FAILED, f"could not read shipments: {error}"),
                    )
            finally:
                count_vendor_requests(run, vendor, client.requests_sent)

    async def _read_vendor(
        self,
        run: OperationRun,
        client: BigCommerceClient,
        vendor: Connection,
        open_orders: dict[int, VendorOrder],
        settings: OrderSettings,
        since: datetime,
        started: datetime,
    ) -> None:
        assert vendor.id is not None and run.connection.id is not None
        shipped: list[tuple[VendorOrder, ApiOrder]] = []
        progress_only: list[tuple[VendorOrder, ApiOrder]] = []
        listing = client.orders.list(min_date_modified=since, max_date_modified=started, min_id=min(open_orders))
        async for order in listing:
            self.read.orders_listed += 1
            ours = open_orders.get(order.id)
            if ours is None or order.external_order_id != ours.external_order_id:
                continue
            if (order.items_shipped or 0) > ours.items_shipped:
                shipped.append((ours, order))
            elif order.status_id != ours.vendor_status_id:
                progress_only.append((ours, order))
        if progress_only:
            with self.deps.sessions.begin() as session:
                repository = OrderRepository(session, self.deps.now)
                for ours, order in progress_only:
                    assert ours.id is not None
                    repository.vendor_progress(
                        ours.id, items_shipped=ours.items_shipped, status_id=order.status_id, line_pairs={}
                    )
        self.read.orders_shipped += len(shipped)
        await bounded(
            shipped, lambda entry: self._take_in(run, client, vendor, entry[0], entry[1], settings), halt=self.halt
        )
        with self.deps.sessions.begin() as session:
            CursorStore(session).advance(vendor.id, vendor_stream(run.connection.id), started)

    async def _take_in(
        self,
        run: OperationRun,
        client: BigCommerceClient,
        vendor: Connection,
        ours: VendorOrder,
        order: ApiOrder,
        settings: OrderSettings,
    ) -> None:
        """Read a vendor order's shipments and keep the new ones, bound to the vendor's, in one transaction."""
        assert ours.id is not None and vendor.id is not None
        found = [item async for item in client.orders.list_shipments(order.id)]
        self.read.shipments += len(found)
        pairs = pair_vendor_lines(vendor_items(order), ours.lines)
        with self.deps.sessions.begin() as session:
            repository = OrderRepository(session, self.deps.now)
            known = repository.known_vendor_shipments([ours.id])
            binder = Binder(session, self.deps.now)
            merchant = repository.get(ours.order_id)
            for vendor_shipment in found:
                if (ours.id, vendor_shipment.id) in known:
                    continue
                lines, unpaired = merchant_shipment_lines(vendor_shipment, pairs)
                details = shipment_details(vendor_shipment)
                if not lines:
                    run.record(
                        session,
                        ItemOutcome(
                            "shipment",
                            _key(merchant, details),
                            Outcome.FAILED,
                            f"vendor shipment #{vendor_shipment.id} of {vendor.name!r} order #{order.id} ships lines "
                            f"{unpaired} that bchub did not order",
                        ),
                    )
                    continue
                address = ours.order_address_id or _address_of(merchant, lines[0].order_product_id)
                shipment = repository.add_shipment(
                    Shipment(
                        order_id=ours.order_id,
                        source=ShipmentSource.VENDOR,
                        order_address_id=address,
                        lines=tuple(lines),
                        details=details,
                        pickup=is_pickup(details, settings),
                        vendor_order_id=ours.id,
                        vendor_shipment_id=vendor_shipment.id,
                    )
                )
                assert shipment.id is not None
                binder.bind(vendor.id, BINDING_KIND, vendor_shipment.id, shipment.id, {"vendor_order_id": order.id})
            repository.vendor_progress(
                ours.id, items_shipped=order.items_shipped or 0, status_id=order.status_id, line_pairs=pairs
            )


def _address_of(order: Order, order_product_id: int) -> int:
    line = order.line(order_product_id)
    if line is None or line.order_address_id is None:
        raise InputError(f"line {order_product_id} of order #{order.store_order_id} has no shipping address")
    return line.order_address_id


# -- shipments from outside BigCommerce -----------------------------------------------------------


@dataclass(frozen=True)
class ManualShipment:
    store_order_id: int
    items: Sequence[tuple[str, int]]  # (SKU, quantity)
    details: ShipmentDetails = field(default_factory=ShipmentDetails)


@dataclass(frozen=True)
class RowError:
    row: int  # 1 is the header; data starts at 2, as a spreadsheet numbers them
    message: str


@dataclass(frozen=True)
class CsvRow:
    row: int
    store_order_id: int
    sku: str
    quantity: int
    details: ShipmentDetails


def _columns(header: Sequence[str]) -> dict[str, int]:
    names = [name.strip().lower() for name in header]
    found: dict[str, int] = {}
    for column, aliases in CSV_COLUMNS.items():
        for alias in aliases:
            if alias in names:
                found[column] = names.index(alias)
                break
    missing = [column for column in REQUIRED_COLUMNS if column not in found]
    if missing:
        raise InputError(
            f"the CSV file needs a header row with the columns {', '.join(REQUIRED_COLUMNS)} "
            f"(and usually tracking, carrier); missing: {', '.join(missing)}"
        )
    return found


def parse_csv(text: str) -> tuple[list[CsvRow], list[RowError]]:
    """Rows of ``order, sku, quantity, tracking, carrier[, provider, method, tracking_link, comments]``."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        raise InputError("the CSV file is empty")
    columns = _columns(header)
    rows: list[CsvRow] = []
    errors: list[RowError] = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue

        def cell(name: str, cells: list[str] = cells) -> str:
            index = columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        problems = []
        order_text, quantity_text, sku = cell("order").lstrip("#"), cell("quantity"), cell("sku")
        if not order_text.isdigit():
            problems.append(f"order must be an order number, got {order_text!r}")
        if not sku:
            problems.append("sku is empty")
        if not quantity_text.isdigit() or int(quantity_text) < 1:
            problems.append(f"quantity must be a whole number of 1 or more, got {quantity_text!r}")
        tracking = cell("tracking")
        if len(tracking) > 50:
            problems.append("tracking is longer than the 50 characters BigCommerce keeps")
        if problems:
            errors.append(RowError(number, "; ".join(problems)))
            continue
        details = ShipmentDetails(
            tracking_number=tracking,
            tracking_carrier=cell("carrier"),
            shipping_provider=cell("provider"),
            shipping_method=cell("method"),
            tracking_link=cell("tracking_link"),
            comments=cell("comments"),
        )
        rows.append(CsvRow(number, int(order_text), sku, int(quantity_text), details))
    return rows, errors


@dataclass
class ImportReport:
    rows: int = 0
    shipments: int = 0  # shipments the file described that the hub did not have yet
    duplicates: int = 0  # shipments already in the hub (same order, address and tracking number)
    errors: list[RowError] = field(default_factory=list)


class AddShipments:
    """Takes shipments given by hand or in a CSV file into the hub, then writes them to the orders."""

    def __init__(
        self,
        deps: OrderDeps,
        requests: Sequence[tuple[list[int], ManualShipment]],
        source: ShipmentSource,
        progress: Progress,
    ) -> None:
        self.deps = deps
        self.requests = requests  # (the rows it came from, the shipment)
        self.source = source
        self.progress = progress
        self.report = ImportReport()

    async def __call__(self, run: OperationRun) -> None:
        require_role(run.connection, Role.MERCHANT, "writing shipments")
        settings = settings_of(run.connection)
        touched = self._take_in(run, settings)
        if self.report.errors and self.source is ShipmentSource.MANUAL:
            raise InputError("; ".join(error.message for error in self.report.errors))
        if self.report.errors:
            with self.deps.sessions.begin() as session:
                for error in self.report.errors:
                    run.record(
                        session,
                        ItemOutcome(
                            "csv_row" if self.source is ShipmentSource.CSV else "shipment",
                            f"row {error.row}",
                            Outcome.FAILED,
                            error.message,
                        ),
                    )
        run.summary.update(new_shipments=self.report.shipments, duplicates=self.report.duplicates)
        if touched:
            await ShipmentWriter(self.deps, run, settings, self.progress).write_pending(sorted(touched))

    def _take_in(self, run: OperationRun, settings: OrderSettings) -> set[int]:
        connection_id = run.connection.id
        assert connection_id is not None
        touched: set[int] = set()
        with self.deps.sessions.begin() as session:
            repository = OrderRepository(session, self.deps.now)
            orders = repository.by_store_ids(connection_id, {request.store_order_id for _, request in self.requests})
            pending = repository.shipments_of([order.id for order in orders.values() if order.id is not None])
            reserved: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
            for order_id, shipments in pending.items():
                for shipment in shipments:
                    if shipment.state is not ShipmentState.WRITTEN:
                        for line in shipment.lines:
                            reserved[order_id][line.order_product_id] += line.quantity
            for rows, request in self.requests:
                order = orders.get(request.store_order_id)
                if order is None or order.id is None:
                    self._reject(
                        rows,
                        f"order #{request.store_order_id} is not in the hub; import it first with `bchub orders get {run.connection.name} --id {request.store_order_id}`",
                    )
                    continue
                tracked = repository.with_tracking(order.id, request.details.tracking_number)
                if tracked:  # taken in before (it may have been written since, so nothing is left to allocate)
                    self.report.duplicates += 1
                    if any(shipment.state is not ShipmentState.WRITTEN for shipment in tracked):
                        touched.add(order.id)
                    continue
                try:
                    groups = allocate_shipment(order, request.items, reserved[order.id])
                except InputError as error:
                    self._reject(rows, error.message)
                    continue
                for address, lines in groups:
                    shipment = Shipment(
                        order_id=order.id,
                        source=self.source,
                        order_address_id=address,
                        lines=tuple(lines),
                        details=request.details,
                        pickup=is_pickup(request.details, settings),
                    )
                    same = repository.same_shipment(order.id, shipment)
                    if same is not None:
                        self.report.duplicates += 1
                        if same.state is not ShipmentState.WRITTEN:
                            touched.add(order.id)
                        continue
                    repository.add_shipment(shipment)
                    for line in lines:
                        reserved[order.id][line.order_product_id] += line.quantity
                    self.report.shipments += 1
                    touched.add(order.id)
        return touched

    def _reject(self, rows: list[int], message: str) -> None:
        if len(rows) > 1:
            message += f" (rows {', '.join(str(row) for row in rows)} are one shipment; none of them was taken)"
        self.report.errors.extend(RowError(row, message) for row in rows or [0])


def group_csv_rows(rows: Sequence[CsvRow]) -> list[tuple[list[int], ManualShipment]]:
    """Rows with the same order and tracking number make one shipment."""
    groups: dict[tuple[int, str], list[CsvRow]] = {}
    for row in rows:
        groups.setdefault((row.store_order_id, row.details.tracking_number), []).append(row)
    return [
        (
            [row.row for row in members],
            ManualShipment(members[0].store_order_id, [(row.sku, row.quantity) for row in members], members[0].details),
        )
        for members in groups.values()
    ]


async def sync_shipments(
    deps: OrderDeps, connection: str | int, *, progress: Progress | None = None, trigger: Trigger = Trigger.USER
) -> Run:
    return await execute(
        SYNC_OPERATION,
        connection,
        SyncShipments(deps, progress or NoProgress()),
        sessions=deps.sessions,
        connections=deps.connections,
        clients=deps.clients,
        trigger=trigger,
    )


async def add_shipments(
    deps: OrderDeps,
    connection: str | int,
    requests: Sequence[tuple[list[int], ManualShipment]],
    *,
    source: ShipmentSource = ShipmentSource.MANUAL,
    parse_errors: Sequence[RowError] = (),
    progress: Progress | None = None,
    trigger: Trigger = Trigger.USER,
    params: dict[str, object] | None = None,
) -> tuple[Run, ImportReport]:
    operation = AddShipments(deps, requests, source, progress or NoProgress())
    operation.report.errors.extend(parse_errors)
    operation.report.rows = sum(len(rows) for rows, _ in requests) + len(parse_errors)
    run = await execute(
        WRITE_OPERATION,
        connection,
        operation,
        sessions=deps.sessions,
        connections=deps.connections,
        clients=deps.clients,
        trigger=trigger,
        params={"source": source.value, **(params or {})},
    )
    operation.report.errors.sort(key=lambda error: error.row)
    return run, operation.report
