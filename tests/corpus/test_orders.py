"""Bad orders from the merchant's store: refused by the store, or held in the hub with the reason; never routed wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bchub.domain.orders import RouteState
from bchub.domain.runs import RunStatus
from bchub.storage.runs import RunRepository
from bcsandbox.errors import ApiError
from tests.faults.world import MERCHANT, FaultWorld, fault_world

pytestmark = pytest.mark.anyio

BILLING = {"first_name": "Ada", "street_1": "1 Elm St", "city": "Austin", "zip": "78701", "country_iso2": "US"}


def _line(world: FaultWorld, sku: str, quantity: int) -> dict[str, Any]:
    found = world.merchant.catalog.find_sku(sku)
    assert found is not None
    product, variant = found
    assert variant is not None
    return {"product_id": product["id"], "variant_id": variant["id"], "quantity": quantity}


def _reasons(world: FaultWorld, run_id: int) -> dict[str, str]:
    with world.hub.sessions() as session:
        return {f"{item.kind} {item.key}": item.reason or "" for item in RunRepository(session).items(run_id)}


async def test_a_zero_quantity_line_is_refused_by_the_store(tmp_path: Path) -> None:
    async with fault_world(tmp_path) as world:
        with pytest.raises(ApiError) as raised:
            world.merchant.orders.create({"billing_address": BILLING, "products": [_line(world, "V1-000-S", 0)]})
    assert str(raised.value) == "400 The field 'products[0].quantity' is invalid: must be 1 or greater."


async def test_unknown_skus_and_incomplete_addresses_hold_the_order_with_the_reason(tmp_path: Path) -> None:
    async with fault_world(tmp_path) as world:
        ghost = world.merchant.orders.create(
            {
                "billing_address": BILLING,
                "shipping_addresses": [{**BILLING, "first_name": "Bo"}],
                "products": [{"name": "Ghost", "sku": "GHOST-1", "quantity": 1, "price_inc_tax": 5, "price_ex_tax": 5}],
                "status_id": 11,
            }
        ).id
        nowhere = world.merchant.orders.create(
            {
                "billing_address": {"first_name": "Cy", "zip": "78701", "country_iso2": "US"},
                "products": [_line(world, "V1-000-S", 1)],
                "status_id": 11,
            }
        ).id
        imported = (await world.hub.orders.get(MERCHANT)).run
        assert imported.status is RunStatus.SUCCEEDED and imported.counts["imported"] == 2
        routed = await world.hub.orders.route(MERCHANT)
        reasons = _reasons(world, routed.id)
        line = world.merchant.orders.get(ghost).lines[0].id
        assert (
            reasons[f"order #{ghost}"] == f"held for review: line {line} (GHOST-1): no hub item has the SKU 'GHOST-1'"
        )
        assert reasons[f"order #{nowhere}"].startswith("held for review: the shipping address")
        assert "has no street, city: the vendor cannot ship to it" in reasons[f"order #{nowhere}"]
        for number in (ghost, nowhere):
            assert world.hub.orders.show(MERCHANT, number).order.route_state is RouteState.HELD
        assert all(not world.vendor(index).orders.orders for index in range(3))  # nothing sent anywhere
