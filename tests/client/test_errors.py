"""Every error class, from real sandbox responses where the sandbox can produce them."""

from __future__ import annotations

import httpx
import pytest

from bchub.bigcommerce import (
    AuthFailed,
    BadRequest,
    BigCommerceClient,
    BigCommerceError,
    Conflict,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    RetryPolicy,
    ScopeMissing,
    ServerError,
    TransportError,
    Unprocessable,
    WriteOutcomeUnknown,
)
from bchub.bigcommerce.errors import describe_body, error_class, error_from_response
from bcsandbox import Sandbox, Store
from bcsandbox.faults import FaultRule
from bcsandbox.testing import transport_for
from tests.client.helpers import Rewrites, make_client, token_of

pytestmark = pytest.mark.anyio

HOOK = {"scope": "store/order/created", "destination": "https://hooks.example.com/orders"}


def test_v3_problem_body() -> None:
    body = b'{"status":422,"title":"JSON data is missing or invalid","type":"/x","errors":{"destination":"error.path.missing."}}'
    message, fields = describe_body(422, body, "application/json")
    assert message == "JSON data is missing or invalid"
    assert fields == {"destination": "error.path.missing."}


def test_v3_problem_with_detail_and_list_errors() -> None:
    body = b'{"status":409,"title":"Conflict","detail":"name taken","errors":["a","b"]}'
    message, fields = describe_body(409, body, "application/problem+json")
    assert message == "Conflict: name taken"
    assert fields == {"0": "a", "1": "b"}


def test_v2_array_body_joins_messages_and_details() -> None:
    body = b'[{"status":400,"message":"The field \'item_total\' cannot be written to.","details":{"invalid_reason":"read-only"}},{"status":400,"message":"second"}]'
    message, fields = describe_body(400, body, "application/json")
    assert message == "The field 'item_total' cannot be written to.; second"
    assert fields == {"invalid_reason": "read-only"}


def test_html_error_page_gives_its_title() -> None:
    body = b"<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>"
    message, fields = describe_body(502, body, "text/html; charset=utf-8")
    assert message == "Bad Gateway (non-JSON text/html body: 502 Bad Gateway)"
    assert fields == {}


def test_truncated_json_and_empty_bodies() -> None:
    message, _ = describe_body(500, b'{"status":500,"title":"Inter', "application/json")
    assert message.startswith("Internal Server Error (non-JSON application/json body")
    assert describe_body(503, b"", None) == ("Service Unavailable", {})
    long_page = b"<p>" + b"x" * 5000 + b"</p>"
    assert len(describe_body(500, long_page, "text/html")[0]) < 300


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequest),
        (401, AuthFailed),
        (403, ScopeMissing),
        (404, NotFound),
        (409, Conflict),
        (413, PayloadTooLarge),
        (422, Unprocessable),
        (429, RateLimited),
        (500, ServerError),
        (503, ServerError),
        (418, BigCommerceError),
    ],
)
def test_status_to_class(status: int, cls: type[BigCommerceError]) -> None:
    assert error_class(status) is cls


def test_rate_limited_reads_reset_header() -> None:
    error = error_from_response(
        429, b"", content_type=None, headers={"x-rate-limit-time-reset-ms": "1500"}, method="GET", path="/v2/time"
    )
    assert isinstance(error, RateLimited)
    assert error.reset_ms == 1500
    assert str(error) == "GET /v2/time -> 429: Too Many Requests"


async def test_auth_failed_on_a_wrong_token(sandbox: Sandbox, store: Store) -> None:
    async with make_client(sandbox, store, token="not-the-right-token-1234") as client:
        with pytest.raises(AuthFailed) as caught:
            await client.store.time()
    assert caught.value.status == 401
    assert caught.value.method == "GET" and caught.value.path == "/v2/time"
    assert "Unauthorized" in caught.value.message
    assert "not-the-right-token" not in str(caught.value) + repr(caught.value)


async def test_not_found_for_an_unknown_store_hash(sandbox: Sandbox, store: Store) -> None:
    async with BigCommerceClient("nosuch9", token_of(store), "http://sandbox.test", transport_for(sandbox)) as client:
        with pytest.raises(NotFound) as caught:
            await client.store.info()
    assert "nosuch9" in caught.value.message


async def test_scope_missing_names_the_request(sandbox: Sandbox, store: Store) -> None:
    account = store.add_account(["store_v2_orders_read_only"])
    async with make_client(sandbox, store, token=account.access_token) as client:
        with pytest.raises(ScopeMissing) as caught:
            await client.store.info()
    assert caught.value.status == 403
    assert (caught.value.method, caught.value.path) == ("GET", "/v2/store")
    assert caught.value.message == "You don't have a required scope to access the endpoint"
    assert str(caught.value) == (
        "GET /v2/store -> 403: You don't have a required scope to access the endpoint; "
        "the API account lacks a scope this operation needs"
    )


