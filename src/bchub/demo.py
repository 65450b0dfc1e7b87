"""The demo story: a merchant and two dropship vendors, from catalog import to tracking numbers.

Every step goes through the hub's real services over HTTP to a bcsandbox served on 127.0.0.1
(the same calls the CLI and the jobs make), one after the other so the summary reads as a story.
Only the shopper (placing orders) and the vendors' warehouses (shipping) act on the sandbox
directly: they are the outside world, not the hub.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bchub.app import Hub
from bchub.domain.connections import Role
from bchub.domain.runs import Run, RunStatus, counts_text
from bchub.settings import Settings, load_settings
from bchub.sync.catalog.inventory import sync_inventory
from bchub.sync.catalog.publish import Selection, publish_listings
from bchub.sync.catalog.writes import PublishDeps
from bchub.sync.connections import CredentialInput, NewConnection
from bcsandbox import Sandbox, SandboxSettings, Store
from bcsandbox.seed import MERCHANT_HASH, VENDOR_HASHES, seed_demo
from bcsandbox.testing import LiveServer

DEFAULT_FOLDER = Path(".bchub-demo")
MERCHANT = "corner-store"
VENDORS = {VENDOR_HASHES[0]: "northwind", VENDOR_HASHES[1]: "harbor-home"}
AWAITING_FULFILLMENT = 11
CARRIERS = ("ups", "fedex", "usps")
# where the merchant's vendor orders ship from and bill to (required by routing)
BUSINESS_ADDRESS = {
    "business_address.first_name": "Corner",
    "business_address.last_name": "Store",
    "business_address.company": "Corner Store LLC",
    "business_address.street_1": "1 Main St",
    "business_address.city": "Austin",
    "business_address.state": "Texas",
    "business_address.zip": "78701",
    "business_address.country": "United States",
    "business_address.country_iso2": "US",
    "business_address.email": "orders@corner.example",
}
SHOPPERS = (
    ("Ava", "Nguyen", "Austin", "Texas", "78701"),
    ("Liam", "Patel", "Portland", "Oregon", "97205"),
    ("Mia", "García", "Denver", "Colorado", "80202"),
    ("Owen", "Okafor", "Seattle", "Washington", "98101"),
)


class StepFailed(Exception):
    """A step could not do what the story needs; the message says what."""


@dataclass
class Step:
    name: str
    detail: str = ""
    requests: int | None = None  # None: the step made no hub API request (shopper, warehouse)
    ok: bool = False


@dataclass
class DemoResult:
    folder: Path
    steps: list[Step] = field(default_factory=list)
    merchant_orders: list[int] = field(default_factory=list)
    tracking: dict[int, list[str]] = field(default_factory=dict)  # merchant order → tracking numbers

    @property
    def succeeded(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)


@dataclass
class Demo:
    """The running demo: the sandbox (served), the hub on the demo folder, and what happened."""

    sandbox: Sandbox
    server: LiveServer
    hub: Hub
    result: DemoResult

    @property
    def merchant(self) -> Store:
        return self.sandbox.stores[MERCHANT_HASH]

    def vendor(self, store_hash: str) -> Store:
        return self.sandbox.stores[store_hash]

    @property
    def names(self) -> dict[int, str]:
        """Connection names by id, for run counts that name a vendor's share of requests."""
        return self.hub.connections.names()


def demo_settings(folder: Path, api_url: str) -> Settings:
    """Embedded defaults in the demo folder: SQLite, a key file there, jobs in-process; no BCHUB_* variables."""
    return load_settings({}, data_dir=folder, bigcommerce_api_url=api_url, database_url="", broker_url="")


