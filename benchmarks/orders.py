"""Orders at scale: get orders, route dropship orders to 3 vendors, write their shipments back.

Scenario (bcsandbox in-process, every store on the Standard plan — 150 requests per window —
with 50 ms of latency injected on every request): a merchant store with ``--orders`` orders of 3
lines each (default 5,000); ``--routed`` of them (default 1,000) are dropship orders whose 3 lines
come from one of 3 vendor stores (round robin), the rest are the merchant's own products. The hub
catalog holds every SKU (vendor SKUs supplied by their vendor), as a catalog import leaves it.

Phases, each through ``OrderService`` exactly as ``bchub orders get``, ``bchub orders route`` and
``bchub shipments sync`` run them:

1. **get**: import every order. Lower bound ``ceil(N/250)`` list requests; the V2 listing adds the
   count request that lets pages go in parallel (and one page past an exact multiple of 250).
2. **route**: create one order per dropship order in its vendor's store. Lower bound: one POST
   per vendor order, no reads.
3. **shipments**: every vendor ships its orders (through the sandbox's control plane), then one
   sync reads them and writes them to the merchant's orders. Lower bound, per the issue: per
   vendor ``ceil(M/250)`` listing reads of its modified orders, one shipments read per shipped
   order (the listing has no tracking numbers), and on the merchant one look-up by tracking
   number per order (the exactly-once check) plus one POST per shipment.

The quota window is shortened (``--window-ms``, default 3,000 ms instead of 30,000 ms) so a run
takes a minute or two; the quota per window stays 150, so the limiter works exactly as in real
time, ten times faster. Peak memory is the process's peak RSS (sandbox and hub together).

    python -m benchmarks.orders [--quick]

Writes ``benchmarks/results/orders.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bchub.app import Hub
from bchub.domain.connections import Role
from bchub.domain.runs import Run, RunStatus
from bchub.settings import load_settings
from bchub.storage.catalog_tables import ItemRow, ListingRow
from bchub.sync.connections import CredentialInput, NewConnection
from bcsandbox import Sandbox, SandboxSettings
from bcsandbox.faults import FaultRule
from bcsandbox.testing import transport_for
from benchmarks.common import own_peak_rss_mb, quota_bound_seconds, report_row, table, write_result

API_URL = "http://sandbox.bench"
QUOTA = 150  # Standard plan, per window, per store
MERCHANT = "bmerch1"
VENDORS = ("bvend01", "bvend02", "bvend03")
PAGE = 250
LINES = 3
PRODUCTS_PER_VENDOR = 20  # × 3 variants
OWN_PRODUCTS = 30
BUSINESS = {
    "business_address.first_name": "Bench",
    "business_address.company": "Bench Retail",
    "business_address.street_1": "1 Main St",
    "business_address.city": "Austin",
    "business_address.zip": "78701",
    "business_address.country_iso2": "US",
}


@dataclass
class Phase:
    name: str
    items: int
    requests: int
    reads: int
    writes: int
    lower_bound: int
    rate_limited: int
    seconds: float
    run_status: str
    quota_bound_s: float  # the busiest store's lower bound at its quota: stores' quotas are separate
    peak_rss_mb: float  # the process's peak so far (sandbox and hub together)

    @property
    def over_bound(self) -> int:
        return self.requests - self.lower_bound


# -- seeding (through the sandbox's Python API: no HTTP) --------------------------------------------


def _variant_product(prefix: str, number: int) -> dict[str, Any]:
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


def seed(sandbox: Sandbox, orders: int, routed: int) -> list[list[str]]:
    """Vendors' catalogs, the merchant's (its own products and the vendors' SKUs), and its orders."""
    merchant = sandbox.stores[MERCHANT]
    vendor_skus: list[list[str]] = []
    for index, store_hash in enumerate(VENDORS):
        vendor = sandbox.stores[store_hash]
        skus: list[str] = []
        for number in range(PRODUCTS_PER_VENDOR):
            body = _variant_product(f"V{index + 1}", number)
            vendor.catalog.create_product(body)
            merchant.catalog.create_product({**body, "name": f"{body['name']} (listed)"})
            skus.extend(variant["sku"] for variant in body["variants"])
        vendor_skus.append(skus)
    own: list[str] = []
    for number in range(OWN_PRODUCTS):
        body = _variant_product("OWN", number)
        merchant.catalog.create_product(body)
        own.extend(variant["sku"] for variant in body["variants"])
    ids = {variant["sku"]: (variant["product_id"], variant["id"]) for variant in merchant.catalog.list_variants()}
    for number in range(orders):
        dropship = number < routed
        pool = vendor_skus[number % len(VENDORS)] if dropship else own
        picked = [pool[(number * 7 + line * 5) % len(pool)] for line in range(LINES)]
        merchant.orders.create(
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
                "products": [
                    {"product_id": ids[sku][0], "variant_id": ids[sku][1], "quantity": 1 + line % 2}
                    for line, sku in enumerate(picked)
                ],
                "status_id": 11,
            }
        )
    return vendor_skus


