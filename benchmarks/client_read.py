"""Reading a whole store with ``BigCommerceClient``: requests used against the lower bound, 429s, time, memory.

Scenario: 10,000 products with 3 variants each and 5,000 orders with line items, served by a
bcsandbox store on the Standard plan (150 requests per window) with 50 ms of latency
injected on every request. Two readers read both lists:

- ``client``: the client's own listing (``catalog.list_products()``, ``orders.list()``): page 1,
  then the remaining pages concurrently, items inline via ``include=``.
- ``sequential``: the same client used one page at a time (``client.request`` page by page,
  V3 until ``total_pages``, V2 until a short page or ``204``), the way a simple integration reads.

The quota window is shortened (``--window-ms``, default 3,000 ms instead of 30,000 ms) so a
run takes seconds; the quota per window stays 150, so the limiter works exactly as it would in
real time, ten times faster. By default the sandbox runs as its own server process pinned to one
core and the client to the other, over loopback, as a real store would be (``--in-process`` serves
it through the ASGI transport in this process instead). Lower bound per list: ``ceil(N / 250)`` requests. Peak memory is
measured in a second pass under ``tracemalloc`` (the client's process).

    python -m benchmarks.client_read [--quick]

Writes ``benchmarks/results/client_read.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from bchub.bigcommerce import BigCommerceClient, PageSettings
from bchub.bigcommerce.models import Order, Product
from bchub.bigcommerce.resources.catalog import DEFAULT_PRODUCT_INCLUDE
from bchub.bigcommerce.resources.orders import LINE_ITEMS_INCLUDE
from bcsandbox import Sandbox, SandboxSettings, Store
from bcsandbox.faults import FaultRule
from benchmarks.common import (
    InProcessSandbox,
    SandboxHandle,
    SandboxServer,
    megabytes,
    quota_bound_seconds,
    report_row,
    serve_app,
    table,
    timed,
    traced,
    write_result,
)

STORE = "bench1"
QUOTA = 150  # Standard plan, per window
TOKEN = "bench-token-0001"
PAGE = 250
VARIANTS = 3
LINES_PER_ORDER = (1, 2, 3)
LISTS = {"products": "/v3/catalog/products", "orders": "/v2/orders"}


@dataclass
class ListRun:
    """One list read by one reader."""

    items: int
    children: int  # variants of the products, or line items of the orders
    requests: int
    rate_limited: int
    seconds: float


# -- data -------------------------------------------------------------------------------------


def seed(store: Store, products: int, orders: int) -> None:
    """Products with 3 variants each and orders of 1-3 catalog lines, through the backend API (no HTTP)."""
    variant_ids: list[tuple[int, int]] = []
    for number in range(products):
        product = store.catalog.create_product(
            {
                "name": f"Benchmark product {number}",
                "type": "physical",
                "sku": f"BP-{number}",
                "price": 10 + number % 90,
                "weight": 1,
                "inventory_tracking": "variant",
                "custom_fields": [{"name": "origin", "value": "bench"}],
                "variants": [
                    {
                        "sku": f"BP-{number}-{size}",
                        "price": 10 + number % 90,
                        "inventory_level": 1_000_000,
                        "option_values": [{"option_display_name": "Size", "label": size}],
                    }
                    for size in ("S", "M", "L")[:VARIANTS]
                ],
            }
        )
        variant_ids.extend((product["id"], variant["id"]) for variant in product["variants"])
    for number in range(orders):
        lines = LINES_PER_ORDER[number % len(LINES_PER_ORDER)]
        store.orders.create(
            {
                "billing_address": {
                    "first_name": "Buyer",
                    "last_name": str(number),
                    "zip": "78751",
                    "country_iso2": "US",
                },
                "shipping_addresses": [
                    {"first_name": "Ship", "last_name": str(number), "zip": "78751", "country_iso2": "US"}
                ],
                "products": [
                    {"product_id": product_id, "variant_id": variant_id, "quantity": 1}
                    for product_id, variant_id in (
                        variant_ids[(number * 7 + line) % len(variant_ids)] for line in range(lines)
                    )
                ],
                "status_id": 11,
            }
        )


# -- readers ------------------------------------------------------------------------------------


async def products_by_client(client: BigCommerceClient) -> tuple[int, int]:
    items = children = 0
    async for product in client.catalog.list_products():
        items += 1
        children += len(product.variants)
    return items, children


async def orders_by_client(client: BigCommerceClient) -> tuple[int, int]:
    items = children = 0
    async for order in client.orders.list():
        items += 1
        children += len(order.line_items)
    return items, children


async def products_sequentially(client: BigCommerceClient) -> tuple[int, int]:
    items = children = 0
    page, pages = 1, 1
    while page <= pages:
        params: dict[str, str | int] = {"include": ",".join(DEFAULT_PRODUCT_INCLUDE), "page": page, "limit": PAGE}
        body = (await client.request("GET", LISTS["products"], params=params)).json()
        for raw in body["data"]:
            product = Product.model_validate(raw)
            items += 1
            children += len(product.variants)
        pages = body["meta"]["pagination"]["total_pages"]
        page += 1
    return items, children


async def orders_sequentially(client: BigCommerceClient) -> tuple[int, int]:
    items = children = 0
    page = 1
    while True:
        response = await client.request(
            "GET", LISTS["orders"], params={**LINE_ITEMS_INCLUDE, "page": page, "limit": PAGE}
        )
        batch = response.json() if response.status != 204 else []
        for raw in batch:
            order = Order.model_validate(raw)
            items += 1
            children += len(order.line_items)
        if len(batch) < PAGE:
            return items, children
        page += 1


Reader = Callable[[BigCommerceClient], Awaitable[tuple[int, int]]]
READERS: dict[str, dict[str, Reader]] = {
    "client": {"products": products_by_client, "orders": orders_by_client},
    "sequential": {"products": products_sequentially, "orders": orders_sequentially},
}


# -- the sandbox, in this process or as a server ---------------------------------------------------


def serve(args: argparse.Namespace) -> None:
    """Child process: seed the store, then serve it until terminated."""
    sandbox = Sandbox(SandboxSettings(window_ms=args.window_ms))
    store = sandbox.create_store(STORE, plan="standard", access_token=TOKEN)
    seed(store, args.products, args.orders)
    store.faults.add(FaultRule(path="*", latency_ms=args.latency_ms))
    serve_app(sandbox, args.serve)


# -- running --------------------------------------------------------------------------------------


async def run_list(
    sandbox: SandboxHandle, client: BigCommerceClient, name: str, reader: Reader, *, trace: bool
) -> tuple[ListRun, int | None]:
    sandbox.clear()
    limited_before = client.stats.rate_limited
    (items, children), measured = await (traced if trace else timed)(lambda: reader(client))
    statuses = sandbox.statuses(LISTS[name])
    run = ListRun(
        items=items,
        children=children,
        requests=len(statuses),
        rate_limited=max(sum(status == 429 for status in statuses), client.stats.rate_limited - limited_before),
        seconds=round(measured.seconds, 3),
    )
    return run, measured.peak_bytes


async def run_reader(
    sandbox: SandboxHandle, reader: str, args: argparse.Namespace, *, trace: bool
) -> tuple[dict[str, ListRun], dict[str, int | None]]:
    """Both lists with a fresh client, after waiting out the window the previous reader used."""
    await asyncio.sleep(args.window_ms / 1000 + 0.1)
    runs: dict[str, ListRun] = {}
    peaks: dict[str, int | None] = {}
    pages = PageSettings(concurrency=args.concurrency)
    async with BigCommerceClient(STORE, TOKEN, sandbox.base_url, sandbox.transport, pages=pages) as client:
        for name, read in READERS[reader].items():
            runs[name], peaks[name] = await run_list(sandbox, client, name, read, trace=trace)
    return runs, peaks


def report_rows(
    args: argparse.Namespace, runs: dict[str, dict[str, ListRun]], peaks: dict[str, dict[str, int | None]]
) -> list[dict[str, Any]]:
    """One row per (list, reader); the quota bound is for the lower bound on the shortened window."""
    sizes = {"products": args.products, "orders": args.orders}
    rows = []
    for reader in READERS:
        for name, size in sizes.items():
            run, bound = runs[reader][name], math.ceil(size / PAGE)
            rows.append(
                report_row(
                    f"{name} ({reader} reader)",
                    requests=run.requests,
                    lower_bound=bound,
                    rate_limited=run.rate_limited,
                    seconds=run.seconds,
                    quota_bound=quota_bound_seconds(bound, QUOTA, args.window_ms / 1000),
                    items=run.items,
                    peak_memory_mb=megabytes(peaks[reader][name]),
                )
            )
    return rows


def summarize(
    args: argparse.Namespace, runs: dict[str, dict[str, ListRun]], peaks: dict[str, dict[str, int | None]]
) -> dict[str, Any]:
    sizes = {"products": args.products, "orders": args.orders}
    lists: dict[str, Any] = {}
    for name, size in sizes.items():
        bound = math.ceil(size / PAGE)
        lists[name] = {"items": size, "lower_bound": bound}
        for reader in READERS:
            run = runs[reader][name]
            lists[name][reader] = {**asdict(run), "over_bound": run.requests - bound}
    totals: dict[str, dict[str, Any]] = {
        reader: {
            "requests": sum(run.requests for run in runs[reader].values()),
            "rate_limited": sum(run.rate_limited for run in runs[reader].values()),
            "seconds": round(sum(run.seconds for run in runs[reader].values()), 3),
            "peak_memory_mb": megabytes(max((peak or 0 for peak in peaks[reader].values()), default=0)),
        }
        for reader in READERS
    }
    ours, sequential = totals["client"], totals["sequential"]
    complete = all(
        runs[reader]["products"].items == args.products
        and runs[reader]["products"].children == args.products * VARIANTS
        and runs[reader]["orders"].items == args.orders
        for reader in READERS
    )
    return {
        "scenario": "client_read",
        "measures": "reading a whole store (products with variants, orders with lines) with the API client, "
        "against one page at a time",
        "peak_memory": "Python heap the reader allocated above its start (a second pass under tracemalloc)",
        "settings": {
            "products": args.products,
            "variants_per_product": VARIANTS,
            "orders": args.orders,
            "latency_ms": args.latency_ms,
            "plan": "standard",
            "quota_per_window": QUOTA,
            "window_ms": args.window_ms,
            "real_window_ms": 30_000,
            "page_size": PAGE,
            "concurrency": args.concurrency,
            "sandbox": "in-process" if args.in_process else "separate server process, one core each",
            "quick": args.quick,
        },
        "lists": lists,
        "totals": totals,
        "speedup": round(sequential["seconds"] / ours["seconds"], 2) if ours["seconds"] else None,
        "targets": {
            "requests_at_most_bound_plus_2": all(lists[name]["client"]["over_bound"] <= 2 for name in sizes),
            "zero_429s": ours["rate_limited"] == 0,
            "at_most_half_the_sequential_time": ours["seconds"] <= sequential["seconds"] / 2,
            "every_item_read": complete,
        },
        "report": report_rows(args, runs, peaks),
    }


def report(result: dict[str, Any]) -> str:
    rows = []
    for name, data in result["lists"].items():
        for reader in READERS:
            run = data[reader]
            rows.append(
                [
                    f"{name} ({reader})",
                    run["items"],
                    run["children"],
                    run["requests"],
                    data["lower_bound"],
                    run["over_bound"],
                    run["rate_limited"],
                    run["seconds"],
                ]
            )
    for reader, total in result["totals"].items():
        rows.append([f"total ({reader})", "", "", total["requests"], "", "", total["rate_limited"], total["seconds"]])
    lines = [
        table(["list (reader)", "items", "variants/lines", "requests", "bound", "over", "429s", "wall s"], rows),
        "",
        f"peak memory (tracemalloc pass): client {result['totals']['client']['peak_memory_mb']} MB, "
        f"sequential {result['totals']['sequential']['peak_memory_mb']} MB",
        f"speedup over the sequential reader: {result['speedup']}x",
        "targets: " + ", ".join(f"{key}={'yes' if value else 'NO'}" for key, value in result["targets"].items()),
    ]
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    print(f"seeding {args.products:,} products x {VARIANTS} variants and {args.orders:,} orders ...", flush=True)
    if args.in_process:
        in_process = Sandbox(SandboxSettings(window_ms=args.window_ms))
        store = in_process.create_store(STORE, plan="standard", access_token=TOKEN)
        seed(store, args.products, args.orders)
        store.faults.add(FaultRule(path="*", latency_ms=args.latency_ms))
        sandbox: SandboxHandle = InProcessSandbox(in_process, STORE)
    else:
        child_args = ["--products", str(args.products), "--orders", str(args.orders)]
        child_args += ["--latency-ms", str(args.latency_ms), "--window-ms", str(args.window_ms)]
        sandbox = SandboxServer("benchmarks.client_read", STORE, child_args)
    try:
        return await _measure(sandbox, args)
    finally:
        sandbox.close()


async def _measure(sandbox: SandboxHandle, args: argparse.Namespace) -> dict[str, Any]:
    runs: dict[str, dict[str, ListRun]] = {}
    peaks: dict[str, dict[str, int | None]] = {}
    for reader in READERS:
        print(f"reading with the {reader} reader ...", flush=True)
        runs[reader], _ = await run_reader(sandbox, reader, args, trace=False)
    for reader in READERS:
        print(f"measuring memory of the {reader} reader ...", flush=True)
        _, peaks[reader] = await run_reader(sandbox, reader, args, trace=True)
    return summarize(args, runs, peaks)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5,000 products and 2,400 orders")
    parser.add_argument("--products", type=int, default=None)
    parser.add_argument("--orders", type=int, default=None)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--window-ms", type=int, default=3_000, help="quota window (BigCommerce: 30,000)")
    parser.add_argument("--concurrency", type=int, default=8, help="pages in flight per list")
    parser.add_argument("--in-process", action="store_true", help="serve the sandbox in this process")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.products = args.products if args.products is not None else (5_000 if args.quick else 10_000)
    args.orders = args.orders if args.orders is not None else (2_400 if args.quick else 5_000)
    if args.serve:
        serve(args)
        return
    result = asyncio.run(run(args))
    path = write_result("client_read", result)
    print(report(result))
    print(f"wrote {path}")
    if not all(result["targets"].values()):
        # quick sizes leave few pages to overlap, so there the time target is informational
        if args.quick and all(
            value for key, value in result["targets"].items() if key != "at_most_half_the_sequential_time"
        ):
            print("(--quick: the time target applies to the full sizes)")
            return
        sys.exit("client_read: a target was missed (see 'targets')")


if __name__ == "__main__":
    main()
