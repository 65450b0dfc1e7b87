"""The inventory service against the sandbox: adjustments at 2,000 items per request, stock reads."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bchub.bigcommerce import BigCommerceClient, Unprocessable, WriteOutcomeUnknown
from bchub.bigcommerce.models import AdjustmentItem
from bcsandbox import Sandbox, Store
from bcsandbox.faults import FaultRule
from bcsandbox.testing import transport_for
from tests.client.helpers import Recording, check_conformance, make_client

pytestmark = pytest.mark.anyio

WAREHOUSE = {
    "label": "Warehouse",
    "code": "WH-2",
    "time_zone": "America/Chicago",
    "address": {
        "address1": "1 Dock Road",
        "city": "Austin",
        "state": "TX",
        "zip": "78751",
        "email": "wh@example.com",
        "country_code": "US",
        "geo_coordinates": {"latitude": 30.3, "longitude": -97.7},
    },
}


def seed_variants(store: Store, products: int, variants: int = 3) -> list[int]:
    """Variant-tracked products; returns the variant ids."""
    ids: list[int] = []
    for number in range(products):
        product = store.catalog.create_product(
            {
                "name": f"Stocked {number}",
                "type": "physical",
                "weight": 1,
                "price": 5,
                "inventory_tracking": "variant",
                "variants": [
                    {
                        "sku": f"S-{number}-{index}",
                        "option_values": [{"option_display_name": "Size", "label": str(index)}],
                    }
                    for index in range(variants)
                ],
            }
        )
        ids.extend(variant["id"] for variant in product["variants"])
    return ids


def second_location(store: Store) -> int:
    store.inventory.create_locations([WAREHOUSE])
    return max(location["id"] for location in store.inventory.list_locations())


@pytest.fixture
def recording(sandbox: Sandbox) -> Recording:
    return Recording(transport_for(sandbox))


@pytest.fixture
async def checked(sandbox: Sandbox, store: Store, recording: Recording) -> AsyncIterator[BigCommerceClient]:
    async with make_client(sandbox, store, transport=recording) as client:
        yield client
    for response in recording.responses:
        check_conformance(response)


async def stock(client: BigCommerceClient, variant_ids: list[int]) -> dict[tuple[int, int], int]:
    levels: dict[tuple[int, int], int] = {}
    async for item in client.inventory.list_items(variant_ids=variant_ids):
        for location in item.locations:
            assert item.identity.variant_id is not None
            levels[(item.identity.variant_id, location.location_id)] = location.total_inventory_onhand or 0
    return levels


async def test_absolute_adjustments_are_split_at_2000_items_by_location(
    sandbox: Sandbox, store: Store, checked: BigCommerceClient
) -> None:
    variant_ids = seed_variants(store, 420)  # 1,260 variants
    warehouse = second_location(store)
    items = [
        AdjustmentItem(location_id=location, variant_id=variant_id, quantity=7 if location == 1 else 3)
        for variant_id in variant_ids
        for location in (warehouse, 1)
    ]  # 2,520 items, the two locations interleaved
    result = await checked.inventory.adjust_absolute(items, reason="stock take")
    assert result.ok and result.batches == 2
    assert all(outcome.transaction_id for outcome in result.succeeded)
    puts = sandbox.requests(store.hash, method="PUT", path_prefix="/v3/inventory/adjustments/absolute")
    assert len(puts) == 2
    levels = await stock(checked, variant_ids[:5])
    assert all(levels[(variant_id, 1)] == 7 and levels[(variant_id, warehouse)] == 3 for variant_id in variant_ids[:5])


async def test_relative_adjustments(store: Store, checked: BigCommerceClient) -> None:
    variant_ids = seed_variants(store, 2)
    await checked.inventory.adjust_absolute([{"variant_id": variant_id, "quantity": 10} for variant_id in variant_ids])
    result = await checked.inventory.adjust_relative(
        [AdjustmentItem(variant_id=variant_ids[0], quantity=-4), AdjustmentItem(variant_id=variant_ids[1], quantity=5)],
        reason="recount",
    )
    assert result.ok and result.batches == 1
    levels = await stock(checked, variant_ids[:2])
    assert (levels[(variant_ids[0], 1)], levels[(variant_ids[1], 1)]) == (6, 15)


async def test_an_invalid_adjustment_is_reported_per_batch(store: Store, checked: BigCommerceClient) -> None:
    product = store.catalog.create_product(
        {"name": "Plain", "type": "physical", "weight": 1, "price": 1, "inventory_tracking": "product"}
    )
    base_variant = product["base_variant_id"] if product.get("base_variant_id") else product["variants"][0]["id"]
    result = await checked.inventory.adjust_absolute([AdjustmentItem(variant_id=base_variant, quantity=3)])
    assert not result.ok
    assert isinstance(result.failed[0].error, Unprocessable)  # tracked by product: adjust by product_id
    fixed = await checked.inventory.adjust_absolute([AdjustmentItem(product_id=product["id"], quantity=3)])
    assert fixed.ok


async def test_a_lost_relative_adjustment_is_not_resent(sandbox: Sandbox, store: Store) -> None:
    variant_ids = seed_variants(store, 1)
    store.inventory.adjust(
        {"items": [{"location_id": 1, "variant_id": variant_ids[0], "quantity": 10}]}, relative=False
    )
    store.faults.add(FaultRule(method="POST", path="/v3/inventory/adjustments/relative", commit_then_drop_rate=1.0))
    async with make_client(sandbox, store) as client:
        result = await client.inventory.adjust_relative([AdjustmentItem(variant_id=variant_ids[0], quantity=1)])
        assert client.requests_sent == 1
    assert isinstance(result.failed[0].error, WriteOutcomeUnknown)
    assert store.inventory.level(next(iter(store.catalog.stock_items())).key) == 11  # it was applied


async def test_a_dropped_absolute_adjustment_is_retried(sandbox: Sandbox, store: Store) -> None:
    variant_ids = seed_variants(store, 1)
    store.faults.add(FaultRule(method="PUT", path="/v3/inventory/*", commit_then_drop_rate=1.0, remaining=1))
    async with make_client(sandbox, store) as client:
        result = await client.inventory.adjust_absolute([{"variant_id": variant_ids[0], "quantity": 4}])
        assert result.ok and client.requests_sent == 2  # idempotent: sending it twice sets the same level


async def test_reads(store: Store, checked: BigCommerceClient) -> None:
    variant_ids = seed_variants(store, 3)
    warehouse = second_location(store)
    await checked.inventory.adjust_absolute(
        [{"location_id": warehouse, "variant_id": variant_id, "quantity": 2} for variant_id in variant_ids]
    )
    locations = [location async for location in checked.inventory.list_locations()]
    assert [location.id for location in locations] == [1, warehouse]
    assert locations[1].label == "Warehouse" and locations[1].code == "WH-2"
    assert [location.id async for location in checked.inventory.list_locations(location_ids=[warehouse])] == [warehouse]
    items = [item async for item in checked.inventory.list_location_items(warehouse)]
    assert {item.identity.variant_id for item in items} >= set(variant_ids)
    assert all(item.total_inventory_onhand == 2 for item in items if item.identity.variant_id in variant_ids)
    by_sku = [item async for item in checked.inventory.list_items(skus=["S-1-0"])]
    assert [item.identity.sku for item in by_sku] == ["S-1-0"]
    assert {location.location_id for location in by_sku[0].locations} >= {1, warehouse}
