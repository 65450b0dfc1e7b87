"""Shipments back to merchant orders: from vendors (partial, full, pickup), by hand, from CSV; never twice."""

from __future__ import annotations

import pytest

from bchub.domain.orders import ShipmentDetails, ShipmentState
from bchub.domain.runs import Outcome, RunStatus
from bchub.errors import InputError
from bchub.sync.orders.shipments import ManualShipment
from bcsandbox.faults import FaultRule
from tests.sync.test_orders_helpers import BUSINESS, MERCHANT, VENDORS, World, world

pytestmark = pytest.mark.anyio
__all__ = ["world"]


async def _routed(world: World, *lines: tuple[str, int], **settings: str) -> tuple[int, dict[str, int]]:
    """A merchant order routed to its vendors; returns its number and each vendor's order id."""
    await world.hub.orders.change_settings(MERCHANT, {"import_statuses": "11", **BUSINESS, **settings})
    number = world.place(*lines)
    await world.hub.orders.get(MERCHANT)
    run = await world.hub.orders.route(MERCHANT)
    assert run.status is RunStatus.SUCCEEDED
    detail = world.hub.orders.show(MERCHANT, number)
    return number, {
        detail.connection_names[item.vendor_connection_id]: item.vendor_order_id or 0 for item in detail.vendor_orders
    }


def _vendor_line(world: World, vendor: int, vendor_order: int, sku: str) -> int:
    return next(line.id for line in world.vendor(vendor).orders.get(vendor_order).lines if line.sku == sku)


async def test_partial_then_full_vendor_shipments_reach_the_merchant_order(world: World) -> None:
    north, harbor = world.vendor_skus(0)[0], world.vendor_skus(1)[0]
    number, vendor_orders = await _routed(world, (north, 2), (harbor, 1))
    world.vendor(0).orders.ship_order(
        vendor_orders[VENDORS[0]],
        {
            "tracking_number": "1ZNORTH1",
            "tracking_carrier": "ups",
            "shipping_provider": "ups",
            "shipping_method": "Ground",
            "items": [{"order_product_id": _vendor_line(world, 0, vendor_orders[VENDORS[0]], north), "quantity": 1}],
        },
    )
    first = await world.hub.orders.sync_shipments(MERCHANT)
    assert first.status is RunStatus.SUCCEEDED and first.counts["created"] == 1
    merchant_order = world.merchant.orders.get(number)
    (written,) = merchant_order.shipments
    north_line = next(line for line in merchant_order.lines if line.sku == north)
    assert (written.tracking_number, written.tracking_carrier, written.shipping_provider, written.shipping_method) == (
        "1ZNORTH1",
        "ups",
        "ups",
        "Ground",
    )
    assert [(item.order_product_id, item.quantity) for item in written.items] == [(north_line.id, 1)]
    assert written.order_address_id == north_line.order_address_id
    assert merchant_order.status_id == 3  # Partially Shipped
    assert world.hub.orders.show(MERCHANT, number).order.status_id == 3

    world.vendor(0).orders.ship_order(
        vendor_orders[VENDORS[0]], {"tracking_number": "1ZNORTH2", "tracking_carrier": "ups"}
    )
    world.vendor(1).orders.ship_order(
        vendor_orders[VENDORS[1]], {"tracking_number": "9400HARBOR", "tracking_carrier": "usps"}
    )
    second = await world.hub.orders.sync_shipments(MERCHANT)
    assert second.counts["created"] == 2
    merchant_order = world.merchant.orders.get(number)
    assert sorted(shipment.tracking_number for shipment in merchant_order.shipments) == [
        "1ZNORTH1",
        "1ZNORTH2",
        "9400HARBOR",
    ]
    assert merchant_order.status_id == 2  # Shipped
    # nothing new: no shipment reads, no writes
    third = await world.hub.orders.sync_shipments(MERCHANT)
    assert (
        third.counts.get("created", 0) == 0
        and third.requests == 0
        and third.counts.get("vendor_shipments_read", 0) == 0
    )


async def test_completed_and_awaiting_pickup_by_setting(world: World) -> None:
    north = world.vendor_skus(0)[0]
    complete, vendor_orders = await _routed(world, (north, 1), complete_when_shipped="true", pickup_in_store="true")
    world.vendor(0).orders.ship_order(
        vendor_orders[VENDORS[0]], {"tracking_number": "1ZDONE", "tracking_carrier": "ups"}
    )
    await world.hub.orders.sync_shipments(MERCHANT)
    assert world.merchant.orders.get(complete).status_id == 10

    pickup = world.place((world.vendor_skus(0)[1], 1))
    await world.hub.orders.get(MERCHANT)
    await world.hub.orders.route(MERCHANT)
    vendor_order = next(item for item in world.hub.orders.show(MERCHANT, pickup).vendor_orders)
    world.vendor(0).orders.ship_order(
        vendor_order.vendor_order_id or 0, {"tracking_carrier": "Pickup in store", "tracking_number": "PICK-1"}
    )
    run = await world.hub.orders.sync_shipments(MERCHANT)
    assert run.status is RunStatus.SUCCEEDED
    assert world.merchant.orders.get(pickup).status_id == 8
    assert world.hub.orders.show(MERCHANT, pickup).order.status_id == 8


