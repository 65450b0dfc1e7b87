"""A merchant and three vendor stores for the fault scenarios, and the reconciliation that counts both sides.

Used by the CI-size tests in this folder and, at a larger size, by ``benchmarks/faults.py``.
Stores are seeded through the sandbox's Python API (no HTTP); the hub's catalog is filled by the
real catalog import of each store, as a user would. Orders are dropship orders whose lines come
from one, two or three vendors, so routing creates one vendor order per (merchant order, vendor).
"""

from __future__ import annotations

import os
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bchub.app import Hub
from bchub.domain.connections import Role
from bchub.domain.orders import RouteState
from bchub.domain.runs import Run, RunStatus
from bchub.settings import load_settings
from bchub.sync.catalog.importer import CatalogDeps, import_listings
from bchub.sync.connections import CredentialInput, NewConnection
from bcsandbox import Sandbox, SandboxSettings, Store
from bcsandbox.faults import FaultRule
from bcsandbox.testing import transport_for

MERCHANT = "fmerch1"
VENDORS = ("fvend01", "fvend02", "fvend03")
PRODUCTS_PER_VENDOR = 6  # × 3 variants
WINDOW_MS = 1_000  # quota window: short, so a 429's reset wait stays short
MAX_ATTEMPTS = 10  # runs of one operation before a scenario gives up
SHIPPED = 2  # merchant order status: Shipped
PARTIALLY_SHIPPED = 3
AWAITING_FULFILLMENT = 11
BUSINESS = {
    "business_address.first_name": "Fault",
    "business_address.company": "Fault Retail",
    "business_address.street_1": "1 Main St",
    "business_address.city": "Austin",
    "business_address.zip": "78701",
    "business_address.country_iso2": "US",
}


def scale(default: int = 300) -> int:
    """Merchant orders per scenario: ``BCHUB_FAULT_SCALE`` or the CI size."""
    return int(os.environ.get("BCHUB_FAULT_SCALE", default))


def store_faults() -> list[FaultRule]:
    """The faults of scenarios 1 and 2: 5% 500/503, 3% of writes committed then dropped, 429 bursts."""
    return [
        FaultRule(error_rate=0.05, error_statuses=(500, 503)),
        FaultRule(method="POST", commit_then_drop_rate=0.03),
        FaultRule(rate_limit_burst=2),  # with X-Rate-Limit-* headers
        FaultRule(rate_limit_burst=1, rate_limit_headers=False),  # platform load: no headers
    ]


def vendors_of(number: int) -> tuple[int, ...]:
    """Which vendors (by index) supply order ``number``: one, two or all three."""
    chosen = {number % 3}
    if number % 2 == 0:
        chosen.add((number + 1) % 3)
    if number % 5 == 0:
        chosen.add((number + 2) % 3)
    return tuple(sorted(chosen))


def orders_for(vendor_orders: int) -> int:
    """The fewest merchant orders whose routing makes at least ``vendor_orders`` vendor orders."""
    orders, made = 0, 0
    while made < vendor_orders:
        made += len(vendors_of(orders))
        orders += 1
    return orders


def _product(prefix: str, number: int) -> dict[str, Any]:
    return {
        "name": f"{prefix} product {number}",
        "type": "physical",
        "sku": f"{prefix}-{number:03d}",
        "price": 10 + number,
        "weight": 1,
        "inventory_tracking": "variant",
        "variants": [
            {
                "sku": f"{prefix}-{number:03d}-{size}",
                "price": 10 + number,
                "inventory_level": 1_000_000,
                "option_values": [{"option_display_name": "Size", "label": size}],
            }
            for size in ("S", "M", "L")
        ],
    }