def fill_catalog(hub: Hub, sandbox: Sandbox, connection_ids: dict[str, int]) -> None:
    """The hub catalog as an import of the four stores leaves it (written directly; not measured)."""
    now = datetime.now(UTC)
    with hub.sessions.begin() as session:
        items: dict[str, ItemRow] = {}
        for store_hash in (*VENDORS, MERCHANT):
            catalog = sandbox.stores[store_hash].catalog
            connection_id = connection_ids[store_hash]
            for variant in map(catalog.render_variant, catalog.list_variants()):
                if not variant.get("option_values"):
                    continue
                sku = variant["sku"]
                if sku not in items:
                    items[sku] = ItemRow(
                        sku=sku,
                        name=sku,
                        supplier_connection_id=connection_id if store_hash != MERCHANT else None,
                        origin="store",
                        origin_connection_id=connection_id,
                        content_hash=sku,
                        created_at=now,
                        updated_at=now,
                    )
                    session.add(items[sku])
                    session.flush()
                session.add(
                    ListingRow(
                        connection_id=connection_id,
                        item_id=items[sku].id,
                        product_id=str(variant["product_id"]),
                        variant_id=str(variant["id"]),
                        sku=sku,
                        inventory_level=variant["inventory_level"],
                        created_at=now,
                        updated_at=now,
                    )
                )


def ship_everything(sandbox: Sandbox) -> int:
    """Each vendor ships each of its orders in full, with a tracking number (the vendor's control panel)."""
    shipped = 0
    for store_hash in VENDORS:
        vendor = sandbox.stores[store_hash]
        with sandbox.lock:
            for order in list(vendor.orders.orders.values()):
                vendor.orders.ship_order(
                    order.id,
                    {
                        "tracking_number": f"1Z{store_hash}{order.id:06d}",
                        "tracking_carrier": "ups",
                        "shipping_provider": "ups",
                    },
                )
                shipped += 1
    return shipped


# -- measuring -------------------------------------------------------------------------------------


def _counts(sandbox: Sandbox, stores: tuple[str, ...]) -> tuple[int, int, int, int]:
    """(requests, reads, writes, 429s) logged for these stores since the last clear."""
    log = [entry for entry in sandbox.requests() if entry.store_hash in stores]
    reads = sum(entry.method == "GET" for entry in log)
    return len(log), reads, len(log) - reads, sum(entry.status == 429 for entry in log)


def busiest_bound_s(sandbox: Sandbox, per_store_bounds: list[int]) -> float:
    """The least wall time: the stores' quotas are separate, so the busiest store sets it."""
    window_s = sandbox.settings.window_ms / 1000
    return max(quota_bound_seconds(bound, QUOTA, window_s) for bound in per_store_bounds)


