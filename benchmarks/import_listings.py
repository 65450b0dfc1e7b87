"""Importing a store's listings into the hub catalog: requests against the lower bound, 429s, time, memory.

Scenario: 10,000 products with 3 variants each (30,000 items) in an in-process bcsandbox store
on the Standard plan (150 requests per 30 s window) with 50 ms of latency injected on every
request, imported by ``bchub`` into a SQLite file database:

1. a full import (lower bound ``ceil(N/250)`` = 40 requests);
2. an incremental import with nothing changed (lower bound 1 request);
3. an incremental import after 100 products changed (lower bound 1 request).

The brand list is read lazily, once per run and only when a page names a brand, so runs 1 and
3 spend one request more than the bound on it and run 2 none. Then the throughput pass: the same
full import with no latency on an Enterprise (unlimited) store, reported as items per second.
Peak memory is the process's peak resident set (hub, in-process sandbox holding the catalog,
and interpreter together), so the hub's own share is below it.

    python -m benchmarks.import_listings [--quick]

Writes ``benchmarks/results/import_listings.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bchub.app import Hub
from bchub.domain.catalog import ImportOptions
from bchub.domain.connections import Role
from bchub.domain.runs import Run
from bchub.settings import load_settings
from bchub.sync.catalog.importer import CatalogDeps, import_listings
from bchub.sync.connections import CredentialInput, NewConnection
from bcsandbox import Sandbox, SandboxSettings, Store
from bcsandbox.faults import FaultRule
from bcsandbox.testing import transport_for
from benchmarks.common import table, write_result

STORE = "bench1"
TOKEN = "bench-token-import-0001"
PAGE = 250
VARIANTS = 3
CHANGED = 100
API_URL = "http://sandbox.bench"


def seed(store: Store, products: int) -> None:
    """Products with 3 variants each, through the backend API (no HTTP)."""
    with store.sandbox.lock:
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


def change(store: Store, count: int) -> None:
    """Rename ``count`` products spread over the catalog (each changes its 3 items)."""
    with store.sandbox.lock:
        records = store.catalog.list_products()
        step = max(1, len(records) // count)
        for record in records[::step][:count]:
            store.catalog.update_product(record.id, {"name": f"{record.fields['name']} (new)"})


def peak_rss_mb() -> float:
    """The process's peak resident set so far (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def statuses(sandbox: Sandbox) -> list[int]:
    return [entry.status for entry in sandbox.requests(STORE)]


async def one_run(
    sandbox: Sandbox, deps: CatalogDeps, options: ImportOptions, bound: int, items: int
) -> dict[str, Any]:
    sandbox.clear_requests()
    started = time.perf_counter()
    run: Run = await import_listings(deps, "bench", options)
    seconds = time.perf_counter() - started
    logged = statuses(sandbox)
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
        "peak_rss_mb": peak_rss_mb(),
    }


def open_hub(sandbox: Sandbox, directory: Path) -> Hub:
    settings = load_settings(
        {"HOME": str(directory / "home")},
        data_dir=directory / "bchub",
        bigcommerce_api_url=API_URL,
        oauth_login_url=API_URL,
    )
    hub = Hub(settings, transport=transport_for(sandbox))
    hub.connections.add(
        NewConnection(Role.VENDOR, CredentialInput(store_hash=STORE, access_token=TOKEN), name="bench")
    )
    return hub


async def scenario(args: argparse.Namespace) -> dict[str, Any]:
    """Full, unchanged incremental, 100-changed incremental on Standard with latency."""
    sandbox = Sandbox(SandboxSettings(window_ms=args.window_ms))
    store = sandbox.create_store(STORE, plan="standard", access_token=TOKEN)
    sandbox.clock.advance(-3600)  # the catalog was made an hour ago: older than any lookback window
    seed(store, args.products)
    sandbox.clock.advance(3600)
    store.faults.add(FaultRule(path="*", latency_ms=args.latency_ms))
    items = args.products * VARIANTS
    with tempfile.TemporaryDirectory() as directory, open_hub(sandbox, Path(directory)) as hub:
        deps = CatalogDeps(hub.sessions, hub.connections, hub.clients)
        runs = {"full": await one_run(sandbox, deps, ImportOptions(), math.ceil(args.products / PAGE), items)}
        incremental = ImportOptions(incremental=True, lookback=timedelta(minutes=5))
        runs["incremental_unchanged"] = await one_run(sandbox, deps, incremental, 1, 0)
        with sandbox.lock:
            change(store, CHANGED)
        runs["incremental_changed"] = await one_run(sandbox, deps, incremental, 1, CHANGED * VARIANTS)
    return runs


async def throughput(args: argparse.Namespace) -> dict[str, Any]:
    """The full import with no latency on an unlimited plan."""
    sandbox = Sandbox()
    store = sandbox.create_store(STORE, plan="enterprise", access_token=TOKEN)
    seed(store, args.products)
    items = args.products * VARIANTS
    with tempfile.TemporaryDirectory() as directory, open_hub(sandbox, Path(directory)) as hub:
        deps = CatalogDeps(hub.sessions, hub.connections, hub.clients)
        return await one_run(sandbox, deps, ImportOptions(), math.ceil(args.products / PAGE), items)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000 products instead of 10,000")
    parser.add_argument("--products", type=int, default=None)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--window-ms", type=int, default=30_000)
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args(argv)
    args.products = args.products or (1_000 if args.quick else 10_000)
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
            "products": args.products,
            "variants_per_product": VARIANTS,
            "items": args.products * VARIANTS,
            "latency_ms": args.latency_ms,
            "window_ms": args.window_ms,
            "plan": "standard",
            "runs": runs,
            "targets": targets,
        },
    )
    print(f"wrote {path}")
    if not all(run["status"] == "succeeded" for run in runs.values()):
        sys.exit("an import did not succeed")


if __name__ == "__main__":
    main()
