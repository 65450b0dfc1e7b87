"""Retries: idempotent requests recover from 5xx, drops and 429s; writes are never repeated blindly."""

from __future__ import annotations

import time

import pytest

from bchub.bigcommerce import RetryPolicy, ServerError, Unprocessable, WriteOutcomeUnknown
from bchub.bigcommerce.retry import is_idempotent
from bcsandbox import Sandbox, Store
from bcsandbox.faults import FaultRule
from bcsandbox.testing import transport_for
from tests.client.helpers import FailingConnects, make_client

pytestmark = pytest.mark.anyio

HOOK = {"scope": "store/product/updated", "destination": "https://hooks.example.com/products"}


def test_idempotent_methods() -> None:
    assert [is_idempotent(method) for method in ("get", "PUT", "DELETE", "POST", "PATCH")] == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_backoff_grows_and_is_capped() -> None:
    import random

    policy = RetryPolicy(base_delay_s=1.0, max_delay_s=5.0)
    rng = random.Random(1)
    delays = [policy.backoff(attempt, rng) for attempt in range(1, 7)]
    assert 0.5 <= delays[0] <= 1.0
    assert 1.0 <= delays[1] <= 2.0
    assert all(2.5 <= delay <= 5.0 for delay in delays[3:])


async def test_5xx_then_success_on_a_get(sandbox: Sandbox, store: Store) -> None:
    store.faults.add(FaultRule(path="/v2/time", error_rate=1.0, error_statuses=(500, 503), remaining=2))
    async with make_client(sandbox, store) as client:
        await client.store.time()
        assert client.requests_sent == 3
        assert client.stats.retries == 2 and client.stats.server_errors == 2
    assert [entry.status for entry in sandbox.requests(store.hash)][-1] == 200


async def test_dropped_connection_then_success_on_a_get(sandbox: Sandbox, store: Store) -> None:
    store.faults.add(FaultRule(path="/v2/store", drop_rate=1.0, remaining=1))
    async with make_client(sandbox, store) as client:
        info = await client.store.info()
        assert client.stats.transport_errors == 1 and client.requests_sent == 2
    assert info.id == store.hash


async def test_put_is_retried_after_a_5xx(sandbox: Sandbox, store: Store) -> None:
    async with make_client(sandbox, store) as client:
        hook = await client.hooks.create(HOOK)
        store.faults.add(
            FaultRule(method="PUT", path="/v3/hooks/*", error_rate=1.0, error_statuses=(502,), remaining=1)
        )
        updated = await client.hooks.update(hook.id, {"is_active": False})
        assert client.stats.retries == 1
    assert updated.is_active is False


async def test_post_with_a_500_raises_write_outcome_unknown_without_resending(sandbox: Sandbox, store: Store) -> None:
    store.faults.add(FaultRule(method="POST", path="/v3/hooks", error_rate=1.0, error_statuses=(500,)))
    async with make_client(sandbox, store) as client:
        with pytest.raises(WriteOutcomeUnknown) as caught:
            await client.hooks.create(HOOK)
        assert client.requests_sent == 1
    assert caught.value.status == 500
    assert isinstance(caught.value.cause, ServerError)
    assert "look the record up" in caught.value.message


async def test_post_rejected_with_a_429_is_retried(sandbox: Sandbox, store: Store) -> None:
    store.faults.add(FaultRule(method="POST", path="/v3/hooks", rate_limit_burst=1, rate_limit_headers=False))
    async with make_client(sandbox, store) as client:
        await client.hooks.create(HOOK)
        assert client.requests_sent == 2 and client.stats.rate_limited == 1
        assert len([hook async for hook in client.hooks.list()]) == 1


async def test_post_that_never_connected_is_retried(sandbox: Sandbox, store: Store) -> None:
    transport = FailingConnects(transport_for(sandbox), failures=2)
    async with make_client(sandbox, store, transport=transport) as client:
        await client.hooks.create(HOOK)
        assert client.requests_sent == 1  # the failed connects never reached the store
        assert client.stats.transport_errors == 2 and client.stats.retries == 2
    assert len(sandbox.requests(store.hash, method="POST")) == 1


async def test_client_errors_are_not_retried(sandbox: Sandbox, store: Store) -> None:
    async with make_client(sandbox, store) as client:
        with pytest.raises(Unprocessable):
            await client.hooks.create({"destination": "https://hooks.example.com/x"})
        assert client.requests_sent == 1 and client.stats.retries == 0


async def test_time_budget_stops_retrying(sandbox: Sandbox, store: Store) -> None:
    store.faults.add(FaultRule(path="/v2/time", error_rate=1.0, error_statuses=(503,)))
    policy = RetryPolicy(max_attempts=1000, base_delay_s=0.04, max_delay_s=0.04, budget_s=0.3)
    async with make_client(sandbox, store, retry=policy) as client:
        started = time.perf_counter()
        with pytest.raises(ServerError):
            await client.store.time()
        assert time.perf_counter() - started < 0.6
        assert 3 <= client.requests_sent < 20


async def test_507_is_not_retried(sandbox: Sandbox, store: Store) -> None:
    store.faults.add(FaultRule(path="/v2/time", error_rate=1.0, error_statuses=(507,)))
    async with make_client(sandbox, store) as client:
        with pytest.raises(ServerError) as caught:
            await client.store.time()
        assert client.requests_sent == 1
    assert caught.value.status == 507