@dataclass
class FaultWorld:
    sandbox: Sandbox
    hub: Hub
    orders: list[int] = field(default_factory=list)  # merchant order ids, in placing order

    @property
    def merchant(self) -> Store:
        return self.sandbox.stores[MERCHANT]

    def vendor(self, index: int) -> Store:
        return self.sandbox.stores[VENDORS[index]]

    def add_faults(self, stores: tuple[str, ...]) -> None:
        for store_hash in stores:
            for rule in store_faults():
                self.sandbox.stores[store_hash].faults.add(rule)

    def clear_faults(self) -> None:
        for store in self.sandbox.stores.values():
            store.faults.clear()

    def place_orders(self, count: int, *, first: int = 0) -> None:
        """``count`` dropship orders; order ``n`` has one line per vendor in ``vendors_of(n)``.

        ``first``: the number of the first order, so orders placed in batches number on (0, 1, … overall).
        """
        ids = {
            variant["sku"]: (variant["product_id"], variant["id"]) for variant in self.merchant.catalog.list_variants()
        }
        pools = [
            sorted(sku for sku in ids if sku.startswith(f"V{index + 1}-") and sku.count("-") == 2)
            for index in range(len(VENDORS))
        ]
        with self.sandbox.lock:
            for number in range(first, first + count):
                lines = []
                for index in vendors_of(number):
                    sku = pools[index][number % len(pools[index])]
                    lines.append({"product_id": ids[sku][0], "variant_id": ids[sku][1], "quantity": 1 + number % 2})
                order = self.merchant.orders.create(
                    {
                        "billing_address": {
                            "first_name": "Buyer",
                            "last_name": str(number),
                            "zip": "78751",
                            "country_iso2": "US",
                        },
                        "shipping_addresses": [
                            {
                                "first_name": "Ship",
                                "last_name": str(number),
                                "street_1": f"{number} Oak St",
                                "city": "Austin",
                                "zip": "78751",
                                "country_iso2": "US",
                            }
                        ],
                        "products": lines,
                        "status_id": 11,
                    }
                )
                self.orders.append(order.id)

    def ship(self, skip: Callable[[int, int], bool] = lambda vendor, order: False) -> int:
        """Each vendor ships its orders in full (except where ``skip(vendor, merchant order)``); returns the count."""
        shipped = 0
        with self.sandbox.lock:
            for index in range(len(VENDORS)):
                vendor = self.vendor(index)
                for order in list(vendor.orders.orders.values()):
                    if skip(index, self.merchant_order_of(order.external_order_id)):
                        continue
                    vendor.orders.ship_order(
                        order.id,
                        {"tracking_number": f"1Z{vendor.hash}{order.id:06d}", "tracking_carrier": "ups"},
                    )
                    shipped += 1
        return shipped

    @staticmethod
    def merchant_order_of(external_order_id: str) -> int:
        """``bchub-<merchant>-<order>-<vendor>`` → the merchant order id."""
        return int(external_order_id.split("-")[2])


def _connect(hub: Hub, store: Store, role: Role) -> None:
    token = next(iter(store.accounts))
    hub.connections.add(
        NewConnection(role, CredentialInput(store_hash=store.hash, access_token=token), name=store.hash)
    )


def _seed_catalogs(sandbox: Sandbox) -> None:
    merchant = sandbox.stores[MERCHANT]
    with sandbox.lock:
        for index, store_hash in enumerate(VENDORS):
            for number in range(PRODUCTS_PER_VENDOR):
                body = _product(f"V{index + 1}", number)
                sandbox.stores[store_hash].catalog.create_product(body)
                merchant.catalog.create_product({**body, "name": f"{body['name']} (listed)"})


@asynccontextmanager
async def fault_world(
    data_dir: Path,
    *,
    wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
) -> AsyncIterator[FaultWorld]:
    """The four stores, the hub with their connections and catalogs, order settings ready to route."""
    sandbox = Sandbox(SandboxSettings(window_ms=WINDOW_MS))
    for store_hash in (MERCHANT, *VENDORS):
        sandbox.create_store(store_hash, plan="standard", access_token=secrets.token_hex(16))
    _seed_catalogs(sandbox)
    settings = load_settings(
        {"HOME": str(data_dir / "home")},
        data_dir=data_dir / "bchub",
        bigcommerce_api_url="http://sandbox.faults",
        oauth_login_url="http://sandbox.faults",
    )
    transport: httpx.AsyncBaseTransport = transport_for(sandbox)
    if wrap is not None:
        transport = wrap(transport)
    with Hub(settings, transport=transport) as hub:
        for store_hash in VENDORS:
            _connect(hub, sandbox.stores[store_hash], Role.VENDOR)
        _connect(hub, sandbox.stores[MERCHANT], Role.MERCHANT)
        catalog = CatalogDeps(hub.sessions, hub.connections, hub.clients)
        for store_hash in (*VENDORS, MERCHANT):
            imported = await import_listings(catalog, store_hash)
            assert imported.status is RunStatus.SUCCEEDED, imported.error
        await hub.orders.change_settings(MERCHANT, {"import_statuses": "11", **BUSINESS})
        sandbox.clear_requests()
        yield FaultWorld(sandbox, hub)


async def until_done(run: Callable[[], Awaitable[Run]], *, attempts: int = MAX_ATTEMPTS) -> list[Run]:
    """Run an operation again until a run succeeds (nothing left failed), at most ``attempts`` times."""
    runs: list[Run] = []
    for _ in range(attempts):
        runs.append(await run())
        if runs[-1].status is RunStatus.SUCCEEDED:
            break
    return runs


# -- reconciliation ------------------------------------------------------------------------------