async def measure(
    sandbox: Sandbox,
    name: str,
    items: int,
    bounds: dict[str, int],
    work: Any,
) -> Phase:
    """Run ``work`` on a fresh quota; ``bounds`` is the lower bound of requests per store it touches."""
    await asyncio.sleep(sandbox.settings.window_ms / 1000 + 0.1)  # start each phase with a fresh quota
    sandbox.clear_requests()
    started = time.perf_counter()
    run: Run = await work()
    seconds = time.perf_counter() - started
    requests, reads, writes, limited = _counts(sandbox, tuple(bounds))
    return Phase(
        name,
        items,
        requests,
        reads,
        writes,
        sum(bounds.values()),
        limited,
        round(seconds, 2),
        run.status.value,
        busiest_bound_s(sandbox, list(bounds.values())),
        own_peak_rss_mb(),
    )


async def run(args: argparse.Namespace) -> dict[str, Any]:
    sandbox = Sandbox(SandboxSettings(window_ms=args.window_ms))
    tokens = {store_hash: f"bench-token-{store_hash}" for store_hash in (MERCHANT, *VENDORS)}
    for store_hash, token in tokens.items():
        sandbox.create_store(store_hash, plan="standard", access_token=token)
    print(f"seeding {args.orders:,} orders ({args.routed:,} dropship) and 3 vendor catalogs ...", flush=True)
    seed(sandbox, args.orders, args.routed)
    for store_hash in tokens:
        sandbox.stores[store_hash].faults.add(FaultRule(path="*", latency_ms=args.latency_ms))
    data_dir = Path(tempfile.mkdtemp(prefix="bchub-orders-bench-"))
    settings = load_settings(
        {"HOME": str(data_dir)}, data_dir=data_dir, bigcommerce_api_url=API_URL, oauth_login_url=API_URL
    )
    with Hub(settings, transport=transport_for(sandbox)) as hub:
        ids: dict[str, int] = {}
        for store_hash, token in tokens.items():
            role = Role.MERCHANT if store_hash == MERCHANT else Role.VENDOR
            added = hub.connections.add(
                NewConnection(role, CredentialInput(store_hash=store_hash, access_token=token), name=store_hash)
            )
            assert added.id is not None
            ids[store_hash] = added.id
        fill_catalog(hub, sandbox, ids)
        await hub.orders.change_settings(MERCHANT, {"import_statuses": "11", **BUSINESS}, check_statuses=False)

        print("getting orders ...", flush=True)
        get = await measure(
            sandbox,
            "get orders",
            args.orders,
            {MERCHANT: math.ceil(args.orders / PAGE)},
            lambda: _run(hub.orders.get(MERCHANT)),
        )
        print("routing ...", flush=True)
        # dropship orders go round robin: one POST per vendor order
        posts = {vendor: len(range(index, args.routed, len(VENDORS))) for index, vendor in enumerate(VENDORS)}
        route = await measure(sandbox, "route orders", args.routed, posts, lambda: hub.orders.route(MERCHANT))
        shipped = ship_everything(sandbox)
        # per vendor: its listing pages and one shipments read per shipped order; on the merchant a
        # look-up and a POST per shipment
        reads = {
            vendor: math.ceil(len(sandbox.stores[vendor].orders.orders) / PAGE)
            + len(sandbox.stores[vendor].orders.orders)
            for vendor in VENDORS
        }
        print("bringing shipments back ...", flush=True)
        ship = await measure(
            sandbox,
            "write back shipments",
            shipped,
            {MERCHANT: shipped * 2, **reads},
            lambda: hub.orders.sync_shipments(MERCHANT),
        )
        merchant_shipments = sum(len(order.shipments) for order in sandbox.stores[MERCHANT].orders.orders.values())
        vendor_orders = sum(len(sandbox.stores[store_hash].orders.orders) for store_hash in VENDORS)
    phases = [get, route, ship]
    return {
        "scenario": "orders",
        "measures": "orders at scale on Standard stores: get them, route dropship orders to 3 vendors, "
        "write the vendors' shipments back",
        "peak_memory": "the process's peak resident set so far (sandbox and hub share the process)",
        "settings": {
            "orders": args.orders,
            "lines_per_order": LINES,
            "dropship_orders": args.routed,
            "vendors": len(VENDORS),
            "latency_ms": args.latency_ms,
            "plan": "standard",
            "quota_per_window": QUOTA,
            "window_ms": args.window_ms,
            "real_window_ms": 30_000,
            "quick": args.quick,
        },
        "phases": {phase.name: {**asdict(phase), "over_bound": phase.over_bound} for phase in phases},
        "lower_bounds": {
            "get orders": "ceil(N/250) list requests",
            "route orders": "one POST per vendor order, no reads",
            "write back shipments": "per vendor ceil(M/250) listing reads, one shipments read per shipped vendor order; "
            "on the merchant one look-up by tracking number per order and one POST per shipment",
        },
        "results": {"vendor_orders": vendor_orders, "merchant_shipments": merchant_shipments},
        "peak_rss_mb": own_peak_rss_mb(),
        "targets": {
            "every_run_succeeded": all(phase.run_status == RunStatus.SUCCEEDED.value for phase in phases),
            "one_vendor_order_per_dropship_order": vendor_orders == args.routed,
            "one_merchant_shipment_per_vendor_shipment": merchant_shipments == shipped,
            "route_at_the_lower_bound": route.requests == route.lower_bound,
            "get_within_bound_plus_2": get.over_bound <= 2,
            "shipments_at_most_the_bound_plus_listing_counts": ship.over_bound <= len(VENDORS),
            "zero_429s": all(phase.rate_limited == 0 for phase in phases),
        },
        "report": [
            report_row(
                phase.name,
                requests=phase.requests,
                lower_bound=phase.lower_bound,
                rate_limited=phase.rate_limited,
                seconds=phase.seconds,
                quota_bound=phase.quota_bound_s,
                items=phase.items,
                peak_memory_mb=phase.peak_rss_mb,
            )
            for phase in phases
        ],
    }