async def test_a_tracking_number_already_on_the_order_is_bound_not_written_twice(world: World) -> None:
    north = world.vendor_skus(0)[0]
    number, vendor_orders = await _routed(world, (north, 1))
    world.vendor(0).orders.ship_order(
        vendor_orders[VENDORS[0]], {"tracking_number": "SAME-1", "tracking_carrier": "ups"}
    )
    world.merchant.orders.ship_order(
        number, {"tracking_number": "SAME-1", "tracking_carrier": "ups"}
    )  # a 3PL got there first
    run = await world.hub.orders.sync_shipments(MERCHANT)
    assert [item.outcome for item in world.items(run)] == [Outcome.LINKED]
    assert len(world.merchant.orders.get(number).shipments) == 1
    (shipment,) = world.hub.orders.show(MERCHANT, number).shipments
    assert (
        shipment.state is ShipmentState.WRITTEN
        and shipment.merchant_shipment_id == world.merchant.orders.get(number).shipments[0].id
    )


async def test_a_shipment_committed_then_dropped_is_written_once(world: World) -> None:
    north = world.vendor_skus(0)[0]
    number, vendor_orders = await _routed(world, (north, 1))
    world.vendor(0).orders.ship_order(
        vendor_orders[VENDORS[0]], {"tracking_number": "DROP-1", "tracking_carrier": "ups"}
    )
    world.merchant.faults.add(
        FaultRule(method="POST", path=f"/v2/orders/{number}/shipments", commit_then_drop_rate=1.0, remaining=1)
    )
    run = await world.hub.orders.sync_shipments(MERCHANT)
    assert run.status is RunStatus.SUCCEEDED and run.counts["created"] == 1
    assert len(world.merchant.orders.get(number).shipments) == 1


async def test_shipments_add_writes_a_3pl_shipment_and_refuses_what_does_not_fit(world: World) -> None:
    await world.hub.orders.change_settings(MERCHANT, {"import_statuses": "11"})
    own = world.own_skus()[0]
    number = world.place((own, 3))
    await world.hub.orders.get(MERCHANT)
    details = ShipmentDetails(tracking_number="3PL-1", tracking_carrier="fedex", shipping_provider="fedex")
    run, _ = await world.hub.orders.add_shipment(MERCHANT, ManualShipment(number, [(own, 2)], details))
    assert run.status is RunStatus.SUCCEEDED and run.counts["created"] == 1
    (written,) = world.merchant.orders.get(number).shipments
    assert (written.tracking_number, written.items[0].quantity) == ("3PL-1", 2)
    too_many, _ = await world.hub.orders.add_shipment(
        MERCHANT, ManualShipment(number, [(own, 2)], ShipmentDetails("3PL-2"))
    )
    assert too_many.status is RunStatus.FAILED and "only 1 left unshipped" in (too_many.error or "")
    again, report = await world.hub.orders.add_shipment(MERCHANT, ManualShipment(number, [(own, 1)], details))
    assert report.duplicates == 1 and again.counts.get("created", 0) == 0
    assert len(world.merchant.orders.get(number).shipments) == 1


async def test_csv_import_writes_good_rows_and_reports_bad_ones(world: World) -> None:
    await world.hub.orders.change_settings(MERCHANT, {"import_statuses": "11"})
    own = world.own_skus()
    first = world.place((own[0], 2), (own[1], 1))
    second = world.place((own[2], 1))
    await world.hub.orders.get(MERCHANT)
    text = "\n".join(
        [
            "Order,SKU,Qty,Tracking,Carrier",
            f"{first},{own[0]},2,TRK-A,usps",
            f"{first},{own[1]},1,TRK-A,usps",
            f"{second},{own[2]},5,TRK-B,ups",
            "abc,X,1,TRK-C,ups",
            f"999999,{own[0]},1,TRK-D,ups",
            f"{second},NOPE,1,TRK-E,ups",
        ]
    )
    run, report = await world.hub.orders.import_csv(MERCHANT, text, name="3pl.csv")
    assert run.status is RunStatus.PARTIAL
    assert (report.rows, report.shipments) == (6, 1)
    errors = {error.row: error.message for error in report.errors}
    assert sorted(errors) == [4, 5, 6, 7]
    assert "5 to ship but only 1 left" in errors[4]
    assert "order must be an order number" in errors[5]
    assert "order #999999 is not in the hub" in errors[6]
    assert "NOPE is not a shipped line" in errors[7]
    (shipment,) = world.merchant.orders.get(first).shipments
    assert shipment.tracking_number == "TRK-A" and sorted(item.quantity for item in shipment.items) == [1, 2]
    assert world.merchant.orders.get(second).shipments == []
    again, repeat = await world.hub.orders.import_csv(
        MERCHANT, text.splitlines()[0] + "\n" + text.splitlines()[1] + "\n" + text.splitlines()[2]
    )
    assert repeat.duplicates == 1 and again.counts.get("created", 0) == 0
    assert len(world.merchant.orders.get(first).shipments) == 1


async def test_csv_without_the_needed_columns_is_refused(world: World) -> None:
    with pytest.raises(InputError, match="missing: quantity"):
        await world.hub.orders.import_csv(MERCHANT, "order,sku\n1,A\n")


async def test_a_vendor_hint_syncs_the_merchants_with_orders_there(world: World) -> None:
    north = world.vendor_skus(0)[0]
    number, vendor_orders = await _routed(world, (north, 1))
    world.vendor(0).orders.ship_order(
        vendor_orders[VENDORS[0]], {"tracking_number": "HINT-1", "tracking_carrier": "ups"}
    )
    assert await world.hub.orders.sync_shipments_from_vendor(VENDORS[1]) == []  # nothing was placed there
    (run,) = await world.hub.orders.sync_shipments_from_vendor(VENDORS[0])
    assert run.counts["created"] == 1
    assert [shipment.tracking_number for shipment in world.merchant.orders.get(number).shipments] == ["HINT-1"]
