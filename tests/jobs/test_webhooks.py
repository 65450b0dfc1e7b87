"""Webhooks: the subscription keeper, the receiver's secret check, raw events, dedupe, routing, replay."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from bchub.app import Hub
from bchub.domain.connections import Role
from bchub.domain.runs import Outcome, Trigger
from bchub.interfaces.api.app import create_api
from bchub.jobs.model import FollowUp, JobStatus
from bchub.jobs.webhooks import (
    ORDER_SCOPES,
    SECRET_HEADER,
    EventRoute,
    WebhookIntake,
    derive_secret,
    receiver_url,
    wanted_scopes,
)
from bchub.sync.connections import ConnectionChanges
from bcsandbox import Sandbox, Store
from bcsandbox.webhooks import WebhookDispatcher
from tests.jobs.conftest import PUBLIC_URL
from tests.jobs.helpers import add_connection, probe_operation

pytestmark = pytest.mark.anyio

DESTINATION = receiver_url(PUBLIC_URL)


def client_id(store: Store) -> str:
    return next(iter(store.accounts.values())).client_id


def our_hooks(store: Store) -> dict[str, Any]:
    hooks = store.hooks.for_client(client_id(store), destination=DESTINATION)
    return {hook.scope: hook for hook in hooks}


async def keep(hub: Hub, connection: str = "shop", **params: Any) -> Any:
    job = hub.jobs.run("keep_webhooks", connection, params).job
    await hub.jobs.runner("w1").run(job.id)
    return hub.jobs.get(job.id)


def payload(store: Store, scope: str, data: dict[str, Any], event_hash: str = "a" * 40) -> dict[str, Any]:
    return {
        "scope": scope,
        "store_id": str(store.store_id),
        "data": data,
        "hash": event_hash,
        "created_at": 1_767_600_000,
        "producer": f"stores/{store.hash}",
    }


async def test_the_keeper_subscribes_with_the_secret_header_once(hub: Hub, store: Store) -> None:
    add_connection(hub, store)
    job = await keep(hub)
    assert job.status is JobStatus.SUCCEEDED
    hooks = our_hooks(store)
    assert sorted(hooks) == sorted(wanted_scopes(Role.MERCHANT))
    secret = hub.webhooks.secrets.current()
    assert all(hook.is_active and hook.headers == {SECRET_HEADER: secret} for hook in hooks.values())
    (run,) = hub.jobs.runs(job)
    assert run.counts["created"] == len(hooks)

    again = await keep(hub)
    (second,) = hub.jobs.runs(again)
    assert second.counts == {"unchanged": len(hooks), "hooks": len(hooks)}
    assert second.requests == 1  # one listing, no writes


async def test_the_keeper_reactivates_refreshes_and_removes(hub: Hub, store: Store) -> None:
    add_connection(hub, store)
    await keep(hub)
    hooks = our_hooks(store)
    created, updated = hooks["store/order/created"], hooks["store/sku/updated"]
    store.hooks.deactivate(created.id, "11 retries failed")  # what BigCommerce does after 48 h of failures
    store.hooks.update(client_id(store), updated.id, {"headers": {SECRET_HEADER: "an old secret"}})
    elsewhere = store.hooks.create(
        client_id(store), {"scope": "store/order/created", "destination": "https://other.example.com/hooks"}
    )

    job = await keep(hub)
    (run,) = hub.jobs.runs(job)
    reasons = {item.key: item.reason for item in hub.jobs.items(run.id, Outcome.UPDATED)}
    assert reasons == {
        "store/order/created": "re-activated (BigCommerce had deactivated it)",
        "store/sku/updated": "secret header refreshed",
    }
    hooks = our_hooks(store)
    assert hooks["store/order/created"].is_active
    assert hooks["store/sku/updated"].headers == {SECRET_HEADER: hub.webhooks.secrets.current()}

    # the connection becomes a vendor: order hooks go, shipment hooks come; other apps' hooks stay
    hub.connections.update("shop", ConnectionChanges(role=Role.VENDOR))
    job = await keep(hub)
    (run,) = hub.jobs.runs(job)
    assert {item.key for item in hub.jobs.items(run.id, Outcome.DELETED)} == set(ORDER_SCOPES)
    assert sorted(our_hooks(store)) == sorted(wanted_scopes(Role.VENDOR))
    assert store.hooks.get(client_id(store), elsewhere.id).is_active

    await keep(hub, remove=True)
    assert our_hooks(store) == {}


async def test_the_keeper_needs_the_public_url(hub: Hub, store: Store) -> None:
    add_connection(hub, store)
    hub.jobs.services = replace(hub.jobs.services, public_url=None)
    job = await keep(hub)
    assert job.status is JobStatus.FAILED and "BCHUB_PUBLIC_URL" in (job.error or "")


async def test_the_receiver_refuses_a_missing_or_wrong_secret(
    hub: Hub, store: Store, hub_api: httpx.AsyncClient
) -> None:
    add_connection(hub, store)
    body = payload(store, "store/order/created", {"type": "order", "id": 7})
    assert (await hub_api.post("/webhooks/bigcommerce", json=body)).status_code == 401
    wrong = await hub_api.post("/webhooks/bigcommerce", json=body, headers={SECRET_HEADER: "guess"})
    assert wrong.status_code == 401
    assert hub.jobs.events.recent() == []

    right = await hub_api.post(
        "/webhooks/bigcommerce", json=body, headers={SECRET_HEADER: hub.webhooks.secrets.current()}
    )
    assert right.status_code == 200 and right.content == b""
    (event,) = hub.jobs.events.recent()
    assert event.payload == body and event.scope == "store/order/created"


async def test_malformed_callbacks_get_400(hub: Hub, hub_api: httpx.AsyncClient) -> None:
    headers = {SECRET_HEADER: hub.webhooks.secrets.current()}
    assert (await hub_api.post("/webhooks/bigcommerce", content=b"{not json", headers=headers)).status_code == 400
    missing = await hub_api.post("/webhooks/bigcommerce", json={"scope": "store/order/created"}, headers=headers)
    assert missing.status_code == 400 and "hash" in missing.text
    assert hub.jobs.events.recent() == []


def test_the_secret_follows_the_setting_or_the_secret_key(hub: Hub) -> None:
    derived = derive_secret(hub.secret_box().keys[0])
    assert hub.webhooks.secrets.current() == derived
    assert hub.webhooks.secrets.accepts(derived)
    assert not hub.webhooks.secrets.accepts(derived[:-1]) and not hub.webhooks.secrets.accepts(None)


@pytest.fixture
def intake(hub: Hub) -> WebhookIntake:
    """The hub's intake with a route table whose operation reads the store (the real table needs the order operations)."""
    hub.jobs.registry.add(probe_operation())
    hub.jobs.registry.add(probe_operation("probe_after"))
    route = EventRoute(
        ORDER_SCOPES,
        Role.MERCHANT,
        "probe",
        lambda data: {"order_ids": [data["id"]]} if "id" in data else None,
        (FollowUp("probe_after"),),
    )
    return WebhookIntake(hub.jobs, hub.webhooks.secrets, (route,))


