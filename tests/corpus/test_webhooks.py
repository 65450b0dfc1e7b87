"""Webhook bodies and headers a sender may get wrong, or forge: the exact answer each gets, nothing lost, nothing leaked.

The receiver is bchub's real web app in-process. Every refusal is a 4xx with its reason as plain
text and stores nothing; a valid event sent after the bad ones is still stored and queued; a
replay is answered 200 and kept once; random bytes and random JSON never get a 500.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bchub.app import Hub
from bchub.domain.connections import Role
from bchub.errors import InputError
from bchub.interfaces.api.app import create_api
from bchub.interfaces.webhooks.receiver import MAX_BODY_BYTES
from bchub.jobs.webhooks import (
    MAX_DEPTH,
    ORDER_SCOPES,
    RECEIVER_PATH,
    SECRET_HEADER,
    EventRoute,
    WebhookIntake,
    derive_secret,
    parse_callback,
)
from bcsandbox import Sandbox, Store
from tests.jobs.helpers import add_connection, probe_operation
from tests.support import hub as hub_fixtures
from tests.support.secrets_guard import SecretsGuard, secrets_guard

pytestmark = pytest.mark.anyio

__all__ = ["hub", "hub_settings", "secrets_guard"]

REFUSED = f"missing or wrong {SECRET_HEADER} header"


hub = hub_fixtures.hub
hub_settings = hub_fixtures.hub_settings


@pytest.fixture
async def receiver(hub: Hub, store: Store, secrets_guard: SecretsGuard) -> AsyncIterator[httpx.AsyncClient]:
    """The receiver, with the store connected and every secret in play registered with the guard."""
    add_connection(hub, store)
    secrets_guard.add(hub.webhooks.secrets.current(), label="webhook secret")
    for account in store.accounts.values():
        secrets_guard.add(account.access_token, label="access token")
        secrets_guard.add(account.client_secret, label="client secret")
    transport = httpx.ASGITransport(app=create_api(hub), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        yield client


def callback(store: Store, scope: str = "store/order/created", data: Any = None, event_hash: str = "a" * 40) -> Any:
    return {
        "scope": scope,
        "store_id": str(store.store_id),
        "data": {"type": "order", "id": 7} if data is None else data,
        "hash": event_hash,
        "created_at": 1_767_600_000,
        "producer": f"stores/{store.hash}",
    }


def signed(hub: Hub) -> dict[str, str]:
    return {SECRET_HEADER: hub.webhooks.secrets.current(), "Content-Type": "application/json"}


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"x": value}
    return value


def _bodies(store: Store) -> list[tuple[str, bytes, int, str]]:
    """(case, body, status, the text the sender reads) for bodies sent with the right secret."""
    good = callback(store)

    def without(key: str) -> bytes:
        return json.dumps({k: v for k, v in good.items() if k != key}).encode()

    def with_(**fields: Any) -> bytes:
        return json.dumps({**good, **fields}).encode()

    return [
        ("empty", b"", 400, "the body is empty"),
        ("blank", b" \n\t ", 400, "the body is empty"),
        ("xml", b"<scope>store/order/created</scope>", 400, "the body is not JSON"),
        ("form", b"scope=store%2Forder%2Fcreated&hash=aa", 400, "the body is not JSON"),
        ("truncated", json.dumps(good).encode()[:-7], 400, "the body is not JSON"),
        ("not utf-8", b'{"scope": "\xff\xfe"}', 400, "the body is not JSON"),
        ("NaN", b'{"scope": NaN}', 400, "the body is not JSON"),
        ("array", json.dumps([good]).encode(), 400, "a webhook body must be a JSON object"),
        ("string", b'"store/order/created"', 400, "a webhook body must be a JSON object"),
        ("null", b"null", 400, "a webhook body must be a JSON object"),
        ("no scope", without("scope"), 400, "the webhook has no 'scope'"),
        ("numeric scope", with_(scope=5), 400, "the webhook has no 'scope'"),
        ("long scope", with_(scope="store/" + "x" * 200), 400, "the webhook's 'scope' is longer than 128 characters"),
        ("no hash", without("hash"), 400, "the webhook has no 'hash'"),
        ("long hash", with_(hash="f" * 129), 400, "the webhook's 'hash' is longer than 128 characters"),
        ("no producer", without("producer"), 400, "the webhook's 'producer' is not 'stores/<hash>'"),
        ("bare producer", with_(producer="stores/"), 400, "the webhook's 'producer' is not 'stores/<hash>'"),
        ("other producer", with_(producer="channels/1"), 400, "the webhook's 'producer' is not 'stores/<hash>'"),
        (
            "long store hash",
            with_(producer="stores/" + "a" * 33),
            400,
            "the webhook's 'producer' is not 'stores/<hash>'",
        ),
        ("no data", without("data"), 400, "the webhook's 'data' is not an object"),
        ("null data", with_(data=None), 400, "the webhook's 'data' is not an object"),
        ("list data", with_(data=[7]), 400, "the webhook's 'data' is not an object"),
        ("deep", with_(data=_nested(MAX_DEPTH + 5)), 400, f"the webhook body nests deeper than {MAX_DEPTH} levels"),
        # deeper than the JSON parser goes at all
        ("very deep", b"[" * 2000 + b"]" * 2000, 400, "the body is not JSON"),
        ("huge", with_(data={"pad": "x" * MAX_BODY_BYTES}), 413, f"the body is larger than {MAX_BODY_BYTES} bytes"),
    ]


async def test_every_bad_body_gets_its_status_and_reason_and_nothing_is_stored(
    hub: Hub, store: Store, receiver: httpx.AsyncClient, secrets_guard: SecretsGuard
) -> None:
    seen = []
    for case, body, _, _ in _bodies(store):
        response = await receiver.post(RECEIVER_PATH, content=body, headers=signed(hub))
        seen.append((case, response.status_code, response.text))
        secrets_guard.check(response.text, f"the answer to {case!r}")
    assert seen == [(case, status, text) for case, _, status, text in _bodies(store)]
    assert hub.jobs.events.recent() == [] and hub.jobs.recent() == []

    # a valid event after all of them is stored and queued
    ok = await receiver.post(RECEIVER_PATH, json=callback(store), headers=signed(hub))
    assert (ok.status_code, ok.content) == (200, b"")
    (event,) = hub.jobs.events.recent()
    assert event.status == "queued" and len(event.job_ids) == 1


async def test_a_huge_body_sent_in_chunks_is_cut_off_without_reading_it_all(
    hub: Hub, receiver: httpx.AsyncClient
) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(64):  # 4 MiB in all, no Content-Length
            sent += 1
            yield b" " * 65536

    response = await receiver.post(RECEIVER_PATH, content=chunks(), headers=signed(hub))
    assert (response.status_code, response.text) == (413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    assert sent < 64  # the receiver stopped reading soon after the limit
    assert hub.jobs.events.recent() == []


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="absent"),
        pytest.param({SECRET_HEADER: ""}, id="empty"),
        pytest.param({SECRET_HEADER: "guess"}, id="guessed"),
        pytest.param({"X-Webhook-Secret": "right-value-wrong-name"}, id="other header"),
    ],
)
async def test_a_missing_or_wrong_secret_gets_401_and_stores_nothing(
    hub: Hub, store: Store, receiver: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    if "X-Webhook-Secret" in headers:
        headers = {"X-Webhook-Secret": hub.webhooks.secrets.current()}
    response = await receiver.post(RECEIVER_PATH, json=callback(store), headers=headers)
    assert (response.status_code, response.text) == (401, REFUSED)
    assert hub.jobs.events.recent() == []


async def test_forged_secrets_get_401(hub: Hub, store: Store, receiver: httpx.AsyncClient) -> None:
    right = hub.webhooks.secrets.current()
    forged = [
        right[:-1],  # one character short
        right + "0",  # one too many
        right.upper(),  # the same hex, other case
        right[:-1] + ("0" if right[-1] != "0" else "1"),  # the last character changed
        derive_secret(b"another hub's key" * 2),  # a valid secret of another installation
        " " + right,
    ]
    for value in forged:
        response = await receiver.post(RECEIVER_PATH, json=callback(store), headers={SECRET_HEADER: value})
        assert (response.status_code, response.text) == (401, REFUSED)
    # the secret is checked before the body is read: a bad body with a bad secret is a 401, not a 400
    garbage = await receiver.post(RECEIVER_PATH, content=b"<html>", headers={SECRET_HEADER: "guess"})
    assert garbage.status_code == 401
    assert hub.jobs.events.recent() == []


async def test_unknown_scopes_and_stores_are_accepted_and_kept_as_ignored(
    hub: Hub, sandbox: Sandbox, store: Store, receiver: httpx.AsyncClient
) -> None:
    unknown_scope = callback(store, "store/cart/abandoned", {"type": "cart", "id": "c-1"}, "b" * 40)
    stranger = sandbox.create_store("zzz999")
    unknown_store = callback(stranger, event_hash="c" * 40)
    for body in (unknown_scope, unknown_store):
        response = await receiver.post(RECEIVER_PATH, json=body, headers=signed(hub))
        assert (response.status_code, response.content) == (200, b"")  # so BigCommerce stops re-sending
    events = {event.hash: event for event in hub.jobs.events.recent()}
    assert events["b" * 40].status == "ignored" and events["b" * 40].job_ids == []
    assert (events["c" * 40].status, events["c" * 40].detail) == ("ignored", "no connection for store zzz999")
    assert hub.jobs.recent() == []


async def test_replayed_deliveries_are_answered_200_and_kept_once(
    hub: Hub, store: Store, receiver: httpx.AsyncClient
) -> None:
    body = callback(store)
    answers = [(await receiver.post(RECEIVER_PATH, json=body, headers=signed(hub))).status_code for _ in range(3)]
    assert answers == [200, 200, 200]
    (event,) = hub.jobs.events.recent()
    assert len(event.job_ids) == 1 and len(hub.jobs.recent()) == 1
    # a replayed body with fields reordered and other whitespace is the same event (same hash)
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2).encode()
    again = await receiver.post(RECEIVER_PATH, content=reordered, headers=signed(hub))
    assert again.status_code == 200 and len(hub.jobs.events.recent()) == 1


async def test_an_event_whose_routing_failed_is_routed_when_sent_again(
    hub: Hub, store: Store, receiver: httpx.AsyncClient
) -> None:
    """The sender got a 500 after the event was stored; its re-send must not be dropped as a duplicate."""
    hub.jobs.registry.add(probe_operation())
    failures = [RuntimeError("the database went away mid-routing")]

    def params(data: dict[str, Any]) -> dict[str, Any] | None:
        if failures:
            raise failures.pop()
        return {"order_ids": [data["id"]]}

    hub.webhooks = WebhookIntake(
        hub.jobs, hub.webhooks.secrets, (EventRoute(ORDER_SCOPES, Role.MERCHANT, "probe", params),)
    )
    body = callback(store)
    first = await receiver.post(RECEIVER_PATH, json=body, headers=signed(hub))
    assert first.status_code == 500
    (stored,) = hub.jobs.events.recent()
    assert stored.status == "received" and stored.job_ids == []

    resent = await receiver.post(RECEIVER_PATH, json=body, headers=signed(hub))
    assert resent.status_code == 200
    (event,) = hub.jobs.events.recent()
    assert event.status == "queued" and len(event.job_ids) == 1
    assert hub.jobs.get(event.job_ids[0]).params == {"order_ids": [7]}
    # once routed, further copies are duplicates again
    assert (await receiver.post(RECEIVER_PATH, json=body, headers=signed(hub))).status_code == 200
    assert len(hub.jobs.recent()) == 1


# -- fuzzing ---------------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=16,
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "scope": st.one_of(st.sampled_from([*ORDER_SCOPES, "store/sku/updated", "store/cart/created"]), JSON),
        "hash": st.one_of(st.text(min_size=1, max_size=140), JSON),
        "producer": st.one_of(st.just("stores/abc123"), st.text(max_size=50).map("stores/".__add__), JSON),
        "data": st.one_of(st.dictionaries(st.sampled_from(["type", "id", "sku", "inventory"]), JSON), JSON),
        "store_id": JSON,
        "created_at": JSON,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(JSON, FIELDS))
def test_the_parser_returns_a_valid_callback_or_says_why(payload: object) -> None:
    try:
        store_hash, scope, event_hash, data = parse_callback(payload)
    except InputError as error:
        assert str(error).startswith(("a webhook body", "the webhook"))
        return
    assert isinstance(payload, dict) and payload["data"] is data
    assert 0 < len(store_hash) <= 32 and 0 < len(scope) <= 128 and 0 < len(event_hash) <= 128


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=300), JSON.map(lambda value: json.dumps(value).encode())))
async def test_random_bytes_never_get_a_500(hub: Hub, receiver: httpx.AsyncClient, body: bytes) -> None:
    response = await receiver.post(RECEIVER_PATH, content=body, headers=signed(hub))
    assert response.status_code in (200, 400), (response.status_code, response.text)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(FIELDS)
async def test_random_callbacks_never_get_a_500(hub: Hub, receiver: httpx.AsyncClient, payload: dict[str, Any]) -> None:
    response = await receiver.post(RECEIVER_PATH, content=json.dumps(payload).encode(), headers=signed(hub))
    assert response.status_code in (200, 400), (response.status_code, response.text)
