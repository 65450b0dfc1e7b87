from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bcsandbox import Sandbox
from bcsandbox.testing import transport_for

pytestmark = pytest.mark.anyio


@pytest.fixture
async def control(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=transport_for(sandbox), base_url="http://sandbox.test") as client:
        yield client


async def test_create_store_then_use_its_token(control: httpx.AsyncClient) -> None:
    created = await control.post(
        "/_sandbox/stores/new",
        json={"store_hash": "shop42", "name": "Shop 42", "plan": "pro", "access_token": "tok-42"},
    )
    assert created.status_code == 201
    assert created.json()["accounts"][0]["access_token"] == "tok-42"
    info = await control.get("/stores/shop42/v2/store", headers={"X-Auth-Token": "tok-42"})
    assert info.status_code == 200
    assert info.json()["plan_name"] == "Pro"


async def test_create_store_rejects_duplicates_and_bad_input(control: httpx.AsyncClient) -> None:
    assert (await control.post("/_sandbox/stores/new", json={"store_hash": "dup1"})).status_code == 201
    again = await control.post("/_sandbox/stores/new", json={"store_hash": "dup1"})
    assert again.status_code == 422
    assert "already exists" in again.json()["title"]
    bad_plan = await control.post("/_sandbox/stores/new", json={"plan": "gold"})
    assert "unknown plan" in bad_plan.json()["title"]
    unknown = await control.post("/_sandbox/stores/new", json={"colour": "red"})
    assert "unknown fields" in unknown.json()["title"]
    assert (await control.get("/_sandbox/stores/nosuch")).status_code == 404


async def test_accounts_with_scopes_and_revocation(control: httpx.AsyncClient) -> None:
    await control.post("/_sandbox/stores/new", json={"store_hash": "acc1"})
    account = (await control.post("/_sandbox/stores/acc1/accounts", json={"scopes": "store_v2_orders"})).json()
    token = account["access_token"]
    assert (await control.get("/stores/acc1/v2/store", headers={"X-Auth-Token": token})).status_code == 403
    assert (await control.post(f"/_sandbox/stores/acc1/accounts/{token}/revoke")).status_code == 204
    assert (await control.get("/stores/acc1/v2/time", headers={"X-Auth-Token": token})).status_code == 401


async def test_faults_through_the_control_plane(control: httpx.AsyncClient) -> None:
    store = (await control.post("/_sandbox/stores/new", json={"store_hash": "flt1"})).json()
    token = store["accounts"][0]["access_token"]
    rule = (await control.post("/_sandbox/stores/flt1/faults/new", json={"path": "/v2/time", "error_rate": 1.0})).json()
    assert (await control.get("/stores/flt1/v2/time", headers={"X-Auth-Token": token})).status_code >= 500
    assert [r["id"] for r in (await control.get("/_sandbox/stores/flt1/faults")).json()] == [rule["id"]]
    assert (await control.post(f"/_sandbox/stores/flt1/faults/{rule['id']}/delete")).status_code == 204
    assert (await control.get("/stores/flt1/v2/time", headers={"X-Auth-Token": token})).status_code == 200
    bad = await control.post("/_sandbox/stores/flt1/faults/new", json={"error_rate": 3})
    assert bad.status_code == 422


async def test_request_log_can_be_read_filtered_and_cleared(control: httpx.AsyncClient) -> None:
    store = (await control.post("/_sandbox/stores/new", json={"store_hash": "log1"})).json()
    token = store["accounts"][0]["access_token"]
    await control.get("/stores/log1/v2/time", headers={"X-Auth-Token": token})
    await control.get("/stores/log1/v2/store", headers={"X-Auth-Token": token})
    log = (await control.get("/_sandbox/requests", params={"store_hash": "log1", "path": "/v2/time"})).json()
    assert log["count"] == 1
    assert log["requests"][0]["status"] == 200
    assert token not in str(log)
    await control.post("/_sandbox/requests/clear")
    assert (await control.get("/_sandbox/requests")).json()["count"] == 0


async def test_clock_advance_moves_v2_time(control: httpx.AsyncClient, sandbox: Sandbox) -> None:
    store = sandbox.create_store("clk1")
    token = next(iter(store.accounts))
    before = (await control.get("/stores/clk1/v2/time", headers={"X-Auth-Token": token})).json()["time"]
    await control.post("/_sandbox/clock/advance", json={"seconds": 86_400})
    after = (await control.get("/stores/clk1/v2/time", headers={"X-Auth-Token": token})).json()["time"]
    assert after - before >= 86_400


