"""Malformed answers from a store (HTML error pages, truncated JSON, wrong types): a clear error, never a crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bchub.bigcommerce import BigCommerceClient, RetryPolicy
from bchub.bigcommerce.errors import BigCommerceError, ServerError
from bchub.domain.runs import RunStatus
from bcsandbox import Sandbox, SandboxSettings
from bcsandbox.testing import transport_for
from tests.corpus.mangling import Mangle, ManglingTransport
from tests.faults.world import MERCHANT, fault_world

pytestmark = pytest.mark.anyio

TOKEN = "corpustoken0123456789abcd"
HTML_502 = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


def _retyped(body: bytes) -> bytes:
    data: dict[str, Any] = json.loads(body)
    return json.dumps({**data, "id": 5, "name": ["not", "a", "name"]}).encode()


CASES = [
    (
        Mangle(500, lambda _: HTML_502, "text/html"),
        "GET /v2/store -> 500: Internal Server Error (non-JSON text/html body: 502 Bad Gateway)",
    ),
    (
        Mangle(400, lambda _: b"<html>Bad</html>", "text/html"),
        "GET /v2/store -> 400: Bad Request (non-JSON text/html body: Bad)",
    ),
    (
        Mangle(200, lambda _: b"<html><body>Maintenance</body></html>", "text/html"),
        "GET /v2/store -> 200: expected a JSON body, got text/html: '<html><body>Maintenance</body></html>'",
    ),
    (
        Mangle(200, lambda body: body[:24]),
        'GET /v2/store -> 200: expected a JSON body, got application/json: \'{"id":"abc123","account_\'',
    ),
    (
        Mangle(200, _retyped),
        "GET /v2/store -> 200: unexpected StoreInfo in the response: 2 problem(s), first: Input should be a valid string at id",
    ),
    (
        Mangle(200, lambda _: b"[1, 2, 3]"),
        "GET /v2/store -> 200: unexpected StoreInfo in the response: 1 problem(s), first: "
        "Input should be a valid dictionary or instance of StoreInfo at ",
    ),
]


def _client(sandbox: Sandbox, rule: Mangle) -> BigCommerceClient:
    transport = ManglingTransport(transport_for(sandbox))
    transport.mangle = rule
    return BigCommerceClient(
        "abc123", TOKEN, base_url="http://sandbox.corpus", transport=transport, retry=RetryPolicy(max_attempts=1)
    )


@pytest.fixture
def corpus_sandbox() -> Sandbox:
    sandbox = Sandbox(SandboxSettings(window_ms=1_000))
    sandbox.create_store("abc123", plan="enterprise", access_token=TOKEN)
    return sandbox


@pytest.mark.parametrize(("rule", "message"), CASES)
async def test_a_malformed_answer_is_a_clear_error(corpus_sandbox: Sandbox, rule: Mangle, message: str) -> None:
    async with _client(corpus_sandbox, rule) as client:
        with pytest.raises(BigCommerceError) as raised:
            await client.store.info()
    assert str(raised.value) == message
    assert TOKEN not in str(raised.value)
    if rule.status == 500:
        assert isinstance(raised.value, ServerError)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(JSON)
async def test_any_json_answer_is_parsed_or_refused_with_an_api_error(corpus_sandbox: Sandbox, body: object) -> None:
    rule = Mangle(200, lambda _: json.dumps(body).encode())
    async with _client(corpus_sandbox, rule) as client:
        try:
            await client.store.info()
        except BigCommerceError as error:
            assert str(error).startswith("GET /v2/store -> 200: ")


async def test_an_html_page_instead_of_the_order_list_fails_the_run_with_the_reason(tmp_path: Path) -> None:
    mangling: list[ManglingTransport] = []

    def wrap(inner: Any) -> ManglingTransport:
        mangling.append(ManglingTransport(inner))
        return mangling[0]

    async with fault_world(tmp_path, wrap=wrap) as world:
        world.place_orders(5)
        mangling[0].mangle = Mangle(
            200, lambda _: b"<html>Down for maintenance</html>", "text/html", path_suffix="/v2/orders"
        )
        failed = (await world.hub.orders.get(MERCHANT)).run
        assert failed.status is RunStatus.FAILED
        assert "expected a JSON body, got text/html: '<html>Down for maintenance</html>'" in (failed.error or "")
        mangling[0].mangle = None
        recovered = (await world.hub.orders.get(MERCHANT)).run
        assert recovered.status is RunStatus.SUCCEEDED and recovered.counts["imported"] == 5