async def test_an_event_becomes_a_job_and_duplicates_are_dropped(hub: Hub, store: Store, intake: WebhookIntake) -> None:
    add_connection(hub, store)
    body = payload(store, "store/order/created", {"type": "order", "id": 7})
    received = intake.receive(body)
    assert not received.duplicate and received.event is not None
    event = received.event
    assert event.status == "queued" and len(event.job_ids) == 1
    job = hub.jobs.get(event.job_ids[0])
    assert (job.operation, job.params, job.trigger) == ("probe", {"order_ids": [7]}, Trigger.WEBHOOK)
    assert job.source == f"webhook event {event.id}" and [follow.operation for follow in job.then] == ["probe_after"]

    again = intake.receive(body)  # BigCommerce may deliver an event twice: same hash
    assert again.duplicate and again.event is None
    assert len(hub.jobs.events.recent()) == 1 and len(hub.jobs.recent()) == 1


async def test_events_nobody_acts_on_are_kept_as_ignored(
    hub: Hub, sandbox: Sandbox, store: Store, intake: WebhookIntake
) -> None:
    add_connection(hub, store)
    unknown_store = intake.receive(payload(sandbox.create_store("zzz999"), "store/order/created", {"id": 1}, "b" * 40))
    assert unknown_store.event is not None and unknown_store.event.status == "ignored"
    assert unknown_store.event.detail == "no connection for store zzz999"
    other_scope = intake.receive(payload(store, "store/cart/created", {"id": 1}, "c" * 40))
    assert other_scope.event is not None and other_scope.event.status == "ignored"
    assert hub.jobs.recent() == []


