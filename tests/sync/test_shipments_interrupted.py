"""Shipment write-back when the hub's database goes away mid-run: no more orders are read or written,
and the next run writes each shipment exactly once."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from bchub.domain.orders import ShipmentState
from bchub.domain.runs import RunStatus
from bchub.storage.order_tables import ShipmentRow
from bchub.sync.orders.common import WRITE_CONCURRENCY
from tests.sync.test_orders_helpers import MERCHANT, World, world
from tests.sync.test_route_interrupted import _orders_for_one_vendor, database_down_when

pytestmark = pytest.mark.anyio
__all__ = ["world"]

ORDERS = 16


def _merchant_shipments(world: World) -> list[str]:
    return [shipment.tracking_number for order in world.merchant.orders.orders.values() for shipment in order.shipments]


async def _all_shipped_by_the_vendor(world: World) -> None:
    await _orders_for_one_vendor(world, ORDERS)
    routed = await world.hub.orders.route(MERCHANT)
    assert routed.status is RunStatus.SUCCEEDED, routed.error
    for vendor_order in world.vendor(0).orders.orders.values():
        world.vendor(0).orders.ship_order(
            vendor_order.id,
            {
                "tracking_number": f"1Z{vendor_order.id}",
                "items": [{"order_product_id": line.id, "quantity": line.quantity} for line in vendor_order.lines],
            },
        )
    world.sandbox.clear_requests()


async def test_a_database_outage_stops_the_shipment_writes_and_the_next_run_writes_each_once(world: World) -> None:
    await _all_shipped_by_the_vendor(world)
    down_at = 2
    with database_down_when(world, lambda: len(_merchant_shipments(world)) >= down_at), pytest.raises(OperationalError):
        await world.hub.orders.sync_shipments(MERCHANT)
    # orders not started when it went down are neither read nor written (only those in flight went on)
    reads = world.requests(world.merchant, "GET", "/v2/orders")
    writes = world.requests(world.merchant, "POST", "/v2/orders")
    assert down_at <= writes <= reads <= down_at + WRITE_CONCURRENCY - 1, (reads, writes)

    again = await world.hub.orders.sync_shipments(MERCHANT)
    assert again.status is RunStatus.SUCCEEDED, again.error
    written = _merchant_shipments(world)
    assert len(written) == len(set(written)) == ORDERS
    with world.hub.sessions() as session:
        states = session.query(ShipmentRow.state).all()
    assert [ShipmentState(state) for (state,) in states] == [ShipmentState.WRITTEN] * ORDERS
