"""The catalog's Python API used by the orders backend and the demo seeder."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bcsandbox import Sandbox, Store
from bcsandbox.errors import ApiError
from tests.sandbox.test_catalog_support import EventLog, product_body, variant_body

pytestmark = pytest.mark.anyio


def test_create_product_validates_like_the_api(store: Store) -> None:
    product = store.catalog.create_product(variant_body("Shirt", "SH", brand_name="Acme"))
    assert product["id"] == 1
    assert [variant["sku"] for variant in product["variants"]] == ["SH-RED", "SH-BLUE"]
    assert product["options"][0]["display_name"] == "Color"
    with pytest.raises(ApiError) as duplicate:
        store.catalog.create_product(product_body("shirt", "OTHER"))
    assert duplicate.value.status == 409
    with pytest.raises(ApiError) as invalid:
        store.catalog.create_product({"name": "No price", "type": "physical", "weight": 1})
    assert invalid.value.status == 422 and "price" in invalid.value.errors


def test_returned_products_are_copies(store: Store) -> None:
    product = store.catalog.create_product(variant_body("Shirt", "SH"))
    product["name"] = "Changed"
    product["variants"][0]["option_values"].clear()
    fresh = store.catalog.get_product(product["id"])
    assert fresh is not None
    assert fresh["name"] == "Shirt"
    assert fresh["variants"][0]["option_values"]


def test_get_product_and_variant(store: Store) -> None:
    simple = store.catalog.create_product(product_body("Mug", "MUG", custom_fields=[{"name": "a", "value": "b"}]))
    found = store.catalog.get_product(simple["id"])
    assert found is not None
    assert [variant["id"] for variant in found["variants"]] == [simple["base_variant_id"]]
    assert found["custom_fields"][0]["name"] == "a"
    assert store.catalog.get_product(999) is None
    base = store.catalog.get_variant(simple["base_variant_id"])
    assert base is not None and base["sku"] == "MUG" and base["option_values"] == []
    assert store.catalog.get_variant(999) is None


def test_find_sku(store: Store) -> None:
    simple = store.catalog.create_product(product_body("Mug", "MUG"))
    shirt = store.catalog.create_product(variant_body("Shirt", "SH"))
    found = store.catalog.find_sku("mug")
    assert found is not None
    product, variant = found
    assert product["id"] == simple["id"]
    assert variant is not None and variant["id"] == simple["base_variant_id"]
    red = store.catalog.find_sku("SH-RED")
    assert red is not None
    assert red[0]["id"] == shirt["id"]
    assert red[1] is not None and red[1]["option_values"][0]["label"] == "Red"
    parent = store.catalog.find_sku("SH")
    assert parent is not None and parent[0]["id"] == shirt["id"] and parent[1] is None
    assert store.catalog.find_sku("NOPE") is None


def test_record_sale_decrements_tracked_stock_never_below_zero(store: Store, sandbox: Sandbox) -> None:
    mug = store.catalog.create_product(product_body("Mug", "MUG", inventory_tracking="product", inventory_level=5))
    log = EventLog(sandbox)
    store.catalog.record_sale(mug["id"], None, 2)
    after = store.catalog.get_product(mug["id"])
    assert after is not None and after["inventory_level"] == 3 and after["total_sold"] == 2
    assert log.scoped("store/product/inventory/order/updated") == [
        {"type": "product", "id": mug["id"], "inventory": {"product_id": mug["id"], "method": "relative", "value": -2}}
    ]
    store.catalog.record_sale(mug["id"], mug["base_variant_id"], 10)
    after = store.catalog.get_product(mug["id"])
    assert after is not None and after["inventory_level"] == 0 and after["total_sold"] == 12
    assert log.scoped("store/channel/*/inventory/product/out_of_stock_reached") == [
        {"product_id": mug["id"], "variant_id": mug["base_variant_id"], "location_id": 1}
    ]
    log.clear()
    store.catalog.record_sale(mug["id"], None, 1)
    assert log.scoped("store/product/inventory/order/updated") == []  # already at 0: nothing moved
    store.catalog.record_sale(mug["id"], None, -4)  # a return
    returned = store.catalog.get_product(mug["id"])
    assert returned is not None and returned["inventory_level"] == 4 and returned["total_sold"] == 9


def test_record_sale_by_variant(store: Store, sandbox: Sandbox) -> None:
    shirt = store.catalog.create_product(variant_body("Shirt", "SH"))
    red = shirt["variants"][0]
    store.catalog.set_stock(shirt["id"], 10, variant_id=red["id"])
    store.inventory.update_settings(("variant", red["id"]), 1, {"warning_level": 8})
    log = EventLog(sandbox)
    store.catalog.record_sale(shirt["id"], red["id"], 3)
    variant = store.catalog.get_variant(red["id"])
    assert variant is not None and variant["inventory_level"] == 7
    assert log.scoped("store/sku/inventory/order/updated") == [
        {
            "type": "sku",
            "id": red["sku_id"],
            "inventory": {"product_id": shirt["id"], "method": "relative", "value": -3, "variant_id": red["id"]},
        }
    ]
    assert log.scoped("store/channel/*/inventory/product/low_stock_reached") == [
        {"product_id": shirt["id"], "variant_id": red["id"], "location_id": 1}
    ]
    with pytest.raises(ApiError) as wrong:
        store.catalog.record_sale(shirt["id"], 999, 1)
    assert wrong.value.status == 404
    with pytest.raises(ApiError):
        store.catalog.record_sale(999, None, 1)


def test_record_sale_of_an_untracked_product_only_counts_it(store: Store, sandbox: Sandbox) -> None:
    cap = store.catalog.create_product(product_body("Cap", "CAP", inventory_level=4))
    log = EventLog(sandbox)
    store.catalog.record_sale(cap["id"], None, 2)
    after = store.catalog.get_product(cap["id"])
    assert after is not None and after["inventory_level"] == 4 and after["total_sold"] == 2
    assert log.scoped("store/product/inventory/order/updated") == []


def test_set_stock(store: Store, sandbox: Sandbox) -> None:
    mug = store.catalog.create_product(product_body("Mug", "MUG", inventory_tracking="product"))
    log = EventLog(sandbox)
    store.catalog.set_stock(mug["id"], 12)
    product = store.catalog.get_product(mug["id"])
    assert product is not None and product["inventory_level"] == 12
    assert log.scoped("store/product/inventory/updated")[0]["inventory"]["method"] == "absolute"
    for bad in ((mug["id"], -1, 1), (mug["id"], 1, 9)):
        with pytest.raises(ApiError):
            store.catalog.set_stock(bad[0], bad[1], location_id=bad[2])


async def test_state_survives_save_and_load(
    tmp_path: Path, sandbox: Sandbox, store: Store, api: httpx.AsyncClient
) -> None:
    shirt = store.catalog.create_product(variant_body("Shirt", "SH", brand_name="Acme"))
    store.catalog.set_stock(shirt["id"], 3, variant_id=shirt["variants"][0]["id"])
    before = (await api.get("/v3/catalog/products?include=variants,options")).json()
    path = tmp_path / "state.pickle"
    sandbox.save(path)
    sandbox.reset()
    sandbox.load(path)
    after = (await api.get("/v3/catalog/products?include=variants,options")).json()
    assert after == before
    created = await api.post("/v3/catalog/products", json=product_body("Next", "NEXT"))
    assert created.json()["data"]["id"] == shirt["id"] + 1