async def test_a_stored_event_can_be_replayed(hub: Hub, store: Store, intake: WebhookIntake) -> None:
    add_connection(hub, store)
    received = intake.receive(payload(store, "store/order/updated", {"type": "order", "id": 9}))
    assert received.event is not None
    (first_id,) = received.event.job_ids
    assert intake.replay(received.event.id).job_ids == [first_id]  # still waiting: absorbed
    await hub.jobs.runner("w1").run(first_id)

    replayed = intake.replay(received.event.id)
    assert replayed.replays == 2 and len(replayed.job_ids) == 2
    new = hub.jobs.get(max(replayed.job_ids))
    assert new.source == f"webhook event {received.event.id} (replay)" and new.status is JobStatus.QUEUED


async def test_the_sandbox_delivers_to_the_receiver(
    hub: Hub, sandbox: Sandbox, store: Store, intake: WebhookIntake
) -> None:
    add_connection(hub, store)
    hub.webhooks = intake  # type: ignore[misc]
    await keep(hub)
    store.catalog.create_product({"name": "Mug", "type": "physical", "sku": "MUG-1", "price": 12, "weight": 1})
    with WebhookDispatcher(sandbox, transport=httpx.ASGITransport(app=create_api(hub))) as dispatcher:
        order = store.orders.place_shopper_order({"lines": [{"sku": "MUG-1", "quantity": 1}]})
        await dispatcher.aflush()
        delivered = [record for record in dispatcher.deliveries if record.scope.startswith("store/order/")]
    assert {record.scope for record in delivered} == {"store/order/created", "store/order/statusUpdated"}
    assert all(record.ok for record in delivered)
    events = hub.jobs.events.recent()
    assert {event.scope for event in events} == {"store/order/created", "store/order/statusUpdated"}
    # both events ask for the same work: one job
    assert {tuple(event.job_ids) for event in events} == {(events[0].job_ids[0],)}
    job = hub.jobs.get(events[0].job_ids[0])
    assert job.params == {"order_ids": [order["id"]]}
    await hub.jobs.runner("w1").run(job.id)
    assert hub.jobs.get(job.id).status is JobStatus.SUCCEEDED


async def test_the_default_routes_turn_events_into_order_and_catalog_jobs(
    hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    add_connection(hub, store)
    vendor_store = sandbox.create_store("vnd777", plan="enterprise")
    add_connection(hub, vendor_store, name="vendor", role=Role.VENDOR)
    intake = hub.webhooks

    created = intake.receive(payload(store, "store/order/created", {"type": "order", "id": 5}, "1" * 40)).event
    assert created is not None
    (order_job,) = [hub.jobs.get(job_id) for job_id in created.job_ids]
    assert (order_job.operation, order_job.params, order_job.trigger) == ("get_orders", {}, Trigger.WEBHOOK)
    # a second order event while the import waits: the same job
    updated = intake.receive(payload(store, "store/order/updated", {"type": "order", "id": 6}, "2" * 40)).event
    assert updated is not None and updated.job_ids == [order_job.id]

    # a vendor's shipment with no merchant orders placed there: nobody to sync
    shipped = intake.receive(
        payload(vendor_store, "store/shipment/created", {"type": "shipment", "id": 1, "orderId": 3}, "3" * 40)
    ).event
    assert shipped is not None and shipped.status == "ignored"
    assert shipped.detail == "sync_shipments: no connection to run it for"

    # catalog changes gather in one waiting import of the products concerned
    events = [
        ("store/product/updated", {"type": "product", "id": 12}),
        ("store/sku/updated", {"type": "sku", "id": 40, "sku": {"product_id": 7, "variant_id": 40}}),
        ("store/product/updated", {"type": "product", "id": 7}),
    ]
    job_ids = set()
    for number, (scope, data) in enumerate(events):
        event = intake.receive(payload(vendor_store, scope, data, f"{number}" * 40)).event
        assert event is not None
        job_ids.update(event.job_ids)
    (import_id,) = job_ids
    gathered = hub.jobs.get(import_id)
    assert gathered.operation == "import_listings" and gathered.params == {"product_ids": [7, 12]}
    assert gathered.connection_id == hub.connections.get("vendor").id
    # a vendor's stock moves: read its stock (then sync the merchants listing its items)
    stock = intake.receive(
        payload(
            vendor_store,
            "store/sku/inventory/updated",
            {"type": "sku", "id": 41, "inventory": {"product_id": 12}},
            "9" * 40,
        )
    ).event
    assert stock is not None
    (stock_job,) = [hub.jobs.get(job_id) for job_id in stock.job_ids]
    assert (stock_job.operation, stock_job.params) == ("sync_inventory", {})