@dataclass
class RouteReconciliation:
    expected: int  # (merchant order, vendor) pairs
    vendor_orders: int  # orders in the vendor stores
    missing: int  # expected pairs without a vendor order
    duplicated: int  # extra vendor orders for a pair that has one
    unexpected: int  # vendor orders for no expected pair
    hub_vendor_orders: int  # vendor orders the hub records as placed
    hub_not_routed: int  # merchant orders the hub does not show as routed

    @property
    def exact(self) -> bool:
        return (
            self.missing == self.duplicated == self.unexpected == self.hub_not_routed == 0
            and self.vendor_orders == self.expected == self.hub_vendor_orders
        )


def reconcile_routing(world: FaultWorld) -> RouteReconciliation:
    """Count vendor orders per (merchant order, vendor) in the stores and in the hub."""
    expected = {
        f"bchub-{MERCHANT}-{order_id}-{VENDORS[index]}"
        for number, order_id in enumerate(world.orders)
        for index in vendors_of(number)
    }
    counts: Counter[str] = Counter(
        order.external_order_id for index in range(len(VENDORS)) for order in world.vendor(index).orders.orders.values()
    )
    hub_placed, not_routed = 0, 0
    for order_id in world.orders:
        detail = world.hub.orders.show(MERCHANT, order_id)
        hub_placed += sum(item.vendor_order_id is not None for item in detail.vendor_orders)
        not_routed += detail.order.route_state is not RouteState.ROUTED
    return RouteReconciliation(
        expected=len(expected),
        vendor_orders=sum(counts.values()),
        missing=len(expected - set(counts)),
        duplicated=sum(count - 1 for key, count in counts.items() if key in expected and count > 1),
        unexpected=sum(count for key, count in counts.items() if key not in expected),
        hub_vendor_orders=hub_placed,
        hub_not_routed=not_routed,
    )


@dataclass
class ShipmentReconciliation:
    vendor_shipments: int
    merchant_shipments: int
    merchant_orders_shipped: int  # merchant orders with at least one shipment
    missing: int  # vendor shipments with no merchant shipment of the same tracking number
    duplicated: int  # extra merchant shipments for one vendor shipment
    unexpected: int  # merchant shipments for no vendor shipment
    wrong_status: int  # merchant orders not Shipped / Partially Shipped / Awaiting Fulfillment as they should be
    hub_wrong_status: int  # the hub's copy of those statuses

    @property
    def exact(self) -> bool:
        return (
            self.missing == self.duplicated == self.unexpected == self.wrong_status == self.hub_wrong_status == 0
            and self.vendor_shipments == self.merchant_shipments
        )


def _status_after(shipped: int, unshipped: int) -> int:
    """Nothing shipped: the order keeps its status; some vendors shipped: partially; all: shipped."""
    if not shipped:
        return AWAITING_FULFILLMENT
    return PARTIALLY_SHIPPED if unshipped else SHIPPED


def reconcile_shipments(world: FaultWorld) -> ShipmentReconciliation:
    """One merchant shipment per vendor shipment (by tracking number, on the right order); statuses."""
    expected: Counter[tuple[int, str]] = Counter()
    unshipped_vendor_orders: Counter[int] = Counter()
    shipped_vendor_orders: Counter[int] = Counter()
    for index in range(len(VENDORS)):
        for order in world.vendor(index).orders.orders.values():
            merchant_order = FaultWorld.merchant_order_of(order.external_order_id)
            if not order.shipments:
                unshipped_vendor_orders[merchant_order] += 1
            else:
                shipped_vendor_orders[merchant_order] += 1
            for shipment in order.shipments:
                expected[(merchant_order, shipment.tracking_number)] += 1
    written: Counter[tuple[int, str]] = Counter()
    wrong, hub_wrong = 0, 0
    for order_id in world.orders:
        order = world.merchant.orders.get(order_id)
        for shipment in order.shipments:
            written[(order_id, shipment.tracking_number)] += 1
        status = _status_after(shipped_vendor_orders[order_id], unshipped_vendor_orders[order_id])
        wrong += order.status_id != status
        hub_wrong += world.hub.orders.show(MERCHANT, order_id).order.status_id != status
    return ShipmentReconciliation(
        vendor_shipments=sum(expected.values()),
        merchant_shipments=sum(written.values()),
        merchant_orders_shipped=len({order_id for order_id, _ in written}),
        missing=sum(1 for key in expected if key not in written),
        duplicated=sum(count - 1 for key, count in written.items() if key in expected and count > 1),
        unexpected=sum(count for key, count in written.items() if key not in expected),
        wrong_status=wrong,
        hub_wrong_status=hub_wrong,
    )
