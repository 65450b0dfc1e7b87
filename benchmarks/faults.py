"""Fault scenarios at size: routing, shipment write-back and a revoked token, reconciled on both sides.

The scenarios are the ones ``tests/faults/`` runs in CI at 300 merchant orders (see
``tests/faults/scenarios.py``): a merchant and 3 vendor stores on the Standard plan (150 requests
per window, the window shortened to 1 s), dropship orders with lines from one, two or three
vendors, and on the stores: 5% of requests answered 500/503, 3% of writes committed then their
response dropped, a burst of 429s with rate-limit headers and one without. Each operation runs
again until a run succeeds (at most 10 runs), then a clean run must find nothing left, then the
records are counted in the stores and in the hub.

1. **route**: one vendor order per (merchant order, vendor). Lower bound: one POST per vendor order.
2. **shipments**: about N vendor orders (the fewest merchant orders that make N) shipped, every
   seventh of the third vendor's left unshipped; one merchant shipment per vendor shipment,
   statuses right. Lower bound: per
   vendor ``ceil(M/250)`` listing reads, per shipped vendor order one shipments read, on the
   merchant one look-up per shipped order and one POST per shipment.
3. **token revoked**: the first vendor's token is revoked after a sixth of its orders; a new token,
   a passing test, and routing completes. (Sized at a third of the orders.)

Wall time is compared with the quota-bound time: the lower bound of the busiest store divided by
its quota per window, times the window.

    python -m benchmarks.faults [--quick] [--orders N]

Writes ``benchmarks/results/faults.json`` and prints a table.
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

from benchmarks.common import table, write_result
from tests.faults.scenarios import ScenarioResult, route_under_faults, shipments_under_faults, token_revoked_mid_run
from tests.faults.world import VENDORS, WINDOW_MS, orders_for, vendors_of

QUOTA = 150  # Standard plan, per window
PAGE = 250


def _quota_bound_s(busiest_store_requests: int) -> float:
    return round(busiest_store_requests / QUOTA * WINDOW_MS / 1000, 2)


def _route_bound(orders: int) -> tuple[int, int]:
    """(one POST per vendor order, the busiest vendor's share)."""
    per_vendor = [0] * len(VENDORS)
    for number in range(orders):
        for index in vendors_of(number):
            per_vendor[index] += 1
    return sum(per_vendor), max(per_vendor)


def _row(result: ScenarioResult, lower_bound: int, busiest: int) -> dict[str, Any]:
    bound_s = _quota_bound_s(busiest)
    return {
        "name": result.name,
        "exact": result.exact,
        "reconciliation": result.reconciliation,
        "figures": asdict(result.figures),
        "lower_bound": lower_bound,
        "requests_over_bound": round(result.figures.requests / lower_bound, 2) if lower_bound else None,
        "quota_bound_s": bound_s,
        "wall_over_quota_bound": round(result.figures.seconds / bound_s, 2) if bound_s else None,
        "notes": result.notes,
    }


async def run(orders: int) -> dict[str, Any]:
    scenarios: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bchub-faults-bench-") as folder:
        root = Path(folder)
        print(f"scenario 1: routing {orders:,} orders under faults ...", flush=True)
        routed, _ = await route_under_faults(root / "route", orders)
        posts, busiest = _route_bound(orders)
        scenarios["route"] = _row(routed, posts, busiest)

        shipping_orders = orders_for(orders)
        print(f"scenario 2: writing back the shipments of {orders:,} vendor orders under faults ...", flush=True)
        shipped, counts = await shipments_under_faults(root / "shipments", shipping_orders)
        listing = len(VENDORS) * math.ceil(orders / len(VENDORS) / PAGE)
        merchant_side = counts.merchant_orders_shipped + counts.vendor_shipments
        scenarios["shipments"] = _row(shipped, listing + counts.vendor_shipments + merchant_side, merchant_side)

        revoked_orders = max(3, orders // 3)
        print(f"scenario 5: a token revoked while routing {revoked_orders:,} orders ...", flush=True)
        started = time.perf_counter()
        outcome = await token_revoked_mid_run(root / "revoked", revoked_orders)
        scenarios["token_revoked"] = {
            "name": "token revoked mid-run, replaced, resumed",
            "orders": revoked_orders,
            "exact": outcome.reconciliation.exact and outcome.paused and outcome.sent_while_paused == 0,
            "reconciliation": asdict(outcome.reconciliation),
            "first_run": outcome.first_status.value,
            "paused_after_revoke": outcome.paused,
            "skipped_while_paused": outcome.blocked_skipped,
            "sent_while_paused": outcome.sent_while_paused,
            "test_after_new_token_passed": outcome.test_passed,
            "resumed_run": outcome.resumed_status.value,
            "seconds": round(time.perf_counter() - started, 2),
        }
    return {
        "scenario": "faults",
        "settings": {
            "orders": orders,
            "vendors": len(VENDORS),
            "plan": "standard",
            "quota_per_window": QUOTA,
            "window_ms": WINDOW_MS,
            "faults": "5% 500/503; 3% of writes committed then dropped; 429 burst of 2 with headers, 1 without",
        },
        "scenarios": scenarios,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def report(result: dict[str, Any]) -> str:
    rows = []
    for key in ("route", "shipments"):
        scenario = result["scenarios"][key]
        figures = scenario["figures"]
        rows.append(
            [
                key,
                figures["orders"],
                figures["runs"],
                figures["requests"],
                scenario["lower_bound"],
                figures["rate_limited"],
                figures["server_errors"],
                figures["seconds"],
                scenario["quota_bound_s"],
                "yes" if scenario["exact"] else "NO",
            ]
        )
    revoked = result["scenarios"]["token_revoked"]
    headers = ["scenario", "orders", "runs", "requests", "bound", "429s", "5xx", "wall s", "quota s", "exact"]
    return "\n".join(
        [
            table(headers, rows),
            "",
            f"token revoked: {revoked['orders']} orders, paused={revoked['paused_after_revoke']}, "
            f"sent while paused={revoked['sent_while_paused']}, resumed={revoked['resumed_run']}, "
            f"exact={'yes' if revoked['exact'] else 'NO'}",
            f"peak RSS {result['peak_rss_mb']} MB",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="300 orders, as in CI")
    parser.add_argument("--orders", type=int, default=None)
    args = parser.parse_args(argv)
    orders = args.orders if args.orders is not None else (300 if args.quick else 1_500)
    started = time.perf_counter()
    result = asyncio.run(run(orders))
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    path = write_result("faults", result)
    print(report(result))
    print(f"wrote {path}")
    if not all(scenario["exact"] for scenario in result["scenarios"].values()):
        sys.exit("faults: a reconciliation did not match (see 'scenarios')")


if __name__ == "__main__":
    main()