async def test_settings_shorten_the_window(control: httpx.AsyncClient, sandbox: Sandbox) -> None:
    store = sandbox.create_store("win1", plan="standard")
    token = next(iter(store.accounts))
    assert (await control.put("/_sandbox/settings", json={"window_ms": 1000})).json()["window_ms"] == 1000
    response = await control.get("/stores/win1/v2/time", headers={"X-Auth-Token": token})
    assert response.headers["x-rate-limit-time-window-ms"] == "1000"


async def test_reset_forgets_everything(control: httpx.AsyncClient, sandbox: Sandbox) -> None:
    sandbox.create_store("gone1")
    await control.post("/_sandbox/reset")
    assert (await control.get("/_sandbox")).json()["stores"] == []


def test_state_survives_save_and_load(tmp_path: Path) -> None:
    first = Sandbox()
    store = first.create_store("keep1", name="Kept", plan="pro", access_token="tok-keep")
    store.info.update({"admin_email": "me@example.com"})
    path = tmp_path / "state.bin"
    first.save(path)
    second = Sandbox()
    second.load(path)
    restored = second.store("keep1")
    assert restored.name == "Kept"
    assert restored.plan == "pro"
    assert "tok-keep" in restored.accounts
    assert restored.info.profile()["admin_email"] == "me@example.com"
    assert restored.sandbox is second


async def test_revoking_the_last_token_of_a_client_deletes_its_hooks(sandbox: Sandbox) -> None:
    store = sandbox.create_store("hk1")
    account = store.add_account("store_v2_orders", client_id="client-a")
    other = store.add_account("store_v2_orders", client_id="client-a")
    async with httpx.AsyncClient(transport=transport_for(sandbox), base_url="http://sandbox.test") as client:
        created = await client.post(
            "/stores/hk1/v3/hooks",
            headers={"X-Auth-Token": account.access_token},
            json={"scope": "store/order/created", "destination": "https://example.com/hook"},
        )
        assert created.status_code == 200
        store.revoke(account.access_token)
        listed = await client.get("/stores/hk1/v3/hooks", headers={"X-Auth-Token": other.access_token})
        assert len(listed.json()["data"]) == 1  # another token of the same client remains
        store.revoke(other.access_token)
    assert store.hooks.for_client("client-a") == []


async def test_seed_place_and_ship_through_the_control_plane(control: httpx.AsyncClient, sandbox: Sandbox) -> None:
    seeded = await control.post("/_sandbox/seed", json={"preset": "demo", "seed": 3, "products": 4, "orders": 2})
    assert seeded.status_code == 201
    merchant = seeded.json()["merchant"]
    token = merchant["accounts"][0]["access_token"]
    assert [vendor["store_hash"] for vendor in seeded.json()["vendors"]] == ["vnd0001", "vnd0002"]
    again = await control.post("/_sandbox/seed", json={"preset": "demo", "seed": 3, "products": 4, "orders": 2})
    assert again.json()["merchant"]["accounts"][0]["access_token"] == token  # deterministic from the seed

    products = await control.get("/stores/mrch001/v3/catalog/products", headers={"X-Auth-Token": token})
    sku = products.json()["data"][0]["sku"]
    placed = await control.post(
        "/_sandbox/stores/mrch001/shopper-orders", json={"lines": [{"sku": sku, "quantity": 1}]}
    )
    assert placed.status_code == 201
    order_id = placed.json()["id"]
    assert placed.json()["status_id"] == 11
    shipped = await control.post(
        f"/_sandbox/stores/mrch001/orders/{order_id}/ship",
        json={"tracking_number": "TRACK-1", "shipping_provider": "ups"},
    )
    assert shipped.status_code == 201
    assert shipped.json()["tracking_number"] == "TRACK-1"
    order = await control.get(f"/stores/mrch001/v2/orders/{order_id}", headers={"X-Auth-Token": token})
    assert order.json()["status_id"] == 2
    unknown = await control.post("/_sandbox/seed", json={"preset": "huge"})
    assert unknown.status_code == 422
    missing = await control.post("/_sandbox/stores/mrch001/orders/999999/ship", json={})
    assert missing.status_code == 404
