"""Fault scenario 4 at size: webhooks dropped, doubled and late, then the scheduled reconcile.

The scenario is the one ``tests/faults/test_webhook_delivery.py`` runs in CI at 60 merchant orders
(see ``tests/faults/webhook_scenario.py``): a merchant and 3 vendor stores (Standard plan, the
window shortened to 1 s) whose webhooks the sandbox delivers into bchub's real receiver with, on
every store, 10% of deliveries dropped, 15% sent twice and 20% held back up to 0.4 s so later
events overtake them; the last batch's callbacks are all lost. Orders come in four batches; the
hub works off the jobs the webhooks queue, vendors ship and set some stock levels by hand; then
the polling and reconcile schedules fire once and the records are counted in the stores and in
the hub: merchant orders, vendor orders, shipments, and every vendor variant's stock level.

Report rows:

- **webhooks**: the jobs the webhooks queued (import, route, shipment write-back). Lower bound:
  one POST per vendor order the hub placed before the reconcile, per merchant shipment written
  before it one POST, and one order read per batch.
- **reconcile**: the scheduled ``get_orders``, ``route_orders``, ``sync_shipments`` and
  ``reconcile_orders`` and their follow-ups. Lower bound: one order listing (the reconcile's), the
  orders backfilled read in one listing, one POST per vendor order placed by it, one POST per
  shipment written by it, and one stock listing per vendor.

    python -m benchmarks.faults_webhooks [--quick] [--orders N]

Writes ``<results>/faults_webhooks.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import resource
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.common import quota_bound_seconds, report_row, table, write_result
from tests.faults.scenarios import ScenarioResult
from tests.faults.webhook_scenario import BATCHES, LATE_S, webhooks_under_faults
from tests.faults.world import VENDORS, WINDOW_MS

QUOTA = 150  # Standard plan, per window


def _quota_bound_s(merchant_requests: int, vendor_requests: int) -> float:
    """The least wall time the quotas allow: each store has its own, so the busiest store's share decides.

    The merchant's share is known exactly; the vendors' is spread over ``VENDORS``, and the busiest
    vendor carries at least an even share.
    """
    busiest = max(merchant_requests, math.ceil(vendor_requests / len(VENDORS)))
    return quota_bound_seconds(busiest, QUOTA, WINDOW_MS / 1000)


def _rows(result: ScenarioResult, peak_mb: float) -> list[dict[str, Any]]:
    notes = result.notes
    before, after = notes["before_reconcile"], notes["after_reconcile"]
    # merchant: one order read per batch and one POST per shipment written; vendors: one POST per vendor order
    webhook_merchant, webhook_vendors = before["shipments_written"] + BATCHES, before["vendor_orders"]
    webhook_bound = webhook_merchant + webhook_vendors
    # merchant: two order listings and the shipments written; vendors: one stock listing each and the orders placed
    reconcile_merchant = 2 + (after["shipments_written"] - before["shipments_written"])
    reconcile_vendors = len(VENDORS) + (after["vendor_orders"] - before["vendor_orders"])
    reconcile_bound = reconcile_merchant + reconcile_vendors
    webhook_requests = notes["requests_before_reconcile"]
    webhook_seconds = max(0.0, result.figures.seconds - notes["reconcile_seconds"])
    return [
        report_row(
            "webhooks",
            requests=webhook_requests,
            lower_bound=webhook_bound,
            rate_limited=result.figures.rate_limited,
            seconds=webhook_seconds,
            quota_bound=_quota_bound_s(webhook_merchant, webhook_vendors),
            items=before["orders"],
            peak_memory_mb=peak_mb,
        ),
        report_row(
            "reconcile",
            requests=notes["reconcile_requests"],
            lower_bound=reconcile_bound,
            rate_limited=0,
            seconds=notes["reconcile_seconds"],
            quota_bound=_quota_bound_s(reconcile_merchant, reconcile_vendors),
            items=after["orders"] - before["orders"],
            peak_memory_mb=peak_mb,
        ),
    ]


async def run(orders: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bchub-faults-webhooks-") as folder:
        print(f"scenario 4: {orders:,} orders, webhooks dropped / doubled / late, then the reconcile ...", flush=True)
        result, counts = await webhooks_under_faults(Path(folder), orders)
    peak_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return {
        "scenario": "faults_webhooks",
        "settings": {
            "orders": orders,
            "batches": BATCHES,
            "vendors": len(VENDORS),
            "plan": "standard",
            "quota_per_window": QUOTA,
            "window_ms": WINDOW_MS,
            "faults": f"every store: 10% of deliveries dropped, 15% sent twice, 20% late (up to {LATE_S} s); "
            "the last batch's callbacks all lost; 3 stock levels set by hand per vendor and batch",
        },
        "exact": counts.exact,
        "reconciliation": result.reconciliation,
        "figures": asdict(result.figures),
        "notes": result.notes,
        "report": _rows(result, peak_mb),
        "peak_rss_mb": peak_mb,
    }


def report(result: dict[str, Any]) -> str:
    counts = result["reconciliation"]
    sent = result["notes"]["deliveries"]
    headers = ["phase", "requests", "bound", "429s", "wall s", "quota s", "items"]
    keys = ("phase", "requests", "lower_bound", "rate_limited", "seconds", "quota_bound_seconds", "items")
    rows = [[row[key] for key in keys] for row in result["report"]]
    return "\n".join(
        [
            table(headers, rows),
            "",
            f"deliveries: {sent['delivered']} delivered, {sent['dropped']} dropped, {sent['duplicates']} doubled, "
            f"{sent['late']} late; the hub kept {counts['events_stored']} events, dropped "
            f"{counts['duplicates_dropped']} repeats",
            f"before the reconcile the hub held {result['notes']['before_reconcile']['orders']} of "
            f"{counts['store_orders']} orders; after: {counts['hub_orders']}, missing {counts['hub_missing']}; "
            f"vendor orders {counts['routing']['vendor_orders']}/{counts['routing']['expected']}, shipments "
            f"{counts['shipments']['merchant_shipments']}/{counts['shipments']['vendor_shipments']}, stock levels "
            f"{counts['stock']['vendor_variants'] - counts['stock']['different'] - counts['stock']['missing']}"
            f"/{counts['stock']['vendor_variants']} (before: "
            f"{result['notes']['stock_before_reconcile']['different']} stale); "
            f"exact={'yes' if result['exact'] else 'NO'}",
            f"peak RSS {result['peak_rss_mb']} MB",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="60 orders, as in CI")
    parser.add_argument("--orders", type=int, default=None)
    args = parser.parse_args(argv)
    orders = args.orders if args.orders is not None else (60 if args.quick else 1_000)
    started = time.perf_counter()
    result = asyncio.run(run(orders))
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    path = write_result("faults_webhooks", result)
    print(report(result))
    print(f"wrote {path}")
    if not result["exact"]:
        sys.exit("faults_webhooks: the reconciliation did not match (see 'reconciliation')")


if __name__ == "__main__":
    main()