async def _run(result: Any) -> Run:
    run: Run = (await result).run
    return run


def report(result: dict[str, Any]) -> str:
    rows = [
        [
            name,
            phase["items"],
            phase["requests"],
            phase["reads"],
            phase["writes"],
            phase["lower_bound"],
            phase["over_bound"],
            phase["rate_limited"],
            phase["seconds"],
        ]
        for name, phase in result["phases"].items()
    ]
    lines = [
        table(["phase", "items", "requests", "reads", "writes", "bound", "over", "429s", "wall s"], rows),
        "",
        f"vendor orders created: {result['results']['vendor_orders']:,}; "
        f"shipments on merchant orders: {result['results']['merchant_shipments']:,}; peak RSS {result['peak_rss_mb']} MB",
        "targets: " + ", ".join(f"{key}={'yes' if value else 'NO'}" for key, value in result["targets"].items()),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000 orders, 200 of them dropship")
    parser.add_argument("--orders", type=int, default=None)
    parser.add_argument("--routed", type=int, default=None)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--window-ms", type=int, default=3_000, help="quota window (BigCommerce: 30,000)")
    args = parser.parse_args(argv)
    args.orders = args.orders if args.orders is not None else (1_000 if args.quick else 5_000)
    args.routed = args.routed if args.routed is not None else (200 if args.quick else 1_000)
    if args.routed > args.orders:
        parser.error("--routed cannot exceed --orders")
    started = time.perf_counter()
    result = asyncio.run(run(args))
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    path = write_result("orders", result)
    print(report(result))
    print(f"wrote {path}")
    if not all(result["targets"].values()):
        sys.exit("orders: a target was missed (see 'targets')")


if __name__ == "__main__":
    main()
