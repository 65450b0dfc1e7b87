"""Brands and categories (no official spec file here covers them; shapes follow BigCommerce's)."""

from __future__ import annotations

import httpx
import pytest

from bcsandbox import Sandbox, Store
from bcsandbox.testing import api_client
from tests.sandbox.test_catalog_support import product_body

pytestmark = pytest.mark.anyio

BRAND_FIELDS = {
    "id",
    "name",
    "page_title",
    "meta_keywords",
    "meta_description",
    "image_url",
    "search_keywords",
    "custom_url",
}
CATEGORY_FIELDS = {
    "id",
    "parent_id",
    "name",
    "description",
    "views",
    "sort_order",
    "page_title",
    "meta_keywords",
    "meta_description",
    "layout_file",
    "image_url",
    "is_visible",
    "search_keywords",
    "default_product_sort",
    "custom_url",
}


async def test_brand_crud(api: httpx.AsyncClient) -> None:
    created = await api.post("/v3/catalog/brands", json={"name": "Acme Tools", "meta_keywords": ["tools"]})
    assert created.status_code == 200
    body = created.json()
    assert body["meta"] == {}
    brand = body["data"]
    assert set(brand) == BRAND_FIELDS
    assert brand["custom_url"] == {"url": "/brands/acme-tools.html", "is_customized": False}
    assert brand["meta_keywords"] == ["tools"]
    assert (await api.get(f"/v3/catalog/brands/{brand['id']}")).json()["data"] == brand
    updated = await api.put(
        f"/v3/catalog/brands/{brand['id']}", json={"page_title": "Acme", "custom_url": {"url": "/acme/"}}
    )
    assert updated.status_code == 200
    assert updated.json()["data"]["page_title"] == "Acme"
    assert updated.json()["data"]["custom_url"] == {"url": "/acme/", "is_customized": True}
    assert (await api.delete(f"/v3/catalog/brands/{brand['id']}")).status_code == 204
    assert (await api.get(f"/v3/catalog/brands/{brand['id']}")).status_code == 404
    assert (await api.delete(f"/v3/catalog/brands/{brand['id']}")).status_code == 204


async def test_brand_errors(api: httpx.AsyncClient) -> None:
    await api.post("/v3/catalog/brands", json={"name": "Acme"})
    duplicate = await api.post("/v3/catalog/brands", json={"name": "ACME"})
    assert duplicate.status_code == 409
    assert duplicate.json()["title"] == "The brand name is a duplicate"
    for body in ({}, {"name": ""}, {"name": "x", "meta_keywords": "tools"}, {"name": "x", "custom_url": {}}):
        response = await api.post("/v3/catalog/brands", json=body)
        assert response.status_code == 422, body
        assert response.json()["status"] == 422
    other = (await api.post("/v3/catalog/brands", json={"name": "Other"})).json()["data"]
    assert (await api.put(f"/v3/catalog/brands/{other['id']}", json={"name": "acme"})).status_code == 409
    assert (await api.put("/v3/catalog/brands/999", json={"name": "x"})).status_code == 404


async def test_brand_list_filters_and_paging(api: httpx.AsyncClient) -> None:
    for name in ("Acme", "Acme Pro", "Zenith"):
        await api.post("/v3/catalog/brands", json={"name": name})

    async def names(query: str) -> list[str]:
        response = await api.get(f"/v3/catalog/brands?{query}")
        assert response.status_code == 200
        return [brand["name"] for brand in response.json()["data"]]

    assert await names("") == ["Acme", "Acme Pro", "Zenith"]
    assert await names("name=acme") == ["Acme"]
    assert await names("name:like=acme") == ["Acme", "Acme Pro"]
    assert await names("id:in=1,3") == ["Acme", "Zenith"]
    assert await names("limit=1&page=3") == ["Zenith"]
    pagination = (await api.get("/v3/catalog/brands?limit=2")).json()["meta"]["pagination"]
    assert (pagination["total"], pagination["total_pages"]) == (3, 2)


async def test_deleting_a_brand_unlinks_its_products(store: Store, api: httpx.AsyncClient) -> None:
    product = store.catalog.create_product(product_body("Hammer", "HAM", brand_name="Acme"))
    assert product["brand_id"] != 0
    await api.delete(f"/v3/catalog/brands/{product['brand_id']}")
    assert (await api.get(f"/v3/catalog/products/{product['id']}")).json()["data"]["brand_id"] == 0


