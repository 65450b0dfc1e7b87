"""V3 paging mechanics against the sandbox's ``/v3/hooks`` (small page sizes keep the data small)."""

from __future__ import annotations

import asyncio
import random
import time
from contextlib import aclosing

import pytest

from bchub.bigcommerce import BigCommerceClient, InMemoryLimiterBackend, PageSettings, PaginationError
from bchub.bigcommerce.pagination import in_order
from bcsandbox import Sandbox, Store
from bcsandbox.faults import FaultRule
from bcsandbox.testing import transport_for
from tests.client.helpers import IgnoresPage, Watching, make_client

pytestmark = pytest.mark.anyio


def seed_hooks(store: Store, count: int, start: int = 0) -> None:
    client_id = next(iter(store.accounts.values())).client_id
    for number in range(start, start + count):
        store.hooks.create(
            client_id, {"scope": f"store/test/{number // 10}", "destination": f"https://hooks.example.com/{number}"}
        )


def hook_requests(sandbox: Sandbox, store: Store) -> list[str]:
    return [entry.query for entry in sandbox.requests(store.hash, path_prefix="/v3/hooks")]


async def ids(client: BigCommerceClient) -> list[int]:
    return [hook.id async for hook in client.hooks.list()]


@pytest.mark.parametrize(("count", "requests"), [(0, 1), (1, 1), (5, 1), (10, 2), (11, 3), (25, 5)])
async def test_requests_meet_the_lower_bound(sandbox: Sandbox, store: Store, count: int, requests: int) -> None:
    seed_hooks(store, count)
    async with make_client(sandbox, store, pages=PageSettings(page_size=5)) as client:
        assert await ids(client) == list(range(1, count + 1))
        assert client.requests_sent == requests
    assert all("limit=5" in query for query in hook_requests(sandbox, store))


async def test_maximum_page_size_by_default(sandbox: Sandbox, store: Store, client: BigCommerceClient) -> None:
    seed_hooks(store, 3)
    assert len(await ids(client)) == 3
    assert hook_requests(sandbox, store) == ["page=1&limit=250"]


async def test_remaining_pages_are_fetched_concurrently_and_bounded(sandbox: Sandbox, store: Store) -> None:
    seed_hooks(store, 24)
    store.faults.add(FaultRule(path="/v3/hooks", latency_ms=40))
    watching = Watching(transport_for(sandbox))
    settings = PageSettings(page_size=2, concurrency=4)
    async with make_client(sandbox, store, transport=watching, pages=settings) as client:
        started = time.perf_counter()
        assert await ids(client) == list(range(1, 25))
        elapsed = time.perf_counter() - started
        assert client.requests_sent == 12
    assert watching.peak == 4
    assert elapsed < 12 * 0.04 / 2  # sequential would take 12 round trips


async def test_a_page_that_does_not_advance_is_refused(sandbox: Sandbox, store: Store) -> None:
    seed_hooks(store, 10)
    transport = IgnoresPage(transport_for(sandbox))
    async with make_client(sandbox, store, transport=transport, pages=PageSettings(page_size=5)) as client:
        with pytest.raises(PaginationError, match="asked for page 2, the server answered page 1"):
            await ids(client)


async def test_page_count_cap(sandbox: Sandbox, store: Store) -> None:
    seed_hooks(store, 11)
    async with make_client(sandbox, store, pages=PageSettings(page_size=5, max_pages=2)) as client:
        with pytest.raises(PaginationError, match="3 pages, over the cap of 2"):
            await ids(client)
        assert client.requests_sent == 1


async def test_a_5xx_on_one_page_is_retried(sandbox: Sandbox, store: Store) -> None:
    seed_hooks(store, 20)
    async with make_client(sandbox, store, pages=PageSettings(page_size=5)) as client:
        store.faults.add(FaultRule(path="/v3/hooks", error_rate=1.0, remaining=1))
        items = [hook async for hook in client.hooks.list()]
        assert len(items) == 20
        assert client.requests_sent == 5


async def test_pages_added_while_reading_are_read(sandbox: Sandbox, store: Store) -> None:
    seed_hooks(store, 10)
    watching = Watching(transport_for(sandbox), after_first=lambda: seed_hooks(store, 4, start=10))
    async with make_client(
        sandbox, store, transport=watching, pages=PageSettings(page_size=5, concurrency=1)
    ) as client:
        assert await ids(client) == list(range(1, 15))
        assert client.requests_sent == 3


async def test_stopping_early_cancels_pending_pages(sandbox: Sandbox, store: Store) -> None:
    seed_hooks(store, 40)
    store.faults.add(FaultRule(path="/v3/hooks", latency_ms=20))
    budgets = InMemoryLimiterBackend()
    settings = PageSettings(page_size=5, concurrency=3)
    async with make_client(sandbox, store, pages=settings, limiter_backend=budgets) as client:
        async with aclosing(client.hooks.list()) as hooks:
            async for hook in hooks:
                assert hook.id == 1
                break
        assert budgets.peek(client.limiter.key).in_flight == 0
        assert client.requests_sent <= 4


async def test_in_order_keeps_order_under_random_delays() -> None:
    rng = random.Random(7)

    async def fetch(number: int) -> int:
        await asyncio.sleep(rng.uniform(0, 0.01))
        return number

    assert [value async for value in in_order(fetch, range(30), concurrency=5)] == list(range(30))


def test_page_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="page_size"):
        PageSettings(page_size=251)
    with pytest.raises(ValueError, match="concurrency"):
        PageSettings(concurrency=0)
