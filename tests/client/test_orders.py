"""The orders service against the sandbox: reads inline, writes that are never repeated blindly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bchub.bigcommerce import BigCommerceClient, NotFound, WriteOutcomeUnknown
from bchub.bigcommerce.models import (
    AddressInput,
    OrderInput,
    OrderProductInput,
    ShipmentInput,
    ShipmentItem,
    ShippingAddressInput,
)
from bcsandbox import Sandbox, Store
from bcsandbox.faults import FaultRule
from bcsandbox.testing import transport_for
from tests.client.helpers import Recording, check_conformance, make_client

pytestmark = pytest.mark.anyio


def order_body(external_id: str | None = None, lines: int = 2) -> OrderInput:
    return OrderInput(
        billing_address=AddressInput(
            first_name="Ada", last_name="Merchant", zip="12345", country_iso2="US", email="ada@example.com"
        ),
        shipping_addresses=[
            ShippingAddressInput(first_name="Eve", last_name="Customer", zip="54321", country_iso2="US")
        ],
        products=[
            OrderProductInput(
                name=f"Widget {number}",
                quantity=number + 1,
                price_ex_tax=Decimal("10.50"),
                price_inc_tax=Decimal("10.50"),
            )
            for number in range(lines)
        ],
        external_order_id=external_id,
        status_id=11,
    )


def seed_order(store: Store, **fields: Any) -> int:
    body = order_body().payload()
    body.update(fields)
    return store.orders.create(body).id


@pytest.fixture
def recording(sandbox: Sandbox) -> Recording:
    return Recording(transport_for(sandbox))


@pytest.fixture
async def checked(sandbox: Sandbox, store: Store, recording: Recording) -> AsyncIterator[BigCommerceClient]:
    async with make_client(sandbox, store, transport=recording) as client:
        yield client
    for response in recording.responses:
        check_conformance(response)


async def test_create_get_and_read_inline(checked: BigCommerceClient) -> None:
    created = await checked.orders.create(order_body("ext-1"))
    assert created.id and created.external_order_id == "ext-1"
    assert created.total_inc_tax == Decimal("31.5000")
    assert created.date_created is not None and created.date_created.tzinfo is UTC

    fetched = await checked.orders.get(created.id)
    assert fetched.has_inline_line_items
    assert [line.name for line in fetched.line_items] == ["Widget 0", "Widget 1"]
    assert [line.quantity for line in fetched.line_items] == [1, 2]
    assert [address.zip for address in fetched.shipping_address_list] == ["54321"]
    assert fetched.line_items[0].order_address_id == fetched.shipping_address_list[0].id
    assert fetched.billing_address is not None and fetched.billing_address.email == "ada@example.com"


async def test_list_needs_no_per_order_calls(sandbox: Sandbox, store: Store, checked: BigCommerceClient) -> None:
    for _ in range(30):
        seed_order(store)
    orders = [order async for order in checked.orders.list()]
    assert len(orders) == 30
    assert all(len(order.line_items) == 2 and len(order.shipping_address_list) == 1 for order in orders)
    assert checked.requests_sent == 1
    (entry,) = sandbox.requests(store.hash)
    assert "include=consignments.line_items" in entry.query and "limit=250" in entry.query


async def test_list_without_line_items(checked: BigCommerceClient, store: Store, sandbox: Sandbox) -> None:
    seed_order(store)
    (order,) = [order async for order in checked.orders.list(line_items=False)]
    assert not order.has_inline_line_items
    assert "include" not in sandbox.requests(store.hash)[0].query


async def test_filters_count_and_dates(checked: BigCommerceClient, store: Store, sandbox: Sandbox) -> None:
    first = seed_order(store)
    seed_order(store, status_id=2)
    seed_order(store, status_id=2)
    assert await checked.orders.count() == 3
    assert await checked.orders.count(status_id=2) == 2
    assert [order.status_id async for order in checked.orders.list(status_id=2)] == [2, 2]
    assert [order.id async for order in checked.orders.list(min_id=first + 1, sort="id:desc")] == [first + 2, first + 1]
    since = sandbox.clock.now() - timedelta(hours=1)
    assert len([order async for order in checked.orders.list(min_date_created=since)]) == 3
    assert [
        order async for order in checked.orders.list(min_date_modified=sandbox.clock.now() + timedelta(hours=1))
    ] == []
    sent = sandbox.requests(store.hash, path_prefix="/v2/orders")[-1].query
    assert "min_date_modified=" in sent and "%2B00%3A00" in sent  # a full timestamp with its offset
    with pytest.raises(ValueError, match="timezone-aware"):
        await checked.orders.count(min_date_created=datetime(2025, 1, 1))


async def test_update_and_archive(checked: BigCommerceClient, store: Store) -> None:
    order_id = seed_order(store)
    updated = await checked.orders.update(order_id, OrderInput(status_id=9, staff_notes="packed"))
    assert (updated.status_id, updated.staff_notes) == (9, "packed")
    await checked.orders.archive(order_id)
    assert (await checked.orders.get(order_id)).is_deleted is True


async def test_update_that_adds_lines_is_not_repeated_after_a_5xx(sandbox: Sandbox, store: Store) -> None:
    order_id = seed_order(store)
    store.faults.add(FaultRule(method="PUT", path="/v2/orders/*", error_rate=1.0, error_statuses=(500,), remaining=1))
    adding = OrderInput(
        products=[OrderProductInput(name="Extra", quantity=1, price_ex_tax=Decimal(1), price_inc_tax=Decimal(1))]
    )
    async with make_client(sandbox, store) as client:
        with pytest.raises(WriteOutcomeUnknown):
            await client.orders.update(order_id, adding)
        assert client.requests_sent == 1
        store.faults.add(
            FaultRule(method="PUT", path="/v2/orders/*", error_rate=1.0, error_statuses=(500,), remaining=1)
        )
        changed = await client.orders.update(order_id, {"status_id": 10})  # repeating this is harmless: retried
        assert changed.status_id == 10 and client.requests_sent == 3


async def test_find_by_external_id(checked: BigCommerceClient, store: Store) -> None:
    seed_order(store, external_order_id="A-1")
    order_id = seed_order(store, external_order_id="A-2")
    found = await checked.orders.find_by_external_id("A-2")
    assert found is not None and found.id == order_id and found.line_items
    assert await checked.orders.find_by_external_id("missing") is None


async def test_a_lost_create_response_surfaces_as_write_outcome_unknown(sandbox: Sandbox, store: Store) -> None:
    store.faults.add(FaultRule(method="POST", path="/v2/orders", commit_then_drop_rate=1.0))
    async with make_client(sandbox, store) as client:
        with pytest.raises(WriteOutcomeUnknown):
            await client.orders.create(order_body("lost-1"))
        assert client.requests_sent == 1
        store.faults.clear()
        found = await client.orders.find_by_external_id("lost-1")  # what the caller must do before retrying
    assert found is not None
    assert len(store.orders.orders) == 1


async def test_create_once_creates_exactly_once(sandbox: Sandbox, store: Store) -> None:
    store.faults.add(FaultRule(method="POST", path="/v2/orders", commit_then_drop_rate=1.0, remaining=1))
    async with make_client(sandbox, store) as client:
        first = await client.orders.create_once(order_body("once-1"))
        again = await client.orders.create_once(order_body("once-1"))
        assert first.id == again.id
    assert len(store.orders.orders) == 1
    methods = [entry.method for entry in sandbox.requests(store.hash)]
    assert methods == ["GET", "POST", "GET", "GET"]  # look up, create (lost), look up: found; look up: found


async def test_create_once_retries_a_create_that_did_not_commit(sandbox: Sandbox, store: Store) -> None:
    store.faults.add(FaultRule(method="POST", path="/v2/orders", error_rate=1.0, error_statuses=(503,), remaining=1))
    async with make_client(sandbox, store) as client:
        order = await client.orders.create_once(order_body("once-2"))
    assert order.external_order_id == "once-2"
    assert len(store.orders.orders) == 1
    assert [entry.method for entry in sandbox.requests(store.hash)] == ["GET", "POST", "GET", "POST"]


async def test_create_once_needs_an_external_id(client: BigCommerceClient) -> None:
    with pytest.raises(ValueError, match="external_order_id"):
        await client.orders.create_once(order_body())


async def test_line_items_and_addresses_endpoints(checked: BigCommerceClient, store: Store) -> None:
    order_id = seed_order(store)
    lines = [line async for line in checked.orders.list_products(order_id)]
    addresses = [address async for address in checked.orders.list_shipping_addresses(order_id)]
    assert [line.name for line in lines] == ["Widget 0", "Widget 1"]
    assert [address.first_name for address in addresses] == ["Eve"]
    with pytest.raises(NotFound):
        [line async for line in checked.orders.list_products(999_999)]


async def test_shipments(checked: BigCommerceClient, store: Store, sandbox: Sandbox) -> None:
    order_id = seed_order(store)
    assert [shipment async for shipment in checked.orders.list_shipments(order_id)] == []  # a 204
    assert sandbox.requests(store.hash)[-1].status == 204
    order = await checked.orders.get(order_id)
    shipment = await checked.orders.create_shipment(
        order_id,
        ShipmentInput(
            order_address_id=order.shipping_address_list[0].id,
            items=[ShipmentItem(order_product_id=line.id, quantity=line.quantity) for line in order.line_items],
            tracking_number="1Z999",
            shipping_provider="ups",
        ),
    )
    assert shipment.order_id == order_id and shipment.tracking_number == "1Z999"
    assert {item.order_product_id for item in shipment.items} == {line.id for line in order.line_items}
    assert (await checked.orders.find_shipment_by_tracking(order_id, "1Z999")) == shipment
    assert await checked.orders.find_shipment_by_tracking(order_id, "nope") is None
    changed = await checked.orders.update_shipment(order_id, shipment.id, {"tracking_number": "1Z000"})
    assert changed.tracking_number == "1Z000"
    assert (await checked.orders.get_shipment(order_id, shipment.id)).tracking_number == "1Z000"
    assert (await checked.orders.get(order_id)).status_id == 2  # shipped
    await checked.orders.delete_shipment(order_id, shipment.id)
    assert [item async for item in checked.orders.list_shipments(order_id)] == []


async def test_statuses(checked: BigCommerceClient) -> None:
    statuses = await checked.orders.list_statuses()
    assert {status.id: status.name for status in statuses}[0] == "Incomplete"
    assert len(statuses) == 15
    assert (await checked.orders.get_status(11)).name == "Awaiting Fulfillment"
