"""Products: create, read, update, batch update, delete; validation, conflicts, includes, events."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from bcsandbox import Sandbox, Store
from bcsandbox.testing import api_client
from tests.sandbox.test_catalog_support import (
    EventLog,
    assert_conforms_with_nulls,
    product_body,
    variant_body,
)
from tests.support.conformance import assert_conforms

pytestmark = pytest.mark.anyio

STATUS_TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"


async def create(api: httpx.AsyncClient, body: dict[str, object]) -> dict[str, object]:
    response = await api.post("/v3/catalog/products", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, object] = response.json()["data"]
    return data


# -- create ----------------------------------------------------------------------------------------


async def test_create_minimal_product_has_defaults_and_conforms(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    response = await api.post("/v3/catalog/products", json=product_body("Mug", "MUG-1"))
    assert response.status_code == 200
    assert_conforms(response)
    body = response.json()
    assert body["meta"] == {}
    product = body["data"]
    assert product["id"] == 1
    assert product["name"] == "Mug"
    assert product["sku"] == "MUG-1"
    assert product["calculated_price"] == 10
    assert product["inventory_level"] == 0
    assert product["inventory_tracking"] == "none"
    assert product["custom_url"] == {"url": "/mug/", "is_customized": False}
    assert isinstance(product["base_variant_id"], int)
    created = datetime.fromisoformat(product["date_created"])
    assert product["date_created"] == product["date_modified"]
    assert abs((created - sandbox.clock.now()).total_seconds()) <= 2
    assert product["date_created"].endswith("+00:00")
    assert "variants" not in product


async def test_missing_required_fields_is_422_naming_each(api: httpx.AsyncClient) -> None:
    response = await api.post("/v3/catalog/products", json={"description": "no name"})
    assert response.status_code == 422
    assert_conforms(response)
    problem = response.json()
    assert problem["title"] == "JSON data is missing or invalid"
    assert problem["type"] == STATUS_TYPE
    assert set(problem["errors"]) == {"name", "type", "weight", "price"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "x" * 251),
        ("name", ""),
        ("type", "service"),
        ("price", -1),
        ("weight", "heavy"),
        ("sku", "s" * 256),
        ("upc", "1" * 15),
        ("inventory_tracking", "bin"),
        ("condition", "new"),
        ("is_visible", "yes"),
        ("categories", ["a"]),
        ("inventory_level", -3),
        ("custom_url", {"url": ""}),
        ("images", [{"image_url": "not-a-url"}]),
        ("custom_fields", [{"name": "n"}]),
        ("date_last_imported", "100000000000000000"),
        ("preorder_release_date", "soon"),
    ],
)
async def test_invalid_field_is_422(api: httpx.AsyncClient, field: str, value: object) -> None:
    body = product_body("Valid", "V-1")
    body[field] = value
    response = await api.post("/v3/catalog/products", json=body)
    assert response.status_code == 422, response.text
    assert_conforms(response)
    assert any(key.startswith(field) for key in response.json()["errors"])


async def test_non_object_body_is_422_and_bad_json_is_400(api: httpx.AsyncClient) -> None:
    assert (await api.post("/v3/catalog/products", json=[1])).status_code == 422
    broken = await api.post("/v3/catalog/products", content=b"{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400


async def test_duplicate_name_is_409_case_insensitively(api: httpx.AsyncClient) -> None:
    await create(api, product_body("Blue Mug", "A"))
    response = await api.post("/v3/catalog/products", json=product_body("blue mug", "B"))
    assert response.status_code == 409
    assert_conforms(response)
    assert response.json()["title"] == "The product name is a duplicate"
    assert "name" in response.json()["errors"]


async def test_sku_is_unique_case_insensitively_across_products_and_variants(api: httpx.AsyncClient) -> None:
    await create(api, product_body("One", "ABC-1"))
    await create(api, variant_body("Two", "SHIRT"))
    for sku in ("abc-1", "shirt-red", "SHIRT-BLUE"):
        response = await api.post("/v3/catalog/products", json=product_body(f"Other {sku}", sku))
        assert response.status_code == 409, sku
        assert_conforms(response)
        assert response.json()["title"] == "The product SKU is a duplicate"
    clash = variant_body("Three", "NEW")
    clash["variants"][0]["sku"] = "abc-1"  # type: ignore[index]
    response = await api.post("/v3/catalog/products", json=clash)
    assert response.status_code == 409
    assert "variants.0.sku" in response.json()["errors"]


async def test_empty_skus_do_not_clash(api: httpx.AsyncClient) -> None:
    await create(api, product_body("No SKU one"))
    await create(api, product_body("No SKU two"))


async def test_unknown_brand_or_category_is_409(api: httpx.AsyncClient) -> None:
    for extra in ({"brand_id": 99}, {"categories": [42]}):
        response = await api.post("/v3/catalog/products", json=product_body("Orphan", "O", **extra))
        assert response.status_code == 409
        assert_conforms(response)


async def test_brand_name_creates_the_brand_once(api: httpx.AsyncClient) -> None:
    first = await create(api, product_body("A", "A", brand_name="Acme"))
    second = await create(api, product_body("B", "B", brand_name="acme"))
    assert first["brand_id"] == second["brand_id"] != 0
    brands = (await api.get("/v3/catalog/brands")).json()["data"]
    assert [brand["name"] for brand in brands] == ["Acme"]


async def test_inventory_level_over_the_maximum_is_clamped(api: httpx.AsyncClient) -> None:
    product = await create(api, product_body("Big", "BIG", inventory_tracking="product", inventory_level=2**40))
    assert product["inventory_level"] == 2_147_483_647


async def test_inline_variants_create_options_and_drop_the_base_variant(api: httpx.AsyncClient) -> None:
    response = await api.post("/v3/catalog/products?include=variants,options", json=variant_body("Shirt", "SH"))
    assert response.status_code == 200
    assert_conforms_with_nulls(response, "base_variant_id")
    product = response.json()["data"]
    assert product["base_variant_id"] is None
    assert product["inventory_level"] == 10  # variant tracking: the sum of the variants
    [option] = product["options"]
    assert option["display_name"] == "Color"
    assert [value["label"] for value in option["option_values"]] == ["Red", "Blue"]
    assert option["name"].startswith("Color")
    assert [variant["sku"] for variant in product["variants"]] == ["SH-RED", "SH-BLUE"]
    red = product["variants"][0]
    assert red["option_values"] == [
        {
            "id": option["option_values"][0]["id"],
            "label": "Red",
            "option_id": option["id"],
            "option_display_name": "Color",
        }
    ]
    assert red["inventory_level"] == 5
    assert red["price"] is None and red["calculated_price"] == 10
    assert isinstance(red["sku_id"], int)


@pytest.mark.parametrize(
    "variants",
    [
        [{"sku": "X-1", "option_values": [{"option_display_name": "Color", "label": "Red"}]}, {"sku": "X-2"}],
        [{"option_values": [{"option_display_name": "Color", "label": "Red"}]}],
        [
            {"sku": "X-1", "option_values": [{"option_display_name": "Color", "label": "Red"}]},
            {"sku": "X-2", "option_values": [{"option_display_name": "Size", "label": "S"}]},
        ],
        [
            {"sku": "X-1", "option_values": [{"option_display_name": "Color", "label": "Red"}]},
            {"sku": "X-2", "option_values": [{"option_display_name": "Color", "label": "Red"}]},
        ],
        [{"sku": "X-1", "option_values": [{"option_display_name": "Color"}]}],
        [{"sku": "X-1", "option_values": []}],
    ],
    ids=["missing-option-values", "missing-sku", "different-options", "same-combination", "no-label", "empty"],
)
async def test_invalid_inline_variants_are_422(api: httpx.AsyncClient, variants: list[object]) -> None:
    response = await api.post("/v3/catalog/products", json=product_body("Bad", "X", variants=variants))
    assert response.status_code == 422, response.text
    assert_conforms(response)
    assert (await api.get("/v3/catalog/products")).json()["data"] == []


async def test_inline_variants_sharing_a_sku_are_409(api: httpx.AsyncClient) -> None:
    body = variant_body("Dup", "D")
    body["variants"][1]["sku"] = "d-red"  # type: ignore[index]
    response = await api.post("/v3/catalog/products", json=body)
    assert response.status_code == 409


async def test_more_than_600_inline_variants_is_422(api: httpx.AsyncClient) -> None:
    labels = tuple(f"L{n}" for n in range(601))
    response = await api.post("/v3/catalog/products", json=variant_body("Huge", "HUGE", labels))
    assert response.status_code == 422
    assert "variants" in response.json()["errors"]


async def test_custom_fields_images_and_primary_image(api: httpx.AsyncClient) -> None:
    body = product_body(
        "Framed",
        "FR",
        custom_fields=[{"name": "Material", "value": "Oak"}],
        images=[{"image_url": "https://img.test/a.jpg"}, {"image_url": "https://img.test/b.jpg", "is_thumbnail": True}],
    )
    product = await create(api, body)
    response = await api.get(f"/v3/catalog/products/{product['id']}?include=custom_fields,images,primary_image")
    assert_conforms(response)
    data = response.json()["data"]
    assert [(f["name"], f["value"]) for f in data["custom_fields"]] == [("Material", "Oak")]
    assert [image["image_url"] for image in data["images"]] == ["https://img.test/a.jpg", "https://img.test/b.jpg"]
    assert [image["is_thumbnail"] for image in data["images"]] == [False, True]
    assert data["primary_image"]["url_standard"] == "https://img.test/b.jpg"


async def test_duplicate_inline_custom_fields_are_409(api: httpx.AsyncClient) -> None:
    pair = {"name": "Material", "value": "Oak"}
    response = await api.post("/v3/catalog/products", json=product_body("Twice", "T", custom_fields=[pair, pair]))
    assert response.status_code == 409


async def test_create_emits_product_and_sku_events(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    log = EventLog(sandbox)
    product = await create(api, variant_body("Evented", "EV"))
    assert log.scoped("store/product/created") == [{"type": "product", "id": product["id"]}]
    skus = log.scoped("store/sku/created")
    assert len(skus) == 2
    assert all(event["type"] == "sku" and event["sku"]["product_id"] == product["id"] for event in skus)
    assert all(
        set(event) == {"type", "id", "sku"} and set(event["sku"]) == {"product_id", "variant_id"} for event in skus
    )


# -- read --------------------------------------------------------------------------------------------


async def test_get_one_and_404(api: httpx.AsyncClient) -> None:
    product = await create(api, product_body("Lamp", "L"))
    found = await api.get(f"/v3/catalog/products/{product['id']}")
    assert found.status_code == 200
    assert_conforms(found)
    assert found.json()["data"] == product
    missing = await api.get("/v3/catalog/products/999")
    assert missing.status_code == 404
    assert_conforms(missing)
    assert missing.json()["status"] == 404


async def test_include_and_exclude_fields_keep_the_id(api: httpx.AsyncClient) -> None:
    product = await create(api, product_body("Lamp", "L"))
    only = (await api.get(f"/v3/catalog/products/{product['id']}?include_fields=name,price")).json()["data"]
    assert only == {"id": product["id"], "name": "Lamp", "price": 10}
    listed = await api.get("/v3/catalog/products?include_fields=sku&include=variants")
    assert_conforms(listed)
    [row] = listed.json()["data"]
    assert set(row) == {"id", "sku", "variants"}
    without = (await api.get(f"/v3/catalog/products/{product['id']}?exclude_fields=id,description")).json()["data"]
    assert "description" not in without and without["id"] == product["id"]


async def test_every_include_is_honoured(api: httpx.AsyncClient) -> None:
    product = await create(api, variant_body("Shirt", "SH"))
    includes = (
        "bulk_pricing_rules,channels,custom_fields,images,modifiers,options,parent_relations,reviews,variants,videos"
    )
    response = await api.get(f"/v3/catalog/products/{product['id']}?include={includes}")
    assert_conforms_with_nulls(response, "base_variant_id")
    data = response.json()["data"]
    for name in includes.split(","):
        assert isinstance(data[name], list), name
    assert data["channels"] == [1]
    assert len(data["variants"]) == 2


# -- update ------------------------------------------------------------------------------------------


async def test_update_one_changes_fields_dates_and_emits(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    product = await create(api, product_body("Lamp", "L"))
    log = EventLog(sandbox)
    sandbox.clock.advance(60)
    response = await api.put(f"/v3/catalog/products/{product['id']}", json={"price": 20, "sale_price": 15})
    assert response.status_code == 200
    assert_conforms(response)
    updated = response.json()["data"]
    assert updated["price"] == 20 and updated["calculated_price"] == 15
    assert updated["date_created"] == product["date_created"]
    assert updated["date_modified"] > product["date_modified"]
    assert log.scoped("store/product/updated") == [{"type": "product", "id": product["id"]}]
    log.clear()
    same = await api.put(f"/v3/catalog/products/{product['id']}", json={"price": 20})
    assert same.status_code == 200
    assert log.scoped("store/product/updated") == []


async def test_rename_moves_the_custom_url_and_frees_the_old_name(api: httpx.AsyncClient) -> None:
    product = await create(api, product_body("Old Name", "ON"))
    renamed = (await api.put(f"/v3/catalog/products/{product['id']}", json={"name": "New Name"})).json()["data"]
    assert renamed["custom_url"]["url"] == "/new-name/"
    await create(api, product_body("Old Name", "ON-2"))


async def test_update_errors(api: httpx.AsyncClient) -> None:
    first = await create(api, product_body("First", "F"))
    await create(api, product_body("Second", "S"))
    missing = await api.put("/v3/catalog/products/999", json={"price": 1})
    assert missing.status_code == 404
    assert_conforms(missing)
    invalid = await api.put(f"/v3/catalog/products/{first['id']}", json={"price": -5})
    assert invalid.status_code == 422
    assert_conforms(invalid)
    for body in ({"name": "second"}, {"sku": "s"}):
        clash = await api.put(f"/v3/catalog/products/{first['id']}", json=body)
        assert clash.status_code == 409
        assert_conforms(clash)
    keep = await api.put(f"/v3/catalog/products/{first['id']}", json={"name": "First", "sku": "f"})
    assert keep.status_code == 200


async def test_update_with_unknown_nested_ids_is_422(api: httpx.AsyncClient) -> None:
    product = await create(api, product_body("Box", "BOX"))
    for name in ("images", "videos", "bulk_pricing_rules", "custom_fields"):
        response = await api.put(f"/v3/catalog/products/{product['id']}", json={name: [{"id": 4321}]})
        assert response.status_code == 422, name
        assert_conforms(response)
        assert f"{name}.0.id" in response.json()["errors"]


async def test_a_given_custom_url_is_customized(api: httpx.AsyncClient) -> None:
    product = await create(api, product_body("Box", "BOX", custom_url={"url": "/the-box/"}))
    assert product["custom_url"] == {"url": "/the-box/", "is_customized": True}
    renamed = (await api.put(f"/v3/catalog/products/{product['id']}", json={"name": "Crate"})).json()["data"]
    assert renamed["custom_url"]["url"] == "/the-box/"


async def test_update_upserts_custom_fields_and_images(api: httpx.AsyncClient) -> None:
    product = await create(api, product_body("Box", "BOX", custom_fields=[{"name": "A", "value": "1"}]))
    fields = (await api.get(f"/v3/catalog/products/{product['id']}/custom-fields")).json()["data"]
    body = {
        "custom_fields": [{"id": fields[0]["id"], "value": "2"}, {"name": "B", "value": "3"}],
        "images": [{"image_url": "https://img.test/box.png"}],
    }
    response = await api.put(f"/v3/catalog/products/{product['id']}?include=custom_fields,images", json=body)
    data = response.json()["data"]
    assert [(f["name"], f["value"]) for f in data["custom_fields"]] == [("A", "2"), ("B", "3")]
    assert data["images"][0]["is_thumbnail"] is True


async def test_stock_written_by_the_catalog_shows_in_inventory(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    product = await create(api, product_body("Tracked", "TR", inventory_tracking="product", inventory_level=3))
    log = EventLog(sandbox)
    response = await api.put(f"/v3/catalog/products/{product['id']}", json={"inventory_level": 8})
    assert response.json()["data"]["inventory_level"] == 8
    items = (await api.get(f"/v3/inventory/items?product_id:in={product['id']}")).json()["data"]
    assert items[0]["locations"][0]["total_inventory_onhand"] == 8
    assert log.scoped("store/product/inventory/updated") == [
        {
            "type": "product",
            "id": product["id"],
            "inventory": {"product_id": product["id"], "method": "absolute", "value": 8},
        }
    ]
    assert log.scoped("store/product/updated") == [{"type": "product", "id": product["id"]}]


async def test_batch_update_of_ten_conforms(api: httpx.AsyncClient) -> None:
    products = [await create(api, product_body(f"P{n}", f"P-{n}")) for n in range(10)]
    body = [{"id": product["id"], "price": 5 + index} for index, product in enumerate(products)]
    response = await api.put("/v3/catalog/products", json=body)
    assert response.status_code == 200
    assert_conforms(response)
    assert [row["price"] for row in response.json()["data"]] == [5 + n for n in range(10)]


async def test_batch_of_eleven_is_413_with_the_documented_body(api: httpx.AsyncClient) -> None:
    response = await api.put("/v3/catalog/products", json=[{"id": n, "price": 1} for n in range(1, 12)])
    assert response.status_code == 413
    assert_conforms(response)
    assert response.json() == {
        "status": 413,
        "title": "The request payload is too large. The maximum items allowed in the array is 10.",
        "type": STATUS_TYPE,
        "errors": {},
    }


async def test_batch_update_is_all_or_nothing(api: httpx.AsyncClient) -> None:
    first = await create(api, product_body("First", "F"))
    second = await create(api, product_body("Second", "S"))
    cases = [
        ([{"id": first["id"], "price": 99}, {"price": 1}], 422),
        ([{"id": first["id"], "price": 99}, {"id": 999, "price": 1}], 404),
        ([{"id": first["id"], "price": 99}, {"id": second["id"], "price": -1}], 422),
        ([{"id": first["id"], "name": "Same"}, {"id": second["id"], "name": "same"}], 409),
        ([{"id": first["id"], "price": 99}, {"id": second["id"], "name": "first"}], 409),
        ([], 422),
    ]
    for body, status in cases:
        response = await api.put("/v3/catalog/products", json=body)
        assert response.status_code == status, body
        assert_conforms(response)
    assert (await api.get(f"/v3/catalog/products/{first['id']}")).json()["data"]["price"] == 10


# -- delete ------------------------------------------------------------------------------------------


async def test_delete_one_frees_name_and_sku_and_emits(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    product = await create(api, variant_body("Gone", "GONE"))
    log = EventLog(sandbox)
    response = await api.delete(f"/v3/catalog/products/{product['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert (await api.get(f"/v3/catalog/products/{product['id']}")).status_code == 404
    assert log.scoped("store/product/deleted") == [{"type": "product", "id": product["id"]}]
    assert len(log.scoped("store/sku/deleted")) == 2
    assert (await api.delete(f"/v3/catalog/products/{product['id']}")).status_code == 204
    await create(api, variant_body("Gone", "GONE"))


async def test_delete_by_filter(api: httpx.AsyncClient) -> None:
    ids = [int((await create(api, product_body(f"D{n}", f"D-{n}")))["id"]) for n in range(5)]
    response = await api.delete(f"/v3/catalog/products?id:in={ids[0]},{ids[1]}")
    assert response.status_code == 204
    assert response.content == b""
    await api.delete("/v3/catalog/products?sku=d-4")
    remaining = [row["id"] for row in (await api.get("/v3/catalog/products")).json()["data"]]
    assert remaining == ids[2:4]


async def test_delete_without_a_filter_is_refused(api: httpx.AsyncClient) -> None:
    await create(api, product_body("Safe", "SAFE"))
    for query in ("", "?page=1", "?include=variants"):
        response = await api.delete(f"/v3/catalog/products{query}")
        assert response.status_code == 422
        assert "filter" in response.json()["errors"]
    assert len((await api.get("/v3/catalog/products")).json()["data"]) == 1


async def test_delete_of_more_than_250_is_413(store: Store, api: httpx.AsyncClient) -> None:
    for n in range(251):
        store.catalog.create_product(product_body(f"Bulk {n}", f"BULK-{n}"))
    too_many = await api.delete("/v3/catalog/products?id:min=1")
    assert too_many.status_code == 413
    assert "250" in too_many.json()["title"]
    assert (await api.delete("/v3/catalog/products?id:max=250")).status_code == 204
    assert [row["id"] for row in (await api.get("/v3/catalog/products")).json()["data"]] == [251]


# -- list --------------------------------------------------------------------------------------------


async def test_list_defaults_to_50_and_caps_at_250(store: Store, api: httpx.AsyncClient) -> None:
    for n in range(60):
        store.catalog.create_product(product_body(f"Item {n}", f"I-{n}"))
    first = await api.get("/v3/catalog/products")
    assert_conforms(first)
    pagination = first.json()["meta"]["pagination"]
    assert (pagination["count"], pagination["per_page"], pagination["total"], pagination["total_pages"]) == (
        50,
        50,
        60,
        2,
    )
    assert pagination["links"]["next"] == "?page=2&limit=50"
    assert (await api.get("/v3/catalog/products?limit=250")).json()["meta"]["pagination"]["count"] == 60
    assert (await api.get("/v3/catalog/products?limit=251")).status_code == 413


async def test_include_options_limits_the_page_to_ten(store: Store, api: httpx.AsyncClient) -> None:
    for n in range(12):
        store.catalog.create_product(variant_body(f"Opt {n}", f"O-{n}"))
    response = await api.get("/v3/catalog/products?include=options&limit=50")
    assert_conforms_with_nulls(response, "base_variant_id")
    pagination = response.json()["meta"]["pagination"]
    assert pagination["per_page"] == 10 and pagination["count"] == 10 and pagination["total_pages"] == 2
    assert len((await api.get("/v3/catalog/products?include=modifiers")).json()["data"]) == 10
    assert len((await api.get("/v3/catalog/products?include=variants")).json()["data"]) == 12


async def test_filters(store: Store, api: httpx.AsyncClient) -> None:
    catalog = store.catalog
    brand = catalog.add_brand({"name": "Acme"})
    shoes = catalog.add_category({"name": "Shoes", "parent_id": 0})
    sale = catalog.add_category({"name": "Sale", "parent_id": 0})
    catalog.create_product(product_body("Red Shoe", "RS", price=30, brand_id=brand["id"], categories=[shoes["id"]]))
    catalog.create_product(
        product_body(
            "Blue Shoe", "BS", price=50, condition="Used", categories=[shoes["id"], sale["id"]], is_featured=True
        )
    )
    catalog.create_product(
        product_body(
            "Hat",
            "HT",
            type="digital",
            upc="0123",
            mpn="M-1",
            weight=3,
            is_visible=False,
            availability="preorder",
            description="a warm shoe-shaped hat",
            inventory_tracking="product",
            inventory_level=4,
        )
    )

    async def names(query: str) -> list[str]:
        response = await api.get(f"/v3/catalog/products?{query}")
        assert response.status_code == 200, response.text
        return [row["name"] for row in response.json()["data"]]

    assert await names("name=red shoe") == ["Red Shoe"]
    assert await names("name:like=shoe") == ["Red Shoe", "Blue Shoe"]
    assert await names("name:like=%25e_Shoe") == ["Blue Shoe"]  # SQL LIKE wildcards
    assert await names("sku=bs") == ["Blue Shoe"]
    assert await names("sku:in=RS,ht") == ["Red Shoe", "Hat"]
    assert await names("upc=0123") == ["Hat"]
    assert await names("mpn=M-1") == ["Hat"]
    assert await names("price=50") == ["Blue Shoe"]
    assert await names("price:min=30&price:max=40") == ["Red Shoe"]
    assert await names("weight=3") == ["Hat"]
    assert await names("condition=used") == ["Blue Shoe"]
    assert await names(f"brand_id={brand['id']}") == ["Red Shoe"]
    assert await names("type=digital") == ["Hat"]
    assert await names("availability=preorder") == ["Hat"]
    assert await names("is_visible=false") == ["Hat"]
    assert await names("is_featured=1") == ["Blue Shoe"]
    assert await names(f"categories={shoes['id']}") == ["Red Shoe"]  # only products in that one category
    assert await names(f"categories:in={sale['id']},{shoes['id']}") == ["Red Shoe", "Blue Shoe"]
    assert await names("keyword=shoe") == ["Red Shoe", "Blue Shoe", "Hat"]
    assert await names("keyword=acme") == ["Red Shoe"]
    assert await names("inventory_level=4") == ["Hat"]
    assert await names("inventory_level:greater=0") == ["Hat"]
    assert await names("out_of_stock=1") == []
    assert await names("id:not_in=1,2") == ["Hat"]
    assert await names("channel_id:in=1") == ["Red Shoe", "Blue Shoe", "Hat"]
    assert await names("unknown_filter=1") == ["Red Shoe", "Blue Shoe", "Hat"]


async def test_bad_filter_sort_or_direction_is_400(api: httpx.AsyncClient) -> None:
    for query in (
        "id:in=a",
        "price=cheap",
        "is_visible=maybe",
        "date_modified:min=yesterday",
        "date_modified:max=100000000000000000",
        "date_modified=9223372036854775808",
        "sort=color",
        "direction=up",
    ):
        assert (await api.get(f"/v3/catalog/products?{query}")).status_code == 400, query


async def test_sort_and_direction(store: Store, api: httpx.AsyncClient) -> None:
    for name, price in (("b", 3), ("a", 1), ("c", 2)):
        store.catalog.create_product(product_body(name, name, price=price))

    async def order(query: str) -> list[str]:
        return [row["name"] for row in (await api.get(f"/v3/catalog/products?{query}")).json()["data"]]

    assert await order("sort=name") == ["a", "b", "c"]
    assert await order("sort=price&direction=desc") == ["b", "c", "a"]
    assert await order("direction=desc") == ["c", "a", "b"]


async def test_date_modified_filters(store: Store, sandbox: Sandbox, api: httpx.AsyncClient) -> None:
    store.catalog.create_product(product_body("Early", "E"))
    sandbox.clock.advance(3600)
    cut = sandbox.clock.now()
    sandbox.clock.advance(3600)
    store.catalog.create_product(product_body("Late", "L"))
    stamp = cut.isoformat().replace("+00:00", "Z")
    after = (await api.get(f"/v3/catalog/products?date_modified:min={stamp}")).json()["data"]
    before = (await api.get(f"/v3/catalog/products?date_modified:max={stamp}")).json()["data"]
    assert [row["name"] for row in after] == ["Late"]
    assert [row["name"] for row in before] == ["Early"]
    day = (await api.get(f"/v3/catalog/products?date_modified={after[0]['date_modified'][:10]}")).json()["data"]
    assert "Late" in [row["name"] for row in day]


async def test_read_only_scope_reads_but_cannot_write(sandbox: Sandbox, store: Store) -> None:
    account = store.add_account("store_v2_products_read_only")
    async with api_client(sandbox, store) as client:
        client.headers["X-Auth-Token"] = account.access_token
        assert (await client.get("/v3/catalog/products")).status_code == 200
        assert (await client.post("/v3/catalog/products", json=product_body("No", "N"))).status_code == 403
    other = store.add_account("store_v2_orders")
    async with api_client(sandbox, store) as client:
        client.headers["X-Auth-Token"] = other.access_token
        assert (await client.get("/v3/catalog/products")).status_code == 403
