"""Webhook delivery: payloads, custom headers, matching, retries, deactivation and the control plane."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bcsandbox import Sandbox, Store
from bcsandbox.testing import LiveServer, transport_for
from bcsandbox.webhooks import RETRY_SCHEDULE_S, WebhookDispatcher, dispatcher_for

pytestmark = pytest.mark.anyio

TINY_SCALE = 1e-6  # the whole 48 h schedule in ~0.2 s


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = orjson.loads(self.body)
        return data


class Receiver:
    """A tiny webhook receiver: records every POST and answers with scripted statuses."""

    def __init__(self, statuses: list[int] | None = None, *, default: int = 200) -> None:
        self.received: list[Received] = []
        self.statuses = list(statuses or [])
        self.default = default
        self.extra_headers: dict[str, str] = {}
        self.app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["POST"])])

    async def _handle(self, request: Request) -> Response:
        self.received.append(Received(request.url.path, dict(request.headers), await request.body()))
        status = self.statuses.pop(0) if self.statuses else self.default
        return Response(status_code=status, headers=self.extra_headers)

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self.app)


class ServedReceiver:
    """``Receiver`` behind uvicorn on 127.0.0.1 (a real socket, port chosen by the OS)."""

    def __init__(self, receiver: Receiver) -> None:
        config = uvicorn.Config(receiver.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "receiver did not start"
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def dispatcher(sandbox: Sandbox, receiver: Receiver) -> Iterator[WebhookDispatcher]:
    with WebhookDispatcher(sandbox, receiver.transport()) as running:
        yield running


async def subscribe(api: httpx.AsyncClient, scope: str, destination: str, **fields: Any) -> dict[str, Any]:
    response = await api.post("/v3/hooks", json={"scope": scope, "destination": destination, **fields})
    assert response.status_code == 200, response.text
    hook: dict[str, Any] = response.json()["data"]
    return hook


async def test_product_event_is_posted_with_the_documented_payload(
    api: httpx.AsyncClient, store: Store, receiver: Receiver, dispatcher: WebhookDispatcher
) -> None:
    hook = await subscribe(
        api, "store/product/updated", "https://app.example.com/wh", headers={"X-Secret": "s3", "Username": "me"}
    )
    store.emit("store/product/updated", {"type": "product", "id": 5})
    await dispatcher.aflush()

    [delivery] = receiver.received
    payload = delivery.payload
    assert list(payload) == ["scope", "store_id", "data", "hash", "created_at", "producer"]
    assert payload["scope"] == "store/product/updated"
    assert payload["store_id"] == str(store.store_id)
    assert payload["data"] == {"type": "product", "id": 5}
    assert payload["producer"] == f"stores/{store.hash}"
    assert isinstance(payload["created_at"], int)
    identity = {key: value for key, value in payload.items() if key != "hash"}
    assert payload["hash"] == hashlib.sha1(orjson.dumps(identity, option=orjson.OPT_SORT_KEYS)).hexdigest()
    assert delivery.path == "/wh"
    assert delivery.headers["x-secret"] == "s3"
    assert delivery.headers["username"] == "me"
    assert delivery.headers["content-type"] == "application/json"

    [record] = dispatcher.deliveries
    assert (record.hook_id, record.scope, record.status, record.attempt, record.outcome, record.error) == (
        hook["id"],
        "store/product/updated",
        200,
        1,
        "delivered",
        None,
    )
    assert record.destination == "https://app.example.com/wh"


async def test_callbacks_carry_a_standard_webhooks_signature(
    api: httpx.AsyncClient, store: Store, receiver: Receiver, dispatcher: WebhookDispatcher
) -> None:
    await subscribe(api, "store/order/created", "https://app.example.com/wh")
    store.emit("store/order/created", {"type": "order", "id": 250})
    await dispatcher.aflush()

    [delivery] = receiver.received
    secret = next(iter(store.accounts.values())).client_secret
    headers = delivery.headers
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + delivery.body
    expected = base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    tampered = hmac.new(b"wrong secret", signed, hashlib.sha256).digest()
    assert headers["webhook-signature"] != "v1," + base64.b64encode(tampered).decode()


async def test_wildcards_and_matching_over_a_real_socket(
    sandbox: Sandbox, store: Store, api: httpx.AsyncClient
) -> None:
    receiver = Receiver()
    other_store = sandbox.create_store("other1")
    with ServedReceiver(receiver) as base, WebhookDispatcher(sandbox) as dispatcher:
        await subscribe(api, "store/order/*", f"{base}/orders")
        await subscribe(api, "store/shipment/*", f"{base}/shipments")
        await subscribe(api, "store/product/created", f"{base}/products")
        await subscribe(api, "store/sku/*", f"{base}/skus", is_active=False)

        store.emit("store/order/created", {"type": "order", "id": 1})
        store.emit(
            "store/order/statusUpdated",
            {"type": "order", "id": 1, "status": {"previous_status_id": 0, "new_status_id": 11}},
        )
        store.emit("store/shipment/created", {"type": "shipment", "id": 7, "orderId": 1})
        store.emit("store/product/updated", {"type": "product", "id": 9})  # no hook on this scope
        store.emit("store/sku/created", {"type": "sku", "id": 3, "sku": {"product_id": 9, "variant_id": 3}})  # inactive
        other_store.emit("store/order/created", {"type": "order", "id": 99})  # another store's event
        await dispatcher.aflush()

    got = sorted((item.path, item.payload["scope"], item.payload["data"]["id"]) for item in receiver.received)
    assert got == [
        ("/orders", "store/order/created", 1),
        ("/orders", "store/order/statusUpdated", 1),
        ("/shipments", "store/shipment/created", 7),
    ]
    assert all(record.outcome == "delivered" for record in dispatcher.deliveries)


async def test_events_of_one_hook_arrive_in_order(
    api: httpx.AsyncClient, store: Store, receiver: Receiver, dispatcher: WebhookDispatcher
) -> None:
    await subscribe(api, "store/product/*", "https://app.example.com/wh")
    for product_id in range(1, 21):
        store.emit("store/product/updated", {"type": "product", "id": product_id})
    await dispatcher.aflush()
    assert [item.payload["data"]["id"] for item in receiver.received] == list(range(1, 21))


async def test_failures_are_retried_with_the_same_hash_until_2xx(
    api: httpx.AsyncClient, sandbox: Sandbox, store: Store
) -> None:
    sandbox.settings.webhook_retry_scale = TINY_SCALE
    receiver = Receiver([500, 302, 200])  # only 2xx counts: a redirect is a failure too
    with WebhookDispatcher(sandbox, receiver.transport()) as dispatcher:
        await subscribe(api, "store/order/updated", "https://app.example.com/wh")
        store.emit("store/order/updated", {"type": "order", "id": 4})
        await dispatcher.aflush(wait_for_retries=True)

    assert [(r.attempt, r.status, r.outcome) for r in dispatcher.deliveries] == [
        (1, 500, "retrying"),
        (2, 302, "retrying"),
        (3, 200, "delivered"),
    ]
    assert len({item.payload["hash"] for item in receiver.received}) == 1
    assert len({item.headers["webhook-id"] for item in receiver.received}) == 1
    first, second = dispatcher.deliveries[:2]
    assert first.next_attempt_at is not None and second.next_attempt_at is not None
    assert first.next_attempt_at - first.at == pytest.approx(RETRY_SCHEDULE_S[0] * TINY_SCALE, abs=0.05)


async def test_retries_wait_for_the_sandbox_clock(api: httpx.AsyncClient, sandbox: Sandbox, store: Store) -> None:
    receiver = Receiver([503])
    with WebhookDispatcher(sandbox, receiver.transport()) as dispatcher:
        await subscribe(api, "store/order/created", "https://app.example.com/wh")
        store.emit("store/order/created", {"type": "order", "id": 8})
        await dispatcher.aflush()
        assert [r.outcome for r in dispatcher.deliveries] == ["retrying"]
        assert len(dispatcher.pending) == 1  # due in 60 s

        sandbox.clock.advance(RETRY_SCHEDULE_S[0] + 1)
        await dispatcher.aflush()
    assert [(r.attempt, r.outcome) for r in dispatcher.deliveries] == [(1, "retrying"), (2, "delivered")]


async def test_exhausted_retries_deactivate_the_hook_until_reactivated(
    api: httpx.AsyncClient, sandbox: Sandbox, store: Store
) -> None:
    sandbox.settings.webhook_retry_scale = TINY_SCALE
    receiver = Receiver(default=500)
    await api.put("/v3/hooks/admin", json={"emails": ["ops@example.com"]})
    with WebhookDispatcher(sandbox, receiver.transport()) as dispatcher:
        hook = await subscribe(api, "store/order/created", "https://app.example.com/wh")
        store.emit("store/order/created", {"type": "order", "id": 1})
        await dispatcher.aflush(wait_for_retries=True)

        attempts = [(r.attempt, r.outcome) for r in dispatcher.deliveries]
        assert len(attempts) == len(RETRY_SCHEDULE_S) + 1 == 12
        assert attempts[-1] == (12, "deactivated")
        assert all(outcome == "retrying" for _, outcome in attempts[:-1])

        fetched = (await api.get(f"/v3/hooks/{hook['id']}")).json()["data"]
        assert fetched["is_active"] is False
        admin = (await api.get("/v3/hooks/admin")).json()["data"]
        assert [h["status"] for h in admin["hooks_list"]] == ["deactivated"]
        [note] = store.hooks.notifications()
        assert (note.hook_id, note.emails) == (hook["id"], ["ops@example.com"])
        assert "500" in note.reason

        # a deactivated hook gets nothing
        dispatcher.clear_deliveries()
        store.emit("store/order/created", {"type": "order", "id": 2})
        await dispatcher.aflush(wait_for_retries=True)
        assert dispatcher.deliveries == []

        # re-enable with PUT is_active=true, as the docs say
        receiver.default = 200
        reactivated = await api.put(f"/v3/hooks/{hook['id']}", json={"is_active": True})
        assert reactivated.json()["data"]["is_active"] is True
        store.emit("store/order/created", {"type": "order", "id": 3})
        await dispatcher.aflush(wait_for_retries=True)
        assert [(r.attempt, r.outcome) for r in dispatcher.deliveries] == [(1, "delivered")]
        assert receiver.received[-1].payload["data"]["id"] == 3
        admin = (await api.get("/v3/hooks/admin")).json()["data"]
        assert [h["status"] for h in admin["hooks_list"]] == ["active"]


async def test_unreachable_destination_is_a_failed_attempt(
    api: httpx.AsyncClient, sandbox: Sandbox, store: Store
) -> None:
    with ServedReceiver(Receiver()) as base:
        pass  # the port is free again once the receiver stops
    with WebhookDispatcher(sandbox) as dispatcher:
        await subscribe(api, "store/order/created", f"{base}/wh")
        store.emit("store/order/created", {"type": "order", "id": 1})
        await dispatcher.aflush()
    [record] = dispatcher.deliveries
    assert record.status is None
    assert record.outcome == "retrying"
    assert record.error is not None and "Connect" in record.error


async def test_oversized_response_headers_make_a_2xx_fail(
    api: httpx.AsyncClient, sandbox: Sandbox, store: Store, receiver: Receiver, dispatcher: WebhookDispatcher
) -> None:
    receiver.extra_headers = {f"x-h{number}": "v" for number in range(70)}
    await subscribe(api, "store/order/created", "https://app.example.com/wh")
    store.emit("store/order/created", {"type": "order", "id": 1})
    await dispatcher.aflush()
    [record] = dispatcher.deliveries
    assert record.status == 200
    assert record.outcome == "retrying"
    assert record.error is not None and "headers" in record.error


async def test_deleting_a_hook_drops_its_pending_retries(
    api: httpx.AsyncClient, sandbox: Sandbox, store: Store
) -> None:
    receiver = Receiver([500])
    with WebhookDispatcher(sandbox, receiver.transport()) as dispatcher:
        hook = await subscribe(api, "store/order/created", "https://app.example.com/wh")
        store.emit("store/order/created", {"type": "order", "id": 1})
        await dispatcher.aflush()
        assert (await api.delete(f"/v3/hooks/{hook['id']}")).status_code == 200
        sandbox.clock.advance(RETRY_SCHEDULE_S[0])
        await dispatcher.aflush()
    assert [r.outcome for r in dispatcher.deliveries] == ["retrying", "dropped"]
    assert dispatcher.deliveries[-1].error == f"webhook {hook['id']} was deleted"
    assert len(receiver.received) == 1


async def test_a_sync_wsgi_transport_works_too(api: httpx.AsyncClient, sandbox: Sandbox, store: Store) -> None:
    bodies: list[bytes] = []

    def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        bodies.append(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        start_response("204 No Content", [])
        return [b""]

    with WebhookDispatcher(sandbox, httpx.WSGITransport(app=wsgi_app)) as dispatcher:
        await subscribe(api, "store/sku/*", "https://app.example.com/wh")
        store.emit("store/sku/updated", {"type": "sku", "id": 3, "sku": {"product_id": 1, "variant_id": 3}})
        await dispatcher.aflush()
    assert [orjson.loads(body)["scope"] for body in bodies] == ["store/sku/updated"]
    assert dispatcher.deliveries[0].status == 204


async def test_one_dispatcher_per_sandbox(sandbox: Sandbox, receiver: Receiver) -> None:
    with WebhookDispatcher(sandbox, receiver.transport()) as first:
        assert dispatcher_for(sandbox) is first
        with pytest.raises(RuntimeError, match="already delivering"):
            WebhookDispatcher(sandbox).start()
    assert dispatcher_for(sandbox) is None
    with pytest.raises(RuntimeError, match="not running"):
        first.flush()


async def test_live_server_delivers_and_exposes_the_control_plane(sandbox: Sandbox, store: Store) -> None:
    receiver = Receiver()
    token = next(iter(store.accounts))
    with ServedReceiver(receiver) as base, LiveServer(sandbox) as server:
        assert dispatcher_for(sandbox) is not None  # started by the app's lifespan
        async with httpx.AsyncClient(base_url=server.url, headers={"X-Auth-Token": token}) as client:
            created = await client.post(
                f"/stores/{store.hash}/v3/hooks",
                json={"scope": "store/product/created", "destination": f"{base}/hook", "headers": {"X-Key": "k"}},
            )
            assert created.status_code == 200
            store.emit("store/product/created", {"type": "product", "id": 11})
            flushed = await client.post("/_sandbox/webhooks/flush", json={"timeout": 5})
            assert flushed.status_code == 200
            assert flushed.json() == {"flushed": True, "pending": 0}
            log = (await client.get("/_sandbox/webhooks/deliveries", params={"store_hash": store.hash})).json()
            assert log["count"] == 1
            assert log["deliveries"][0]["outcome"] == "delivered"
            assert log["deliveries"][0]["scope"] == "store/product/created"
            hooks = (await client.get(f"/_sandbox/stores/{store.hash}/webhooks")).json()
            assert [hook["status"] for hook in hooks["hooks"]] == ["active"]
            assert (await client.post("/_sandbox/webhooks/deliveries/clear")).status_code == 204
            assert (await client.get("/_sandbox/webhooks/deliveries")).json()["count"] == 0
            assert (await client.get("/_sandbox/webhooks/pending")).json() == {"count": 0, "pending": []}
    assert dispatcher_for(sandbox) is None  # stopped with the server
    assert [item.headers["x-key"] for item in receiver.received] == ["k"]


async def test_control_plane_says_when_no_dispatcher_runs(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(transport=transport_for(sandbox), base_url="http://sandbox.test") as client:
        response = await client.get("/_sandbox/webhooks/deliveries")
    assert response.status_code == 409
    assert "No webhook dispatcher" in response.json()["title"]


async def test_creating_an_order_through_the_api_delivers_order_created(
    api: httpx.AsyncClient, store: Store, receiver: Receiver, dispatcher: WebhookDispatcher
) -> None:
    await subscribe(api, "store/order/created", "https://app.example.com/orders")
    body = {
        "billing_address": {
            "first_name": "Jane",
            "last_name": "Doe",
            "street_1": "123 Main Street",
            "city": "Austin",
            "state": "Texas",
            "zip": "78751",
            "country": "United States",
            "country_iso2": "US",
            "email": "janedoe@example.com",
        },
        "products": [{"name": "Mug", "quantity": 1, "price_ex_tax": 45, "price_inc_tax": 50}],
    }
    created = await api.post("/v2/orders", json=body)
    assert created.status_code in (200, 201), created.text
    await dispatcher.aflush()
    [delivery] = receiver.received
    assert delivery.payload["scope"] == "store/order/created"
    assert delivery.payload["data"] == {"type": "order", "id": created.json()["id"]}
    assert delivery.payload["store_id"] == str(store.store_id)
