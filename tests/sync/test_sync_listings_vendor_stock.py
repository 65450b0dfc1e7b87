"""Vendor stock into the hub (list calls only) and out to merchants under the vendor's rules."""

from __future__ import annotations

import pytest

from bchub.app import Hub
from bchub.domain.connections import Role
from bchub.domain.publishing import VendorStockRule
from bchub.domain.runs import RunStatus
from bchub.sync.catalog.importer import CatalogDeps, import_listings
from bchub.sync.catalog.inventory import set_vendor_rule, sync_inventory, vendor_rule
from bchub.sync.catalog.publish import Selection, publish_listings
from bcsandbox import Sandbox, Store
from tests.sync.publishing_helpers import connect, deps, variant, vendor_store, writes

pytestmark = pytest.mark.anyio


def _vendor_product(store: Store, sku: str, stock: int) -> None:
    store.catalog.create_product(
        {
            "name": f"Vendor {sku}",
            "type": "physical",
            "sku": sku,
            "price": 4,
            "weight": 1,
            "inventory_tracking": "product",
            "inventory_level": stock,
        }
    )


def _set_vendor_stock(store: Store, sku: str, level: int) -> None:
    product_id = next(r.id for r in store.catalog.products.values() if r.fields["sku"] == sku)
    store.inventory.adjust({"items": [{"product_id": product_id, "location_id": 1, "quantity": level}]}, relative=False)


async def _setup(hub: Hub, sandbox: Sandbox, merchant: Store) -> tuple[int, int, Store]:
    supplier = vendor_store(sandbox)
    for sku, stock in (("BOLT", 30), ("NUT", 8), ("WASHER", 12)):
        _vendor_product(supplier, sku, stock)
    vendor = connect(hub, supplier, Role.VENDOR, name="bolts-inc")
    imported = await import_listings(CatalogDeps(hub.sessions, hub.connections, hub.clients), vendor)
    assert imported.status is RunStatus.SUCCEEDED, imported
    shop = connect(hub, merchant)
    published, _ = await publish_listings(deps(hub), shop, Selection(supplier_id=vendor))
    assert published is not None and published.status is RunStatus.SUCCEEDED, published
    return vendor, shop, supplier


async def test_vendor_stock_reaches_merchants_with_buffer_cap_and_discontinued_rules(
    hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    vendor, _, supplier = await _setup(hub, sandbox, store)
    assert variant(store, "BOLT")["inventory_level"] == 30
    rule = VendorStockRule(buffer=2, cap=10, zero_when_discontinued=True)
    set_vendor_rule(deps(hub), vendor, rule)
    assert vendor_rule(deps(hub), vendor) == rule
    _set_vendor_stock(supplier, "NUT", 5)
    washer = next(r.id for r in supplier.catalog.products.values() if r.fields["sku"] == "WASHER")
    supplier.catalog.delete_product(washer)
    await import_listings(CatalogDeps(hub.sessions, hub.connections, hub.clients), vendor)  # sees WASHER gone
    sandbox.clear_requests()
    read, pushed = await sync_inventory(deps(hub), vendor)
    assert read.status is RunStatus.SUCCEEDED
    assert read.requests == 1  # one list call for all stock levels, not one per SKU
    assert writes(sandbox, supplier) == []  # the vendor is only read
    assert [run.status for run in pushed] == [RunStatus.SUCCEEDED]
    assert variant(store, "BOLT")["inventory_level"] == 10  # 30 - 2, capped at 10
    assert variant(store, "NUT")["inventory_level"] == 3  # 5 - 2
    assert variant(store, "WASHER")["inventory_level"] == 0  # discontinued by the vendor


async def test_an_unchanged_vendor_costs_one_read_and_no_merchant_request(
    hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    vendor, _, _ = await _setup(hub, sandbox, store)
    await sync_inventory(deps(hub), vendor)
    sandbox.clear_requests()
    read, pushed = await sync_inventory(deps(hub), vendor)
    assert read.requests == 1 and read.counts.get("unchanged") == 3
    assert [run.requests for run in pushed] == [0]
    assert sandbox.requests(store.hash) == []
