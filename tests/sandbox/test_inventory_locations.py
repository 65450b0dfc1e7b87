"""Locations: list, create, update, delete; location 1 is the default and cannot be deleted."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from bcsandbox import Sandbox, Store
from tests.sandbox.test_catalog_support import EventLog, assert_problem_conforms, product_body
from tests.support.conformance import assert_conforms

pytestmark = pytest.mark.anyio

LOCATIONS = "/v3/inventory/locations"
WAREHOUSE: dict[str, Any] = {
    "code": "WH-2",
    "label": "Warehouse",
    "description": "Back room",
    "managed_by_external_source": False,
    "type_id": "PHYSICAL",
    "enabled": True,
    "time_zone": "Etc/UTC",
    "address": {
        "address1": "2 Dock Rd",
        "city": "Austin",
        "state": "Texas",
        "zip": "78702",
        "email": "wh@example.com",
        "phone": "555-0101",
        "geo_coordinates": {"latitude": 30.1, "longitude": -97.7},
        "country_code": "US",
    },
    "storefront_visibility": False,
}


def warehouse(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(WAREHOUSE)
    body.update(changes)
    return body


async def test_the_default_location_exists(api: httpx.AsyncClient) -> None:
    response = await api.get(LOCATIONS)
    assert response.status_code == 200
    assert_conforms(response)
    [default] = response.json()["data"]
    assert (default["id"], default["code"], default["label"], default["enabled"]) == (
        1,
        "BC-LOCATION-1",
        "Default location",
        True,
    )
    assert set(default["operating_hours"]) == {
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    }


async def test_create_update_and_list(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    log = EventLog(sandbox)
    created = await api.post(
        LOCATIONS, json=[warehouse(), warehouse(code="POP-UP", label="Pop-up", type_id="VIRTUAL", enabled=False)]
    )
    assert created.status_code == 200
    assert_conforms(created)
    assert isinstance(created.json()["transaction_id"], str)
    assert log.scoped("store/inventory/location/created") == [{"location_id": 2}, {"location_id": 3}]
    listed = (await api.get(LOCATIONS)).json()["data"]
    assert [(row["id"], row["code"]) for row in listed] == [(1, "BC-LOCATION-1"), (2, "WH-2"), (3, "POP-UP")]
    assert listed[1]["address"]["city"] == "Austin" and listed[1]["description"] == "Back room"
    sandbox.clock.advance(30)
    updated = await api.put(
        LOCATIONS, json=[{"id": 2, "label": "Main warehouse", "address": {"city": "Round Rock", "country_code": "US"}}]
    )
    assert updated.status_code == 200
    assert_conforms(updated)
    assert log.scoped("store/inventory/location/updated") == [{"location_id": 2}]
    after = (await api.get(f"{LOCATIONS}?location_id:in=2")).json()["data"][0]
    assert after["label"] == "Main warehouse"
    assert after["address"]["city"] == "Round Rock" and after["address"]["zip"] == "78702"
    assert after["updated_at"] > after["created_at"]


async def test_list_filters(api: httpx.AsyncClient) -> None:
    await api.post(
        LOCATIONS, json=[warehouse(), warehouse(code="POP-UP", label="Pop-up", type_id="VIRTUAL", enabled=False)]
    )

    async def ids(query: str) -> list[int]:
        response = await api.get(f"{LOCATIONS}?{query}")
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()["data"]]

    assert await ids("location_id:in=1,3") == [1, 3]
    assert await ids("location_code:in=wh-2") == [2]
    assert await ids("is_default=true") == [1]
    assert await ids("is_default=false") == [2, 3]
    assert await ids("type_id:in=VIRTUAL") == [3]
    assert await ids("is_active=false") == [3]
    assert await ids("storefront_visibility=false") == [2, 3]
    assert await ids("managed_by_external_source=false") == [1, 2, 3]
    assert await ids("limit=1&page=2") == [2]
    assert (await api.get(f"{LOCATIONS}?is_active=perhaps")).status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"label": None}, "0.label"),
        ({"time_zone": None}, "0.time_zone"),
        ({"address": None}, "0.address"),
        ({"type_id": "SHOP"}, "0.type_id"),
        ({"enabled": "yes"}, "0.enabled"),
        ({"code": "BC-LOCATION-1"}, "0.code"),
    ],
)
async def test_create_errors(api: httpx.AsyncClient, body: dict[str, Any], field: str) -> None:
    item = {key: value for key, value in warehouse(**body).items() if value is not None}
    response = await api.post(LOCATIONS, json=[item])
    assert response.status_code == 422, response.text
    assert_problem_conforms(response)
    assert field in response.json()["errors"]


@pytest.mark.parametrize(
    ("address", "field"),
    [
        ({"zip": None}, "0.address.zip"),
        ({"email": "nobody"}, "0.address.email"),
        ({"country_code": "USA"}, "0.address.country_code"),
        ({"geo_coordinates": {"latitude": 91, "longitude": 0}}, "0.address.geo_coordinates.latitude"),
        ({"geo_coordinates": {"latitude": 1}}, "0.address.geo_coordinates.longitude"),
    ],
)
async def test_create_address_errors(api: httpx.AsyncClient, address: dict[str, Any], field: str) -> None:
    item = warehouse()
    item["address"] = {key: value for key, value in {**item["address"], **address}.items() if value is not None}
    response = await api.post(LOCATIONS, json=[item])
    assert response.status_code == 422
    assert field in response.json()["errors"]


async def test_codes_are_unique_within_a_request(api: httpx.AsyncClient) -> None:
    response = await api.post(LOCATIONS, json=[warehouse(), warehouse(label="Again")])
    assert response.status_code == 422
    assert "1.code" in response.json()["errors"]
    assert len((await api.get(LOCATIONS)).json()["data"]) == 1


async def test_at_most_100_active_locations(api: httpx.AsyncClient) -> None:
    many = [warehouse(code=f"L-{n}", label=f"L {n}") for n in range(99)]
    assert (await api.post(LOCATIONS, json=many)).status_code == 200
    over = await api.post(LOCATIONS, json=[warehouse(code="ONE-MORE")])
    assert over.status_code == 422
    assert_problem_conforms(over)
    disabled = await api.post(LOCATIONS, json=[warehouse(code="OFF", enabled=False)])
    assert disabled.status_code == 200


async def test_update_errors(api: httpx.AsyncClient) -> None:
    await api.post(LOCATIONS, json=[warehouse()])
    for body in (
        [{"label": "No id"}],
        [{"id": 99, "label": "Unknown"}],
        [{"id": 2, "code": "bc-location-1"}],
        [{"id": 2, "address": {"city": "X"}}],
        [],
    ):
        response = await api.put(LOCATIONS, json=body)
        assert response.status_code == 422, body
        assert_problem_conforms(response)
    not_array = await api.put(LOCATIONS, json={"id": 2})
    assert not_array.status_code == 422
    assert not_array.headers["content-type"] == "application/problem+json"


async def test_delete(api: httpx.AsyncClient, store: Store) -> None:
    product = store.catalog.create_product(product_body("Mug", "MUG", inventory_tracking="product", inventory_level=1))
    await api.post(LOCATIONS, json=[warehouse()])
    await api.put(
        "/v3/inventory/adjustments/absolute",
        json={"items": [{"location_id": 2, "product_id": product["id"], "quantity": 5}]},
    )
    deleted = await api.delete(f"{LOCATIONS}?location_id:in=2")
    assert deleted.status_code == 200
    assert_conforms(deleted)
    assert [row["id"] for row in (await api.get(LOCATIONS)).json()["data"]] == [1]
    item = (await api.get("/v3/inventory/items")).json()["data"][0]
    assert [location["location_id"] for location in item["locations"]] == [1]
    assert (await api.get("/v3/inventory/locations/2/items")).status_code == 404


async def test_delete_errors(api: httpx.AsyncClient) -> None:
    origin = await api.delete(f"{LOCATIONS}?location_id:in=1")
    assert origin.status_code == 422
    assert_problem_conforms(origin)
    assert origin.json()["title"] == (
        "Location canʼt be deleted. Default location is set as a shipping origin for this store and canʼt be deleted."
    )
    missing = await api.delete(f"{LOCATIONS}?location_id:in=42")
    assert missing.status_code == 404
    assert_problem_conforms(missing)
    no_filter = await api.delete(LOCATIONS)
    assert no_filter.status_code == 422
    assert_problem_conforms(no_filter)
    assert (await api.delete(f"{LOCATIONS}?location_id:in=two")).status_code == 400