@contextmanager
def open_demo(folder: Path = DEFAULT_FOLDER, *, products: int = 12) -> Iterator[Demo]:
    """Wipe the folder, seed and serve the sandbox, and open a hub on the folder."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    sandbox = Sandbox(SandboxSettings(window_ms=30_000))
    seed_demo(sandbox, products=products, orders=0)  # the demo places its own shopper orders
    with LiveServer(sandbox) as server, Hub(demo_settings(folder, server.url)) as hub:
        yield Demo(sandbox, server, hub, DemoResult(folder.resolve()))


def _run_step(demo: Demo, name: str, body: Callable[[Step], None]) -> bool:
    step = Step(name)
    demo.result.steps.append(step)
    try:
        body(step)
        step.ok = True
    except Exception as error:  # one failed step is reported in the table; the story stops there
        step.detail = f"{step.detail}; " if step.detail else ""
        step.detail += f"{type(error).__name__}: {error}"
    return step.ok


def _runs(step: Step, runs: list[Run], what: str) -> None:
    # a run's own client counts the connection's requests; what it sent to vendors is a count of its own
    step.requests = (step.requests or 0) + sum(run.requests + run.counts.get("vendor_requests", 0) for run in runs)
    failed = [run for run in runs if run.status is not RunStatus.SUCCEEDED]
    if failed:
        raise StepFailed(
            f"{what}: {', '.join(f'{run.operation} {run.status.value} ({run.error or counts_text(run.counts)})' for run in failed)}"
        )


def connect(demo: Demo, step: Step) -> None:
    stores = {MERCHANT_HASH: MERCHANT, **VENDORS}
    for store_hash, name in stores.items():
        role = Role.MERCHANT if store_hash == MERCHANT_HASH else Role.VENDOR
        token = next(iter(demo.sandbox.stores[store_hash].accounts))
        demo.hub.connections.add(
            NewConnection(role, CredentialInput(store_hash=store_hash, access_token=token), name=name)
        )
    reports = [asyncio.run(demo.hub.connections.test(name)) for name in stores.values()]
    bad = [name for name, report in zip(stores.values(), reports, strict=True) if not report.passed]
    if bad:
        raise StepFailed(f"connection test failed: {', '.join(bad)}")
    step.requests = sum(report.requests_sent for report in reports)
    step.detail = f"1 merchant, {len(VENDORS)} vendors connected and tested"


def import_catalogs(demo: Demo, step: Step) -> None:
    # vendors first: a SKU the merchant also lists is the vendor's item, so the merchant's import matches it
    runs = [asyncio.run(demo.hub.catalog.import_listings(name)) for name in (*VENDORS.values(), MERCHANT)]
    _runs(step, runs, "import")
    step.detail = "; ".join(
        f"{run_name}: {counts_text(run.counts, demo.names)}"
        for run_name, run in zip((*VENDORS.values(), MERCHANT), runs, strict=True)
    )


def publish(demo: Demo, step: Step) -> None:
    deps = PublishDeps(demo.hub.sessions, demo.hub.connections, demo.hub.clients)
    runs: list[Run] = []
    for name in VENDORS.values():
        selection = Selection(supplier_id=demo.hub.connections.get(name).id)
        run, _ = asyncio.run(publish_listings(deps, MERCHANT, selection))
        assert run is not None  # not a dry run
        runs.append(run)
    _runs(step, runs, "publish")
    step.detail = "; ".join(
        f"{name}: {counts_text(run.counts, demo.names)}" for name, run in zip(VENDORS.values(), runs, strict=True)
    )


def _in_stock(demo: Demo) -> list[str]:
    """SKUs the merchant lists with stock for a shopper to buy."""
    merchant = demo.merchant.catalog
    variants = map(merchant.render_variant, merchant.list_variants())
    return [variant["sku"] for variant in variants if variant["inventory_level"] >= 2]


def _orderable(demo: Demo) -> dict[str, list[str]]:
    """Per vendor, the vendor's SKUs the merchant now lists with stock."""
    in_stock = set(_in_stock(demo))
    found: dict[str, list[str]] = {}
    for store_hash in VENDORS:
        catalog = demo.vendor(store_hash).catalog
        skus = [
            variant["sku"]
            for variant in map(catalog.render_variant, catalog.list_variants())
            if variant.get("option_values")
        ]
        found[store_hash] = [sku for sku in skus if sku in in_stock]
        if not found[store_hash]:
            raise StepFailed(f"the merchant lists no {VENDORS[store_hash]} SKU with stock to order")
    return found


def place_orders(demo: Demo, step: Step, count: int) -> None:
    skus = _orderable(demo)
    own = [sku for sku in _in_stock(demo) if sku.startswith("MRC-")]
    vendors = list(VENDORS)
    for number in range(count):
        first, last, city, state, zip_code = SHOPPERS[number % len(SHOPPERS)]
        address = {"first_name": first, "last_name": last, "street_1": f"{number + 10} Main St", "city": city,
                   "state": state, "zip": zip_code, "country": "United States", "country_iso2": "US",
                   "email": f"{first.lower()}@example.com"}  # fmt: skip
        vendor_skus = skus[vendors[number % len(vendors)]]
        lines = [{"sku": vendor_skus[number % len(vendor_skus)], "quantity": 1}]
        if number % 2 == 1:  # every other order also holds the other vendor's item: split routing
            other = skus[vendors[(number + 1) % len(vendors)]]
            lines.append({"sku": other[number % len(other)], "quantity": 1})
        if own and number % 3 == 0:  # and some hold the merchant's own product, which it ships itself
            lines.append({"sku": own[number % len(own)], "quantity": 1})
        order = demo.merchant.orders.place_shopper_order(
            {"lines": lines, "customer": address, "shipping_address": address, "status_id": AWAITING_FULFILLMENT}
        )
        demo.result.merchant_orders.append(int(order["id"]))
    step.detail = f"{count} orders with dropship lines on the merchant's storefront"


