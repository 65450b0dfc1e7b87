"""Fault scenario 4: webhooks delivered twice, out of order, late or never; the scheduled reconcile closes the gaps.

The hub subscribes its four stores (``keep_webhooks``), and the sandbox's dispatcher delivers
their callbacks into bchub's real receiver (``POST /webhooks/bigcommerce``) with webhook fault
rules on every store: some deliveries dropped, some sent twice, some held back so later events
overtake them. Shoppers place orders in batches; the hub works off the jobs the webhooks queue
(``get_orders``, which routes on import, and ``sync_shipments`` when a vendor ships); vendors
ship what reached them and set some stock levels by hand (``store/sku/inventory/updated``: the
hub reads the vendor's stock). The last batch's webhooks are all lost, as are the last shipment
and stock callbacks, so the webhooks alone leave the hub behind. Then the schedules a user
switches on (``get_orders``, ``route_orders``, ``sync_shipments``, ``reconcile_orders`` for the
merchant, ``sync_inventory`` for each vendor) fire once, and the records are counted in the
stores and in the hub: every merchant order held once, routed once, every vendor shipment
written once, every vendor variant's stock as the vendor store has it.

Used by ``tests/faults/test_webhook_delivery.py`` (CI size) and ``benchmarks/faults_webhooks.py``.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bchub.app import Hub
from bchub.domain.orders import RouteState, ShipmentState
from bchub.domain.runs import Trigger
from bchub.interfaces.api.app import create_api
from bchub.jobs.model import JobStatus
from bchub.jobs.runner import JobRunner
from bchub.storage.catalog_repository import stock_source
from bchub.storage.catalog_tables import ItemRow, StockRow
from bchub.storage.order_tables import OrderRow, ShipmentRow, VendorOrderRow
from bcsandbox.faults import WebhookFaultRule
from bcsandbox.webhooks import DELIVERED, FAULT_DROPPED, FAULT_DUPLICATE, FAULT_LATE, WebhookDispatcher
from tests.faults.scenarios import Figures, ScenarioResult
from tests.faults.world import (
    MERCHANT,
    VENDORS,
    FaultWorld,
    RouteReconciliation,
    ShipmentReconciliation,
    fault_world,
    reconcile_routing,
    reconcile_shipments,
)

PUBLIC_URL = "http://127.0.0.1:9"  # the sandbox accepts http on loopback; deliveries go in-process
BATCHES = 4
LATE_S = 0.4  # how long a held-back delivery waits (sandbox clock): later events overtake it
RECONCILE_SCHEDULES = ("get_orders", "route_orders", "sync_shipments", "reconcile_orders")
VENDOR_SCHEDULES = ("sync_inventory",)
STOCK_SETS_PER_BATCH = 3  # variants per vendor whose stock the vendor sets by hand in each batch
DRAIN_TIMEOUT_S = 300.0


def delivery_faults() -> list[WebhookFaultRule]:
    """On every store: 10% of deliveries dropped, 15% sent twice, 20% late (up to ``LATE_S``)."""
    return [WebhookFaultRule(drop_rate=0.10, duplicate_rate=0.15, delay_rate=0.20, delay_s=LATE_S)]


def lost_tail() -> WebhookFaultRule:
    """Every delivery lost: what the last events see when BigCommerce gives up or the hub was away."""
    return WebhookFaultRule(drop_rate=1.0)


@dataclass
class Deliveries:
    """The sender's side, from the sandbox's delivery log."""

    events: int  # distinct events a hook was due for (by hash)
    delivered: int  # deliveries answered 2xx (duplicates included)
    dropped: int  # events never delivered (a fault dropped them)
    duplicates: int  # second copies sent
    late: int  # deliveries held back so later events overtook them
    refused: int  # deliveries the receiver did not accept (must stay 0)


@dataclass
class HubState:
    """The hub's side, read from its database."""

    orders: int  # merchant orders the hub holds
    routed: int  # of them, routed
    vendor_orders: int  # vendor orders the hub placed for them
    shipments_written: int  # merchant shipments the hub wrote
    events_stored: int  # webhook events the hub kept (one per hash)


@dataclass
class StockReconciliation:
    vendor_variants: int  # variants in the vendor stores
    hub_levels: int  # of them, with a stock level from that vendor in the hub
    missing: int  # variants the hub has no level for
    different: int  # variants whose level in the hub is not the store's

    @property
    def exact(self) -> bool:
        return self.missing == self.different == 0 and self.hub_levels == self.vendor_variants


