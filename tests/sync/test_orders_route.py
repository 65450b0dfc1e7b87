"""Routing dropship orders to vendor stores: split orders, addresses and status, holds, exactly once."""

from __future__ import annotations

import pytest

from bchub.domain.orders import RouteState, VendorOrderState
from bchub.domain.runs import Outcome, RunStatus
from bchub.storage.binder import Binder
from bchub.sync.orders.route import RouteRequest
from bcsandbox.faults import FaultRule
from tests.sync.test_orders_helpers import BUSINESS, MERCHANT, VENDORS, World, world

pytestmark = pytest.mark.anyio
__all__ = ["world"]


async def _ready(world: World, **extra: str) -> None:
    await world.hub.orders.change_settings(MERCHANT, {"import_statuses": "11", **BUSINESS, **extra})


async def _split_order(world: World) -> int:
    """An order with the merchant's own line and one line from each vendor."""
    number = world.place(
        (world.own_skus()[0], 1),
        (world.vendor_skus(0)[0], 2),
        (world.vendor_skus(1)[0], 1),
        customer={
            "first_name": "Mia",
            "last_name": "Okafor",
            "street_1": "9 River St",
            "city": "Denver",
            "zip": "80202",
            "email": "mia@example.com",
        },
        customer_message="Leave it with the neighbour",
    )
    result = await world.hub.orders.get(MERCHANT)
    assert result.run.status is RunStatus.SUCCEEDED
    return number


async def test_a_split_order_becomes_one_order_per_vendor_with_the_right_addresses_and_status(world: World) -> None:
    await _ready(world)
    await world.hub.orders.change_settings(VENDORS[1], {"vendor_status_id": "11"})
    number = await _split_order(world)
    run = await world.hub.orders.route(MERCHANT)
    assert run.status is RunStatus.SUCCEEDED and run.counts["created"] == 2
    assert run.counts["vendor_requests"] == 2  # one POST per vendor order, no look-ups

    detail = world.hub.orders.show(MERCHANT, number)
    assert detail.order.route_state is RouteState.ROUTED
    by_vendor = {detail.connection_names[item.vendor_connection_id]: item for item in detail.vendor_orders}
    for index, name in enumerate(VENDORS):
        ours = by_vendor[name]
        assert ours.state is VendorOrderState.PLACED and ours.vendor_order_id is not None
        placed = world.vendor(index).orders.get(ours.vendor_order_id)
        assert placed.external_order_id == f"bchub-mrch001-{number}-{world.vendor(index).hash}"
        assert placed.external_source == "bchub"
        assert f"order #{number}" in placed.staff_notes
        assert placed.customer_message == "Leave it with the neighbour"
        assert (placed.billing.company, placed.billing.street_1, placed.billing.zip) == (
            "Corner Store LLC",
            "1 Main St",
            "78701",
        )
        shipping = placed.addresses[0].address
        assert (shipping.first_name, shipping.street_1, shipping.city) == ("Mia", "9 River St", "Denver")
        sku = world.vendor_skus(index)[0]
        product, variant = world.vendor(index).catalog.find_sku(sku)
        assert [(line.product_id, line.variant_id, line.sku, line.quantity) for line in placed.lines] == [
            (product["id"], variant["id"], sku, 2 if index == 0 else 1)
        ]
    assert world.vendor(0).orders.get(by_vendor[VENDORS[0]].vendor_order_id or 0).status_id == 0  # Onport's default
    assert world.vendor(1).orders.get(by_vendor[VENDORS[1]].vendor_order_id or 0).status_id == 11
    with world.hub.sessions() as session:
        binding = Binder(session).get(
            by_vendor[VENDORS[0]].vendor_connection_id, "order", by_vendor[VENDORS[0]].vendor_order_id or 0
        )
    assert binding is not None and binding.local_id == by_vendor[VENDORS[0]].id


async def test_routing_again_sends_nothing(world: World) -> None:
    await _ready(world)
    await _split_order(world)
    await world.hub.orders.route(MERCHANT)
    before = [len(world.vendor(index).orders.orders) for index in range(2)]
    again = await world.hub.orders.route(MERCHANT)
    explicit = await world.hub.orders.route(
        MERCHANT, RouteRequest(store_order_ids=[next(iter(world.merchant.orders.orders))])
    )
    assert again.counts.get("vendor_requests", 0) == 0 and again.counts.get("created", 0) == 0
    assert explicit.counts.get("created", 0) == 0 and explicit.counts["unchanged"] == 1
    assert [len(world.vendor(index).orders.orders) for index in range(2)] == before


async def test_a_create_committed_then_dropped_yields_exactly_one_vendor_order(world: World) -> None:
    await _ready(world)
    number = await _split_order(world)
    world.vendor(0).faults.add(FaultRule(method="POST", path="/v2/orders", commit_then_drop_rate=1.0, remaining=1))
    run = await world.hub.orders.route(MERCHANT)
    assert run.status is RunStatus.SUCCEEDED and run.counts["created"] == 2
    mine = [
        order
        for order in world.vendor(0).orders.orders.values()
        if order.external_order_id.endswith(f"-{number}-vnd0001")
    ]
    assert len(mine) == 1
    assert world.hub.orders.show(MERCHANT, number).order.route_state is RouteState.ROUTED


