"""The client object itself: construction, the raw request escape hatch, odd responses."""

from __future__ import annotations

import httpx
import pytest

from bchub.bigcommerce import BigCommerceClient, BigCommerceError, CredentialsError
from bcsandbox import Sandbox, Store
from bcsandbox.testing import transport_for
from tests.client.helpers import Rewrites, make_client, token_of

pytestmark = pytest.mark.anyio


def test_store_hash_may_be_given_in_any_form() -> None:
    client = BigCommerceClient("https://api.bigcommerce.com/stores/ABC123/v3/", "token-123456789")
    assert client.store_hash == "abc123"
    assert BigCommerceClient("https://store-xyz789.mybigcommerce.com/manage", "token-123456789").store_hash == "xyz789"


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(CredentialsError):
        BigCommerceClient("not a hash!", "token-123456789")
    with pytest.raises(ValueError, match="access token"):
        BigCommerceClient("abc123", "  ")
    with pytest.raises(ValueError, match="write_concurrency"):
        BigCommerceClient("abc123", "token-123456789", write_concurrency=0)


def test_repr_masks_the_token() -> None:
    client = BigCommerceClient("abc123", "secret-token-9876")
    assert "secret-token" not in repr(client) and "****9876" in repr(client)


async def test_requests_go_to_the_store_path_with_the_token(sandbox: Sandbox, store: Store) -> None:
    seen: list[httpx.Request] = []

    class Spy(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return await transport_for(sandbox).handle_async_request(request)

    async with BigCommerceClient(store.hash, token_of(store), "http://sandbox.test/", Spy()) as client:
        await client.store.time()
        response = await client.request("GET", "/v2/store")
        assert response.status == 200 and response.json()["id"] == store.hash
    assert [str(request.url) for request in seen] == [
        "http://sandbox.test/stores/abc123/v2/time",
        "http://sandbox.test/stores/abc123/v2/store",
    ]
    assert seen[0].headers["x-auth-token"] == token_of(store)
    assert seen[0].headers["accept"] == "application/json"
    assert seen[0].headers["user-agent"].startswith("bchub/")


async def test_a_redirect_is_an_error_not_followed(sandbox: Sandbox, store: Store) -> None:
    moved = httpx.Response(301, headers={"location": "https://elsewhere.example.com/"})
    async with make_client(sandbox, store, transport=Rewrites(transport_for(sandbox), "/v2/time", moved)) as client:
        with pytest.raises(BigCommerceError, match=r"unexpected redirect \(301\) to https://elsewhere.example.com"):
            await client.store.time()


async def test_a_200_that_is_not_json_is_an_error(sandbox: Sandbox, store: Store) -> None:
    page = httpx.Response(200, headers={"content-type": "text/html"}, text="<html>maintenance</html>")
    async with make_client(sandbox, store, transport=Rewrites(transport_for(sandbox), "/v2/store", page)) as client:
        with pytest.raises(BigCommerceError, match="expected a JSON body, got text/html"):
            await client.store.info()


async def test_a_body_of_the_wrong_shape_names_the_problem(sandbox: Sandbox, store: Store) -> None:
    odd = httpx.Response(200, json={"name": "no id here"})
    async with make_client(sandbox, store, transport=Rewrites(transport_for(sandbox), "/v2/store", odd)) as client:
        with pytest.raises(BigCommerceError, match=r"unexpected StoreInfo in the response: 1 problem.* at id"):
            await client.store.info()