@dataclass
class WebhookReconciliation:
    store_orders: int  # orders the shoppers placed
    hub_orders: int
    hub_missing: int  # store orders the hub does not hold
    events_delivered_distinct: int  # distinct events that reached the receiver
    events_stored: int  # events the hub kept: one per distinct delivered event
    duplicates_dropped: int  # deliveries the hub recognised as seen before
    routing: RouteReconciliation
    shipments: ShipmentReconciliation
    stock: StockReconciliation

    @property
    def exact(self) -> bool:
        return (
            self.hub_missing == 0
            and self.hub_orders == self.store_orders
            and self.events_stored == self.events_delivered_distinct
            and self.routing.exact
            and self.shipments.exact
            and self.stock.exact
        )


async def drain(hub: Hub, runner: JobRunner, *, timeout: float = DRAIN_TIMEOUT_S) -> int:
    """Run queued jobs (and the follow-ups they queue) until none is left; returns how many ran."""
    ran = 0
    deadline = time.monotonic() + timeout
    while True:
        due = hub.jobs.store.due(limit=20)
        if not due:
            upcoming = hub.jobs.store.next_run_after()
            if upcoming is None:
                return ran
            wait = max(0.01, (upcoming - hub.jobs.store.now()).total_seconds())
            if time.monotonic() + wait > deadline:
                raise TimeoutError(f"jobs still queued after {timeout} s (next due in {wait:.0f} s)")
            await asyncio.sleep(wait)
            continue
        for job in due:
            await runner.run(job.id)
            ran += 1


async def settle(hub: Hub, runner: JobRunner, dispatcher: WebhookDispatcher, *, late_too: bool = False) -> int:
    """Deliver what is due (``late_too``: every held-back delivery as well), run the jobs, until both are quiet."""
    ran_total = 0
    while True:
        await dispatcher.aflush(60.0, wait_for_retries=late_too)
        ran = await drain(hub, runner)
        ran_total += ran
        if ran == 0:
            return ran_total


def ship_new(world: FaultWorld, *, every: int = 1) -> int:
    """Vendors ship each vendor order not shipped yet (every ``every``-th one); returns how many."""
    shipped = 0
    with world.sandbox.lock:
        for index in range(len(VENDORS)):
            vendor = world.vendor(index)
            for order in sorted(vendor.orders.orders.values(), key=lambda order: order.id):
                if order.shipments or order.id % every:
                    continue
                vendor.orders.ship_order(
                    order.id, {"tracking_number": f"1Z{vendor.hash}{order.id:06d}", "tracking_carrier": "ups"}
                )
                shipped += 1
    return shipped


def set_stock(world: FaultWorld, batch: int) -> int:
    """Each vendor sets the stock of a few variants by hand (absolute), as after a stock count."""
    changed = 0
    with world.sandbox.lock:
        for index in range(len(VENDORS)):
            vendor = world.vendor(index)
            skus = sorted(
                variant["sku"] for variant in vendor.catalog.list_variants() if variant["sku"].count("-") == 2
            )
            for offset in range(STOCK_SETS_PER_BATCH):
                sku = skus[(batch * STOCK_SETS_PER_BATCH + offset) % len(skus)]
                level = 500_000 + 1_000 * batch + 10 * index + offset
                vendor.inventory.adjust({"items": [{"location_id": 1, "sku": sku, "quantity": level}]}, relative=False)
                changed += 1
    return changed


def reconcile_stock(world: FaultWorld) -> StockReconciliation:
    """Every vendor variant's level in the store against the hub's stock from that vendor."""
    store_levels: dict[tuple[int, str], int] = {}
    with world.sandbox.lock:
        for index in range(len(VENDORS)):
            vendor = world.vendor(index)
            for variant in vendor.catalog.list_variants():
                if variant["sku"].count("-") == 2:
                    # available to sell, summed over locations, as the inventory API reports it
                    stock = vendor.inventory.stock.get(("variant", variant["id"]), {})
                    store_levels[(index, variant["sku"])] = sum(max(each.available, 0) for each in stock.values())
    hub_levels: dict[tuple[int, str], int] = {}
    with world.hub.sessions() as session:
        for index, store_hash in enumerate(VENDORS):
            connection = world.hub.connections.get(store_hash)
            assert connection.id is not None
            rows = session.execute(
                select(ItemRow.sku, StockRow.quantity)
                .join(StockRow, StockRow.item_id == ItemRow.id)
                .where(StockRow.source == stock_source(connection.id))
            )
            hub_levels.update({(index, sku): quantity for sku, quantity in rows})
    return StockReconciliation(
        vendor_variants=len(store_levels),
        hub_levels=sum(1 for key in store_levels if key in hub_levels),
        missing=sum(1 for key in store_levels if key not in hub_levels),
        different=sum(1 for key, level in store_levels.items() if key in hub_levels and hub_levels[key] != level),
    )