async def test_scope_missing_takes_its_advice_from_whoever_built_the_client(sandbox: Sandbox, store: Store) -> None:
    account = store.add_account(["store_v2_orders_read_only"])
    asked: list[tuple[str | None, str | None]] = []

    def advice(method: str | None, path: str | None) -> str:
        asked.append((method, path))
        return "grant store_v2_information_read_only"

    client = BigCommerceClient(
        store.hash, account.access_token, "http://sandbox.test", transport_for(sandbox), scope_advice=advice
    )
    async with client:
        with pytest.raises(ScopeMissing) as caught:
            await client.store.info()
    assert asked == [("GET", "/v2/store")]
    assert str(caught.value).endswith("; grant store_v2_information_read_only")


async def test_not_found_hook(client: BigCommerceClient) -> None:
    with pytest.raises(NotFound) as caught:
        await client.hooks.get(987654)
    assert caught.value.path == "/v3/hooks/987654"


async def test_unprocessable_carries_field_errors(client: BigCommerceClient) -> None:
    with pytest.raises(Unprocessable) as caught:
        await client.hooks.create({"scope": "store/order/created"})
    assert caught.value.status == 422
    assert "destination" in caught.value.field_errors


async def test_bad_request_on_malformed_body(client: BigCommerceClient) -> None:
    with pytest.raises(BadRequest):
        await client.request("POST", "/v3/hooks", json=None)


async def test_payload_too_large_for_an_oversized_page(client: BigCommerceClient) -> None:
    with pytest.raises(PayloadTooLarge) as caught:
        await client.request("GET", "/v3/hooks", params={"limit": 251})
    assert caught.value.status == 413


async def test_conflict_from_a_proxy_body_is_parsed(sandbox: Sandbox, store: Store) -> None:
    canned = httpx.Response(409, json={"status": 409, "title": "Duplicate", "type": "x", "errors": {"name": "taken"}})
    transport = Rewrites(transport_for(sandbox), "/v3/hooks", canned)
    async with make_client(sandbox, store, transport=transport) as client:
        with pytest.raises(Conflict) as caught:
            await client.hooks.create(HOOK)
    assert caught.value.field_errors == {"name": "taken"}


async def test_server_error_after_retries_run_out(sandbox: Sandbox, store: Store) -> None:
    store.faults.add(FaultRule(path="/v2/time", error_rate=1.0, error_statuses=(500,)))
    async with make_client(sandbox, store) as client:
        with pytest.raises(ServerError) as caught:
            await client.store.time()
        assert client.requests_sent == 4  # FAST_RETRY.max_attempts
        assert client.stats.server_errors == 4
    assert caught.value.status == 500


async def test_transport_error_after_retries_run_out(sandbox: Sandbox, store: Store) -> None:
    store.faults.add(FaultRule(path="/v2/time", drop_rate=1.0))
    async with make_client(sandbox, store) as client:
        with pytest.raises(TransportError) as caught:
            await client.store.time()
    assert caught.value.status is None
    assert caught.value.sent
    assert caught.value.__cause__ is None  # the httpx exception holds the request headers; not chained
    assert len(sandbox.requests(store.hash)) == 4


async def test_rate_limited_after_retries_run_out(sandbox: Sandbox, store: Store) -> None:
    store.faults.add(FaultRule(path="/v2/time", rate_limit_burst=10, rate_limit_headers=False))
    async with make_client(sandbox, store, retry=RetryPolicy(max_attempts=2, base_delay_s=0.001)) as client:
        with pytest.raises(RateLimited):
            await client.store.time()
        assert client.stats.rate_limited == 2


async def test_write_outcome_unknown_when_a_post_response_is_lost(sandbox: Sandbox, store: Store) -> None:
    store.faults.add(FaultRule(method="POST", path="/v3/hooks", commit_then_drop_rate=1.0))
    async with make_client(sandbox, store) as client:
        with pytest.raises(WriteOutcomeUnknown) as caught:
            await client.hooks.create(HOOK)
        assert isinstance(caught.value.cause, TransportError)
        assert client.requests_sent == 1  # never re-sent
        store.faults.clear()
        found = await client.hooks.find(HOOK["scope"], HOOK["destination"])
    assert found is not None  # it was committed: looking it up is what the caller must do
    assert [entry.fault for entry in sandbox.requests(store.hash, method="POST")] == ["commit-then-drop"]


async def test_error_messages_never_show_the_token(sandbox: Sandbox, store: Store) -> None:
    token = token_of(store)
    echo = httpx.Response(500, text=f"<html><title>debug: token {token} rejected</title></html>")
    transport = Rewrites(transport_for(sandbox), "/v2/time", echo, times=10)
    async with make_client(sandbox, store, transport=transport) as client:
        with pytest.raises(ServerError) as caught:
            await client.store.time()
    assert token not in str(caught.value)
    assert token[-4:] in str(caught.value)
