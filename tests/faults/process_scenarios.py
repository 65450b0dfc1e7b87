"""Fault scenarios 3 and 6 as functions: the CI tests run them small, ``benchmarks/faults.py`` large.

3. Routing under the faults of scenario 1, run by a job worker process that is SIGKILLed twice
   in the middle and started again (embedded and distributed mode).
6. Routing run by a Celery worker while PostgreSQL is stopped for a few seconds and started again.

Vendor stores answer every request after ``LATENCY_MS`` (a real store's write takes longer
still), so a run lasts long enough to be interrupted half-way.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bchub.domain.runs import Run, RunStatus
from bchub.jobs.model import JobStatus
from bcsandbox.faults import FaultRule
from tests.faults.processes import (
    LiveWorld,
    Mode,
    RouteJobs,
    import_orders,
    job_workers,
    live_fault_world,
    start_postgres_again,
    stop_postgres,
    wait_for,
)
from tests.faults.world import MERCHANT, VENDORS, RouteReconciliation, reconcile_routing
from tests.support.servers import PostgresServer

LATENCY_MS = 100
SETTLE_TIMEOUT_S = 120.0


@dataclass
class ProcessFigures:
    requests: int  # requests the stores received while the jobs ran
    rate_limited: int
    server_errors: int
    posts: int  # vendor order creates among them
    lookups: int  # vendor order look-ups by external id (after an unknown outcome or a crash)
    seconds: float
    worker_peak_rss_mb: float = 0.0  # the most memory a job-running process used


@dataclass
class ProcessOutcome:
    name: str
    mode: str
    orders: int
    expected: int  # (merchant order, vendor) pairs
    interruptions: list[int]  # vendor orders in the stores at each kill / database stop
    job_statuses: list[str]
    job_attempts: list[int]
    run_statuses: list[str]
    run_errors: list[str]
    left_after_settling: int
    figures: ProcessFigures
    reconciliation: RouteReconciliation
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        return self.reconciliation.exact and self.left_after_settling == 0 and self.job_statuses[-1] == "succeeded"


def _slow_vendors(world: LiveWorld) -> None:
    for store_hash in VENDORS:
        world.sandbox.stores[store_hash].faults.add(FaultRule(latency_ms=LATENCY_MS))


def _figures(world: LiveWorld, seconds: float) -> ProcessFigures:
    log = world.sandbox.requests()
    vendor_orders = [entry for entry in log if entry.store_hash in VENDORS and entry.path.endswith("/v2/orders")]
    return ProcessFigures(
        requests=len(log),
        rate_limited=sum(entry.status == 429 for entry in log),
        server_errors=sum(entry.status in (500, 503) for entry in log),
        posts=sum(entry.method == "POST" for entry in vendor_orders),
        lookups=sum(entry.method == "GET" for entry in vendor_orders),
        seconds=round(seconds, 2),
    )


async def _settle(world: LiveWorld) -> int:
    """A clean routing run in this process after the workers stopped: what it still finds to do."""
    world.clear_faults()
    settled: Run = await world.hub.orders.route(MERCHANT)
    assert settled.status is RunStatus.SUCCEEDED, settled.error
    return settled.counts.get("created", 0) + settled.counts.get("linked", 0)


def _outcome(
    name: str, mode: Mode, world: LiveWorld, jobs: RouteJobs, interruptions: list[int], figures: ProcessFigures
) -> ProcessOutcome:
    finished = jobs.refresh()
    runs = jobs.runs()
    return ProcessOutcome(
        name=name,
        mode=mode.value,
        orders=len(world.orders),
        expected=world.expected_vendor_orders(),
        interruptions=interruptions,
        job_statuses=[job.status.value for job in finished],
        job_attempts=[job.attempts for job in finished],
        run_statuses=[run.status.value for run in runs],
        run_errors=[run.error or "" for run in runs if run.error],
        left_after_settling=-1,
        figures=figures,
        reconciliation=reconcile_routing(world),
    )


async def route_with_worker_kills(
    data_dir: Path,
    orders: int,
    mode: Mode,
    *,
    database_url: str | None = None,
    broker_url: str | None = None,
    kills: int = 2,
) -> ProcessOutcome:
    """Scenario 3: route ``orders`` under faults; SIGKILL the worker ``kills`` times mid-run, restart it each time."""
    async with live_fault_world(data_dir, database_url=database_url, broker_url=broker_url) as world:
        world.add_faults(VENDORS)
        await import_orders(world, orders)
        _slow_vendors(world)
        world.sandbox.clear_requests()
        expected = world.expected_vendor_orders()
        marks = [expected * (number + 1) // (kills + 2) for number in range(kills)]  # e.g. at 1/4 and 1/2
        killed_at: list[int] = []
        started = time.perf_counter()
        with job_workers(mode, world.hub_settings) as workers:
            jobs = RouteJobs(world.hub)
            jobs.submit()

            def progress() -> bool:
                if len(killed_at) < kills:
                    done = world.vendor_orders()
                    running = world.hub.jobs.get(jobs.current.id).status is JobStatus.RUNNING
                    if running and marks[len(killed_at)] <= done < expected:
                        workers.kill()
                        killed_at.append(done)
                        workers.start()
                        return False
                return jobs.settled()

            await wait_for(progress, SETTLE_TIMEOUT_S, "the route jobs to finish", workers)
        figures = _figures(world, time.perf_counter() - started)
        figures.worker_peak_rss_mb = workers.peak_rss_mb
        left = await _settle(world)
        outcome = _outcome(f"worker SIGKILLed {kills}x mid-route ({mode.value})", mode, world, jobs, killed_at, figures)
        outcome.left_after_settling = left
        outcome.notes["runs_of_killed_workers"] = sum("its process is gone" in error for error in outcome.run_errors)
        return outcome


async def route_across_database_restart(
    data_dir: Path, orders: int, postgres: PostgresServer, broker_url: str, *, outage_s: float = 3.0
) -> ProcessOutcome:
    """Scenario 6: PostgreSQL is stopped while a Celery worker routes, and started again ``outage_s`` later."""
    database_url = postgres.create_database()
    async with live_fault_world(data_dir, database_url=database_url, broker_url=broker_url) as world:
        await import_orders(world, orders)
        _slow_vendors(world)
        world.sandbox.clear_requests()
        expected = world.expected_vendor_orders()
        started = time.perf_counter()
        with job_workers(Mode.DISTRIBUTED, world.hub_settings) as workers:
            jobs = RouteJobs(world.hub)
            jobs.submit()
            await wait_for(lambda: world.vendor_orders() >= expected // 3, 120, "a third of the vendor orders", workers)
            at_stop = world.vendor_orders()
            stop_postgres(postgres)
            await asyncio.sleep(outage_s)
            sent_while_down = world.vendor_orders() - at_stop
            start_postgres_again(postgres)
            await wait_for(jobs.settled, SETTLE_TIMEOUT_S, "the route jobs to finish", workers)
        figures = _figures(world, time.perf_counter() - started)
        figures.worker_peak_rss_mb = workers.peak_rss_mb
        left = await _settle(world)
        outcome = _outcome(
            f"PostgreSQL stopped {outage_s:.0f} s mid-route", Mode.DISTRIBUTED, world, jobs, [at_stop], figures
        )
        outcome.left_after_settling = left
        outcome.notes["sent_while_down"] = sent_while_down
        outcome.notes["outage_s"] = outage_s
        return outcome
