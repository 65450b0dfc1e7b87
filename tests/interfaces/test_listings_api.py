"""``/api/v1`` publishing and listing sync through httpx's ASGI transport, against the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from bchub.app import Hub
from bchub.domain.catalog import Attribute
from bchub.domain.connections import Role
from bchub.interfaces.api.app import create_api
from bcsandbox import Sandbox, Store
from bcsandbox.testing import transport_for
from tests.support.hub import make_settings
from tests.sync.publishing_helpers import add_items, connect, item, product, set_stock, variant, vendor_store

API_TOKEN = "hub-api-token-0123456789"
pytestmark = pytest.mark.anyio


@pytest.fixture
def api_hub(sandbox: Sandbox, tmp_path: Path) -> Iterator[Hub]:
    with Hub(make_settings(tmp_path, api_token=API_TOKEN), transport=transport_for(sandbox)) as hub:
        yield hub


@pytest.fixture
async def api(api_hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_api(api_hub))
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bchub.test", headers=headers) as client:
        yield client


async def test_publish_sync_and_visibility_over_the_api(
    api: httpx.AsyncClient, api_hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    shop = connect(api_hub, store)
    ids = add_items(api_hub, [item("CUP", name="Cup")], stock={"CUP": 2})
    base = f"/api/v1/connections/{shop}"
    dry = await api.post(f"{base}/listings/publish", json={"skus": ["CUP"], "dry_run": True})
    assert dry.status_code == 200, dry.text
    assert dry.json()["changes"][0]["changes"]["name"] == {"before": None, "after": "Cup"}
    assert sandbox.requests(store.hash) == []
    published = await api.post(f"{base}/listings/publish", json={"all": True})
    assert published.json()["counts"] == {"created": 1}
    set_stock(api_hub, ids["CUP"], "csv", 12)
    synced = await api.post(f"{base}/listings/sync", json={"skus": ["CUP"]})
    assert synced.json()["status"] == "succeeded" and variant(store, "CUP")["inventory_level"] == 12
    hidden = await api.post(f"{base}/listings/hide", json={"skus": ["CUP"]})
    assert hidden.json()["counts"] == {"updated": 1} and product(store, "CUP")["availability"] == "disabled"
    assert (await api.post(f"{base}/listings/pause", json={"search": "cu"})).json() == {"paused": 1}
    missing = await api.post(f"{base}/listings/hide", json={})
    assert missing.status_code in (400, 422) and "choose what" in missing.text


async def test_stock_rule_and_inventory_of_a_vendor(api: httpx.AsyncClient, api_hub: Hub, sandbox: Sandbox) -> None:
    vendor = connect(api_hub, vendor_store(sandbox), Role.VENDOR, name="acme")
    rule = {"buffer": 1, "cap": None, "zero_when_discontinued": True}
    assert (await api.put(f"/api/v1/connections/{vendor}/stock-rule", json=rule)).json() == rule
    assert (await api.get(f"/api/v1/connections/{vendor}/stock-rule")).json() == rule
    read = await api.post(f"/api/v1/connections/{vendor}/inventory/sync", json={"push": True})
    assert read.status_code == 200 and read.json()["inventory"]["status"] == "succeeded"
    refused = await api.post(f"/api/v1/connections/{vendor}/listings/delist", json={"all": True})
    assert refused.status_code >= 400 and "vendor" in refused.text


async def test_every_listing_action_has_a_dry_run_that_sends_and_saves_nothing(
    api: httpx.AsyncClient, api_hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    shop = connect(api_hub, store)
    add_items(api_hub, [item("CUP", name="Cup"), item("LID", name="Lid")])
    base = f"/api/v1/connections/{shop}"
    await api.post(f"{base}/listings/publish", json={"skus": ["CUP"]})
    sandbox.clear_requests()
    hide = await api.post(f"{base}/listings/hide", json={"skus": ["CUP", "LID"], "dry_run": True})
    assert hide.status_code == 200, hide.text
    assert hide.json() == {
        "dry_run": True,
        "changes": [
            {"sku": "LID", "action": "skip", "changes": {}, "reason": "not listed in this store"},
            {"sku": "CUP", "action": "hide", "changes": {"hidden": {"before": False, "after": True}}},
        ],
    }
    delist = (await api.post(f"{base}/listings/delist", json={"all": True, "dry_run": True})).json()
    assert [c for c in delist["changes"] if c["action"] == "delist"] == [
        {"sku": "CUP", "action": "delist", "changes": {"delisted": {"before": False, "after": True}}}
    ]
    unhide = (await api.post(f"{base}/listings/unhide", json={"skus": ["CUP"], "dry_run": True})).json()
    assert unhide["changes"][0]["action"] == "skip" and "only hidden listings" in unhide["changes"][0]["reason"]
    pause = (await api.post(f"{base}/listings/pause", json={"search": "cu", "dry_run": True})).json()
    assert pause["changes"] == [
        {"sku": "CUP", "action": "pause", "changes": {"paused": {"before": False, "after": True}}}
    ]
    unpause = (await api.post(f"{base}/listings/unpause", json={"skus": ["CUP"], "dry_run": True})).json()
    assert unpause == {"dry_run": True, "changes": []}
    assert sandbox.requests(store.hash) == [] and product(store, "CUP")["availability"] == "available"
    # nothing was saved: the real pause still has its listing to change
    assert (await api.post(f"{base}/listings/pause", json={"skus": ["CUP"]})).json() == {"paused": 1}
    vendor = connect(api_hub, vendor_store(sandbox), Role.VENDOR, name="acme")
    refused = await api.post(f"/api/v1/connections/{vendor}/listings/hide", json={"all": True, "dry_run": True})
    assert refused.status_code in (400, 409, 422) and "never writes to a vendor" in refused.text


async def test_publishing_adds_a_new_variant_over_the_api(
    api: httpx.AsyncClient, api_hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    shop = connect(api_hub, store)
    size = Attribute("Size", "S")
    add_items(api_hub, [item("TEE-S", parent_sku="TEE", name="Tee", options=(size,))], stock={"TEE-S": 1})
    base = f"/api/v1/connections/{shop}/listings/publish"
    assert (await api.post(base, json={"search": "tee"})).json()["counts"] == {"created": 1}
    add_items(api_hub, [item("TEE-M", parent_sku="TEE", name="Tee", options=(Attribute("Size", "M"),))])
    dry = (await api.post(base, json={"search": "tee", "dry_run": True})).json()
    assert dry["changes"][1]["action"] == "add variant"
    assert dry["changes"][1]["changes"]["options"] == {"before": None, "after": "Size: M"}
    assert not any(v.get("sku") == "TEE-M" for v in store.catalog.variants.values())
    done = (await api.post(base, json={"search": "tee", "dry_run": False})).json()
    assert done["status"] == "succeeded" and done["counts"]["created"] == 1, done
    assert variant(store, "TEE-M")["option_values"][0]["label"] == "M"
