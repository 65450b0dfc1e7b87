"""The operations bchub's jobs can run. Adding one is one line in ``default_registry``.

Each maps a job's ``params`` to the request of a ``bchub.sync`` operation and runs its body as
the job's recorded run (``JobContext.execute``).
"""

from __future__ import annotations

import asyncio

from bchub.domain.connections import Role
from bchub.domain.runs import ItemOutcome, Outcome, Run, RunStatus
from bchub.jobs.catalog_operations import (
    DELIST_LISTINGS,
    HIDE_LISTINGS,
    IMPORT_LISTINGS,
    PUBLISH_LISTINGS,
    SYNC_INVENTORY,
    SYNC_LISTINGS,
    UNHIDE_LISTINGS,
)
from bchub.jobs.params import flag, order_ids
from bchub.jobs.reconcile import reconcile_body
from bchub.jobs.registry import JobContext, OperationSpec, Registry, Services, body_operation
from bchub.jobs.webhooks import KEEP_WEBHOOKS
from bchub.storage.repositories import utc_now
from bchub.storage.runs import RunRepository
from bchub.sync.orders.common import OrderDeps, settings_of
from bchub.sync.orders.get import GetOrders, GetRequest
from bchub.sync.orders.items import CatalogItems
from bchub.sync.orders.purge import OPERATION as PURGE_OPERATION
from bchub.sync.orders.purge import purge_connection
from bchub.sync.orders.route import RouteOrders, RouteRequest
from bchub.sync.orders.shipments import SyncShipments
from bchub.sync.progress import NoProgress
from bchub.sync.runner import OperationBody, OperationRun

MERCHANT = frozenset({Role.MERCHANT})


def _deps(services: Services) -> OrderDeps:
    return OrderDeps(services.sessions, services.connections, services.clients, CatalogItems(), utc_now)


# -- connections ------------------------------------------------------------------------------------


def _test_body(ctx: JobContext) -> OperationBody:
    async def body(run: OperationRun) -> None:
        assert run.connection.id is not None
        report = await ctx.services.connections.test(run.connection.id)
        outcome = Outcome.UNCHANGED if report.passed else Outcome.FAILED
        with run.sessions.begin() as session:
            reason = None if report.passed else report.reason()
            run.record(session, ItemOutcome("connection", run.connection.name, outcome, reason))
        run.other_requests += report.requests_sent

    return body


TEST_CONNECTION = body_operation(
    "test_connection", "test the connection", _test_body, runs_when_paused=True, interval_s=3600
)


# -- orders -----------------------------------------------------------------------------------------


async def _get_orders(ctx: JobContext) -> Run:
    request = GetRequest(store_order_ids=order_ids(ctx.params), full=flag(ctx.params, "full"))
    body = GetOrders(_deps(ctx.services), request, NoProgress())
    run = await ctx.execute(body)
    if body.created and run.status is not RunStatus.FAILED and settings_of(ctx.connection).route_on_import:
        ctx.follow("route_orders")
    return run


def _route_body(ctx: JobContext) -> OperationBody:
    request = RouteRequest(store_order_ids=order_ids(ctx.params), force=flag(ctx.params, "force"))
    return RouteOrders(_deps(ctx.services), request, NoProgress())


def _shipments_body(ctx: JobContext) -> OperationBody:
    return SyncShipments(_deps(ctx.services), NoProgress())


async def _purge_pii(ctx: JobContext) -> Run:
    """No API request: runs for paused connections too; a connection without a retention period purges nothing."""
    deps = _deps(ctx.services)
    run = await asyncio.to_thread(purge_connection, deps, ctx.connection, trigger=ctx.job.trigger)
    if run is None:
        assert ctx.connection.id is not None
        with ctx.services.sessions.begin() as session:
            runs = RunRepository(session)
            started = runs.start(PURGE_OPERATION, ctx.connection.id, ctx.job.trigger, {"retention_days": None})
            run = runs.finish(started.id, RunStatus.SUCCEEDED, counts={"purged": 0}, requests=0)
    ctx.run_id = run.id
    if ctx.on_run_started is not None:
        ctx.on_run_started(run.id)
    return run


GET_ORDERS = OperationSpec("get_orders", "get orders", _get_orders, roles=MERCHANT, interval_s=900)
ROUTE_ORDERS = body_operation("route_orders", "route orders to vendors", _route_body, roles=MERCHANT, interval_s=900)
SYNC_SHIPMENTS = body_operation(
    "sync_shipments", "sync shipments from vendors", _shipments_body, roles=MERCHANT, interval_s=1800
)
PURGE_PII = OperationSpec(
    "purge_pii", "purge customer details", _purge_pii, roles=MERCHANT, runs_when_paused=True, interval_s=86400
)
RECONCILE_ORDERS = body_operation(
    "reconcile_orders",
    "reconcile orders and shipments with the store",
    reconcile_body,
    roles=MERCHANT,
    interval_s=86400,
    schedule_params={"days": 3},
)


def default_registry() -> Registry:
    return Registry(
        [
            TEST_CONNECTION,
            KEEP_WEBHOOKS,
            IMPORT_LISTINGS,
            PUBLISH_LISTINGS,
            SYNC_LISTINGS,
            HIDE_LISTINGS,
            UNHIDE_LISTINGS,
            DELIST_LISTINGS,
            SYNC_INVENTORY,
            GET_ORDERS,
            ROUTE_ORDERS,
            SYNC_SHIPMENTS,
            PURGE_PII,
            RECONCILE_ORDERS,
        ]
    )
