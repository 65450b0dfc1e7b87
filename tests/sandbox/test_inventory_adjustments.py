"""Inventory adjustments and items: tracking rules, their 422s, events, and what the catalog shows."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bcsandbox import Sandbox, Store
from bcsandbox.testing import api_client
from tests.sandbox.test_catalog_support import (
    EventLog,
    assert_conforms_with_nulls,
    assert_problem_conforms,
    product_body,
    variant_body,
)
from tests.support.conformance import assert_conforms

pytestmark = pytest.mark.anyio

ABSOLUTE = "/v3/inventory/adjustments/absolute"
RELATIVE = "/v3/inventory/adjustments/relative"
PROBLEM = "application/problem+json"
SECOND_LOCATION = {
    "label": "Warehouse",
    "code": "WH-2",
    "time_zone": "Etc/UTC",
    "address": {
        "address1": "2 Dock Rd",
        "city": "Austin",
        "state": "Texas",
        "zip": "78702",
        "email": "wh@example.com",
        "geo_coordinates": {"latitude": 30.1, "longitude": -97.7},
        "country_code": "US",
    },
}


@pytest.fixture
def simple(store: Store) -> dict[str, Any]:
    return store.catalog.create_product(product_body("Mug", "MUG", inventory_tracking="product", inventory_level=10))


@pytest.fixture
def shirt(store: Store) -> dict[str, Any]:
    return store.catalog.create_product(variant_body("Shirt", "SH"))


async def level(api: httpx.AsyncClient, product_id: int) -> int:
    return int((await api.get(f"/v3/catalog/products/{product_id}")).json()["data"]["inventory_level"])


async def adjust(api: httpx.AsyncClient, url: str, *items: dict[str, Any]) -> httpx.Response:
    if url == ABSOLUTE:
        return await api.put(url, json={"reason": "test", "items": list(items)})
    return await api.post(url, json={"reason": "test", "items": list(items)})


async def test_absolute_by_product_id_shows_in_the_catalog(api: httpx.AsyncClient, simple: dict[str, Any]) -> None:
    response = await adjust(api, ABSOLUTE, {"location_id": 1, "product_id": simple["id"], "quantity": 42})
    assert response.status_code == 200
    assert_conforms(response)
    assert isinstance(response.json()["transaction_id"], str)
    assert await level(api, simple["id"]) == 42


async def test_absolute_by_sku_and_variant_id(api: httpx.AsyncClient, shirt: dict[str, Any]) -> None:
    blue = shirt["variants"][1]
    response = await adjust(
        api,
        ABSOLUTE,
        {"location_id": 1, "sku": "sh-red", "quantity": 7},
        {"location_id": 1, "variant_id": blue["id"], "quantity": 3},
    )
    assert response.status_code == 200
    variants = (await api.get(f"/v3/catalog/products/{shirt['id']}/variants")).json()["data"]
    assert [variant["inventory_level"] for variant in variants] == [7, 3]
    assert await level(api, shirt["id"]) == 10


async def test_relative_adds_and_subtracts(
    api: httpx.AsyncClient, simple: dict[str, Any], shirt: dict[str, Any]
) -> None:
    red = shirt["variants"][0]
    response = await adjust(
        api,
        RELATIVE,
        {"location_id": 1, "product_id": simple["id"], "quantity": -4},
        {"location_id": 1, "variant_id": red["id"], "quantity": 6},
    )
    assert response.status_code == 200
    assert_conforms(response)
    assert await level(api, simple["id"]) == 6
    assert await level(api, shirt["id"]) == 16


async def test_adjustments_are_idempotent_only_when_absolute(api: httpx.AsyncClient, simple: dict[str, Any]) -> None:
    item = {"location_id": 1, "product_id": simple["id"], "quantity": 3}
    for _ in range(2):
        await adjust(api, ABSOLUTE, item)
    assert await level(api, simple["id"]) == 3
    for _ in range(2):
        await adjust(api, RELATIVE, item)
    assert await level(api, simple["id"]) == 9


async def test_variant_id_of_an_item_tracked_by_product_is_422(
    store: Store, api: httpx.AsyncClient, simple: dict[str, Any]
) -> None:
    by_product = store.catalog.create_product(variant_body("Tee", "TEE", inventory_tracking="product"))
    variant_id = by_product["variants"][0]["id"]
    for url in (ABSOLUTE, RELATIVE):
        response = await adjust(api, url, {"location_id": 1, "variant_id": variant_id, "quantity": 1})
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM
        assert_problem_conforms(response)
        assert response.json()["title"] == (
            f"[Item with variant_id {variant_id} is tracked by product, please update stock by product id]"
        )
    base = await adjust(api, ABSOLUTE, {"location_id": 1, "variant_id": simple["base_variant_id"], "quantity": 1})
    assert base.status_code == 422
    assert "tracked by product" in base.json()["title"]
    fine = await adjust(api, ABSOLUTE, {"location_id": 1, "product_id": by_product["id"], "quantity": 8})
    assert fine.status_code == 200
    assert await level(api, by_product["id"]) == 8


async def test_product_id_of_an_item_tracked_by_variant_is_422(api: httpx.AsyncClient, shirt: dict[str, Any]) -> None:
    response = await adjust(api, ABSOLUTE, {"location_id": 1, "product_id": shirt["id"], "quantity": 1})
    assert response.status_code == 422
    assert_problem_conforms(response)
    assert response.json()["title"] == (
        f"[Item with product_id {shirt['id']} is tracked by variant, please update stock by variant id]"
    )
    by_sku = await adjust(api, ABSOLUTE, {"location_id": 1, "sku": "SH", "quantity": 1})
    assert by_sku.json()["title"] == "[Item with sku SH is tracked by variant, please update stock by variant id]"


async def test_relative_before_absolute_at_a_location_is_422(api: httpx.AsyncClient, simple: dict[str, Any]) -> None:
    await api.post("/v3/inventory/locations", json=[SECOND_LOCATION])
    item = {"location_id": 2, "product_id": simple["id"], "quantity": 5}
    response = await adjust(api, RELATIVE, item)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert_problem_conforms(response)
    assert response.json() == {
        "status": 422,
        "title": f"Items with identity: [product_id {simple['id']}] requires absolute adjustment before relative",
        "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
        "errors": {},
    }
    assert (await adjust(api, ABSOLUTE, {**item, "quantity": 1})).status_code == 200
    assert (await adjust(api, RELATIVE, item)).status_code == 200
    stocked = (await api.get(f"/v3/inventory/locations/2/items?product_id:in={simple['id']}")).json()["data"]
    assert stocked[0]["total_inventory_onhand"] == 6
    assert await level(api, simple["id"]) == 10  # the catalog shows the default location only


async def test_relative_below_the_safety_stock_is_422_and_changes_nothing(
    api: httpx.AsyncClient, simple: dict[str, Any]
) -> None:
    response = await adjust(
        api,
        RELATIVE,
        {"location_id": 1, "product_id": simple["id"], "quantity": -4},
        {"location_id": 1, "product_id": simple["id"], "quantity": -7},
    )
    assert response.status_code == 422
    assert_problem_conforms(response)
    assert f"product_id {simple['id']}" in response.json()["title"]
    assert await level(api, simple["id"]) == 10
    await api.put(
        "/v3/inventory/locations/1/items",
        json={"settings": [{"identity": {"product_id": simple["id"]}, "safety_stock": 8}]},
    )
    short = await adjust(api, RELATIVE, {"location_id": 1, "product_id": simple["id"], "quantity": -3})
    assert short.status_code == 422
    assert (
        await adjust(api, RELATIVE, {"location_id": 1, "product_id": simple["id"], "quantity": -2})
    ).status_code == 200


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"product_id": 1, "quantity": 1}, "items.0.location_id"),
        ({"location_id": 1, "product_id": 1}, "items.0.quantity"),
        ({"location_id": 1, "quantity": 1}, "items.0.identity"),
        ({"location_id": 1, "product_id": 1, "sku": "MUG", "quantity": 1}, "items.0.identity"),
        ({"location_id": 1, "product_id": 999, "quantity": 1}, "items.0.product_id"),
        ({"location_id": 1, "variant_id": 999, "quantity": 1}, "items.0.variant_id"),
        ({"location_id": 1, "sku": "NOPE", "quantity": 1}, "items.0.sku"),
        ({"location_id": 7, "product_id": 1, "quantity": 1}, "items.0.location_id"),
        ({"location_id": 1, "product_id": 1, "quantity": -1}, "items.0.quantity"),
        ({"location_id": 1, "product_id": 1, "quantity": 2**31}, "items.0.quantity"),
        ({"location_id": 1, "product_id": 1, "quantity": "5"}, "items.0.quantity"),
    ],
)
async def test_invalid_items_are_422(
    api: httpx.AsyncClient, simple: dict[str, Any], item: dict[str, Any], field: str
) -> None:
    response = await adjust(api, ABSOLUTE, item)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert_problem_conforms(response)
    assert response.json()["title"] == "Payload contains invalid fields"
    assert field in response.json()["errors"]
    assert await level(api, simple["id"]) == 10


async def test_missing_or_empty_items_are_422(api: httpx.AsyncClient) -> None:
    for body in ({}, {"items": []}, {"items": "all"}):
        response = await api.put(ABSOLUTE, json=body)
        assert response.status_code == 422
        assert_problem_conforms(response)
    not_object = await api.put(ABSOLUTE, json=[])
    assert not_object.status_code == 422
    assert not_object.headers["content-type"] == PROBLEM


async def test_2000_items_pass_and_2001_are_422(store: Store, api: httpx.AsyncClient, simple: dict[str, Any]) -> None:
    item = {"location_id": 1, "product_id": simple["id"], "quantity": 1}
    assert (await api.put(ABSOLUTE, json={"items": [item] * 2000})).status_code == 200
    response = await api.put(ABSOLUTE, json={"items": [item] * 2001})
    assert response.status_code == 422
    assert_problem_conforms(response)
    assert "2000" in response.json()["errors"]["items"]


async def test_stock_events(
    api: httpx.AsyncClient, sandbox: Sandbox, store: Store, simple: dict[str, Any], shirt: dict[str, Any]
) -> None:
    by_product = store.catalog.create_product(variant_body("Tee", "TEE", inventory_tracking="product"))
    untracked = store.catalog.create_product(variant_body("Cap", "CAP", inventory_tracking="none"))
    red = shirt["variants"][0]
    log = EventLog(sandbox)
    await adjust(
        api,
        ABSOLUTE,
        {"location_id": 1, "product_id": simple["id"], "quantity": 4},
        {"location_id": 1, "variant_id": red["id"], "quantity": 9},
        {"location_id": 1, "product_id": by_product["id"], "quantity": 2},
        {"location_id": 1, "product_id": untracked["id"], "quantity": 2},
    )
    assert log.scoped("store/product/inventory/updated") == [
        {
            "type": "product",
            "id": simple["id"],
            "inventory": {"product_id": simple["id"], "method": "absolute", "value": 4},
        },
        {
            "type": "product",
            "id": by_product["id"],
            "inventory": {"product_id": by_product["id"], "method": "absolute", "value": 2},
        },
    ]
    assert log.scoped("store/sku/inventory/updated") == [
        {
            "type": "sku",
            "id": red["sku_id"],
            "inventory": {"product_id": shirt["id"], "method": "absolute", "value": 9, "variant_id": red["id"]},
        }
    ]
    changed = log.scoped("store/channel/*/inventory/product/stock_changed")
    assert {"product_id": shirt["id"], "variant_id": red["id"], "location_id": 1} in changed
    log.clear()
    await adjust(api, RELATIVE, {"location_id": 1, "product_id": simple["id"], "quantity": -1})
    assert log.scoped("store/product/inventory/updated")[0]["inventory"] == {
        "product_id": simple["id"],
        "method": "relative",
        "value": -1,
    }
    log.clear()
    await adjust(api, ABSOLUTE, {"location_id": 1, "product_id": simple["id"], "quantity": 3})
    assert log.events == []  # no change, no event


async def test_adjustment_bumps_date_modified(api: httpx.AsyncClient, sandbox: Sandbox, simple: dict[str, Any]) -> None:
    sandbox.clock.advance(120)
    await adjust(api, ABSOLUTE, {"location_id": 1, "product_id": simple["id"], "quantity": 1})
    product = (await api.get(f"/v3/catalog/products/{simple['id']}")).json()["data"]
    assert product["date_modified"] > simple["date_modified"]


# -- items -----------------------------------------------------------------------------------------


async def test_items_list_every_item_at_every_location(
    api: httpx.AsyncClient, simple: dict[str, Any], shirt: dict[str, Any]
) -> None:
    await api.post("/v3/inventory/locations", json=[SECOND_LOCATION])
    response = await api.get("/v3/inventory/items")
    assert response.status_code == 200
    assert_conforms_with_nulls(response, "sku_id")
    items = response.json()["data"]
    assert [item["identity"]["sku"] for item in items] == ["MUG", "SH-RED", "SH-BLUE"]
    mug = items[0]
    assert mug["identity"] == {
        "sku": "MUG",
        "variant_id": simple["base_variant_id"],
        "product_id": simple["id"],
        "sku_id": None,
    }
    assert [location["location_id"] for location in mug["locations"]] == [1, 2]
    default = mug["locations"][0]
    assert default == {
        "location_id": 1,
        "location_code": "BC-LOCATION-1",
        "location_name": "Default location",
        "available_to_sell": 10,
        "total_inventory_onhand": 10,
        "location_enabled": True,
        "settings": {"safety_stock": 0, "is_in_stock": True, "warning_level": 0, "bin_picking_number": ""},
    }
    assert items[1]["identity"]["sku_id"] == shirt["variants"][0]["sku_id"]


async def test_items_filters(api: httpx.AsyncClient, simple: dict[str, Any], shirt: dict[str, Any]) -> None:
    await api.post("/v3/inventory/locations", json=[SECOND_LOCATION])
    red = shirt["variants"][0]

    async def skus(query: str) -> list[str]:
        response = await api.get(f"/v3/inventory/items?{query}")
        assert response.status_code == 200
        return [item["identity"]["sku"] for item in response.json()["data"]]

    assert await skus("sku:in=mug,SH-BLUE") == ["MUG", "SH-BLUE"]
    assert await skus(f"variant_id:in={red['id']}") == ["SH-RED"]
    assert await skus(f"product_id:in={shirt['id']}") == ["SH-RED", "SH-BLUE"]
    assert await skus("limit=1&page=2") == ["SH-RED"]
    at_two = (await api.get("/v3/inventory/items?location_id:in=2")).json()["data"]
    assert all([loc["location_id"] for loc in item["locations"]] == [2] for item in at_two)
    by_code = (await api.get("/v3/inventory/items?location_code:in=bc-location-1")).json()["data"]
    assert all([loc["location_id"] for loc in item["locations"]] == [1] for item in by_code)
    assert (await api.get("/v3/inventory/items?variant_id:in=x")).status_code == 400


async def test_location_items_and_settings(
    api: httpx.AsyncClient, simple: dict[str, Any], shirt: dict[str, Any]
) -> None:
    response = await api.get("/v3/inventory/locations/1/items")
    assert response.status_code == 200
    assert_conforms(response)
    rows = response.json()["data"]
    assert [row["identity"]["sku"] for row in rows] == ["MUG", "SH-RED", "SH-BLUE"]
    assert set(rows[0]) == {"identity", "available_to_sell", "total_inventory_onhand", "settings"}
    settings = {
        "settings": [
            {
                "identity": {"product_id": simple["id"]},
                "warning_level": 3,
                "safety_stock": 2,
                "bin_picking_number": "A-1",
            },
            {"identity": {"sku": "SH-RED"}, "is_in_stock": False},
        ]
    }
    updated = await api.put("/v3/inventory/locations/1/items", json=settings)
    assert updated.status_code == 200
    assert_conforms(updated)
    mug = (await api.get(f"/v3/inventory/locations/1/items?product_id:in={simple['id']}")).json()["data"][0]
    assert (mug["available_to_sell"], mug["total_inventory_onhand"]) == (8, 10)
    assert mug["settings"] == {"safety_stock": 2, "is_in_stock": True, "warning_level": 3, "bin_picking_number": "A-1"}
    product = (await api.get(f"/v3/catalog/products/{simple['id']}")).json()["data"]
    assert (product["inventory_warning_level"], product["bin_picking_number"]) == (3, "A-1")
    low = (await api.get("/v3/catalog/products?inventory_low=1")).json()["data"]
    assert low == []
    await adjust(api, ABSOLUTE, {"location_id": 1, "product_id": simple["id"], "quantity": 3})
    low = (await api.get("/v3/catalog/products?inventory_low=1")).json()["data"]
    assert [row["id"] for row in low] == [simple["id"]]


async def test_location_items_errors(api: httpx.AsyncClient, simple: dict[str, Any]) -> None:
    missing = await api.get("/v3/inventory/locations/99/items")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM
    assert_problem_conforms(missing)
    no_setting = await api.put(
        "/v3/inventory/locations/1/items", json={"settings": [{"identity": {"product_id": simple["id"]}}]}
    )
    assert no_setting.status_code == 422
    assert_problem_conforms(no_setting)
    assert no_setting.json()["title"] == "Payload contains invalid fields"
    assert no_setting.json()["errors"] == {
        "setting.0.settings": "At least one setting must be specified: warning_level, is_in_stock or safety_stock"
    }
    for body in (
        {},
        {"settings": [{"identity": {}, "safety_stock": 1}]},
        {"settings": [{"identity": {"sku": "?"}, "safety_stock": 1}]},
    ):
        response = await api.put("/v3/inventory/locations/1/items", json=body)
        assert response.status_code == 422, body
        assert_problem_conforms(response)


async def test_only_stocked_items_show_at_another_location(api: httpx.AsyncClient, simple: dict[str, Any]) -> None:
    await api.post("/v3/inventory/locations", json=[SECOND_LOCATION])
    assert (await api.get("/v3/inventory/locations/2/items")).json()["data"] == []
    await adjust(api, ABSOLUTE, {"location_id": 2, "sku": "MUG", "quantity": 4})
    rows = (await api.get("/v3/inventory/locations/2/items")).json()["data"]
    assert [(row["identity"]["sku"], row["total_inventory_onhand"]) for row in rows] == [("MUG", 4)]


async def test_inventory_scopes(sandbox: Sandbox, store: Store, simple: dict[str, Any]) -> None:
    reader = store.add_account("store_inventory_read_only")
    locations_only = store.add_account("store_locations")
    item = {"items": [{"location_id": 1, "product_id": simple["id"], "quantity": 1}]}
    async with api_client(sandbox, store) as client:
        client.headers["X-Auth-Token"] = reader.access_token
        assert (await client.get("/v3/inventory/items")).status_code == 200
        assert (await client.get("/v3/inventory/locations/1/items")).status_code == 200
        assert (await client.put(ABSOLUTE, json=item)).status_code == 403
        assert (await client.get("/v3/inventory/locations")).status_code == 403
        client.headers["X-Auth-Token"] = locations_only.access_token
        assert (await client.get("/v3/inventory/locations")).status_code == 200
        assert (await client.put(ABSOLUTE, json=item)).status_code == 403
        assert (await client.get("/v3/inventory/items")).status_code == 403