def hub_state(world: FaultWorld) -> HubState:
    merchant = world.hub.connections.get(MERCHANT)
    with world.hub.sessions() as session:
        mine = OrderRow.connection_id == merchant.id
        orders = session.scalar(select(func.count()).select_from(OrderRow).where(mine)) or 0
        routed = (
            session.scalar(
                select(func.count()).select_from(OrderRow).where(mine, OrderRow.route_state == RouteState.ROUTED.value)
            )
            or 0
        )
        placed = (
            session.scalar(
                select(func.count())
                .select_from(VendorOrderRow)
                .join(OrderRow, OrderRow.id == VendorOrderRow.order_id)
                .where(mine, VendorOrderRow.vendor_order_id.is_not(None))
            )
            or 0
        )
        written = (
            session.scalar(
                select(func.count())
                .select_from(ShipmentRow)
                .join(OrderRow, OrderRow.id == ShipmentRow.order_id)
                .where(mine, ShipmentRow.state == ShipmentState.WRITTEN.value)
            )
            or 0
        )
    events = len(world.hub.jobs.events.recent(limit=1_000_000))
    return HubState(orders, routed, placed, written, events)


def deliveries(dispatcher: WebhookDispatcher) -> Deliveries:
    log = dispatcher.deliveries
    return Deliveries(
        events=len({(record.store_hash, record.hash) for record in log}),
        delivered=sum(record.outcome == DELIVERED for record in log),
        dropped=sum(record.fault == FAULT_DROPPED for record in log),
        duplicates=sum(record.fault == FAULT_DUPLICATE for record in log),
        late=sum(record.fault == FAULT_LATE for record in log),
        refused=sum(record.status is not None and record.status >= 300 for record in log),
    )


async def _subscribe(world: FaultWorld, runner: JobRunner) -> None:
    """``bchub webhooks enable`` for every connection: the keeper creates the hooks with the secret header."""
    for store_hash in (MERCHANT, *VENDORS):
        job = world.hub.jobs.run("keep_webhooks", store_hash).job
        await runner.run(job.id)
        kept = world.hub.jobs.get(job.id)
        assert kept.status is JobStatus.SUCCEEDED, kept.error


def _fire_schedules(hub: Hub) -> int:
    """Switch on the polling and reconcile schedules (due at once) and let the scheduler tick."""
    for operation in RECONCILE_SCHEDULES:
        hub.jobs.set_schedule(MERCHANT, operation, enabled=True)
    for store_hash in VENDORS:
        for operation in VENDOR_SCHEDULES:
            hub.jobs.set_schedule(store_hash, operation, enabled=True)
    report = hub.jobs.tick()
    assert all(submitted.job.trigger is Trigger.SCHEDULE for submitted in report.submitted)
    return len(report.submitted)


def _batches(orders: int) -> list[int]:
    size, extra = divmod(orders, BATCHES)
    return [size + (1 if number < extra else 0) for number in range(BATCHES)]