async def test_after_an_unknown_outcome_the_next_run_looks_up_before_creating(world: World) -> None:
    await _ready(world)
    number = await _split_order(world)
    # the create commits but its answer is lost, and the look-ups fail too: the outcome stays unknown
    world.vendor(0).faults.add(FaultRule(method="POST", path="/v2/orders", commit_then_drop_rate=1.0))
    # (501: a server error the client does not retry, so the test does not wait out the backoff)
    world.vendor(0).faults.add(FaultRule(method="GET", path="/v2/orders", error_rate=1.0, error_statuses=(501,)))
    first = await world.hub.orders.route(MERCHANT)
    assert first.status is RunStatus.PARTIAL
    detail = world.hub.orders.show(MERCHANT, number)
    stuck = next(
        item for item in detail.vendor_orders if detail.connection_names[item.vendor_connection_id] == VENDORS[0]
    )
    assert stuck.state is VendorOrderState.SENDING and detail.order.route_state is RouteState.FAILED
    world.vendor(0).faults.clear()
    second = await world.hub.orders.route(MERCHANT)
    assert second.status is RunStatus.SUCCEEDED
    assert [item.outcome for item in world.items(second)] == [Outcome.LINKED]  # found by its external_order_id
    mine = [
        order
        for order in world.vendor(0).orders.orders.values()
        if order.external_order_id.endswith(f"-{number}-vnd0001")
    ]
    assert len(mine) == 1
    assert world.hub.orders.show(MERCHANT, number).order.route_state is RouteState.ROUTED


async def test_unmatched_or_out_of_stock_vendor_lines_hold_the_order_until_forced(world: World) -> None:
    await _ready(world)
    short = next(sku for sku in world.vendor_skus(1, in_stock=False) if sku not in world.vendor_skus(1))
    world.merchant.catalog.create_product(
        {"name": "Mystery", "type": "physical", "sku": "MYSTERY", "price": 5, "weight": 1}
    )
    held = world.place((short, 4), (world.vendor_skus(0)[0], 1))
    unknown = world.place(("MYSTERY", 1), (world.vendor_skus(0)[1], 1))
    await world.hub.orders.get(MERCHANT)
    run = await world.hub.orders.route(MERCHANT)
    assert run.counts.get("created", 0) == 0 and run.counts["skipped"] == 2
    reasons = {item.key: item.reason or "" for item in world.items(run)}
    assert "in stock, the order needs 4" in reasons[f"#{held}"]
    assert "no hub item has the SKU 'MYSTERY'" in reasons[f"#{unknown}"]
    assert world.hub.orders.show(MERCHANT, held).order.route_state is RouteState.HELD
    assert [len(world.vendor(index).orders.orders) for index in range(2)] == [0, 0]
    again = await world.hub.orders.route(MERCHANT)
    assert again.counts.get("skipped", 0) == 0  # held orders wait for review, not for every run
    forced = await world.hub.orders.route(MERCHANT, RouteRequest(store_order_ids=[unknown], force=True))
    assert forced.counts["created"] == 1
    detail = world.hub.orders.show(MERCHANT, unknown)
    assert detail.order.route_state is RouteState.ROUTED
    (vendor_order,) = detail.vendor_orders
    assert [line.sku for line in vendor_order.lines] == [
        world.vendor_skus(0)[1]
    ]  # the unmatched line stays with the merchant


async def test_merchant_cancellations_are_reported_for_vendor_orders_already_placed(world: World) -> None:
    await _ready(world)
    number = await _split_order(world)
    await world.hub.orders.route(MERCHANT)
    world.merchant.orders.update(number, {"status_id": 5})
    result = await world.hub.orders.get(MERCHANT)
    reports = [item for item in world.items(result.run) if item.kind == "vendor_order"]
    assert len(reports) == 2 and all("ask the vendor to cancel it" in (item.reason or "") for item in reports)
    assert result.run.counts["cancellations_reported"] == 2
    assert all(item.cancel_reported_at is not None for item in world.hub.orders.show(MERCHANT, number).vendor_orders)
    again = await world.hub.orders.get(
        MERCHANT,
    )
    assert again.run.counts.get("cancellations_reported", 0) == 0  # reported once


async def test_cancelled_before_routing_is_never_routed(world: World) -> None:
    await _ready(world)
    number = await _split_order(world)
    world.merchant.orders.update(number, {"status_id": 5})
    await world.hub.orders.get(MERCHANT)
    assert world.hub.orders.show(MERCHANT, number).order.route_state is RouteState.CANCELLED
    run = await world.hub.orders.route(MERCHANT)
    assert run.counts.get("created", 0) == 0 and len(world.vendor(0).orders.orders) == 0


async def test_route_on_import(world: World) -> None:
    await _ready(world, route_on_import="true")
    number = world.place((world.vendor_skus(0)[0], 1))
    result = await world.hub.orders.get(MERCHANT)
    assert result.route_run is not None and result.route_run.counts["created"] == 1
    assert world.hub.orders.show(MERCHANT, number).order.route_state is RouteState.ROUTED


async def test_routing_needs_the_business_address(world: World) -> None:
    await world.hub.orders.change_settings(MERCHANT, {"import_statuses": "11"})
    run = await world.hub.orders.route(MERCHANT)
    assert run.status is RunStatus.FAILED and "business address" in (run.error or "")
