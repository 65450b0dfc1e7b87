"""Fault scenarios 1, 2 and 5 as functions: the CI tests run them small, ``benchmarks/faults.py`` large.

Each returns its reconciliation counts and the figures of the runs (requests, 429s, wall time).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from bchub.domain.connections import HealthStatus
from bchub.domain.runs import Run, RunStatus
from bchub.sync.connections import CredentialInput
from bchub.sync.connections.service import ConnectionChanges
from tests.faults.world import (
    MERCHANT,
    VENDORS,
    FaultWorld,
    RouteReconciliation,
    ShipmentReconciliation,
    fault_world,
    reconcile_routing,
    reconcile_shipments,
    until_done,
)


@dataclass
class Figures:
    orders: int
    runs: int  # runs of the operation until it succeeded
    last_status: str
    requests: int  # requests the stores received (hub-side, including retries)
    rate_limited: int  # 429s among them
    server_errors: int  # injected 500/503s among them
    seconds: float


@dataclass
class ScenarioResult:
    name: str
    figures: Figures
    reconciliation: dict[str, Any]
    exact: bool
    notes: dict[str, Any]


async def _measured(world: FaultWorld, work: Callable[[], Awaitable[list[Run]]]) -> tuple[list[Run], Figures]:
    world.sandbox.clear_requests()
    started = time.perf_counter()
    runs = await work()
    seconds = time.perf_counter() - started
    log = world.sandbox.requests()
    figures = Figures(
        orders=len(world.orders),
        runs=len(runs),
        last_status=runs[-1].status.value,
        requests=len(log),
        rate_limited=sum(entry.status == 429 for entry in log),
        server_errors=sum(entry.status in (500, 503) for entry in log),
        seconds=round(seconds, 2),
    )
    return runs, figures


async def _imported(world: FaultWorld, orders: int) -> None:
    world.place_orders(orders)
    got = await until_done(lambda: _get_run(world))
    assert got[-1].status is RunStatus.SUCCEEDED, got[-1].error


async def _get_run(world: FaultWorld) -> Run:
    return (await world.hub.orders.get(MERCHANT)).run


async def route_under_faults(data_dir: Path, orders: int) -> tuple[ScenarioResult, RouteReconciliation]:
    """Scenario 1: import and route ``orders`` orders to 3 vendors while every store misbehaves."""
    async with fault_world(data_dir) as world:
        world.add_faults(VENDORS)
        await _imported(world, orders)
        runs, figures = await _measured(world, lambda: until_done(lambda: world.hub.orders.route(MERCHANT)))
        world.clear_faults()
        settled = await world.hub.orders.route(MERCHANT)  # the hub says nothing is left to do
        reconciliation = reconcile_routing(world)
        notes = {
            "route_runs": [run.status.value for run in runs],
            "created_per_run": [run.counts.get("created", 0) for run in runs],
            "linked_per_run": [run.counts.get("linked", 0) for run in runs],
            "left_after_settling": settled.counts.get("created", 0) + settled.counts.get("linked", 0),
        }
    result = ScenarioResult(
        "route 3 vendors under faults", figures, asdict(reconciliation), reconciliation.exact, notes
    )
    return result, reconciliation


def _skip_some(vendor: int, order: int) -> bool:
    """The third vendor has not shipped every seventh order yet (a partially shipped merchant order)."""
    return vendor == 2 and order % 7 == 0


async def shipments_under_faults(data_dir: Path, orders: int) -> tuple[ScenarioResult, ShipmentReconciliation]:
    """Scenario 2: route cleanly, vendors ship, then write the shipments back while every store misbehaves."""
    async with fault_world(data_dir) as world:
        await _imported(world, orders)
        routed = await world.hub.orders.route(MERCHANT)
        assert routed.status is RunStatus.SUCCEEDED, routed.error
        shipped = world.ship(_skip_some)
        world.add_faults((MERCHANT, *VENDORS))
        runs, figures = await _measured(world, lambda: until_done(lambda: world.hub.orders.sync_shipments(MERCHANT)))
        world.clear_faults()
        settled = await world.hub.orders.sync_shipments(MERCHANT)
        reconciliation = reconcile_shipments(world)
        notes = {
            "vendor_shipments_made": shipped,
            "sync_runs": [run.status.value for run in runs],
            "created_per_run": [run.counts.get("created", 0) for run in runs],
            "left_after_settling": settled.counts.get("created", 0),
        }
    result = ScenarioResult(
        "write back shipments under faults", figures, asdict(reconciliation), reconciliation.exact, notes
    )
    return result, reconciliation


class RevokingTransport(httpx.AsyncBaseTransport):
    """The store's side of a revoked token: after ``after`` order POSTs to ``store``, the token is deleted there."""

    def __init__(self, inner: httpx.AsyncBaseTransport, world_ref: list[FaultWorld], store: str, after: int) -> None:
        self.inner = inner
        self.world_ref = world_ref
        self.store = store
        self.after = after
        self.revoked = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.revoked or not self.world_ref or request.method != "POST":
            return response
        if not request.url.path.endswith(f"/stores/{self.store}/v2/orders"):
            return response
        self.after -= 1
        if self.after <= 0:
            store = self.world_ref[0].sandbox.stores[self.store]
            for token in list(store.accounts):
                store.revoke(token)
            self.revoked = True
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class RevocationOutcome:
    first_status: RunStatus
    health_after_revoke: HealthStatus
    paused: bool
    blocked_skipped: int  # orders a run skipped while the connection needed attention
    sent_while_paused: int  # vendor orders that reached the revoked vendor's store meanwhile
    test_passed: bool
    resumed_status: RunStatus
    reconciliation: RouteReconciliation
    requests: int = 0  # requests the stores received from the first routing run on (the benchmark's figure)
    rate_limited: int = 0


async def token_revoked_mid_run(data_dir: Path, orders: int) -> RevocationOutcome:
    """Scenario 5: the first vendor's token is revoked after a third of its orders were placed."""
    holder: list[FaultWorld] = []
    revoking: list[RevokingTransport] = []

    def wrap(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        revoking.append(RevokingTransport(inner, holder, VENDORS[0], after=max(1, orders // 6)))
        return revoking[0]

    async with fault_world(data_dir, wrap=wrap) as world:
        holder.append(world)
        await _imported(world, orders)
        world.sandbox.clear_requests()
        first = await world.hub.orders.route(MERCHANT)
        vendor = world.hub.connections.get(VENDORS[0])
        paused = world.hub.connections.is_paused(vendor)
        before = len(world.vendor(0).orders.orders)
        blocked = await world.hub.orders.route(MERCHANT)
        sent_while_paused = len(world.vendor(0).orders.orders) - before
        replacement = world.vendor(0).add_account()
        world.hub.connections.update(
            VENDORS[0],
            ConnectionChanges(credentials=CredentialInput(access_token=replacement.access_token)),
        )
        report = await world.hub.connections.test(VENDORS[0])
        resumed = await until_done(lambda: world.hub.orders.route(MERCHANT))
        return RevocationOutcome(
            first_status=first.status,
            health_after_revoke=vendor.health.status,
            paused=paused,
            blocked_skipped=blocked.counts.get("skipped", 0),
            sent_while_paused=sent_while_paused,
            test_passed=report.passed,
            resumed_status=resumed[-1].status,
            reconciliation=reconcile_routing(world),
            requests=len(world.sandbox.requests()),
            rate_limited=sum(entry.status == 429 for entry in world.sandbox.requests()),
        )