async def webhooks_under_faults(data_dir: Path, orders: int) -> tuple[ScenarioResult, WebhookReconciliation]:
    """Scenario 4 with ``orders`` merchant orders in ``BATCHES`` batches."""
    async with fault_world(data_dir) as world:
        hub = world.hub
        hub.jobs.services = replace(hub.jobs.services, public_url=PUBLIC_URL)
        await hub.orders.change_settings(MERCHANT, {"route_on_import": "true"})
        runner = hub.jobs.runner("webhook-scenario")
        await _subscribe(world, runner)
        for store in world.sandbox.stores.values():
            for rule in delivery_faults():
                store.faults.add_webhook(rule)
        world.sandbox.clear_requests()
        started = time.perf_counter()
        transport = httpx.ASGITransport(app=create_api(hub))
        with WebhookDispatcher(world.sandbox, transport=transport) as dispatcher:
            jobs_ran, shipped, stock_sets = 0, 0, 0
            for number, size in enumerate(_batches(orders)):
                last = number == BATCHES - 1
                if last:
                    # whatever was held back arrives; then every callback is lost: the last batch's
                    # orders and the shipments of the vendor orders left unshipped so far
                    jobs_ran += await settle(hub, runner, dispatcher, late_too=True)
                    for store in world.sandbox.stores.values():
                        store.faults.clear_webhooks()
                        store.faults.add_webhook(lost_tail())
                world.place_orders(size, first=len(world.orders))
                jobs_ran += await settle(hub, runner, dispatcher)
                shipped += ship_new(world, every=1 if last else 2)
                stock_sets += set_stock(world, number)
                jobs_ran += await settle(hub, runner, dispatcher)
            jobs_ran += await settle(hub, runner, dispatcher, late_too=True)
            before = hub_state(world)
            stock_before = reconcile_stock(world)
            sent_by_webhooks = len(world.sandbox.requests())
            reconcile_started = time.perf_counter()
            fired = _fire_schedules(hub)
            reconcile_jobs = await settle(hub, runner, dispatcher, late_too=True)
            reconcile_seconds = time.perf_counter() - reconcile_started
            after = hub_state(world)
            again = await _reconcile_again(hub, runner)
            sent = deliveries(dispatcher)
        seconds = time.perf_counter() - started
        log = world.sandbox.requests()
        reconciliation = WebhookReconciliation(
            store_orders=len(world.orders),
            hub_orders=after.orders,
            hub_missing=_missing(world),
            events_delivered_distinct=len(
                {(record.store_hash, record.hash) for record in dispatcher.deliveries if record.ok}
            ),
            events_stored=after.events_stored,
            duplicates_dropped=sent.delivered
            - len({(record.store_hash, record.hash) for record in dispatcher.deliveries if record.ok}),
            routing=reconcile_routing(world),
            shipments=reconcile_shipments(world),
            stock=reconcile_stock(world),
        )
        figures = Figures(
            orders=len(world.orders),
            runs=jobs_ran + reconcile_jobs,
            last_status="succeeded" if reconciliation.exact else "mismatch",
            requests=len(log),
            rate_limited=sum(entry.status == 429 for entry in log),
            server_errors=sum(entry.status >= 500 for entry in log),
            seconds=round(seconds, 2),
        )
        notes: dict[str, Any] = {
            "deliveries": asdict(sent),
            "before_reconcile": asdict(before),
            "after_reconcile": asdict(after),
            "vendor_shipments_made": shipped,
            "stock_levels_set": stock_sets,
            "stock_before_reconcile": asdict(stock_before),
            "jobs_from_webhooks": jobs_ran,
            "schedules_fired": fired,
            "reconcile_jobs": reconcile_jobs,
            "requests_before_reconcile": sent_by_webhooks,
            "reconcile_requests": len(log) - sent_by_webhooks,
            "reconcile_seconds": round(reconcile_seconds, 2),
            "jobs_failed": _failed_jobs(hub),
            "second_reconcile": again,
        }
    result = ScenarioResult(
        "webhooks dropped, doubled and late, then reconciled",
        figures,
        {**asdict(reconciliation), "exact": reconciliation.exact},
        reconciliation.exact,
        notes,
    )
    return result, reconciliation


def _missing(world: FaultWorld) -> int:
    merchant = world.hub.connections.get(MERCHANT)
    with world.hub.sessions() as session:
        held = Counter(
            session.scalars(select(OrderRow.store_order_id).where(OrderRow.connection_id == merchant.id)).all()
        )
    return sum(1 for order_id in world.orders if held[order_id] == 0)


async def _reconcile_again(hub: Hub, runner: JobRunner) -> dict[str, int]:
    """A second reconcile right after: what it still finds missing (nothing, when the first closed every gap)."""
    job = hub.jobs.run("reconcile_orders", MERCHANT, {"days": 3}).job
    await runner.run(job.id)
    (run,) = hub.jobs.runs(hub.jobs.get(job.id))
    return {key: int(run.counts.get(key, 0)) for key in ("store_orders", "hub_orders", "missing", "shipment_gaps")}


def _failed_jobs(hub: Hub) -> int:
    return len(hub.jobs.recent(status=JobStatus.FAILED, limit=1_000_000))
