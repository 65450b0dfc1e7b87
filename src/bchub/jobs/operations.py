"""The operations bchub's jobs can run. Adding one is one line in ``default_registry``.

Each maps a job's ``params`` to the request of a ``bchub.sync`` operation and runs its body as
the job's recorded run (``JobContext.execute``).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from enum import StrEnum
from typing import Any

from bchub.domain.catalog import DEFAULT_LOOKBACK, ImportMode, ImportOptions, MasterSkuSource, Overwrite
from bchub.domain.connections import Role
from bchub.domain.runs import ItemOutcome, Outcome, Run, RunStatus
from bchub.errors import InputError
from bchub.jobs.reconcile import reconcile_body
from bchub.jobs.registry import JobContext, OperationSpec, Registry, Services, body_operation
from bchub.jobs.webhooks import KEEP_WEBHOOKS
from bchub.storage.repositories import utc_now
from bchub.storage.runs import RunRepository
from bchub.sync.catalog.importer import import_body
from bchub.sync.orders.common import NoProgress, OrderDeps, settings_of
from bchub.sync.orders.get import GetOrders, GetRequest
from bchub.sync.orders.items import CatalogItems
from bchub.sync.orders.purge import OPERATION as PURGE_OPERATION
from bchub.sync.orders.purge import purge_connection
from bchub.sync.orders.route import RouteOrders, RouteRequest
from bchub.sync.orders.shipments import SyncShipments
from bchub.sync.runner import OperationBody, OperationRun

MERCHANT = frozenset({Role.MERCHANT})


def _order_ids(params: dict[str, Any]) -> list[int] | None:
    value = params.get("store_order_ids")
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(item, int) and not isinstance(item, bool) and item > 0 for item in values):
        raise InputError(f"'store_order_ids' must be order numbers; got {value!r}")
    return list(values)


def _flag(params: dict[str, Any], name: str) -> bool:
    value = params.get(name, False)
    if not isinstance(value, bool):
        raise InputError(f"{name!r} must be true or false; got {value!r}")
    return value


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
        run.summary["test_requests"] = report.requests_sent

    return body


TEST_CONNECTION = body_operation(
    "test_connection", "test the connection", _test_body, runs_when_paused=True, interval_s=3600
)


# -- catalog ----------------------------------------------------------------------------------------


def _choice(params: dict[str, Any], name: str, kind: type[StrEnum], default: StrEnum) -> Any:
    value = params.get(name, default.value)
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise InputError(f"{name!r} must be one of {choices}; got {value!r}") from None


def import_options(params: dict[str, Any]) -> ImportOptions:
    """A job's params as the import's options (the names ``ImportOptions.as_params`` writes)."""
    lookback = params.get("lookback_seconds", int(DEFAULT_LOOKBACK.total_seconds()))
    if not isinstance(lookback, int) or isinstance(lookback, bool):
        raise InputError(f"'lookback_seconds' must be a whole number; got {lookback!r}")
    product_ids = params.get("product_ids", [])
    if not isinstance(product_ids, list) or not all(isinstance(value, int) and value > 0 for value in product_ids):
        raise InputError(f"'product_ids' must be product ids; got {product_ids!r}")
    skus = params.get("skus", [])
    if not isinstance(skus, list) or not all(isinstance(value, str) and value for value in skus):
        raise InputError(f"'skus' must be a list of SKUs; got {skus!r}")
    return ImportOptions(
        master_sku=_choice(params, "master_sku", MasterSkuSource, MasterSkuSource.SKU),
        mode=_choice(params, "mode", ImportMode, ImportMode.CREATE_ONLY),
        overwrite=_choice(params, "overwrite", Overwrite, Overwrite.PRODUCT_DATA),
        paused=_flag(params, "paused"),
        incremental=_flag(params, "incremental"),
        lookback=timedelta(seconds=lookback),
        product_ids=tuple(sorted(set(product_ids))),
        skus=tuple(skus),
    )


def _import_body(ctx: JobContext) -> OperationBody:
    return import_body(import_options(ctx.params))


IMPORT_LISTINGS = body_operation(
    "import_listings",
    "import listings",
    _import_body,
    interval_s=3600,
    schedule_params={"incremental": True},
    merge_param="product_ids",
)


# -- orders -----------------------------------------------------------------------------------------


async def _get_orders(ctx: JobContext) -> Run:
    request = GetRequest(store_order_ids=_order_ids(ctx.params), full=_flag(ctx.params, "full"))
    body = GetOrders(_deps(ctx.services), request, NoProgress())
    run = await ctx.execute(body)
    if body.created and run.status is not RunStatus.FAILED and settings_of(ctx.connection).route_on_import:
        ctx.follow("route_orders")
    return run


def _route_body(ctx: JobContext) -> OperationBody:
    request = RouteRequest(store_order_ids=_order_ids(ctx.params), force=_flag(ctx.params, "force"))
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
            GET_ORDERS,
            ROUTE_ORDERS,
            SYNC_SHIPMENTS,
            PURGE_PII,
            RECONCILE_ORDERS,
        ]
    )
