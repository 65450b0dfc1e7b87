"""``/api/v1`` catalog routes through httpx's ASGI transport, against the demo sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from bchub.app import Hub
from bchub.interfaces.api.app import create_api
from bchub.settings import Settings
from bcsandbox import Sandbox
from bcsandbox.seed import seed_demo
from bcsandbox.testing import transport_for
from tests.sync.test_catalog_helpers import MERCHANT, NORTH, add_connections

API_TOKEN = "hub-api-token-catalog-0123456789"
pytestmark = pytest.mark.anyio


@pytest.fixture
async def api(sandbox: Sandbox, hub_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    seed_demo(sandbox, products=6, orders=0)
    settings = hub_settings.model_copy(update={"api_token": SecretStr(API_TOKEN)})
    with Hub(settings, transport=transport_for(sandbox)) as hub:
        add_connections(hub, sandbox)
        transport = httpx.ASGITransport(app=create_api(hub))
        headers = {"Authorization": f"Bearer {API_TOKEN}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://bchub.test", headers=headers) as client:
            yield client


async def _ids(api: httpx.AsyncClient) -> dict[str, int]:
    return {connection["name"]: connection["id"] for connection in (await api.get("/api/v1/connections")).json()}


async def test_import_listings_then_browse_over_the_api(api: httpx.AsyncClient) -> None:
    ids = await _ids(api)
    vendor = await api.post(f"/api/v1/connections/{ids[NORTH]}/import-listings", json={"master_sku": "sku"})
    assert vendor.status_code == 200, vendor.text
    assert vendor.json()["status"] == "succeeded" and vendor.json()["counts"]["created"] == 18
    assert vendor.json()["items"] == []  # only problems unless ?items=true
    merchant = await api.post(
        f"/api/v1/connections/{ids[MERCHANT]}/import-listings", params={"items": "true"}, json={"paused": True}
    )
    body = merchant.json()
    assert body["params"]["paused"] is True and len(body["items"]) == 16 and body["counts"]["matched"] == 6

    listed = (await api.get("/api/v1/catalog/items", params={"supplier_id": ids[NORTH], "limit": 2})).json()
    assert listed["total"] == 18 and len(listed["items"]) == 2 and listed["items"][0]["price"].count(".") <= 1
    item = (await api.get("/api/v1/catalog/items/MRC-0001")).json()
    assert item["listings"][0]["paused"] is True and item["listings"][0]["connection"] == MERCHANT
    assert item["unit_of_measure"] == "Each" and item["custom_fields"][0]["name"] == "Roast"
    missing = await api.get("/api/v1/catalog/items/NOPE")
    assert missing.status_code == 404 and "no item with master SKU 'NOPE'" in missing.json()["detail"]
    matched = (await api.get("/api/v1/catalog/matches", params={"status": "matched"})).json()
    assert len(matched) == 6 and {row["vendor"] for row in matched} == {NORTH}
    remote = (await api.get(f"/api/v1/connections/{ids[NORTH]}/remote-products", params={"limit": 2})).json()
    assert remote["total"] == 6 and all(product["imported"] for product in remote["products"])


async def test_bad_options_are_refused(api: httpx.AsyncClient) -> None:
    ids = await _ids(api)
    wrong = await api.post(f"/api/v1/connections/{ids[NORTH]}/import-listings", json={"master_sku": "ean"})
    assert wrong.status_code == 422
    both = await api.post(
        f"/api/v1/connections/{ids[NORTH]}/import-listings", json={"incremental": True, "product_ids": [1]}
    )
    assert both.status_code == 422 and "either incremental or of chosen products" in both.json()["detail"]
    unknown = await api.post("/api/v1/connections/999/import-listings", json={})
    assert unknown.status_code == 404


async def test_csv_over_the_api_and_the_token_is_required(api: httpx.AsyncClient) -> None:
    dry = await api.post(
        "/api/v1/catalog/import-csv", params={"dry_run": "true"}, content=b"sku,name\nA-1,Apron\n,Nameless\n"
    )
    assert dry.json()["counts"] == {"created": 1, "failed": 1} and dry.json()["dry_run"] is True
    done = await api.post("/api/v1/catalog/import-csv", content=b"sku,name,price\nA-1,Apron,4.5\n")
    assert done.json()["counts"] == {"created": 1}
    exported = await api.get("/api/v1/catalog/export-csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.text.splitlines()[1].startswith("A-1,Apron,,,4.5,")
    anonymous = await api.get("/api/v1/catalog/items", headers={"Authorization": ""})
    assert anonymous.status_code == 401


async def test_items_filter_by_listing_state_store_and_vendor(api: httpx.AsyncClient) -> None:
    ids = await _ids(api)
    await api.post(f"/api/v1/connections/{ids[NORTH]}/import-listings", json={})
    await api.post(f"/api/v1/connections/{ids[MERCHANT]}/import-listings", json={"paused": True})
    everything = (await api.get("/api/v1/catalog/items", params={"limit": 1000})).json()

    paused = (await api.get("/api/v1/catalog/items", params={"state": "paused", "store": MERCHANT})).json()
    by_id = (await api.get("/api/v1/catalog/items", params={"state": "paused", "connection_id": ids[MERCHANT]})).json()
    assert paused["total"] == by_id["total"] == 16 < everything["total"]
    assert [row["sku"] for row in paused["items"]] == [row["sku"] for row in by_id["items"]]
    # the vendor's listings are not paused, so its store has none in that state
    in_vendor = (await api.get("/api/v1/catalog/items", params={"state": "paused", "store": ids[NORTH]})).json()
    assert in_vendor["total"] == 0
    hidden = (await api.get("/api/v1/catalog/items", params={"state": "hidden"})).json()
    assert hidden == {"total": 0, "items": []}
    # merchant listings no vendor listing supplies (16 listed, 6 matched)
    unmatched = (await api.get("/api/v1/catalog/items", params={"state": "unmatched", "store": MERCHANT})).json()
    assert unmatched["total"] == 10
    supplied = (await api.get("/api/v1/catalog/items", params={"vendor": NORTH, "state": "paused"})).json()
    # the six merchant listings matched to north's items are the paused ones north supplies
    assert supplied["total"] == 6

    wrong = await api.get("/api/v1/catalog/items", params={"state": "sleeping"})
    assert wrong.status_code == 422
    both = await api.get("/api/v1/catalog/items", params={"store": ids[NORTH], "connection_id": ids[MERCHANT]})
    assert both.status_code == 422 and "give one of them" in both.json()["detail"]
    unknown = await api.get("/api/v1/catalog/items", params={"store": "nowhere"})
    assert unknown.status_code == 404
