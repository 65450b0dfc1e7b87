"""Variants: per product and across the catalog, the batch PUT, the base variant, the 600 limit."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bcsandbox import Sandbox, Store
from tests.sandbox.test_catalog_support import (
    VARIANT_NULLS,
    EventLog,
    assert_conforms_with_nulls,
    product_body,
    two_option_body,
    variant_body,
)
from tests.support.conformance import assert_conforms

pytestmark = pytest.mark.anyio

STATUS_TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"


async def create(api: httpx.AsyncClient, body: dict[str, Any], query: str = "?include=variants,options") -> Any:
    response = await api.post(f"/v3/catalog/products{query}", json=body)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def test_simple_product_has_one_base_variant(api: httpx.AsyncClient) -> None:
    product = await create(api, product_body("Mug", "MUG", upc="0042"))
    response = await api.get(f"/v3/catalog/products/{product['id']}/variants")
    assert response.status_code == 200
    assert_conforms_with_nulls(response, *VARIANT_NULLS)
    [base] = response.json()["data"]
    assert base["id"] == product["base_variant_id"]
    assert base["sku"] == "MUG" and base["upc"] == "0042"
    assert base["sku_id"] is None and base["option_values"] == []
    assert base["calculated_price"] == 10 and base["calculated_weight"] == 1.5


async def test_list_variants_of_unknown_product_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/v3/catalog/products/77/variants")
    assert response.status_code == 404
    assert_conforms_with_nulls(response)


async def test_create_variant_by_ids_and_by_names(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    product = await create(api, variant_body("Shirt", "SH", ("Red",)))
    option = product["options"][0]
    value = await api.post(
        f"/v3/catalog/products/{product['id']}/options/{option['id']}/values", json={"label": "Green", "sort_order": 2}
    )
    green_id = value.json()["data"]["id"]
    log = EventLog(sandbox)
    by_ids = await api.post(
        f"/v3/catalog/products/{product['id']}/variants",
        json={"sku": "SH-GREEN", "price": 12.5, "option_values": [{"id": green_id, "option_id": option["id"]}]},
    )
    assert by_ids.status_code == 200
    assert_conforms_with_nulls(by_ids, *VARIANT_NULLS)
    created = by_ids.json()["data"]
    assert created["calculated_price"] == 12.5
    assert created["option_values"][0]["label"] == "Green"
    assert log.scoped("store/sku/created") == [
        {"type": "sku", "id": created["sku_id"], "sku": {"product_id": product["id"], "variant_id": created["id"]}}
    ]
    await api.post(
        f"/v3/catalog/products/{product['id']}/options/{option['id']}/values", json={"label": "Black", "sort_order": 3}
    )
    by_names = await api.post(
        f"/v3/catalog/products/{product['id']}/variants",
        json={"sku": "SH-BLACK", "option_values": [{"option_display_name": "Color", "label": "Black"}]},
    )
    assert by_names.status_code == 200
    listed = (await api.get(f"/v3/catalog/products/{product['id']}/variants")).json()["data"]
    assert [variant["sku"] for variant in listed] == ["SH-RED", "SH-GREEN", "SH-BLACK"]


async def test_first_variant_replaces_the_base_variant(api: httpx.AsyncClient) -> None:
    product = await create(api, product_body("Cap", "CAP"))
    base_id = product["base_variant_id"]
    option = await api.post(
        f"/v3/catalog/products/{product['id']}/options",
        json={"display_name": "Size", "type": "dropdown", "option_values": [{"label": "S", "sort_order": 0}]},
    )
    assert option.status_code == 200
    value = option.json()["data"]["option_values"][0]
    variant = await api.post(
        f"/v3/catalog/products/{product['id']}/variants",
        json={"sku": "CAP-S", "option_values": [{"id": value["id"], "option_id": option.json()["data"]["id"]}]},
    )
    assert variant.status_code == 200
    after = (await api.get(f"/v3/catalog/products/{product['id']}?include=variants")).json()["data"]
    assert after["base_variant_id"] is None
    assert [v["sku"] for v in after["variants"]] == ["CAP-S"]
    assert (await api.get(f"/v3/catalog/products/{product['id']}/variants/{base_id}")).status_code == 404
    assert after["sku"] == "CAP"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"option_values": [{"option_display_name": "Color", "label": "Red"}]}, 422),
        ({"sku": "NEW"}, 422),
        ({"sku": "NEW", "option_values": []}, 422),
        ({"sku": "NEW", "option_values": [{"option_display_name": "Color", "label": "Purple"}]}, 422),
        ({"sku": "NEW", "option_values": [{"id": 9999, "option_id": 9999}]}, 422),
        ({"sku": "NEW", "price": -1, "option_values": [{"option_display_name": "Color", "label": "Red"}]}, 422),
        ({"sku": "sh-red", "option_values": [{"option_display_name": "Color", "label": "Red"}]}, 409),
        ({"sku": "NEW", "option_values": [{"option_display_name": "Color", "label": "Red"}]}, 409),
    ],
    ids=["no-sku", "no-values", "empty-values", "unknown-label", "unknown-id", "bad-price", "dup-sku", "dup-combo"],
)
async def test_create_variant_errors(api: httpx.AsyncClient, body: dict[str, Any], status: int) -> None:
    product = await create(api, variant_body("Shirt", "SH", ("Red",)))
    response = await api.post(f"/v3/catalog/products/{product['id']}/variants", json=body)
    assert response.status_code == status, response.text
    assert response.json()["status"] == status and response.json()["type"] == STATUS_TYPE
    missing = await api.post("/v3/catalog/products/999/variants", json=body)
    assert missing.status_code == 404
    assert_conforms_with_nulls(missing)


async def test_a_variant_must_name_every_option(api: httpx.AsyncClient) -> None:
    product = await create(api, two_option_body("Tee", "TEE"))
    response = await api.post(
        f"/v3/catalog/products/{product['id']}/variants",
        json={"sku": "TEE-X", "option_values": [{"option_display_name": "Color", "label": "Red"}]},
    )
    assert response.status_code == 422


async def test_600_skus_per_product(store: Store, api: httpx.AsyncClient) -> None:
    variants = [
        {
            "sku": f"MANY-{color}-{size}",
            "option_values": [
                {"option_display_name": "Color", "label": f"C{color}"},
                {"option_display_name": "Size", "label": f"S{size}"},
            ],
        }
        for color in range(30)
        for size in range(20)
    ]
    product = store.catalog.create_product(
        product_body("Many", "MANY", inventory_tracking="variant", variants=variants)
    )
    assert len(product["variants"]) == 600
    size = next(option for option in product["options"] if option["display_name"] == "Size")
    await api.post(
        f"/v3/catalog/products/{product['id']}/options/{size['id']}/values", json={"label": "Extra", "sort_order": 0}
    )
    response = await api.post(
        f"/v3/catalog/products/{product['id']}/variants",
        json={
            "sku": "MANY-601",
            "option_values": [
                {"option_display_name": "Color", "label": "C0"},
                {"option_display_name": "Size", "label": "Extra"},
            ],
        },
    )
    assert response.status_code == 422
    assert "600" in response.json()["title"]


async def test_an_option_takes_at_most_250_values(api: httpx.AsyncClient) -> None:
    labels = tuple(f"L{n}" for n in range(251))
    response = await api.post("/v3/catalog/products", json=variant_body("Wide", "WIDE", labels))
    assert response.status_code == 422
    assert "250" in response.json()["errors"]["variants"]


async def test_get_update_and_delete_one(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    product = await create(api, variant_body("Shirt", "SH"))
    red, blue = product["variants"]
    url = f"/v3/catalog/products/{product['id']}/variants/{red['id']}"
    found = await api.get(url)
    assert_conforms_with_nulls(found, *VARIANT_NULLS)
    assert found.json()["data"]["sku"] == "SH-RED"
    only = (await api.get(url + "?include_fields=sku")).json()["data"]
    assert only == {"id": red["id"], "sku": "SH-RED"}
    log = EventLog(sandbox)
    updated = await api.put(url, json={"price": 19, "sale_price": 17, "sku": "SH-RED-2", "weight": 4})
    assert updated.status_code == 200
    assert_conforms_with_nulls(updated, *VARIANT_NULLS)
    data = updated.json()["data"]
    assert (data["sku"], data["calculated_price"], data["calculated_weight"]) == ("SH-RED-2", 17, 4)
    assert log.scoped("store/sku/updated") == [
        {"type": "sku", "id": red["sku_id"], "sku": {"product_id": product["id"], "variant_id": red["id"]}}
    ]
    clash = await api.put(url, json={"sku": "sh-blue"})
    assert clash.status_code == 409
    invalid = await api.put(url, json={"price": "free"})
    assert invalid.status_code == 422
    other = await create(api, product_body("Other", "OT"))
    wrong_product = await api.get(f"/v3/catalog/products/{other['id']}/variants/{red['id']}")
    assert wrong_product.status_code == 404
    assert_conforms_with_nulls(wrong_product)
    assert (await api.put(f"/v3/catalog/products/{product['id']}/variants/999", json={})).status_code == 404
    deleted = await api.delete(url)
    assert deleted.status_code == 204
    assert (await api.get(url)).status_code == 404
    assert log.scoped("store/sku/deleted")[0]["sku"]["variant_id"] == red["id"]
    # the old SKU is free again
    assert (
        await api.put(f"/v3/catalog/products/{product['id']}/variants/{blue['id']}", json={"sku": "SH-RED-2"})
    ).status_code == 200
    assert (await api.delete(f"/v3/catalog/products/{product['id']}/variants/12345")).status_code == 204


async def test_deleting_the_last_variant_restores_a_base_variant(api: httpx.AsyncClient) -> None:
    product = await create(api, variant_body("Solo", "SOLO", ("Red",)))
    variant = product["variants"][0]
    await api.delete(f"/v3/catalog/products/{product['id']}/variants/{variant['id']}")
    after = (await api.get(f"/v3/catalog/products/{product['id']}?include=variants")).json()["data"]
    assert isinstance(after["base_variant_id"], int)
    assert [(v["id"], v["sku"], v["option_values"]) for v in after["variants"]] == [
        (after["base_variant_id"], "SOLO", [])
    ]
    base = await api.delete(f"/v3/catalog/products/{product['id']}/variants/{after['base_variant_id']}")
    assert base.status_code == 422


async def test_base_variant_sku_is_the_product_sku(api: httpx.AsyncClient) -> None:
    product = await create(api, product_body("Bowl", "BOWL"))
    url = f"/v3/catalog/products/{product['id']}/variants/{product['base_variant_id']}"
    response = await api.put(url, json={"sku": "BOWL-2", "inventory_level": 6})
    assert response.status_code == 200
    assert response.json()["data"]["inventory_level"] == 6
    refreshed = (await api.get(f"/v3/catalog/products/{product['id']}")).json()["data"]
    assert refreshed["sku"] == "BOWL-2"
    assert refreshed["inventory_level"] == 6
    assert (await api.post("/v3/catalog/products", json=product_body("Another", "bowl-2"))).status_code == 409
    assert (await api.post("/v3/catalog/products", json=product_body("Another", "BOWL"))).status_code == 200


async def test_prices_written_through_a_base_variant_are_the_products(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    product = await create(api, product_body("Bowl", "BOWL", price=10))
    log = EventLog(sandbox)
    response = await api.put(
        "/v3/catalog/variants", json=[{"id": product["base_variant_id"], "price": 14, "weight": 2}]
    )
    assert response.status_code == 200
    base = response.json()["data"][0]
    assert (base["price"], base["calculated_price"], base["calculated_weight"]) == (None, 14, 2)
    refreshed = (await api.get(f"/v3/catalog/products/{product['id']}")).json()["data"]
    assert (refreshed["price"], refreshed["calculated_price"], refreshed["weight"]) == (14, 14, 2)
    assert log.scoped("store/product/updated") == [{"type": "product", "id": product["id"]}]


async def test_variant_stock_update_emits_the_sku_inventory_event(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    product = await create(api, variant_body("Shirt", "SH"))
    red = product["variants"][0]
    log = EventLog(sandbox)
    await api.put(f"/v3/catalog/products/{product['id']}/variants/{red['id']}", json={"inventory_level": 9})
    assert log.scoped("store/sku/inventory/updated") == [
        {
            "type": "sku",
            "id": red["sku_id"],
            "inventory": {"product_id": product["id"], "method": "absolute", "value": 9, "variant_id": red["id"]},
        }
    ]
    assert (await api.get(f"/v3/catalog/products/{product['id']}")).json()["data"]["inventory_level"] == 14


# -- /v3/catalog/variants --------------------------------------------------------------------------


def _complete(variant: dict[str, Any]) -> dict[str, Any]:
    """Variant fields the /catalog/variants spec types without null (it uses Swagger's x-nullable)."""
    return {
        **variant,
        "price": 10,
        "sale_price": 0,
        "retail_price": 0,
        "weight": 1,
        "width": 1,
        "height": 1,
        "depth": 1,
        "fixed_cost_shipping_price": 0,
    }


async def test_list_all_variants_conforms_when_nothing_is_inherited(api: httpx.AsyncClient) -> None:
    body = variant_body("Full", "FULL")
    body["variants"] = [_complete(variant) for variant in body["variants"]]
    await create(api, body)
    response = await api.get("/v3/catalog/variants")
    assert response.status_code == 200
    assert_conforms(response)
    assert [variant["sku"] for variant in response.json()["data"]] == ["FULL-RED", "FULL-BLUE"]


async def test_list_all_variants_filters(store: Store, api: httpx.AsyncClient) -> None:
    shirt = store.catalog.create_product(variant_body("Shirt", "SH"))
    mug = store.catalog.create_product(product_body("Mug", "MUG", upc="777"))

    async def skus(query: str) -> list[str]:
        response = await api.get(f"/v3/catalog/variants?{query}")
        assert response.status_code == 200
        assert_conforms_with_nulls(response, *VARIANT_NULLS)
        return [variant["sku"] for variant in response.json()["data"]]

    assert await skus("") == ["SH-RED", "SH-BLUE", "MUG"]
    assert await skus("sku=sh-blue") == ["SH-BLUE"]
    assert await skus("sku:in=MUG,SH-RED") == ["SH-RED", "MUG"]
    assert await skus(f"product_id:in={mug['id']}") == ["MUG"]
    assert await skus(f"id={shirt['variants'][1]['id']}") == ["SH-BLUE"]
    assert await skus(f"id:in={shirt['variants'][0]['id']},{mug['base_variant_id']}") == ["SH-RED", "MUG"]
    assert await skus("upc=777") == ["MUG"]
    assert await skus("limit=1&page=2") == ["SH-BLUE"]


async def test_batch_update_and_create(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    product = await create(api, variant_body("Shirt", "SH", ("Red",)))
    option = product["options"][0]
    green = (
        await api.post(
            f"/v3/catalog/products/{product['id']}/options/{option['id']}/values",
            json={"label": "Green", "sort_order": 1},
        )
    ).json()["data"]
    log = EventLog(sandbox)
    body = [
        {"id": product["variants"][0]["id"], "price": 30},
        {
            "product_id": product["id"],
            "sku": "SH-GREEN",
            "option_values": [{"id": green["id"], "option_id": option["id"]}],
        },
    ]
    response = await api.put("/v3/catalog/variants", json=body)
    assert response.status_code == 200
    assert_conforms_with_nulls(response, *VARIANT_NULLS)
    data = response.json()["data"]
    assert data[0]["price"] == 30 and data[1]["sku"] == "SH-GREEN"
    assert len(log.scoped("store/sku/created")) == 1 and len(log.scoped("store/sku/updated")) == 1


async def test_batch_of_51_is_413(api: httpx.AsyncClient) -> None:
    response = await api.put("/v3/catalog/variants", json=[{"id": n, "price": 1} for n in range(51)])
    assert response.status_code == 413
    assert response.json()["title"] == "The request payload is too large. The maximum items allowed in the array is 50."
    assert_conforms_with_nulls(response)


async def test_invalid_batch_is_422_with_batch_errors_and_writes_nothing(api: httpx.AsyncClient) -> None:
    product = await create(api, variant_body("Shirt", "SH"))
    red, blue = product["variants"]
    body = [
        {"id": red["id"], "price": 99},
        {"id": 4242, "price": 1},
        {"id": blue["id"], "sku": "sh-red"},
        {"product_id": product["id"], "sku": "NEW"},
        {"id": blue["id"], "price": -1},
    ]
    response = await api.put("/v3/catalog/variants", json=body)
    assert response.status_code == 422
    assert_conforms_with_nulls(response)
    failures = response.json()["batch_errors"]
    assert [failure["status"] for failure in failures] == [404, 409, 422, 422]
    assert all(failure["type"] == STATUS_TYPE for failure in failures)
    assert "3.option_values" in failures[2]["errors"]
    unchanged = (await api.get(f"/v3/catalog/products/{product['id']}/variants/{red['id']}")).json()["data"]
    assert unchanged["price"] is None
    empty = await api.put("/v3/catalog/variants", json=[])
    assert empty.status_code == 422


async def test_two_batch_items_cannot_create_one_combination(api: httpx.AsyncClient) -> None:
    product = await create(api, variant_body("Shirt", "SH", ("Red",)))
    option = product["options"][0]
    url = f"/v3/catalog/products/{product['id']}/options/{option['id']}/values"
    green = (await api.post(url, json={"label": "Green", "sort_order": 1})).json()["data"]
    values = [{"id": green["id"], "option_id": option["id"]}]
    body = [
        {"product_id": product["id"], "sku": "SH-G1", "option_values": values},
        {"product_id": product["id"], "sku": "SH-G2", "option_values": values},
    ]
    response = await api.put("/v3/catalog/variants", json=body)
    assert response.status_code == 422
    assert [failure["status"] for failure in response.json()["batch_errors"]] == [409]


async def test_two_batch_items_cannot_take_one_sku(api: httpx.AsyncClient) -> None:
    product = await create(api, variant_body("Shirt", "SH"))
    red, blue = product["variants"]
    body = [{"id": red["id"], "sku": "SAME"}, {"id": blue["id"], "sku": "same"}]
    response = await api.put("/v3/catalog/variants", json=body)
    assert response.status_code == 422
    assert response.json()["batch_errors"][0]["status"] == 409
