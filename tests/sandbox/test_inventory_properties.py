"""Property tests for inventory: adjustments against a model of stock per location; the 2,000 limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bcsandbox import Sandbox, SandboxSettings, Store
from bcsandbox.testing import api_client
from tests.sandbox.test_catalog_support import product_body

pytestmark = pytest.mark.anyio

SECOND = {
    "label": "Second",
    "time_zone": "Etc/UTC",
    "address": {
        "address1": "1 Road",
        "city": "Austin",
        "state": "Texas",
        "zip": "78701",
        "email": "second@example.com",
        "geo_coordinates": {"latitude": 0, "longitude": 0},
        "country_code": "US",
    },
}


@asynccontextmanager
async def fresh_store() -> AsyncIterator[tuple[Store, httpx.AsyncClient]]:
    sandbox = Sandbox(SandboxSettings())
    store = sandbox.create_store("inv123", plan="enterprise")
    async with api_client(sandbox, store) as client:
        yield store, client


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["absolute", "relative"]),
        st.integers(0, 2),  # which product
        st.sampled_from([1, 2]),  # location
        st.integers(-15, 15),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=30, deadline=None)
@given(operations=OPERATIONS)
async def test_adjustments_follow_the_stock_model(operations: list[tuple[str, int, int, int]]) -> None:
    async with fresh_store() as (store, api):
        products = [
            store.catalog.create_product(
                product_body(f"P{n}", f"P{n}", inventory_tracking="product", inventory_level=5)
            )
            for n in range(3)
        ]
        assert (await api.post("/v3/inventory/locations", json=[SECOND])).status_code == 200
        model: dict[tuple[int, int], int | None] = {(n, 1): 5 for n in range(3)} | {(n, 2): None for n in range(3)}
        for kind, product, location, quantity in operations:
            item = {"location_id": location, "product_id": products[product]["id"], "quantity": quantity}
            current = model[(product, location)]
            if kind == "absolute":
                response = await api.put("/v3/inventory/adjustments/absolute", json={"items": [item]})
                expected = quantity if quantity >= 0 else None
            else:
                response = await api.post("/v3/inventory/adjustments/relative", json={"items": [item]})
                expected = None if current is None or current + quantity < 0 else current + quantity
            if expected is None:
                assert response.status_code == 422, (kind, current, quantity)
            else:
                assert response.status_code == 200, response.text
                model[(product, location)] = expected
        for n, product in enumerate(products):
            shown = (await api.get(f"/v3/catalog/products/{product['id']}")).json()["data"]["inventory_level"]
            assert shown == model[(n, 1)]
            rows = (await api.get(f"/v3/inventory/locations/2/items?product_id:in={product['id']}")).json()["data"]
            assert [row["total_inventory_onhand"] for row in rows] == (
                [model[(n, 2)]] if model[(n, 2)] is not None else []
            )


@settings(max_examples=10, deadline=None)
@given(count=st.integers(1990, 2010), relative=st.booleans())
async def test_at_most_2000_items_per_adjustment(count: int, relative: bool) -> None:
    async with fresh_store() as (store, api):
        product = store.catalog.create_product(product_body("Mug", "MUG", inventory_tracking="product"))
        body = {"items": [{"location_id": 1, "product_id": product["id"], "quantity": 1}] * count}
        if relative:
            response = await api.post("/v3/inventory/adjustments/relative", json=body)
        else:
            response = await api.put("/v3/inventory/adjustments/absolute", json=body)
        assert response.status_code == (200 if count <= 2000 else 422)
        level = (await api.get(f"/v3/catalog/products/{product['id']}")).json()["data"]["inventory_level"]
        if count > 2000:
            assert level == 0
        else:
            assert level == (count if relative else 1)


@settings(max_examples=10, deadline=None)
@given(count=st.integers(1990, 2010))
async def test_at_most_2000_location_settings_per_request(count: int) -> None:
    async with fresh_store() as (store, api):
        product = store.catalog.create_product(product_body("Mug", "MUG", inventory_tracking="product"))
        body = {"settings": [{"identity": {"product_id": product["id"]}, "warning_level": 2}] * count}
        response = await api.put("/v3/inventory/locations/1/items", json=body)
        assert response.status_code == (200 if count <= 2000 else 422)
