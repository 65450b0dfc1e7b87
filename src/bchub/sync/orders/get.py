"""Get orders: read a merchant store's orders into the hub, exactly once each.

Reading:
- First run (or after the statuses or age setting changed): one listing per status to import,
  filtered by the store (``status_id``, ``min_date_created``), so a store with years of
  completed orders costs only the pages of the orders wanted.
- Later runs: one listing of every order modified since the cursor (minus the lookback), with
  no status filter, so status changes of orders already in the hub are seen too.
- Every listing stops at the run's start (``max_date_modified``); the cursor moves to the run's
  start once every page is committed. Lines and shipping addresses come inline
  (``include=consignments.line_items``): ``ceil(N/250)`` list requests, no per-order calls.

Writing: each page of 250 is one transaction: the orders already known are loaded in one
query, new ones inserted and known ones updated (upsert on (connection, order id)), lines
matched to hub items by SKU in one catalog query, and each order's outcome recorded.

Afterwards, orders waiting for it get the acknowledgement status (one PUT each), and
cancellations of orders already routed to vendors are reported.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bchub.bigcommerce.errors import BigCommerceError, NotFound
from bchub.bigcommerce.models.orders import Order as ApiOrder
from bchub.bigcommerce.models.orders import OrderInput
from bchub.domain.connections import Role
from bchub.domain.orders import (
    CALLED_OFF_STATUSES,
    STATUS_NAMES,
    Order,
    OrderSettings,
    RouteState,
    VendorOrderState,
    created_after,
    importable,
    match_line,
    require_import_statuses,
    route_state_for,
    status_label,
)
from bchub.domain.runs import ItemOutcome, Outcome, Run, Trigger
from bchub.storage.cursors import CursorStore
from bchub.storage.order_repository import OrderRepository
from bchub.sync.orders.common import OrderDeps, bounded, order_key, orders_stream, require_role, settings_of
from bchub.sync.orders.mapping import merge_import, order_from_api, store_facts_changed
from bchub.sync.progress import NoProgress, Progress
from bchub.sync.runner import OperationRun, execute

PAGE = 250
OPERATION = "get_orders"


@dataclass(frozen=True)
class GetRequest:
    store_order_ids: Sequence[int] | None = None  # import exactly these (the manual pick), whatever their status
    full: bool = False  # ignore the cursor: read every order the settings select


@dataclass
class PageResult:
    created: list[int] = field(default_factory=list)  # hub ids of orders imported for the first time
    updated: int = 0
    unchanged: int = 0
    ignored: int = 0  # read, not in the hub, not selected by the settings


def match_lines(session: Session, deps: OrderDeps, orders: Sequence[Order]) -> None:
    """Match every line of ``orders`` to hub items by SKU (one catalog query for all of them)."""
    skus = {line.sku for order in orders for line in order.lines if line.sku}
    matches = deps.items.matches(session, skus) if skus else {}
    for order in orders:
        for line in order.lines:
            match_line(line, matches.get(line.sku))


def unmatched_summary(order: Order) -> str | None:
    unmatched = order.unmatched_lines
    if not unmatched:
        return None
    details = "; ".join(
        f"{line.sku or line.name or line.order_product_id}: {line.unmatched_reason}" for line in unmatched
    )
    return f"{len(unmatched)} unmatched line(s): {details}"


class GetOrders:
    def __init__(self, deps: OrderDeps, request: GetRequest, progress: Progress) -> None:
        self.deps = deps
        self.request = request
        self.progress = progress
        self.created: list[int] = []

    async def __call__(self, run: OperationRun) -> None:
        connection = run.connection
        require_role(connection, Role.MERCHANT, "getting orders")
        settings = settings_of(connection)
        started = self.deps.now()
        if self.request.store_order_ids is not None:
            await self._pick(run, settings, self.request.store_order_ids)
        else:
            require_import_statuses(settings, connection.name)
            await self._read(run, settings, started)
        await self._acknowledge(run, settings)
        run.summary["imported"] = len(self.created)

    # -- reading -------------------------------------------------------------------------------
    async def _read(self, run: OperationRun, settings: OrderSettings, started: datetime) -> None:
        assert run.connection.id is not None
        stream = orders_stream(settings)
        with self.deps.sessions() as session:
            cursor = None if self.request.full else CursorStore(session).get(run.connection.id, stream)
        if cursor is None:
            oldest = created_after(settings, started)
            for status in settings.import_statuses:
                listing = run.client.orders.list(status_id=status, min_date_created=oldest, max_date_modified=started)
                await self._consume(run, settings, listing, f"orders in {status_label(status)}")
        else:
            since = cursor - timedelta(minutes=settings.lookback_minutes)
            listing = run.client.orders.list(min_date_modified=since, max_date_modified=started)
            await self._consume(run, settings, listing, "orders modified since the last run")
        with self.deps.sessions.begin() as session:
            CursorStore(session).advance(run.connection.id, stream, started)

    async def _consume(
        self, run: OperationRun, settings: OrderSettings, listing: AsyncIterator[ApiOrder], task: str
    ) -> None:
        self.progress.start(task)
        page: list[ApiOrder] = []
        async for order in listing:
            page.append(order)
            if len(page) == PAGE:
                self._import_page(run, settings, page, forced=False)
                self.progress.advance(task, len(page))
                page = []
        if page:
            self._import_page(run, settings, page, forced=False)
            self.progress.advance(task, len(page))

    async def _pick(self, run: OperationRun, settings: OrderSettings, store_order_ids: Sequence[int]) -> None:
        """The manual pick: read the chosen orders by id and import them whatever the filters say."""
        task = "chosen orders"
        self.progress.start(task, len(store_order_ids))

        async def read(store_order_id: int) -> ApiOrder | None:
            try:
                return await run.client.orders.get(store_order_id)
            except NotFound:
                with self.deps.sessions.begin() as session:
                    run.record(
                        session,
                        ItemOutcome("order", order_key(store_order_id), Outcome.FAILED, "the store has no such order"),
                    )
                return None

        found = [order for order in await bounded(dict.fromkeys(store_order_ids), read) if order is not None]
        if found:
            self._import_page(run, settings, found, forced=True)
        self.progress.advance(task, len(store_order_ids))

    # -- writing -------------------------------------------------------------------------------
    def _import_page(
        self, run: OperationRun, settings: OrderSettings, page: Sequence[ApiOrder], *, forced: bool
    ) -> None:
        """Upsert one page in one transaction; outcomes are recorded with it."""
        connection_id = run.connection.id
        assert connection_id is not None
        now = self.deps.now()
        incoming = [order_from_api(order, connection_id, settings.import_as) for order in page]
        with self.deps.sessions.begin() as session:
            repository = OrderRepository(session, self.deps.now)
            known = repository.by_store_ids(connection_id, [order.store_order_id for order in incoming])
            new: list[Order] = []
            changed: list[Order] = []
            result = PageResult()
            for order in incoming:
                before = known.get(order.store_order_id)
                if before is None:
                    if forced or importable(order.status_id, order.date_created, settings, now):
                        new.append(order)
                    else:
                        result.ignored += 1
                elif store_facts_changed(before, order):
                    changed.append(merge_import(before, order))
                else:
                    result.unchanged += 1
            rematch = [order for order in changed if _needs_matching(order, known[order.store_order_id])]
            match_lines(session, self.deps, [*new, *rematch])
            for order in new:
                order.route_state = route_state_for(order)
            for order in changed:
                self._follow_status(session, run, repository, order)
            acknowledge = settings.acknowledge_status is not None
            repository.save_all(new, acknowledge=acknowledge)
            repository.save_all(changed)
            for order in new:
                if acknowledge and (
                    order.status_id not in settings.import_statuses or order.status_id == settings.acknowledge_status
                ):
                    assert order.id is not None
                    repository.drop_acknowledgement(order.id)
                run.record(
                    session,
                    ItemOutcome("order", order_key(order.store_order_id), Outcome.CREATED, unmatched_summary(order)),
                )
                assert order.id is not None
                self.created.append(order.id)
            for order in changed:
                run.record(
                    session,
                    ItemOutcome("order", order_key(order.store_order_id), Outcome.UPDATED, unmatched_summary(order)),
                )
            result.updated = len(changed)
        for name, count in (("unchanged", result.unchanged), ("not_selected", result.ignored)):
            if count:
                run.summary[name] = run.summary.get(name, 0) + count

    def _follow_status(self, session: Session, run: OperationRun, repository: OrderRepository, order: Order) -> None:
        """A status change on the store: call off routing, and report vendor orders already placed."""
        if order.status_id not in CALLED_OFF_STATUSES:
            return
        if order.route_state in (RouteState.PENDING, RouteState.HELD, RouteState.FAILED):
            order.route_state = RouteState.CANCELLED
            order.hold_reason = f"the order was {status_label(order.status_id, STATUS_NAMES)} before it was routed"
        assert order.id is not None
        placed = [
            vendor_order
            for vendor_order in repository.vendor_orders([order.id]).get(order.id, [])
            if vendor_order.state is VendorOrderState.PLACED and vendor_order.cancel_reported_at is None
        ]
        names = repository.connection_names({vendor_order.vendor_connection_id for vendor_order in placed})
        for vendor_order in placed:
            vendor = names.get(vendor_order.vendor_connection_id, f"connection {vendor_order.vendor_connection_id}")
            run.record(
                session,
                ItemOutcome(
                    "vendor_order",
                    f"{order_key(order.store_order_id)} → {vendor} #{vendor_order.vendor_order_id}",
                    Outcome.SKIPPED,
                    f"merchant order {order_key(order.store_order_id)} is now {status_label(order.status_id)}, but "
                    f"vendor order #{vendor_order.vendor_order_id} was already placed in {vendor!r}: "
                    "ask the vendor to cancel it",
                ),
            )
        if placed:
            repository.cancel_reported([vendor_order.id for vendor_order in placed if vendor_order.id], self.deps.now())
            run.summary["cancellations_reported"] = run.summary.get("cancellations_reported", 0) + len(placed)

    # -- acknowledging -------------------------------------------------------------------------
    async def _acknowledge(self, run: OperationRun, settings: OrderSettings) -> None:
        """Set the acknowledgement status on orders imported and not acknowledged yet (one PUT each)."""
        status = settings.acknowledge_status
        assert run.connection.id is not None
        with self.deps.sessions() as session:
            waiting = OrderRepository(session).awaiting_acknowledgement(run.connection.id)
        if status is None or not waiting:
            return
        task = f"acknowledging ({status_label(status)})"
        self.progress.start(task, len(waiting))

        async def acknowledge(order: Order) -> bool:
            assert order.id is not None
            try:
                updated = await run.client.orders.update(order.store_order_id, OrderInput(status_id=status))
            except BigCommerceError as error:
                if error.status in (401, 403):
                    raise
                with self.deps.sessions.begin() as session:
                    run.record(
                        session,
                        ItemOutcome(
                            "acknowledgement",
                            order_key(order.store_order_id),
                            Outcome.FAILED,
                            f"could not set {status_label(status)}: {error}",
                        ),
                    )
                return False
            with self.deps.sessions.begin() as session:
                OrderRepository(session, self.deps.now).acknowledged(
                    order.id,
                    updated.status_id or status,
                    updated.status or STATUS_NAMES.get(status, ""),
                    self.deps.now(),
                )
            self.progress.advance(task)
            return True

        done = await bounded(waiting, acknowledge)
        run.summary["acknowledged"] = sum(done)


def _needs_matching(order: Order, before: Order) -> bool:
    """Lines change (or were unmatched): match again; else keep the matches the hub made."""
    if before.unmatched_lines:
        return True
    return {line.order_product_id: line.sku for line in order.lines} != {
        line.order_product_id: line.sku for line in before.lines
    }


async def get_orders(
    deps: OrderDeps,
    connection: str | int,
    request: GetRequest | None = None,
    *,
    progress: Progress | None = None,
    trigger: Trigger = Trigger.USER,
) -> tuple[Run, list[int]]:
    """Run one import; returns the run and the hub ids of the orders it imported for the first time."""
    request = request or GetRequest()
    operation = GetOrders(deps, request, progress or NoProgress())
    params: dict[str, object] = {"full": request.full}
    if request.store_order_ids is not None:
        params["store_order_ids"] = list(request.store_order_ids)
    run = await execute(
        OPERATION,
        connection,
        operation,
        sessions=deps.sessions,
        connections=deps.connections,
        clients=deps.clients,
        trigger=trigger,
        params=params,
    )
    return run, operation.created
