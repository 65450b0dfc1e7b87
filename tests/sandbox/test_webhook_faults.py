"""Webhook delivery faults: dropped, duplicated and late deliveries, and their control plane."""

from __future__ import annotations

import pickle
import random
from collections.abc import Iterator

import httpx
import pytest

from bcsandbox import Sandbox, Store
from bcsandbox.faults import FaultPlan, WebhookFaultRule
from bcsandbox.testing import transport_for
from bcsandbox.webhooks import WebhookDispatcher
from tests.sandbox.test_webhooks_delivery import Receiver, subscribe

pytestmark = pytest.mark.anyio

DESTINATION = "https://app.example.com/wh"


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def dispatcher(sandbox: Sandbox, receiver: Receiver) -> Iterator[WebhookDispatcher]:
    with WebhookDispatcher(sandbox, receiver.transport()) as running:
        yield running


def ids(receiver: Receiver) -> list[int]:
    return [item.payload["data"]["id"] for item in receiver.received]


async def test_a_dropped_delivery_never_arrives_and_is_logged(
    api: httpx.AsyncClient, store: Store, receiver: Receiver, dispatcher: WebhookDispatcher
) -> None:
    await subscribe(api, "store/product/*", DESTINATION)
    rule = store.faults.add_webhook(WebhookFaultRule(scope="store/product/updated", drop_rate=1.0, remaining=1))
    store.emit("store/product/updated", {"type": "product", "id": 1})
    store.emit("store/product/updated", {"type": "product", "id": 2})  # the rule expired: delivered
    store.emit("store/product/created", {"type": "product", "id": 3})  # another scope: not matched
    await dispatcher.aflush()
    assert ids(receiver) == [2, 3]
    dropped = [record for record in dispatcher.deliveries if record.outcome == "dropped"]
    assert [(record.fault, record.error, record.status) for record in dropped] == [
        ("dropped", f"dropped by webhook fault rule {rule.id}", None)
    ]
    assert store.faults.webhook_rules == []


async def test_a_duplicate_arrives_twice_with_the_same_hash(
    api: httpx.AsyncClient, store: Store, receiver: Receiver, dispatcher: WebhookDispatcher
) -> None:
    await subscribe(api, "store/order/*", DESTINATION)
    store.faults.add_webhook(WebhookFaultRule(scope="store/order/*", duplicate_rate=1.0))
    store.emit("store/order/created", {"type": "order", "id": 7})
    await dispatcher.aflush()
    first, second = receiver.received
    assert first.payload == second.payload and first.payload["hash"] == second.payload["hash"]
    # separate sends: each has its own message id, as a re-sent callback would
    assert first.headers["webhook-id"] != second.headers["webhook-id"]
    assert [record.fault for record in dispatcher.deliveries] == [None, "duplicate"]
    assert all(record.ok for record in dispatcher.deliveries)


async def test_a_late_delivery_arrives_after_events_raised_later(
    api: httpx.AsyncClient, store: Store, receiver: Receiver, dispatcher: WebhookDispatcher
) -> None:
    await subscribe(api, "store/product/*", DESTINATION)
    store.faults.add_webhook(WebhookFaultRule(delay_rate=1.0, delay_s=0.3, remaining=1))
    for product_id in (1, 2, 3):
        store.emit("store/product/updated", {"type": "product", "id": product_id})
    await dispatcher.aflush()  # what is due now: the late one still waits
    assert ids(receiver) == [2, 3]
    assert [job["fault"] for job in dispatcher.pending] == ["late"]
    await dispatcher.aflush(wait_for_retries=True)
    assert ids(receiver) == [2, 3, 1]
    assert [record.fault for record in dispatcher.deliveries] == [None, None, "late"]


