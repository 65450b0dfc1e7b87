"""``sync_listings`` on 10,000 published variants: requests against the lower bound, 429s, wall time.

Scenario: a bcsandbox store on the Standard plan (150 requests per 30 s window) with 50 ms of
latency injected on every request, holding 2,500 products of 4 variants each, all published
from the hub (items, listings and push state as ``publish_listings`` leaves them). Four syncs:

- nothing changed — lower bound 0 requests;
- 100 stock changes — 1 (one absolute adjustment of ≤ 2,000 items);
- 10,000 stock changes — 5;
- 1,000 price changes — 20 (variant batches of ≤ 50).

Target: requests ≤ bound + 2 and no 429 in every case. The sandbox runs in this process through
the ASGI transport.

    python -m benchmarks.sync_listings [--quick]

Writes ``benchmarks/results/sync_listings.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bchub.app import Hub
from bchub.domain.catalog import Accounting, Attribute, ItemData
from bchub.domain.connections import Role
from bchub.domain.publishing import PushState
from bchub.settings import load_settings
from bchub.storage.catalog_repository import CatalogRepository, accounting_columns, item_columns
from bchub.storage.catalog_tables import ItemRow
from bchub.storage.publish_repository import PublishRepository
from bchub.storage.repositories import utc_now
from bchub.sync.catalog.sync_listings import sync_listings
from bchub.sync.catalog.writes import PublishDeps
from bchub.sync.connections import CredentialInput, NewConnection
from bcsandbox import Sandbox, SandboxSettings, Store
from bcsandbox.faults import FaultRule
from bcsandbox.testing import transport_for
from benchmarks.common import own_peak_rss_mb, quota_bound_seconds, report_row, table, timed, write_result

STORE = "sync1"
TOKEN = "bench-sync-token"
VARIANTS = 4
QUOTA = 150  # Standard plan, per window
API_URL = "http://sandbox.bench"


def seed_store(store: Store, products: int) -> list[dict[str, Any]]:
    """Products with ``VARIANTS`` variants each, through the backend API; returns the variants."""
    variants: list[dict[str, Any]] = []
    for number in range(products):
        created = store.catalog.create_product(
            {
                "name": f"Sync product {number}",
                "type": "physical",
                "sku": f"SP-{number}",
                "price": 10,
                "weight": 1,
                "inventory_tracking": "variant",
                "variants": [
                    {
                        "sku": f"SP-{number}-{size}",
                        "price": 10,
                        "inventory_level": 5,
                        "option_values": [{"option_display_name": "Size", "label": size}],
                    }
                    for size in ("S", "M", "L", "XL")[:VARIANTS]
                ],
            }
        )
        variants.extend(created["variants"])
    return variants


def seed_hub(hub: Hub, connection_id: int, variants: list[dict[str, Any]]) -> dict[str, int]:
    """Items, listings, stock and push state, as publishing these variants leaves them."""
    now = utc_now()
    datas = [
        ItemData(
            sku=v["sku"],
            name=f"Sync product {v['product_id']}",
            parent_sku=v["sku"].rsplit("-", 1)[0],
            price=Decimal(10),
            weight=Decimal(1),
            options=(Attribute("Size", v["sku"].rsplit("-", 1)[1]),),
        )
        for v in variants
    ]
    with hub.sessions.begin() as session:
        repo = CatalogRepository(session)
        ids = repo.insert_items(
            [
                {**item_columns(d), **accounting_columns(Accounting()), "origin": "csv", "created_at": now,
                 "updated_at": now}
                for d in datas
            ]
        )  # fmt: skip
        repo.insert_listings(
            [
                {"connection_id": connection_id, "item_id": ids[v["sku"]], "product_id": str(v["product_id"]),
                 "variant_id": str(v["id"]), "base_variant": False, "sku": v["sku"], "price": Decimal(10),
                 "inventory_level": 5, "created_at": now, "updated_at": now}
                for v in variants
            ]
        )  # fmt: skip
        repo.put_stock(
            [
                {"item_id": item_id, "source": "csv", "connection_id": None, "quantity": 5, "updated_at": now}
                for item_id in ids.values()
            ]
        )
        listings = repo.listing_rows_by_item(connection_id, ids.values())
        pushed = PushState(Decimal(10), None, 5)
        PublishRepository(session).save_pushed(
            [
                {"listing_id": row.id, "connection_id": connection_id, "price": pushed.price, "stock": 5,
                 "price_hash": pushed.price_hash(), "stock_hash": pushed.stock_hash()}
                for row in listings.values()
            ]
        )  # fmt: skip
    return ids


def change_stock(hub: Hub, item_ids: list[int], quantity: int) -> None:
    now = utc_now()
    with hub.sessions.begin() as session:
        CatalogRepository(session).put_stock(
            [
                {"item_id": i, "source": "csv", "connection_id": None, "quantity": quantity, "updated_at": now}
                for i in item_ids
            ]
        )


def change_prices(hub: Hub, item_ids: list[int], price: Decimal) -> None:
    with hub.sessions.begin() as session:
        CatalogRepository(session).update_items([{"id": i, "price": price} for i in item_ids])


async def measure(deps: PublishDeps, sandbox: Sandbox, connection_id: int, bound: int) -> dict[str, Any]:
    sandbox.clear_requests()
    (run, _), took = await timed(lambda: sync_listings(deps, connection_id))
    assert run is not None
    log = sandbox.requests(STORE)
    return {
        "requests": run.requests,
        "lower_bound": bound,
        "rate_limited": sum(1 for entry in log if entry.status == 429),
        "seconds": round(took.seconds, 2),
        "status": run.status.value,
        "pushed": {key: run.counts.get(key, 0) for key in ("updated", "failed", "unchanged")},
        "quota_bound_s": quota_bound_seconds(bound, QUOTA, sandbox.settings.window_ms / 1000),
        "peak_rss_mb": own_peak_rss_mb(),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    variants_wanted = args.variants
    products = math.ceil(variants_wanted / VARIANTS)
    sandbox = Sandbox(SandboxSettings())
    store = sandbox.create_store(STORE, plan="standard", access_token=TOKEN)
    print(f"seeding {products:,} products x {VARIANTS} variants ...", flush=True)
    variants = seed_store(store, products)
    store.faults.add(FaultRule(path="*", latency_ms=args.latency_ms))
    with tempfile.TemporaryDirectory() as home:
        settings = load_settings(
            {"HOME": str(Path(home) / "home")},
            data_dir=Path(home) / "bchub",
            bigcommerce_api_url=API_URL,
            oauth_login_url=API_URL,
        )
        with Hub(settings, transport=transport_for(sandbox)) as hub:
            connection = hub.connections.add(
                NewConnection(Role.MERCHANT, CredentialInput(store_hash=STORE, access_token=TOKEN), name="bench")
            )
            assert connection.id is not None
            ids = seed_hub(hub, connection.id, variants)
            with hub.sessions() as session:
                ordered = list(session.scalars(select(ItemRow.id).order_by(ItemRow.id)))
            deps = PublishDeps(hub.sessions, hub.connections, hub.clients)
            cases: dict[str, dict[str, Any]] = {}
            print("sync with nothing changed ...", flush=True)
            cases["nothing_changed"] = await measure(deps, sandbox, connection.id, 0)
            print("sync with 100 stock changes ...", flush=True)
            change_stock(hub, ordered[:100], 7)
            cases["stock_100"] = await measure(deps, sandbox, connection.id, 1)
            print(f"sync with {len(ordered):,} stock changes ...", flush=True)
            change_stock(hub, ordered, 9)
            cases[f"stock_{len(ordered)}"] = await measure(
                deps, sandbox, connection.id, math.ceil(len(ordered) / 2_000)
            )
            prices = min(1_000, len(ordered))
            print(f"sync with {prices:,} price changes ...", flush=True)
            change_prices(hub, ordered[:prices], Decimal("12.5"))
            cases[f"price_{prices}"] = await measure(deps, sandbox, connection.id, math.ceil(prices / 50))
            assert len(ids) == len(variants)
    targets = {
        name: case["requests"] <= case["lower_bound"] + 2
        and case["rate_limited"] == 0
        and case["status"] == "succeeded"
        for name, case in cases.items()
    }
    return {
        "scenario": "sync_listings",
        "measures": f"pushing stock and price changes of {len(variants):,} published variants to their store",
        "items": "variants updated in the store",
        "variants": len(variants),
        "plan": "standard",
        "latency_ms": args.latency_ms,
        "cases": cases,
        "peak_rss_mb": own_peak_rss_mb(),
        "targets": targets,
        "report": [
            report_row(
                name.replace("_", " "),
                requests=case["requests"],
                lower_bound=case["lower_bound"],
                rate_limited=case["rate_limited"],
                seconds=case["seconds"],
                quota_bound=case["quota_bound_s"],
                items=case["pushed"]["updated"],
                peak_memory_mb=case["peak_rss_mb"],
            )
            for name, case in cases.items()
        ],
    }


def report(result: dict[str, Any]) -> str:
    rows = [
        [name, case["requests"], case["lower_bound"], case["rate_limited"], case["seconds"], case["status"]]
        for name, case in result["cases"].items()
    ]
    return table(["case", "requests", "lower bound", "429s", "seconds", "status"], rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 variants instead of 10,000")
    parser.add_argument("--variants", type=int, default=None)
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args(argv)
    args.variants = args.variants if args.variants is not None else (2_000 if args.quick else 10_000)
    result = asyncio.run(run(args))
    path = write_result("sync_listings", result)
    print(report(result))
    print(f"peak RSS {result['peak_rss_mb']} MB; wrote {path}")
    if not all(result["targets"].values()):
        raise SystemExit("a target was missed: " + ", ".join(k for k, ok in result["targets"].items() if not ok))


if __name__ == "__main__":
    main()
