"""The catalog service against the sandbox: inline includes, batches at the API limits, CRUD."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bchub.bigcommerce import BigCommerceClient, Conflict, NotFound, PayloadTooLarge, Unprocessable
from bchub.bigcommerce.models import (
    BrandInput,
    CategoryInput,
    CustomFieldInput,
    OptionInput,
    OptionValueInput,
    ProductInput,
    VariantInput,
    VariantOptionValueInput,
)
from bcsandbox import Sandbox, Store
from bcsandbox.testing import transport_for
from tests.client.helpers import Recording, check_conformance, make_client

pytestmark = pytest.mark.anyio


def product_body(number: int, variants: int = 3) -> dict[str, Any]:
    return {
        "name": f"Product {number}",
        "type": "physical",
        "sku": f"P-{number}",
        "price": 10.0 + number,
        "weight": 1,
        "inventory_tracking": "variant" if variants else "product",
        "custom_fields": [{"name": "origin", "value": f"batch {number % 3}"}],
        "variants": [
            {
                "sku": f"P-{number}-{size}",
                "price": 10.0,
                "option_values": [{"option_display_name": "Size", "label": size}],
            }
            for size in ("S", "M", "L", "XL")[:variants]
        ],
    }


def seed_products(store: Store, count: int, variants: int = 3) -> list[dict[str, Any]]:
    return [store.catalog.create_product(product_body(number, variants)) for number in range(count)]


def product_calls(sandbox: Sandbox, store: Store) -> list[tuple[str, str, int]]:
    return [
        (entry.method, entry.query, entry.status)
        for entry in sandbox.requests(store.hash, path_prefix="/v3/catalog/products")
    ]


@pytest.fixture
def recording(sandbox: Sandbox) -> Recording:
    return Recording(transport_for(sandbox))


@pytest.fixture
async def checked(sandbox: Sandbox, store: Store, recording: Recording) -> AsyncIterator[BigCommerceClient]:
    async with make_client(sandbox, store, transport=recording) as client:
        yield client
    for response in recording.responses:
        check_conformance(response)


async def test_create_with_inline_variants_and_custom_fields(checked: BigCommerceClient) -> None:
    product = await checked.catalog.create_product(
        ProductInput(
            name="Tee",
            type="physical",
            weight=0.2,
            price=20,
            sku="TEE",
            inventory_tracking="variant",
            custom_fields=[CustomFieldInput(name="material", value="cotton")],
            variants=[
                VariantInput(
                    sku=f"TEE-{size}", option_values=[VariantOptionValueInput(option_display_name="Size", label=size)]
                )
                for size in ("S", "M")
            ],
        )
    )
    assert product.name == "Tee" and product.price == 20
    assert [variant.sku for variant in product.variants] == ["TEE-S", "TEE-M"]
    assert product.variants[0].option_values[0].option_display_name == "Size"
    assert [(field.name, field.value) for field in product.custom_fields] == [("material", "cotton")]
    assert product.date_created is not None and product.date_created.utcoffset() == timedelta(0)


async def test_list_brings_variants_and_custom_fields_inline(
    sandbox: Sandbox, store: Store, checked: BigCommerceClient
) -> None:
    seed_products(store, 12)
    products = [product async for product in checked.catalog.list_products()]
    assert len(products) == 12
    assert all(len(product.variants) == 3 and len(product.custom_fields) == 1 for product in products)
    assert checked.requests_sent == 1
    ((method, query, _),) = product_calls(sandbox, store)
    assert method == "GET"
    assert "include=variants%2Ccustom_fields" in query or "include=variants,custom_fields" in query
    assert "limit=250" in query


async def test_options_in_the_include_cap_pages_at_ten(
    sandbox: Sandbox, store: Store, checked: BigCommerceClient
) -> None:
    seed_products(store, 12)
    products = [product async for product in checked.catalog.list_products(include=("variants", "options"))]
    assert len(products) == 12 and all(product.options for product in products)
    assert [query.count("limit=10") for _, query, _ in product_calls(sandbox, store)] == [1, 1]


async def test_list_filters(sandbox: Sandbox, store: Store, checked: BigCommerceClient) -> None:
    seeded = seed_products(store, 5)
    wanted = [seeded[1]["id"], seeded[3]["id"]]
    assert [product.id async for product in checked.catalog.list_products(ids=wanted)] == wanted
    assert [product.sku async for product in checked.catalog.list_products(skus=["P-2", "P-4"])] == ["P-2", "P-4"]
    later = sandbox.clock.now() + timedelta(minutes=5)
    assert [product async for product in checked.catalog.list_products(modified_since=later)] == []
    earlier = sandbox.clock.now() - timedelta(minutes=5)
    assert len([product async for product in checked.catalog.list_products(modified_since=earlier)]) == 5


async def test_get_update_and_delete_one(store: Store, checked: BigCommerceClient) -> None:
    (seeded,) = seed_products(store, 1)
    product = await checked.catalog.get_product(seeded["id"])
    assert product.sku == "P-0" and len(product.variants) == 3
    updated = await checked.catalog.update_product(product.id, ProductInput(price=99.5, is_visible=False))
    assert (updated.price, updated.is_visible, updated.name) == (99.5, False, "Product 0")
    await checked.catalog.delete_product(product.id)
    with pytest.raises(NotFound):
        await checked.catalog.get_product(product.id)


async def test_batch_update_ten_per_request(sandbox: Sandbox, store: Store, checked: BigCommerceClient) -> None:
    seeded = seed_products(store, 23, variants=0)
    result = await checked.catalog.update_products(
        [ProductInput(id=item["id"], price=5.0 + index) for index, item in enumerate(seeded)]
    )
    assert result.ok and result.batches == 3
    assert [product.price for product in result.succeeded] == [5.0 + index for index in range(23)]
    puts = [entry for entry in sandbox.requests(store.hash, method="PUT")]
    assert len(puts) == 3


async def test_a_bad_batch_fails_alone(store: Store, checked: BigCommerceClient) -> None:
    seeded = seed_products(store, 20, variants=0)
    changes = [{"id": item["id"], "price": 1.0} for item in seeded]
    changes[15]["price"] = -5  # invalid: the second batch fails, the first is applied
    result = await checked.catalog.update_products(changes)
    assert len(result.succeeded) == 10 and len(result.failed) == 1
    failure = result.failed[0]
    assert isinstance(failure.error, Unprocessable)
    assert [item["id"] for item in failure.items] == [item["id"] for item in seeded[10:]]


async def test_batch_update_needs_ids_before_sending(checked: BigCommerceClient) -> None:
    with pytest.raises(ValueError, match="needs an 'id'"):
        await checked.catalog.update_products([{"price": 1}])
    assert checked.requests_sent == 0


async def test_an_oversized_batch_is_a_413(store: Store, client: BigCommerceClient) -> None:
    seeded = seed_products(store, 11, variants=0)
    with pytest.raises(PayloadTooLarge):
        await client.request("PUT", "/v3/catalog/products", json=[{"id": item["id"], "price": 1} for item in seeded])


async def test_delete_many_by_id_in_batches_of_250(sandbox: Sandbox, store: Store, checked: BigCommerceClient) -> None:
    seeded = seed_products(store, 260, variants=0)
    requests = await checked.catalog.delete_products(item["id"] for item in seeded)
    assert requests == 2
    deletes = sandbox.requests(store.hash, method="DELETE")
    assert [entry.query.count("%2C") + entry.query.count(",") + 1 for entry in deletes] == [250, 10]
    assert [product async for product in checked.catalog.list_products()] == []


async def test_duplicate_name_is_a_conflict(store: Store, checked: BigCommerceClient) -> None:
    seed_products(store, 1)
    with pytest.raises(Conflict):
        await checked.catalog.create_product({"name": "Product 0", "type": "physical", "weight": 1, "price": 1})


async def test_variants(sandbox: Sandbox, store: Store, checked: BigCommerceClient) -> None:
    seeded = seed_products(store, 3)
    first = seeded[0]["id"]
    variants = [variant async for variant in checked.catalog.list_variants(product_id=first)]
    assert [variant.sku for variant in variants] == ["P-0-S", "P-0-M", "P-0-L"]
    by_sku = [variant.sku async for variant in checked.catalog.list_variants(skus=["P-1-M", "P-2-L"])]
    assert by_sku == ["P-1-M", "P-2-L"]
    one = await checked.catalog.get_variant(first, variants[0].id)
    assert one.sku == "P-0-S"
    changed = await checked.catalog.update_variant(first, variants[0].id, VariantInput(price=12.5))
    assert changed.price == 12.5
    option_id = variants[0].option_values[0].option_id
    assert option_id is not None
    options = [option async for option in checked.catalog.list_options(first)]
    existing = [
        OptionValueInput.model_validate(value.model_dump(include={"id", "label", "sort_order"}))
        for value in options[0].option_values
    ]
    xl_value = await checked.catalog.update_option(
        first, option_id, OptionInput(option_values=[*existing, OptionValueInput(label="XL", sort_order=3)])
    )
    xl = next(value for value in xl_value.option_values if value.label == "XL")
    created = await checked.catalog.create_variant(
        first, VariantInput(sku="P-0-XL", option_values=[VariantOptionValueInput(id=xl.id, option_id=option_id)])
    )
    assert created.sku == "P-0-XL" and created.product_id == first
    await checked.catalog.delete_variant(first, created.id)
    assert len([variant async for variant in checked.catalog.list_variants(product_id=first)]) == 3


async def test_variant_batches_of_fifty(sandbox: Sandbox, store: Store, checked: BigCommerceClient) -> None:
    seeded = seed_products(store, 40)  # 120 variants
    variant_ids = [variant["id"] for product in seeded for variant in product["variants"]]
    result = await checked.catalog.update_variants(
        [VariantInput(id=variant_id, price=7.0) for variant_id in variant_ids]
    )
    assert result.ok and result.batches == 3 and len(result.succeeded) == 120
    assert all(variant.price == 7.0 for variant in result.succeeded)
    assert len(sandbox.requests(store.hash, method="PUT", path_prefix="/v3/catalog/variants")) == 3


async def test_options(store: Store, checked: BigCommerceClient) -> None:
    (seeded,) = seed_products(store, 1, variants=0)
    option = await checked.catalog.create_option(
        seeded["id"],
        OptionInput(
            display_name="Color",
            type="dropdown",
            option_values=[OptionValueInput(label="Red", sort_order=0), OptionValueInput(label="Blue", sort_order=1)],
        ),
    )
    assert option.display_name == "Color" and [value.label for value in option.option_values] == ["Red", "Blue"]
    green = await checked.catalog.create_option_value(
        seeded["id"], option.id, OptionValueInput(label="Green", sort_order=2)
    )
    assert green.id is not None and green.label == "Green"
    listed = [item async for item in checked.catalog.list_options(seeded["id"])]
    assert [value.label for value in listed[0].option_values] == ["Red", "Blue", "Green"]
    renamed = await checked.catalog.update_option(seeded["id"], option.id, {"display_name": "Colour"})
    assert renamed.display_name == "Colour"
    assert [item.id async for item in checked.catalog.list_options(seeded["id"])] == [option.id]
    await checked.catalog.delete_option(seeded["id"], option.id)
    assert [item async for item in checked.catalog.list_options(seeded["id"])] == []


async def test_custom_fields(store: Store, checked: BigCommerceClient) -> None:
    (seeded,) = seed_products(store, 1, variants=0)
    product_id = seeded["id"]
    created = await checked.catalog.create_custom_field(product_id, CustomFieldInput(name="warranty", value="2 years"))
    changed = await checked.catalog.update_custom_field(product_id, created.id or 0, {"value": "3 years"})
    assert changed.value == "3 years"
    names = [field.name async for field in checked.catalog.list_custom_fields(product_id)]
    assert names == ["origin", "warranty"]
    await checked.catalog.delete_custom_field(product_id, created.id or 0)
    assert [field.name async for field in checked.catalog.list_custom_fields(product_id)] == ["origin"]


async def test_brands(checked: BigCommerceClient) -> None:
    brand = await checked.catalog.create_brand(BrandInput(name="Acme", meta_keywords=["tools"]))
    assert brand.name == "Acme" and brand.meta_keywords == ["tools"]
    await checked.catalog.create_brand({"name": "Globex"})
    assert [item.name async for item in checked.catalog.list_brands()] == ["Acme", "Globex"]
    assert [item.id async for item in checked.catalog.list_brands(name="Acme")] == [brand.id]
    assert (await checked.catalog.update_brand(brand.id, {"page_title": "Acme tools"})).page_title == "Acme tools"
    assert (await checked.catalog.get_brand(brand.id)).name == "Acme"
    with pytest.raises(Conflict):
        await checked.catalog.create_brand({"name": "acme"})
    await checked.catalog.delete_brand(brand.id)
    with pytest.raises(NotFound):
        await checked.catalog.get_brand(brand.id)


async def test_categories(checked: BigCommerceClient) -> None:
    top = await checked.catalog.create_category(CategoryInput(name="Clothing", parent_id=0))
    child = await checked.catalog.create_category(CategoryInput(name="Shirts", parent_id=top.id, is_visible=True))
    assert child.parent_id == top.id
    assert [item.name async for item in checked.catalog.list_categories(parent_id=top.id)] == ["Shirts"]
    assert [item.id async for item in checked.catalog.list_categories(name="Clothing")] == [top.id]
    assert (await checked.catalog.update_category(child.id, {"name": "Tees"})).name == "Tees"
    assert (await checked.catalog.get_category(child.id)).name == "Tees"
    await checked.catalog.delete_category(child.id)
    with pytest.raises(NotFound):
        await checked.catalog.get_category(child.id)
