from __future__ import annotations

import httpx
import pytest

from bcsandbox import Sandbox, Store
from bcsandbox.testing import api_client
from tests.support.conformance import assert_conforms

pytestmark = pytest.mark.anyio


async def test_store_information_matches_spec(api: httpx.AsyncClient, store: Store) -> None:
    response = await api.get("/v2/store")
    assert response.status_code == 200
    assert_conforms(response)
    body = response.json()
    assert body["id"] == store.hash
    assert body["name"] == "Test Store"
    assert body["plan_name"] == "Enterprise"


async def test_time_matches_spec(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    response = await api.get("/v2/time")
    assert response.status_code == 200
    assert_conforms(response)
    assert abs(response.json()["time"] - sandbox.clock.timestamp()) <= 1


async def test_unknown_store_hash_is_404(sandbox: Sandbox, store: Store) -> None:
    async with api_client(sandbox, store, base_url="http://sandbox.test") as client:
        response = await client.get("http://sandbox.test/stores/nosuch1/v2/time")
    assert response.status_code == 404
    assert "nosuch1" in response.json()[0]["message"]


async def test_bad_and_missing_token_are_401(api: httpx.AsyncClient) -> None:
    bad = await api.get("/v3/catalog/products", headers={"X-Auth-Token": "wrong"})
    assert bad.status_code == 401
    assert bad.json()["title"].startswith("Unauthorized")
    del api.headers["X-Auth-Token"]
    missing = await api.get("/v2/time")
    assert missing.status_code == 401
    assert isinstance(missing.json(), list)


async def test_missing_scope_is_403_naming_no_scope(sandbox: Sandbox, store: Store) -> None:
    account = store.add_account("store_v2_orders_read_only")
    async with api_client(sandbox, store) as client:
        client.headers["X-Auth-Token"] = account.access_token
        denied = await client.get("/v2/store")
        assert denied.status_code == 403
        assert denied.json() == [{"status": 403, "message": "You don't have a required scope to access the endpoint"}]
        assert "store_v2" not in denied.text
        denied_v3 = await client.get("/v3/catalog/products")
        assert denied_v3.status_code == 403
        assert denied_v3.json() == {
            "status": 403,
            "title": "Unauthorized Access. You do not have permission to make this request.",
            "type": "/api-docs/getting-started/api-status-codes",
            "errors": {},
        }
        # the catalog spec declares this operation's 403 (GeneralErrorWithErrors)
        denied_fields = await client.get("/v3/catalog/products/1/custom-fields")
        assert denied_fields.status_code == 403
        assert_conforms(denied_fields)


async def test_read_only_scope_grants_get_only(sandbox: Sandbox, store: Store) -> None:
    account = store.add_account("store_v2_information_read_only")
    async with api_client(sandbox, store) as client:
        client.headers["X-Auth-Token"] = account.access_token
        assert (await client.get("/v2/time")).status_code == 200
        assert (await client.post("/v2/time", json={})).status_code in (403, 405)


async def test_unknown_route_is_404_in_the_versions_error_shape(api: httpx.AsyncClient) -> None:
    v3 = await api.get("/v3/nothing/here")
    assert v3.status_code == 404
    assert v3.json()["status"] == 404
    v2 = await api.get("/v2/nothing")
    assert v2.status_code == 404
    assert v2.json()[0]["status"] == 404


async def test_wrong_method_is_405(api: httpx.AsyncClient) -> None:
    response = await api.delete("/v2/time")
    assert response.status_code == 405
