"""The registered operations as jobs: orders (get, route, shipments, purge) and the nightly reconcile."""

from __future__ import annotations

import pytest

from bchub.domain.runs import Outcome, RunStatus
from bchub.errors import InputError
from bchub.jobs.model import Job, JobStatus
from tests.sync.test_orders_helpers import BUSINESS, MERCHANT, VENDORS, World, world

pytestmark = pytest.mark.anyio
__all__ = ["world"]


async def run_job(world: World, operation: str, connection: str = MERCHANT, **params: object) -> Job:
    job = world.hub.jobs.run(operation, connection, dict(params)).job
    assert await world.hub.jobs.runner("w1").run(job.id) is None
    return world.hub.jobs.get(job.id)


async def run_follow_ups(world: World, operation: str) -> list[Job]:
    waiting = [job for job in world.hub.jobs.recent(operation=operation) if job.status is JobStatus.QUEUED]
    for job in waiting:
        await world.hub.jobs.runner("w1").run(job.id)
    return [world.hub.jobs.get(job.id) for job in waiting]


async def test_get_orders_routes_on_import_through_a_follow_up_job(world: World) -> None:
    await world.hub.orders.change_settings(MERCHANT, {"import_statuses": "11", "route_on_import": "true", **BUSINESS})
    number = world.place((world.vendor_skus(0)[0], 1))
    got = await run_job(world, "get_orders")
    assert got.status is JobStatus.SUCCEEDED
    (route,) = await run_follow_ups(world, "route_orders")
    assert route.status is JobStatus.SUCCEEDED and route.source == f"after job {got.id}"
    assert world.hub.orders.show(MERCHANT, number).vendor_orders[0].vendor_order_id is not None


async def test_route_and_sync_shipments_as_jobs(world: World) -> None:
    await world.hub.orders.change_settings(MERCHANT, {"import_statuses": "11", **BUSINESS})
    number = world.place((world.vendor_skus(0)[0], 1))
    assert (await run_job(world, "get_orders")).status is JobStatus.SUCCEEDED
    assert world.hub.jobs.recent(operation="route_orders") == []  # not routing on import
    assert (await run_job(world, "route_orders", store_order_ids=[number])).status is JobStatus.SUCCEEDED
    vendor_order = world.hub.orders.show(MERCHANT, number).vendor_orders[0].vendor_order_id
    assert vendor_order is not None
    world.vendor(0).orders.ship_order(vendor_order, {"tracking_number": "1ZJOB", "tracking_carrier": "ups"})
    shipped = await run_job(world, "sync_shipments")
    assert shipped.status is JobStatus.SUCCEEDED
    assert [shipment.tracking_number for shipment in world.merchant.orders.get(number).shipments] == ["1ZJOB"]


async def test_bad_params_fail_the_job_with_the_reason(world: World) -> None:
    job = await run_job(world, "get_orders", store_order_ids=["seven"])
    assert job.status is JobStatus.FAILED and "'store_order_ids' must be positive whole numbers" in (job.error or "")
    assert job.attempts == 1
    with pytest.raises(InputError, match="needs a merchant connection; 'north' is a vendor connection"):
        world.hub.jobs.run("sync_shipments", VENDORS[0])


async def test_purge_runs_without_a_retention_period_too(world: World) -> None:
    job = await run_job(world, "purge_pii")
    assert job.status is JobStatus.SUCCEEDED
    (run,) = world.hub.jobs.runs(job)
    assert run.counts == {"purged": 0} and run.requests == 0


async def test_the_reconcile_backfills_missing_orders(world: World) -> None:
    await world.hub.orders.change_settings(MERCHANT, {"import_statuses": "11", **BUSINESS})
    sku = world.own_skus()[0]
    first = world.place((sku, 1))
    assert (await run_job(world, "get_orders")).status is JobStatus.SUCCEEDED
    # two orders whose webhooks were lost, and no poll since
    missed = sorted([world.place((sku, 1)), world.place((sku, 2))])
    reconcile = await run_job(world, "reconcile_orders", days=3)
    assert reconcile.status is JobStatus.SUCCEEDED
    (run,) = world.hub.jobs.runs(reconcile)
    (orders,) = [item for item in world.hub.jobs.items(run.id) if item.kind == "orders"]
    assert orders.outcome is Outcome.UPDATED and orders.reason == (
        f"store 3, hub 1: 2 missing ({missed[0]}, {missed[1]}); backfilling"
    )
    assert run.counts["missing"] == 2 and run.requests >= 1
    (backfill,) = await run_follow_ups(world, "get_orders")
    assert backfill.params == {"store_order_ids": missed} and backfill.status is JobStatus.SUCCEEDED
    for number in (first, *missed):
        world.hub.orders.show(MERCHANT, number)  # all in the hub now

    again = await run_job(world, "reconcile_orders")
    (run,) = world.hub.jobs.runs(again)
    assert run.status is RunStatus.SUCCEEDED and run.counts["missing"] == 0
    assert [job for job in world.hub.jobs.recent(operation="get_orders") if job.status is JobStatus.QUEUED] == []


async def test_the_reconcile_finds_a_shipment_the_hub_missed(world: World) -> None:
    await world.hub.orders.change_settings(MERCHANT, {"import_statuses": "11", **BUSINESS})
    number = world.place((world.vendor_skus(0)[0], 1))
    await run_job(world, "get_orders")
    await run_job(world, "route_orders")
    vendor_order = world.hub.orders.show(MERCHANT, number).vendor_orders[0].vendor_order_id
    assert vendor_order is not None
    world.vendor(0).orders.ship_order(vendor_order, {"tracking_number": "1ZLOST", "tracking_carrier": "ups"})

    reconcile = await run_job(world, "reconcile_orders")
    (run,) = world.hub.jobs.runs(reconcile)
    assert run.counts["shipment_gaps"] == 1
    (sync,) = await run_follow_ups(world, "sync_shipments")
    assert sync.status is JobStatus.SUCCEEDED
    assert [shipment.tracking_number for shipment in world.merchant.orders.get(number).shipments] == ["1ZLOST"]

    settled = await run_job(world, "reconcile_orders")
    assert world.hub.jobs.runs(settled)[0].counts["shipment_gaps"] == 0
