"""``/v3/hooks``: CRUD, validation, per-client visibility, platform limits and the admin view."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bcsandbox import Sandbox, Store
from bcsandbox.testing import api_client
from tests.support.conformance import assert_conforms

pytestmark = pytest.mark.anyio

DESTINATION = "https://app.example.com/webhooks"


async def create(api: httpx.AsyncClient, scope: str = "store/order/created", **fields: object) -> httpx.Response:
    return await api.post("/v3/hooks", json={"scope": scope, "destination": DESTINATION, **fields})


async def test_create_returns_the_hook_with_unix_times(api: httpx.AsyncClient, store: Store, sandbox: Sandbox) -> None:
    before = sandbox.clock.timestamp()
    response = await create(api, headers={"X-Secret": "s3"})
    after = sandbox.clock.timestamp()
    assert response.status_code == 200
    assert_conforms(response)
    hook = response.json()["data"]
    assert hook["scope"] == "store/order/created"
    assert hook["destination"] == DESTINATION
    assert hook["headers"] == {"X-Secret": "s3"}
    assert hook["is_active"] is True
    assert hook["store_hash"] == store.hash
    assert hook["client_id"] == next(iter(store.accounts.values())).client_id
    assert isinstance(hook["created_at"], int)
    assert hook["created_at"] == hook["updated_at"]
    assert before <= hook["created_at"] <= after


async def test_headers_default_to_null_and_is_active_can_start_false(api: httpx.AsyncClient) -> None:
    response = await create(api, is_active=False)
    assert response.status_code == 200
    hook = response.json()["data"]
    assert hook["headers"] is None
    assert hook["is_active"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"destination": DESTINATION}, "scope"),
        ({"scope": "store/order/created"}, "destination"),
        ({"scope": "", "destination": DESTINATION}, "scope"),
        ({"scope": "store/order/created", "destination": DESTINATION, "is_active": "yes"}, "is_active"),
        ({"scope": "store/order/created", "destination": DESTINATION, "headers": {"X": 1}}, "headers"),
        ({"scope": "store/order/created", "destination": "http://app.example.com/wh"}, "destination"),
        ({"scope": "store/order/created", "destination": "ftp://127.0.0.1/wh"}, "destination"),
        ({"scope": "store/order/created", "destination": "not a url"}, "destination"),
    ],
)
async def test_invalid_create_is_422_naming_the_field(
    api: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    response = await api.post("/v3/hooks", json=body)
    assert response.status_code == 422
    assert_conforms(response)
    problem = response.json()
    assert problem["title"] == "JSON data is missing or invalid"
    assert field in problem["errors"]


async def test_missing_fields_use_bigcommerces_error_key(api: httpx.AsyncClient) -> None:
    response = await api.post("/v3/hooks", json={"scope": "store/order/created"})
    assert response.json()["errors"] == {"destination": "error.path.missing."}


@pytest.mark.parametrize(
    "destination",
    ["http://127.0.0.1:8123/wh", "http://localhost:9000/wh", "http://[::1]:9000/wh", "https://example.com:8443/wh"],
)
async def test_local_and_https_destinations_are_accepted(api: httpx.AsyncClient, destination: str) -> None:
    response = await api.post("/v3/hooks", json={"scope": "store/product/*", "destination": destination})
    assert response.status_code == 200, response.text


async def test_malformed_body_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post("/v3/hooks", content=b"{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert_conforms(response)


async def test_get_update_delete_round_trip(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    hook_id = (await create(api)).json()["data"]["id"]
    fetched = await api.get(f"/v3/hooks/{hook_id}")
    assert fetched.status_code == 200
    assert_conforms(fetched)

    sandbox.clock.advance(5)
    updated = await api.put(f"/v3/hooks/{hook_id}", json={"is_active": False, "headers": {"Authorization": "Basic x"}})
    assert updated.status_code == 200
    assert_conforms(updated)
    body = updated.json()["data"]
    assert body["is_active"] is False
    assert body["headers"] == {"Authorization": "Basic x"}
    assert body["updated_at"] >= body["created_at"] + 5

    reactivated = await api.put(f"/v3/hooks/{hook_id}", json={"is_active": True})
    assert reactivated.json()["data"]["is_active"] is True

    deleted = await api.delete(f"/v3/hooks/{hook_id}")
    assert deleted.status_code == 200
    assert_conforms(deleted)
    assert deleted.json()["data"]["id"] == hook_id
    gone = await api.get(f"/v3/hooks/{hook_id}")
    assert gone.status_code == 404
    assert_conforms(gone)
    assert gone.json()["title"] == f"Webhook with id [{hook_id}] not found"
    assert (await api.delete(f"/v3/hooks/{hook_id}")).status_code == 404


async def test_update_validates_and_needs_a_field(api: httpx.AsyncClient) -> None:
    hook_id = (await create(api)).json()["data"]["id"]
    empty = await api.put(f"/v3/hooks/{hook_id}", json={})
    assert empty.status_code == 422
    assert "At least one" in empty.json()["errors"]["body"]
    bad = await api.put(f"/v3/hooks/{hook_id}", json={"destination": "http://example.com/x"})
    assert bad.status_code == 422
    assert "destination" in bad.json()["errors"]
    assert (await api.put("/v3/hooks/999", json={"is_active": True})).status_code == 404


async def test_hooks_are_visible_only_to_the_client_that_made_them(
    api: httpx.AsyncClient, sandbox: Sandbox, store: Store
) -> None:
    mine = (await create(api)).json()["data"]["id"]
    other = store.add_account("store_v2_orders")  # another API account: another client id
    async with api_client(sandbox, store) as theirs:
        theirs.headers["X-Auth-Token"] = other.access_token
        listed = await theirs.get("/v3/hooks")
        assert listed.status_code == 200
        assert listed.json()["data"] == []
        assert (await theirs.get(f"/v3/hooks/{mine}")).status_code == 404
        assert (await theirs.delete(f"/v3/hooks/{mine}")).status_code == 404
        # the same scope and destination is fine for a different client
        assert (await create(theirs)).status_code == 200
    assert [hook["id"] for hook in (await api.get("/v3/hooks")).json()["data"]] == [mine]


async def test_list_filters_and_pagination(api: httpx.AsyncClient) -> None:
    await create(api, "store/order/created")
    await create(api, "store/order/updated", is_active=False)
    await api.post("/v3/hooks", json={"scope": "store/order/created", "destination": "https://other.example.com/wh"})

    everything = await api.get("/v3/hooks")
    assert everything.status_code == 200
    assert_conforms(everything)
    assert everything.json()["meta"]["pagination"]["total"] == 3

    by_scope = (await api.get("/v3/hooks", params={"scope": "store/order/created"})).json()["data"]
    assert {hook["destination"] for hook in by_scope} == {DESTINATION, "https://other.example.com/wh"}
    inactive = (await api.get("/v3/hooks", params={"is_active": "false"})).json()["data"]
    assert [hook["scope"] for hook in inactive] == ["store/order/updated"]
    by_destination = await api.get("/v3/hooks", params={"destination": "https://other.example.com/wh"})
    assert len(by_destination.json()["data"]) == 1

    page = await api.get("/v3/hooks", params={"limit": 2, "page": 2})
    assert_conforms(page)
    meta = page.json()["meta"]["pagination"]
    assert (meta["count"], meta["total_pages"], meta["current_page"]) == (1, 2, 2)
    assert "previous" in meta["links"]

    assert (await api.get("/v3/hooks", params={"is_active": "maybe"})).status_code == 400


async def test_empty_list_is_an_empty_data_array(api: httpx.AsyncClient) -> None:
    # The spec's list schema says minItems: 1, which an account without hooks cannot satisfy;
    # BigCommerce answers data: [] then, so this response is not checked against that schema.
    response = await api.get("/v3/hooks")
    assert response.status_code == 200
    assert response.json()["data"] == []
    assert response.json()["meta"]["pagination"]["total"] == 0


async def test_one_hook_per_scope_and_destination(api: httpx.AsyncClient) -> None:
    assert (await create(api)).status_code == 200
    again = await create(api)
    assert again.status_code == 422
    assert_conforms(again)
    assert "already exists" in again.json()["title"]
    # the same destination on another scope is a different hook
    assert (await create(api, "store/order/updated")).status_code == 200


async def test_at_most_ten_hooks_per_scope(api: httpx.AsyncClient) -> None:
    for number in range(10):
        response = await api.post(
            "/v3/hooks", json={"scope": "store/product/updated", "destination": f"https://h{number}.example.com/wh"}
        )
        assert response.status_code == 200
    eleventh = await api.post(
        "/v3/hooks", json={"scope": "store/product/updated", "destination": "https://h10.example.com/wh"}
    )
    assert eleventh.status_code == 422
    assert_conforms(eleventh)
    assert "maximum of 10" in eleventh.json()["title"]
    assert (await create(api, "store/product/created")).status_code == 200


async def test_update_cannot_duplicate_another_hook(api: httpx.AsyncClient) -> None:
    await create(api, "store/order/created")
    second = (await create(api, "store/order/updated")).json()["data"]["id"]
    clash = await api.put(f"/v3/hooks/{second}", json={"scope": "store/order/created"})
    assert clash.status_code == 422
    assert "already exists" in clash.json()["title"]
    # re-saving a hook with its own scope and destination is no clash
    same = await api.put(f"/v3/hooks/{second}", json={"scope": "store/order/updated", "destination": DESTINATION})
    assert same.status_code == 200


async def test_admin_lists_hooks_with_status_and_stores_emails(api: httpx.AsyncClient) -> None:
    await create(api, "store/order/created")
    await create(api, "store/order/updated", is_active=False)
    put = await api.put("/v3/hooks/admin", json={"emails": ["ops@example.com"]})
    assert put.status_code == 204
    assert_conforms(put)
    admin = await api.get("/v3/hooks/admin")
    assert admin.status_code == 200
    assert_conforms(admin)
    data = admin.json()["data"]
    assert data["emails"] == ["ops@example.com"]
    assert {hook["scope"]: hook["status"] for hook in data["hooks_list"]} == {
        "store/order/created": "active",
        "store/order/updated": "inactive",
    }
    assert data["blocked_domains"] == []
    active_only = (await api.get("/v3/hooks/admin", params={"is_active": "true"})).json()["data"]["hooks_list"]
    assert [hook["scope"] for hook in active_only] == ["store/order/created"]

    bad = await api.put("/v3/hooks/admin", json={"emails": ["not-an-email"]})
    assert bad.status_code == 422
    assert_conforms(bad)


async def test_hooks_need_no_scope_beyond_default(sandbox: Sandbox, store: Store) -> None:
    account = store.add_account("store_v2_orders_read_only")
    async with api_client(sandbox, store) as client:
        client.headers["X-Auth-Token"] = account.access_token
        assert (await create(client)).status_code == 200
        assert (await client.get("/v3/hooks")).status_code == 200


async def test_hooks_survive_save_and_load(api: httpx.AsyncClient, sandbox: Sandbox, tmp_path: Path) -> None:
    hook = (await create(api, headers={"X-Secret": "s3"})).json()["data"]
    sandbox.save(tmp_path / "state.bin")
    restored = Sandbox()
    restored.load(tmp_path / "state.bin")
    store = restored.store("abc123")
    async with api_client(restored, store) as client:
        assert (await client.get(f"/v3/hooks/{hook['id']}")).json()["data"] == hook
        assert (await create(client, "store/order/updated")).json()["data"]["id"] == hook["id"] + 1
