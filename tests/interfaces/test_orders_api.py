"""``/api/v1`` orders and shipments through httpx's ASGI transport, against the demo sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from bchub.app import Hub
from bchub.interfaces.api.app import create_api
from bcsandbox.testing import transport_for
from tests.sync.test_orders_helpers import BUSINESS, MERCHANT, World, world

API_TOKEN = "hub-api-token-0123456789"
pytestmark = pytest.mark.anyio
__all__ = ["world"]


@pytest.fixture
async def api(world: World) -> AsyncIterator[httpx.AsyncClient]:
    """The REST API on the world's database, with an API token."""
    settings = world.hub.settings.model_copy(update={"api_token": SecretStr(API_TOKEN)})
    with Hub(settings, transport=transport_for(world.sandbox)) as hub:
        transport = httpx.ASGITransport(app=create_api(hub))
        headers = {"Authorization": f"Bearer {API_TOKEN}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://bchub.test", headers=headers) as client:
            yield client


async def _merchant_id(api: httpx.AsyncClient) -> int:
    connections = (await api.get("/api/v1/connections")).json()
    return next(connection["id"] for connection in connections if connection["name"] == MERCHANT)


async def test_orders_end_to_end_over_the_api(api: httpx.AsyncClient, world: World) -> None:
    merchant = await _merchant_id(api)
    business = {key.split(".", 1)[1]: value for key, value in BUSINESS.items()}
    changed = await api.patch(
        f"/api/v1/connections/{merchant}/order-settings",
        json={"set": {"import_statuses": [11], **{f"business_address.{k}": v for k, v in business.items()}}},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["business_address"]["zip"] == "78701"
    refused = await api.patch(f"/api/v1/connections/{merchant}/order-settings", json={"set": {"import_statuses": [42]}})
    assert refused.status_code == 422 and "no order status 42" in refused.json()["detail"]

    own, north = world.own_skus()[0], world.vendor_skus(0)[0]
    number = world.place((own, 1), (north, 2))
    got = await api.post(f"/api/v1/connections/{merchant}/orders/get", json={})
    assert got.status_code == 200 and got.json()["run"]["counts"]["created"] == 1
    listed = (await api.get("/api/v1/orders", params={"connection_id": merchant, "route_state": "pending"})).json()
    assert listed["total"] == 1 and listed["orders"][0]["lines"][1]["sku"] == north

    routed = await api.post(f"/api/v1/connections/{merchant}/orders/route")
    assert routed.status_code == 200 and routed.json()["status"] == "succeeded"
    detail = (await api.get(f"/api/v1/connections/{merchant}/orders/{number}")).json()
    vendor_order = detail["vendor_orders"][0]
    assert vendor_order["state"] == "placed" and vendor_order["lines"][0]["quantity"] == 2

    world.vendor(0).orders.ship_order(
        vendor_order["vendor_order_id"], {"tracking_number": "1ZAPI", "tracking_carrier": "ups"}
    )
    synced = await api.post(f"/api/v1/connections/{merchant}/shipments/sync")
    assert synced.json()["counts"]["created"] == 1
    added = await api.post(
        f"/api/v1/connections/{merchant}/shipments",
        json={"store_order_id": number, "items": [{"sku": own, "quantity": 1}], "tracking_number": "3PL-API"},
    )
    assert added.status_code == 200 and added.json()["run"]["status"] == "succeeded"
    csv = await api.post(
        f"/api/v1/connections/{merchant}/shipments/import-csv",
        content=f"order,sku,quantity,tracking\n{number},{own},1,3PL-API\n",
        headers={"Content-Type": "text/csv"},
    )
    assert csv.json()["report"]["duplicates"] == 1
    assert world.merchant.orders.get(number).status_id == 2

    explained = (await api.get(f"/api/v1/connections/{merchant}/orders/999/explain")).json()
    assert explained["in_hub"] is False and explained["reasons"][0]["code"] == "not_found"
    remote = (await api.get(f"/api/v1/connections/{merchant}/remote-orders", params={"status_id": [2]})).json()
    assert [order["store_order_id"] for order in remote] == [number]
    assert (await api.get(f"/api/v1/connections/{merchant}/orders/424242")).status_code == 404
    purged = await api.post(f"/api/v1/connections/{merchant}/orders/purge-pii")
    assert purged.status_code == 200 and purged.json() == []


async def test_the_order_endpoints_need_the_token(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/v1/orders", headers={"Authorization": "Bearer nope"})).status_code == 401