async def test_a_late_delivery_that_fails_is_retried_and_stays_marked(
    api: httpx.AsyncClient, sandbox: Sandbox, store: Store
) -> None:
    sandbox.settings.webhook_retry_scale = 1e-6
    receiver = Receiver([500])
    await subscribe(api, "store/product/*", DESTINATION)
    store.faults.add_webhook(WebhookFaultRule(delay_rate=1.0, delay_s=0.05))
    with WebhookDispatcher(sandbox, receiver.transport()) as dispatcher:
        store.emit("store/product/updated", {"type": "product", "id": 4})
        await dispatcher.aflush(wait_for_retries=True)
        records = dispatcher.deliveries
    assert [(record.outcome, record.fault) for record in records] == [("retrying", "late"), ("delivered", "late")]


def test_decisions_follow_the_seeded_generator_and_the_rates() -> None:
    def draw(seed: int) -> list[tuple[float, ...]]:
        plan = FaultPlan()
        plan.add_webhook(WebhookFaultRule(drop_rate=0.2, duplicate_rate=0.2, delay_rate=0.2, delay_s=10))
        rng = random.Random(seed)
        return [plan.decide_delivery("store/order/created", rng).delays for _ in range(2000)]

    first = draw(5)
    assert first == draw(5)  # a scenario repeats exactly
    dropped = sum(not delays for delays in first)
    doubled = sum(len(delays) == 2 for delays in first)
    late = [delay for delays in first for delay in delays if delay > 0]
    assert 300 < dropped < 500 and 250 < doubled < 450
    assert late and all(0 < delay <= 10 for delay in late)


def test_rules_are_validated() -> None:
    with pytest.raises(ValueError, match="drop_rate must be between 0 and 1"):
        WebhookFaultRule(drop_rate=1.5)
    with pytest.raises(ValueError, match="delay_rate needs a delay_s"):
        WebhookFaultRule(delay_rate=0.5)
    with pytest.raises(ValueError, match="unknown webhook fault fields: \\['lose'\\]"):
        WebhookFaultRule.from_dict({"lose": 1})


def test_plans_pickle_with_their_webhook_rules_and_old_plans_load() -> None:
    plan = FaultPlan()
    rule = plan.add_webhook(WebhookFaultRule(drop_rate=0.5))
    assert pickle.loads(pickle.dumps(plan)).webhook_rules == [rule]
    old = FaultPlan()
    del old.webhook_rules  # a sandbox saved before webhook faults existed
    assert pickle.loads(pickle.dumps(old)).webhook_rules == []


async def test_the_control_plane_sets_lists_and_clears_webhook_faults(sandbox: Sandbox, store: Store) -> None:
    base = f"/_sandbox/stores/{store.hash}"
    async with httpx.AsyncClient(transport=transport_for(sandbox), base_url="http://sandbox.test") as client:
        created = await client.post(f"{base}/webhooks/faults/new", json={"scope": "store/order/*", "drop_rate": 0.1})
        assert created.status_code == 201
        rule = created.json()
        assert rule["scope"] == "store/order/*" and rule["drop_rate"] == 0.1 and rule["duplicate_rate"] == 0.0
        late = (await client.post(f"{base}/webhooks/faults/new", json={"delay_rate": 0.5, "delay_s": 30})).json()
        listed = (await client.get(f"{base}/webhooks/faults")).json()
        assert [item["id"] for item in listed] == [rule["id"], late["id"]]
        assert (await client.get(f"{base}/faults")).json() == []  # API faults are a separate list

        bad = await client.post(f"{base}/webhooks/faults/new", json={"drop_rate": 2})
        assert bad.status_code == 422 and bad.json()["title"] == "drop_rate must be between 0 and 1, got 2"
        not_object = await client.post(f"{base}/webhooks/faults/new", json=[1])
        assert not_object.status_code == 422 and not_object.json()["title"] == "the body must be a JSON object"
        unknown = await client.get("/_sandbox/stores/nope999/webhooks/faults")
        assert unknown.status_code == 404

        # one rule goes by id, like an API fault rule; clear removes the rest
        assert (await client.post(f"{base}/faults/{rule['id']}/delete")).status_code == 204
        assert [item["id"] for item in (await client.get(f"{base}/webhooks/faults")).json()] == [late["id"]]
        assert (await client.post(f"{base}/webhooks/faults/clear")).status_code == 204
        assert (await client.get(f"{base}/webhooks/faults")).json() == []