def get_and_route(demo: Demo, step: Step) -> None:
    asyncio.run(
        demo.hub.orders.change_settings(
            MERCHANT, {"import_statuses": str(AWAITING_FULFILLMENT), "route_on_import": "false", **BUSINESS_ADDRESS}
        )
    )
    got = asyncio.run(demo.hub.orders.get(MERCHANT))
    routed = asyncio.run(demo.hub.orders.route(MERCHANT))
    _runs(step, [got.run, routed], "orders")
    placed = _vendor_orders(demo)
    if len({order for order, _, _ in placed}) != len(demo.result.merchant_orders):
        raise StepFailed(
            f"only {len(placed)} vendor orders placed for {len(demo.result.merchant_orders)} merchant orders"
        )
    step.detail = f"got: {counts_text(got.run.counts, demo.names)}; routed: {len(placed)} vendor orders placed ({counts_text(routed.counts, demo.names)})"


def _vendor_orders(demo: Demo) -> list[tuple[int, str, int]]:
    """(merchant order, vendor store hash, vendor order id) for every vendor order placed."""
    hashes = {demo.hub.connections.get(name).id: store_hash for store_hash, name in VENDORS.items()}
    placed: list[tuple[int, str, int]] = []
    for number in demo.result.merchant_orders:
        for vendor_order in demo.hub.orders.show(MERCHANT, number).vendor_orders:
            if vendor_order.vendor_order_id is not None:
                placed.append((number, hashes[vendor_order.vendor_connection_id], vendor_order.vendor_order_id))
    return placed


def vendors_ship(demo: Demo, step: Step) -> None:
    placed = _vendor_orders(demo)
    for index, (number, store_hash, vendor_order) in enumerate(placed):
        tracking = f"1ZDEMO{number:04d}{index:03d}"
        demo.vendor(store_hash).orders.ship_order(
            vendor_order, {"tracking_number": tracking, "tracking_carrier": CARRIERS[index % len(CARRIERS)]}
        )
    step.detail = f"{len(placed)} vendor orders shipped with tracking numbers"


def tracking_back(demo: Demo, step: Step) -> None:
    # what a vendor's shipment webhook starts: the shipment sync of the merchants with orders there
    run = asyncio.run(demo.hub.orders.sync_shipments(MERCHANT))
    _runs(step, [run], "shipments")
    for number in demo.result.merchant_orders:
        shipments = demo.merchant.orders.get(number).shipments
        demo.result.tracking[number] = [shipment.tracking_number for shipment in shipments if shipment.tracking_number]
    missing = [number for number, numbers in demo.result.tracking.items() if not numbers]
    if missing:
        raise StepFailed(f"no tracking number on merchant orders {', '.join(map(str, missing))}")
    total = sum(len(numbers) for numbers in demo.result.tracking.values())
    step.detail = f"{total} tracking numbers on {len(demo.result.tracking)} merchant orders ({counts_text(run.counts, demo.names)})"


def sync_stock(demo: Demo, step: Step) -> None:
    deps = PublishDeps(demo.hub.sessions, demo.hub.connections, demo.hub.clients)
    details: list[str] = []
    for name in VENDORS.values():
        read, pushed = asyncio.run(sync_inventory(deps, name, push=True))
        _runs(step, [read, *pushed], "stock")
        details.append(
            f"{name}: {counts_text(read.counts, demo.names)}"
            + "".join(f"; pushed {counts_text(run.counts, demo.names)}" for run in pushed)
        )
    step.detail = "; ".join(details)


def play(demo: Demo, *, orders: int = 6) -> DemoResult:
    """Run the story step by step; it stops at the first failed step (the rest would only fail too)."""
    steps: list[tuple[str, Callable[[Step], None]]] = [
        ("Connect stores", lambda step: connect(demo, step)),
        ("Import catalogs", lambda step: import_catalogs(demo, step)),
        ("Publish to merchant", lambda step: publish(demo, step)),
        ("Shoppers order", lambda step: place_orders(demo, step, orders)),
        ("Get and route orders", lambda step: get_and_route(demo, step)),
        ("Vendors ship", lambda step: vendors_ship(demo, step)),
        ("Tracking back", lambda step: tracking_back(demo, step)),
        ("Sync stock", lambda step: sync_stock(demo, step)),
    ]
    for name, body in steps:
        if not _run_step(demo, name, body):
            break
    return demo.result


def summary_rows(result: DemoResult) -> list[tuple[str, str, str, str]]:
    return [
        (step.name, step.detail, "—" if step.requests is None else f"{step.requests:,}", "ok" if step.ok else "FAILED")
        for step in result.steps
    ]


def describe(result: DemoResult) -> dict[str, Any]:
    """The result for ``--json``."""
    return {
        "folder": str(result.folder),
        "succeeded": result.succeeded,
        "steps": [{"step": s.name, "detail": s.detail, "requests": s.requests, "ok": s.ok} for s in result.steps],
        "tracking": {str(number): numbers for number, numbers in result.tracking.items()},
    }
