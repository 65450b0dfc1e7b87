"""Options, option values and custom fields."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sandbox.test_catalog_support import product_body, two_option_body, variant_body
from tests.support.conformance import assert_conforms

pytestmark = pytest.mark.anyio

SIZE = {
    "display_name": "Size",
    "type": "dropdown",
    "sort_order": 1,
    "option_values": [{"label": "S", "sort_order": 0, "is_default": True}, {"label": "M", "sort_order": 1}],
}


async def create(api: httpx.AsyncClient, body: dict[str, Any]) -> Any:
    response = await api.post("/v3/catalog/products?include=variants,options", json=body)
    assert response.status_code == 200, response.text
    return response.json()["data"]


# -- options ---------------------------------------------------------------------------------------


async def test_create_list_get_option(api: httpx.AsyncClient) -> None:
    product = await create(api, product_body("Cap", "CAP"))
    base = f"/v3/catalog/products/{product['id']}/options"
    created = await api.post(base, json=SIZE)
    assert created.status_code == 200
    assert_conforms(created)
    option = created.json()["data"]
    assert (option["display_name"], option["type"], option["product_id"]) == ("Size", "dropdown", product["id"])
    assert [(v["label"], v["is_default"], v["value_data"]) for v in option["option_values"]] == [
        ("S", True, {}),
        ("M", False, {}),
    ]
    listed = await api.get(base)
    assert_conforms(listed)
    assert [row["id"] for row in listed.json()["data"]] == [option["id"]]
    found = await api.get(f"{base}/{option['id']}")
    assert_conforms(found)
    assert found.json()["data"] == option
    assert (await api.get(f"{base}/{option['id']}?include_fields=type")).json()["data"] == {
        "id": option["id"],
        "type": "dropdown",
    }


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"type": "dropdown", "option_values": [{"label": "A", "sort_order": 0}]}, 422),
        ({"display_name": "Size", "type": "textbox", "option_values": [{"label": "A", "sort_order": 0}]}, 422),
        ({"display_name": "Size", "type": "dropdown"}, 422),
        ({"display_name": "Size", "type": "dropdown", "option_values": []}, 422),
        ({"display_name": "Size", "type": "dropdown", "option_values": [{"label": "A"}]}, 422),
        (
            {
                "display_name": "Size",
                "type": "dropdown",
                "option_values": [{"label": "A", "sort_order": 0}, {"label": "a", "sort_order": 1}],
            },
            422,
        ),
        ({"display_name": "color", "type": "dropdown", "option_values": [{"label": "A", "sort_order": 0}]}, 409),
    ],
    ids=["no-name", "bad-type", "no-values", "empty-values", "value-without-sort", "duplicate-labels", "dup-name"],
)
async def test_create_option_errors(api: httpx.AsyncClient, body: dict[str, Any], status: int) -> None:
    product = await create(api, variant_body("Shirt", "SH"))
    response = await api.post(f"/v3/catalog/products/{product['id']}/options", json=body)
    assert response.status_code == status, response.text
    assert_conforms(response)


async def test_option_404s(api: httpx.AsyncClient) -> None:
    product = await create(api, product_body("Cap", "CAP"))
    assert (await api.post("/v3/catalog/products/999/options", json=SIZE)).status_code == 404
    missing = await api.get(f"/v3/catalog/products/{product['id']}/options/999")
    assert missing.status_code == 404
    assert_conforms(missing)
    listed = await api.get("/v3/catalog/products/999/options")
    assert listed.status_code == 404
    assert_conforms(listed)
    assert (await api.put(f"/v3/catalog/products/{product['id']}/options/999", json={})).status_code == 404


async def test_rename_option_and_values_shows_on_variants(api: httpx.AsyncClient) -> None:
    product = await create(api, variant_body("Shirt", "SH"))
    option = product["options"][0]
    red = option["option_values"][0]
    url = f"/v3/catalog/products/{product['id']}/options/{option['id']}"
    response = await api.put(
        url,
        json={
            "display_name": "Colour",
            "option_values": [{"id": red["id"], "label": "Crimson"}, {"label": "Green", "sort_order": 5}],
        },
    )
    assert response.status_code == 200
    assert_conforms(response)
    labels = [value["label"] for value in response.json()["data"]["option_values"]]
    assert labels == ["Crimson", "Blue", "Green"]
    variants = (await api.get(f"/v3/catalog/products/{product['id']}/variants")).json()["data"]
    assert variants[0]["option_values"][0]["option_display_name"] == "Colour"
    assert variants[0]["option_values"][0]["label"] == "Crimson"
    duplicate_label = await api.put(url, json={"option_values": [{"id": red["id"], "label": "blue"}]})
    assert duplicate_label.status_code == 422
    unknown_value = await api.put(url, json={"option_values": [{"id": 98765, "label": "X"}]})
    assert unknown_value.status_code == 422
    bad = await api.put(url, json={"type": "nope"})
    assert bad.status_code == 422
    assert_conforms(bad)


async def test_rename_to_an_existing_option_name_is_409(api: httpx.AsyncClient) -> None:
    product = await create(api, two_option_body("Tee", "TEE"))
    _, size = product["options"]
    response = await api.put(
        f"/v3/catalog/products/{product['id']}/options/{size['id']}", json={"display_name": "COLOR"}
    )
    assert response.status_code == 409
    assert_conforms(response)


async def test_delete_option_deletes_its_variants(api: httpx.AsyncClient) -> None:
    product = await create(api, two_option_body("Tee", "TEE"))
    color = product["options"][0]
    response = await api.delete(f"/v3/catalog/products/{product['id']}/options/{color['id']}")
    assert response.status_code == 204
    after = (await api.get(f"/v3/catalog/products/{product['id']}?include=variants,options")).json()["data"]
    assert [option["display_name"] for option in after["options"]] == ["Size"]
    assert [variant["option_values"] for variant in after["variants"]] == [[]]
    assert after["base_variant_id"] == after["variants"][0]["id"]
    assert (await api.delete(f"/v3/catalog/products/{product['id']}/options/{color['id']}")).status_code == 204
    # the deleted variants' SKUs are free again
    assert (await api.post("/v3/catalog/products", json=product_body("Reuse", "TEE-Red-S"))).status_code == 200


# -- option values ---------------------------------------------------------------------------------


async def test_option_value_crud(api: httpx.AsyncClient) -> None:
    product = await create(api, variant_body("Shirt", "SH"))
    option = product["options"][0]
    base = f"/v3/catalog/products/{product['id']}/options/{option['id']}/values"
    listed = await api.get(base)
    assert_conforms(listed)
    assert [value["label"] for value in listed.json()["data"]] == ["Red", "Blue"]
    created = await api.post(base, json={"label": "Green", "sort_order": 2, "value_data": {"colors": ["#00ff00"]}})
    assert created.status_code == 200
    assert_conforms(created)
    green = created.json()["data"]
    assert green["value_data"] == {"colors": ["#00ff00"]}
    found = await api.get(f"{base}/{green['id']}")
    assert_conforms(found)
    assert found.json()["data"] == green
    updated = await api.put(f"{base}/{green['id']}", json={"label": "Lime"})
    assert updated.status_code == 200
    assert_conforms(updated)
    assert updated.json()["data"]["label"] == "Lime"
    assert (await api.delete(f"{base}/{green['id']}")).status_code == 204
    missing = await api.get(f"{base}/{green['id']}")
    assert missing.status_code == 404
    assert_conforms(missing)
    assert (await api.delete(f"{base}/{green['id']}")).status_code == 204


@pytest.mark.parametrize(
    "body",
    [{"sort_order": 1}, {"label": "Green"}, {"label": "", "sort_order": 1}, {"label": "red", "sort_order": 1}],
    ids=["no-label", "no-sort-order", "empty-label", "duplicate-label"],
)
async def test_create_option_value_errors(api: httpx.AsyncClient, body: dict[str, Any]) -> None:
    product = await create(api, variant_body("Shirt", "SH"))
    option = product["options"][0]
    response = await api.post(f"/v3/catalog/products/{product['id']}/options/{option['id']}/values", json=body)
    assert response.status_code == 422
    assert_conforms(response)


async def test_update_option_value_errors(api: httpx.AsyncClient) -> None:
    product = await create(api, variant_body("Shirt", "SH"))
    option = product["options"][0]
    red = option["option_values"][0]
    base = f"/v3/catalog/products/{product['id']}/options/{option['id']}/values"
    duplicate = await api.put(f"{base}/{red['id']}", json={"label": "Blue"})
    assert duplicate.status_code == 422
    assert_conforms(duplicate)
    assert (await api.put(f"{base}/99999", json={"label": "X"})).status_code == 404


async def test_at_most_250_values_per_option(api: httpx.AsyncClient) -> None:
    product = await create(api, product_body("Wide", "WIDE"))
    values = [{"label": f"V{n}", "sort_order": n} for n in range(250)]
    option = await api.post(
        f"/v3/catalog/products/{product['id']}/options",
        json={"display_name": "Pick", "type": "dropdown", "option_values": values},
    )
    assert option.status_code == 200
    response = await api.post(
        f"/v3/catalog/products/{product['id']}/options/{option.json()['data']['id']}/values",
        json={"label": "One more", "sort_order": 250},
    )
    assert response.status_code == 422
    assert "250" in response.json()["title"]


async def test_deleting_a_value_deletes_the_variants_using_it(api: httpx.AsyncClient) -> None:
    product = await create(api, two_option_body("Tee", "TEE"))
    size = product["options"][1]
    small = size["option_values"][0]
    response = await api.delete(f"/v3/catalog/products/{product['id']}/options/{size['id']}/values/{small['id']}")
    assert response.status_code == 204
    skus = [
        variant["sku"] for variant in (await api.get(f"/v3/catalog/products/{product['id']}/variants")).json()["data"]
    ]
    assert skus == ["TEE-Red-M", "TEE-Blue-M"]


# -- custom fields ---------------------------------------------------------------------------------


async def test_custom_field_crud(api: httpx.AsyncClient) -> None:
    product = await create(api, product_body("Book", "BOOK"))
    base = f"/v3/catalog/products/{product['id']}/custom-fields"
    created = await api.post(base, json={"name": "ISBN", "value": "1234567890123"})
    assert created.status_code == 200
    assert_conforms(created)
    field = created.json()["data"]
    assert set(field) == {"id", "name", "value"}
    listed = await api.get(base)
    assert_conforms(listed)
    assert listed.json()["data"] == [field]
    assert (await api.get(f"{base}?include_fields=name")).json()["data"] == [{"id": field["id"], "name": "ISBN"}]
    found = await api.get(f"{base}/{field['id']}")
    assert_conforms(found)
    updated = await api.put(f"{base}/{field['id']}", json={"value": "978"})
    assert updated.status_code == 200
    assert_conforms(updated)
    assert updated.json()["data"] == {**field, "value": "978"}
    deleted = await api.delete(f"{base}/{field['id']}")
    assert deleted.status_code == 204
    for response in (await api.get(f"{base}/{field['id']}"), await api.delete(f"{base}/{field['id']}")):
        assert response.status_code == 404
        assert_conforms(response)


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x" * 251, "value": "v"},
        {"name": "n", "value": "v" * 251},
        {"name": "", "value": "v"},
        {"name": "n"},
        {"value": "v"},
        {"name": 5, "value": "v"},
    ],
    ids=["long-name", "long-value", "empty-name", "no-value", "no-name", "number-name"],
)
async def test_custom_field_validation_is_422(api: httpx.AsyncClient, body: dict[str, Any]) -> None:
    product = await create(api, product_body("Book", "BOOK"))
    response = await api.post(f"/v3/catalog/products/{product['id']}/custom-fields", json=body)
    assert response.status_code == 422
    assert_conforms(response)


async def test_custom_field_limits_and_uniqueness(api: httpx.AsyncClient) -> None:
    product = await create(api, product_body("Book", "BOOK"))
    base = f"/v3/catalog/products/{product['id']}/custom-fields"
    exact = await api.post(base, json={"name": "n" * 250, "value": "v" * 250})
    assert exact.status_code == 200
    assert (await api.post(base, json={"name": "Color", "value": "Red"})).status_code == 200
    duplicate = await api.post(base, json={"name": "Color", "value": "Red"})
    assert duplicate.status_code == 409  # the spec lists no 409 here; the docs require unique pairs
    assert duplicate.json()["status"] == 409
    same_name = await api.post(base, json={"name": "Color", "value": "Blue"})
    assert same_name.status_code == 200
    clash = await api.put(f"{base}/{same_name.json()['data']['id']}", json={"value": "Red"})
    assert clash.status_code == 409
    for number in range(197):
        assert (await api.post(base, json={"name": "Tag", "value": str(number)})).status_code == 200
    over = await api.post(base, json={"name": "Tag", "value": "one too many"})
    assert over.status_code == 422
    assert_conforms(over)
    assert len((await api.get(f"{base}?limit=250")).json()["data"]) == 200


async def test_custom_fields_of_unknown_product_are_404(api: httpx.AsyncClient) -> None:
    for response in (
        await api.get("/v3/catalog/products/999/custom-fields"),
        await api.post("/v3/catalog/products/999/custom-fields", json={"name": "a", "value": "b"}),
    ):
        assert response.status_code == 404
        assert_conforms(response)
