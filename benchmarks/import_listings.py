"""Importing a store's listings into the hub catalog: requests against the lower bound, 429s, time, memory.

Scenario: 10,000 products with 3 variants each (30,000 items) in a bcsandbox store on the
Standard plan (150 requests per 30 s window) with 50 ms of latency injected on every request,
imported by ``bchub`` into a SQLite file database:

1. a full import (lower bound ``ceil(N/250)`` = 40 requests);
2. an incremental import with nothing changed (lower bound 1 request);
3. an incremental import after 100 products changed (lower bound 1 request; 300 items change).

The brand list is read lazily, once per run and only when a page names a brand the run does
not know, so runs 1 and 3 spend one request over the bound on it and run 2 none. Then the
throughput pass: the same full import with no latency on an Enterprise (unlimited) store,
reported as items per second.

By default the sandbox runs as a separate server process (seeded there), one core each, so
this process holds only the hub: its peak resident set is the hub's peak memory (interpreter
and libraries included). ``--in-process`` serves the store from this process instead (its
memory then counts the sandbox's catalog too). The catalog is seeded an hour in the past, so
the default 5-minute lookback of an incremental run does not re-read it; the 100 changes are
made through the API (10 batch updates, not counted in the import's requests).

    python -m benchmarks.import_listings [--quick] [--in-process]

Writes ``benchmarks/results/import_listings.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bchub.app import Hub
from bchub.domain.catalog import ImportOptions
from bchub.domain.connections import Role
from bchub.domain.runs import Run
from bchub.settings import load_settings
from bchub.sync.catalog.importer import CatalogDeps, import_listings
from bchub.sync.connections import CredentialInput, NewConnection
from bcsandbox import Sandbox, SandboxSettings, Store
from bcsandbox.faults import FaultRule
from benchmarks.common import (
    InProcessSandbox,
    SandboxHandle,
    SandboxServer,
    own_peak_rss_mb,
    quota_bound_seconds,
    report_row,
    serve_app,
    table,
    write_result,
)

STORE = "bench1"
QUOTA = 150  # Standard plan, per window
TOKEN = "bench-token-import-0001"
PAGE = 250
VARIANTS = 3
CHANGED = 100


def seed(store: Store, products: int) -> None:
    """Products with 3 variants each, through the backend API (no HTTP), made an hour ago."""
    with store.sandbox.lock:
        store.sandbox.clock.advance(-3600)
        for number in range(products):
            store.catalog.create_product(
                {
                    "name": f"Benchmark product {number}",
                    "type": "physical",
                    "sku": f"BP-{number}",
                    "price": 10 + number % 90,
                    "cost_price": 4 + number % 40,
                    "weight": 1,
                    "width": 10,
                    "height": 5,
                    "depth": 2,
                    "brand_name": f"Brand {number % 20}",
                    "description": f"<p>Benchmark product {number}, sturdy and plain.</p>",
                    "inventory_tracking": "variant",
                    "custom_fields": [{"name": "origin", "value": "bench"}, {"name": "HS Code", "value": "6109.10"}],
                    "images": [{"image_url": f"https://cdn.example.com/bp/{number}.jpg", "is_thumbnail": True}],
                    "variants": [
                        {
                            "sku": f"BP-{number}-{size}",
                            "price": 10 + number % 90,
                            "inventory_level": 100 + number % 50,
                            "upc": f"0{number:06d}{index}",
                            "option_values": [
                                {"option_display_name": "Size", "label": size},
                                {"option_display_name": "Colour", "label": "Black"},
                            ],
                        }
                        for index, size in enumerate(("S", "M", "L")[:VARIANTS])
                    ],
                }
            )
        store.sandbox.clock.advance(3600)


def make_sandbox(products: int, plan: str, latency_ms: int, window_ms: int) -> Sandbox:
    sandbox = Sandbox(SandboxSettings(window_ms=window_ms))
    store = sandbox.create_store(STORE, plan=plan, access_token=TOKEN)
    seed(store, products)
    if latency_ms:
        store.faults.add(FaultRule(path="*", latency_ms=latency_ms))
    return sandbox


# -- where the store is served ---------------------------------------------------------------------


def serve(args: argparse.Namespace) -> None:
    """Child process: seed the store, then serve it until terminated."""
    serve_app(make_sandbox(args.products, args.plan, args.latency_ms, args.window_ms), args.serve)


Handle = SandboxHandle


def open_handle(args: argparse.Namespace, plan: str, latency_ms: int) -> Handle:
    if args.in_process:
        return InProcessSandbox(make_sandbox(args.products, plan, latency_ms, args.window_ms), STORE)
    child_args = [
        "--products",
        str(args.products),
        "--plan",
        plan,
        "--latency-ms",
        str(latency_ms),
        "--window-ms",
        str(args.window_ms),
    ]
    return SandboxServer("benchmarks.import_listings", STORE, child_args)


async def change_products(handle: Handle, count: int, products: int) -> None:
    """Rename ``count`` products spread over the catalog, 10 per batch update, through the API."""
    step = max(1, products // count)
    ids = list(range(1, products + 1, step))[:count]
    async with httpx.AsyncClient(
        transport=handle.transport, base_url=f"{handle.base_url}/stores/{STORE}", headers={"X-Auth-Token": TOKEN}
    ) as client:
        for start in range(0, len(ids), 10):
            batch = [
                {"id": product_id, "name": f"Benchmark product {product_id} (new)"}
                for product_id in ids[start : start + 10]
            ]
            (await client.put("/v3/catalog/products", json=batch)).raise_for_status()


async def one_run(handle: Handle, deps: CatalogDeps, options: ImportOptions, bound: int, items: int) -> dict[str, Any]:
    handle.clear()
    started = time.perf_counter()
    run: Run = await import_listings(deps, "bench", options)
    seconds = time.perf_counter() - started
    logged = handle.statuses()
    return {
        "status": run.status.value,
        "requests": run.requests,
        "lower_bound": bound,
        "over_bound": run.requests - bound,
        "rate_limited": sum(status == 429 for status in logged),
        "seconds": round(seconds, 3),
        "items": items,
        "items_per_second": round(items / seconds, 1) if seconds and items else None,
        "counts": run.counts,
        "peak_rss_mb": own_peak_rss_mb(),
    }


def open_hub(handle: Handle, directory: Path) -> Hub:
    settings = load_settings(
        {"HOME": str(directory / "home")},
        data_dir=directory / "bchub",
        bigcommerce_api_url=handle.base_url,
        oauth_login_url=handle.base_url,
    )
    hub = Hub(settings, transport=handle.transport)
    hub.connections.add(NewConnection(Role.VENDOR, CredentialInput(store_hash=STORE, access_token=TOKEN), name="bench"))
    return hub


async def scenario(args: argparse.Namespace) -> dict[str, Any]:
    """Full, unchanged incremental, 100-changed incremental on Standard with latency."""
    handle = open_handle(args, "standard", args.latency_ms)
    items = args.products * VARIANTS
    try:
        with tempfile.TemporaryDirectory() as directory, open_hub(handle, Path(directory)) as hub:
            deps = CatalogDeps(hub.sessions, hub.connections, hub.clients)
            runs = {"full": await one_run(handle, deps, ImportOptions(), math.ceil(args.products / PAGE), items)}
            incremental = ImportOptions(incremental=True, lookback=timedelta(minutes=5))
            runs["incremental_unchanged"] = await one_run(handle, deps, incremental, 1, 0)
            await change_products(handle, CHANGED, args.products)
            runs["incremental_changed"] = await one_run(handle, deps, incremental, 1, CHANGED * VARIANTS)
    finally:
        handle.close()
    return runs


async def throughput(args: argparse.Namespace) -> dict[str, Any]:
    """The full import with no latency on an unlimited plan."""
    handle = open_handle(args, "enterprise", 0)
    items = args.products * VARIANTS
    try:
        with tempfile.TemporaryDirectory() as directory, open_hub(handle, Path(directory)) as hub:
            deps = CatalogDeps(hub.sessions, hub.connections, hub.clients)
            return await one_run(handle, deps, ImportOptions(), math.ceil(args.products / PAGE), items)
    finally:
        handle.close()


def report_rows(runs: dict[str, dict[str, Any]], window_ms: int) -> list[dict[str, Any]]:
    """One row per run; the unlimited throughput pass has no quota bound."""
    return [
        report_row(
            name.replace("_", " "),
            requests=run["requests"],
            lower_bound=run["lower_bound"],
            rate_limited=run["rate_limited"],
            seconds=run["seconds"],
            quota_bound=None
            if name == "throughput_no_latency_unlimited"
            else quota_bound_seconds(run["lower_bound"], QUOTA, window_ms / 1000),
            items=run["items"],
            peak_memory_mb=run["peak_rss_mb"],
        )
        for name, run in runs.items()
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000 products instead of 10,000")
    parser.add_argument("--products", type=int, default=None)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--window-ms", type=int, default=30_000)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--in-process", action="store_true", help="serve the store from this process")
    parser.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--plan", default="standard", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.products = args.products or (1_000 if args.quick else 10_000)
    if args.serve is not None:
        serve(args)
        return
    runs = asyncio.run(scenario(args))
    if not args.skip_throughput:
        runs["throughput_no_latency_unlimited"] = asyncio.run(throughput(args))
    rows = [
        [
            name,
            run["requests"],
            run["lower_bound"],
            run["rate_limited"],
            run["seconds"],
            run["items_per_second"] or "-",
            run["peak_rss_mb"],
            run["status"],
        ]
        for name, run in runs.items()
    ]
    print(table(["run", "requests", "bound", "429s", "seconds", "items/s", "peak RSS MB", "status"], rows))
    targets = {
        "requests_within_bound_plus_2": all(run["over_bound"] <= 2 for run in runs.values()),
        "zero_429s": all(run["rate_limited"] == 0 for run in runs.values()),
        "peak_memory_under_300_mb": max(run["peak_rss_mb"] for run in runs.values()) < 300,
        "at_least_3000_items_per_second": (runs.get("throughput_no_latency_unlimited") or {}).get("items_per_second", 0)
        >= 3000,
    }
    print("targets:", ", ".join(f"{name}={'yes' if met else 'NO'}" for name, met in targets.items()))
    path = write_result(
        "import_listings",
        {
            "scenario": "import_listings",
            "measures": "importing a store's products and variants into the hub catalog: full, then incremental",
            "products": args.products,
            "variants_per_product": VARIANTS,
            "items": args.products * VARIANTS,
            "latency_ms": args.latency_ms,
            "window_ms": args.window_ms,
            "plan": "standard (the throughput pass: enterprise, no latency)",
            "sandbox": "in-process" if args.in_process else "separate server process, one core each",
            "peak_memory": "peak resident set of the benchmark process (hub, interpreter, libraries"
            + (", and the in-process sandbox)" if args.in_process else ")"),
            "runs": runs,
            "targets": targets,
            "report": report_rows(runs, args.window_ms),
        },
    )
    print(f"wrote {path}")
    if not all(run["status"] == "succeeded" for run in runs.values()):
        sys.exit("an import did not succeed")


if __name__ == "__main__":
    main()