async def test_category_crud(api: httpx.AsyncClient) -> None:
    created = await api.post("/v3/catalog/categories", json={"name": "Shoes", "parent_id": 0, "sort_order": 3})
    assert created.status_code == 200
    category = created.json()["data"]
    assert set(category) == CATEGORY_FIELDS
    assert (category["parent_id"], category["is_visible"], category["sort_order"]) == (0, True, 3)
    assert category["custom_url"] == {"url": "/shoes/", "is_customized": False}
    child = (await api.post("/v3/catalog/categories", json={"name": "Boots", "parent_id": category["id"]})).json()[
        "data"
    ]
    assert child["parent_id"] == category["id"]
    assert (await api.get(f"/v3/catalog/categories/{child['id']}")).json()["data"] == child
    updated = await api.put(
        f"/v3/catalog/categories/{child['id']}", json={"is_visible": False, "description": "<p>x</p>"}
    )
    assert updated.json()["data"]["is_visible"] is False
    assert (await api.delete(f"/v3/catalog/categories/{child['id']}")).status_code == 204
    assert (await api.get(f"/v3/catalog/categories/{child['id']}")).status_code == 404


async def test_category_errors(api: httpx.AsyncClient) -> None:
    shoes = (await api.post("/v3/catalog/categories", json={"name": "Shoes", "parent_id": 0})).json()["data"]
    duplicate = await api.post("/v3/catalog/categories", json={"name": "shoes", "parent_id": 0})
    assert duplicate.status_code == 409
    same_name_elsewhere = await api.post("/v3/catalog/categories", json={"name": "Shoes", "parent_id": shoes["id"]})
    assert same_name_elsewhere.status_code == 200
    for body in (
        {"name": "No parent"},
        {"parent_id": 0},
        {"name": "Orphan", "parent_id": 999},
        {"name": "", "parent_id": 0},
    ):
        response = await api.post("/v3/catalog/categories", json=body)
        assert response.status_code == 422, body
    child = same_name_elsewhere.json()["data"]
    loop = await api.put(f"/v3/catalog/categories/{shoes['id']}", json={"parent_id": child["id"]})
    assert loop.status_code == 422
    assert (await api.put("/v3/catalog/categories/999", json={"name": "x"})).status_code == 404


async def test_category_list_filters(api: httpx.AsyncClient) -> None:
    top = (await api.post("/v3/catalog/categories", json={"name": "Clothing", "parent_id": 0})).json()["data"]
    await api.post("/v3/catalog/categories", json={"name": "Shirts", "parent_id": top["id"], "is_visible": False})
    await api.post("/v3/catalog/categories", json={"name": "T-Shirts", "parent_id": top["id"]})

    async def names(query: str) -> list[str]:
        return [row["name"] for row in (await api.get(f"/v3/catalog/categories?{query}")).json()["data"]]

    assert await names("") == ["Clothing", "Shirts", "T-Shirts"]
    assert await names("name=shirts") == ["Shirts"]
    assert await names("name:like=shirt") == ["Shirts", "T-Shirts"]
    assert await names(f"parent_id={top['id']}") == ["Shirts", "T-Shirts"]
    assert await names("parent_id:in=0") == ["Clothing"]
    assert await names("is_visible=false") == ["Shirts"]
    assert await names("id:in=1,3") == ["Clothing", "T-Shirts"]


async def test_products_published_into_categories(store: Store, api: httpx.AsyncClient) -> None:
    top = store.catalog.add_category({"name": "Home", "parent_id": 0})
    child = store.catalog.add_category({"name": "Kitchen", "parent_id": top["id"]})
    product = store.catalog.create_product(product_body("Pan", "PAN", categories=[top["id"], child["id"]]))
    listed = (await api.get(f"/v3/catalog/products?categories:in={child['id']}")).json()["data"]
    assert [row["id"] for row in listed] == [product["id"]]
    await api.delete(f"/v3/catalog/categories/{top['id']}")
    assert (await api.get(f"/v3/catalog/categories/{child['id']}")).status_code == 404  # subcategories go too
    assert (await api.get(f"/v3/catalog/products/{product['id']}")).json()["data"]["categories"] == []


async def test_brands_and_categories_need_the_products_scope(sandbox: Sandbox, store: Store) -> None:
    account = store.add_account("store_v2_orders")
    async with api_client(sandbox, store) as client:
        client.headers["X-Auth-Token"] = account.access_token
        assert (await client.get("/v3/catalog/brands")).status_code == 403
        assert (await client.get("/v3/catalog/categories")).status_code == 403
