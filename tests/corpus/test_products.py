"""Bad products in a store: the store's own refusals, and what the hub's catalog import does with the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bchub.domain.runs import Outcome, RunStatus
from bchub.storage.runs import RunRepository
from bchub.sync.catalog.importer import CatalogDeps, import_listings
from bcsandbox.errors import ApiError
from tests.faults.world import MERCHANT, VENDORS, FaultWorld, fault_world

pytestmark = pytest.mark.anyio

EMOJI = "Café ☕ 🚀 Ünïcödé — 東京"
HUGE = 10**12
MAX_STOCK = 2_147_483_647


def _product(name: str, sku: str | None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "type": "physical", "price": 1, "weight": 1, **extra}
    if sku is not None:
        body["sku"] = sku
    return body


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_product("N" * 251, "LONG-1"), "422 JSON data is missing or invalid"),
        (_product("Long SKU", "S" * 256), "422 JSON data is missing or invalid"),
        (
            _product("Negative", "NEG-1", inventory_tracking="product", inventory_level=-5),
            "422 JSON data is missing or invalid",
        ),
        (_product("Duplicate", "V2-000-S"), "409 The product SKU is a duplicate"),
    ],
)
async def test_the_store_refuses_what_it_cannot_hold(tmp_path: Path, body: dict[str, Any], message: str) -> None:
    async with fault_world(tmp_path) as world:
        with pytest.raises(ApiError) as raised:
            world.vendor(1).catalog.create_product(body)
    assert str(raised.value) == message


async def _import(world: FaultWorld, name: str) -> tuple[RunStatus, dict[str, tuple[Outcome, str]]]:
    run = await import_listings(CatalogDeps(world.hub.sessions, world.hub.connections, world.hub.clients), name)
    with world.hub.sessions() as session:
        items = {item.key: (item.outcome, item.reason or "") for item in RunRepository(session).items(run.id)}
    return run.status, items


async def test_empty_skus_are_skipped_and_unicode_and_huge_stock_survive_the_import(tmp_path: Path) -> None:
    async with fault_world(tmp_path) as world:
        vendor = world.vendor(1)
        blank = vendor.catalog.create_product(_product("Blank SKU", ""))["id"]
        missing = vendor.catalog.create_product(_product("No SKU", None))["id"]
        vendor.catalog.create_product(_product(EMOJI, "EMOJI-1"))
        vendor.catalog.create_product(_product("Huge", "HUGE-1", inventory_tracking="product", inventory_level=HUGE))
        status, items = await _import(world, VENDORS[1])
        assert status is RunStatus.SUCCEEDED
        skipped = {key: reason for key, (outcome, reason) in items.items() if outcome is Outcome.SKIPPED}
        assert sorted(skipped.values()) == ["no SKU to use as the master SKU"] * 2
        assert {key.split(" (product ")[1].split(",")[0] for key in skipped} == {str(blank), str(missing)}
        emoji = world.hub.catalog.item("EMOJI-1")
        assert emoji.item.name == EMOJI
        (listing,) = world.hub.catalog.item("HUGE-1").listings
        assert listing.listing.inventory_level == MAX_STOCK  # the store clamps; the hub keeps what it reads


async def test_a_sku_sold_by_two_vendors_is_reported_and_keeps_its_first_supplier(tmp_path: Path) -> None:
    async with fault_world(tmp_path) as world:
        world.vendor(2).catalog.create_product(_product("Same SKU elsewhere", "V2-000-S"))
        run = await import_listings(
            CatalogDeps(world.hub.sessions, world.hub.connections, world.hub.clients), VENDORS[2]
        )
        assert run.status is RunStatus.SUCCEEDED and run.counts["conflicts"] == 1
        detail = world.hub.catalog.item("V2-000-S")
        assert detail.supplier == VENDORS[1]  # one item, its first supplier kept
        assert sorted(view.connection for view in detail.listings) == sorted([MERCHANT, VENDORS[1], VENDORS[2]])
