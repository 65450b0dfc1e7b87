"""V2 paging mechanics against the sandbox's orders: 204 endings, the count plan, exact multiples."""

from __future__ import annotations

import math
from collections.abc import Callable

import httpx
import pytest

from bchub.bigcommerce import PageSettings, PaginationError
from bcsandbox import Sandbox, Store
from bcsandbox.faults import FaultRule
from bcsandbox.testing import transport_for
from tests.client.helpers import IgnoresPage, Watching, make_client

pytestmark = pytest.mark.anyio

PAGE = 5


def seed_orders(store: Store, count: int) -> None:
    for number in range(count):
        store.orders.create(
            {
                "billing_address": {"first_name": f"Buyer {number}", "zip": "12345", "country_iso2": "US"},
                "products": [{"name": "Thing", "quantity": 1, "price_ex_tax": 5, "price_inc_tax": 5}],
            }
        )


def calls(sandbox: Sandbox, store: Store) -> list[tuple[str, int]]:
    return [(entry.path + "?" + entry.query, entry.status) for entry in sandbox.requests(store.hash)]


class AfterPath(httpx.AsyncBaseTransport):
    """Runs ``action`` once, right after the first response to a path ending in ``suffix``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, suffix: str, action: Callable[[], None]) -> None:
        self.inner = inner
        self.suffix = suffix
        self.action: Callable[[], None] | None = action

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.action is not None and request.url.path.endswith(self.suffix):
            action, self.action = self.action, None
            action()
        return response


@pytest.mark.parametrize(
    ("count", "expected_requests"),
    [
        (0, 1),  # one 204
        (3, 1),  # a short first page ends the list: no count needed
        (5, 3),  # full page 1, count, page 2 (204): an exact multiple
        (10, 4),  # page 1, count, page 2, page 3 (204)
        (12, 4),  # page 1, count, pages 2-3 (3 is short)
    ],
)
async def test_requests_per_size(sandbox: Sandbox, store: Store, count: int, expected_requests: int) -> None:
    seed_orders(store, count)
    async with make_client(sandbox, store, pages=PageSettings(page_size=PAGE)) as client:
        orders = [order async for order in client.orders.list()]
        assert client.requests_sent == expected_requests
    assert len(orders) == count and len({order.id for order in orders}) == count
    assert [order.id for order in orders] == sorted(order.id for order in orders)
    bound = math.ceil(count / PAGE)
    assert expected_requests <= max(bound, 1) + 2


async def test_an_empty_list_is_a_204(sandbox: Sandbox, store: Store) -> None:
    async with make_client(sandbox, store) as client:
        assert [order async for order in client.orders.list()] == []
    assert [status for _, status in calls(sandbox, store)] == [204]


async def test_exact_multiple_reads_one_page_past_the_count(sandbox: Sandbox, store: Store) -> None:
    seed_orders(store, 10)
    async with make_client(sandbox, store, pages=PageSettings(page_size=PAGE)) as client:
        assert len([order async for order in client.orders.list()]) == 10
    made = calls(sandbox, store)
    assert made[1][0].startswith("/v2/orders/count?")
    assert "include" not in made[1][0] and "page" not in made[1][0]  # the count takes filters only
    assert [status for _, status in made] == [200, 200, 200, 204]


async def test_orders_created_after_the_count_are_still_read(sandbox: Sandbox, store: Store) -> None:
    seed_orders(store, 12)  # the count plans pages 2-3, page 3 short
    transport = AfterPath(transport_for(sandbox), "/v2/orders/count", lambda: seed_orders(store, 6))
    async with make_client(sandbox, store, transport=transport, pages=PageSettings(page_size=PAGE)) as client:
        orders = [order async for order in client.orders.list()]
    assert len(orders) == 18
    assert [status for _, status in calls(sandbox, store)] == [200] * 5  # page 3 came back full: page 4 (short) follows


async def test_page_two_is_fetched_alongside_the_count(sandbox: Sandbox, store: Store) -> None:
    seed_orders(store, 10)
    store.faults.add(FaultRule(path="/v2/orders*", latency_ms=20))
    watching = Watching(transport_for(sandbox))
    settings = PageSettings(page_size=PAGE, concurrency=1)
    async with make_client(sandbox, store, transport=watching, pages=settings) as client:
        assert len([order async for order in client.orders.list()]) == 10
        assert client.requests_sent == 4  # page 1, count, page 2, page 3 (204)
    assert watching.peak == 2  # with one page at a time, only the count ran beside page 2


async def test_a_v2_page_that_repeats_is_refused(sandbox: Sandbox, store: Store) -> None:
    seed_orders(store, 12)
    transport = IgnoresPage(transport_for(sandbox))
    async with make_client(sandbox, store, transport=transport, pages=PageSettings(page_size=PAGE)) as client:
        with pytest.raises(PaginationError, match="page 2 repeats page 1"):
            [order async for order in client.orders.list()]


async def test_v2_page_cap(sandbox: Sandbox, store: Store) -> None:
    seed_orders(store, 12)
    async with make_client(sandbox, store, pages=PageSettings(page_size=PAGE, max_pages=2)) as client:
        with pytest.raises(PaginationError, match="3 pages, over the cap of 2"):
            [order async for order in client.orders.list()]


async def test_lists_without_a_count_page_sequentially(sandbox: Sandbox, store: Store) -> None:
    order = store.orders.create(
        {
            "billing_address": {"zip": "12345", "country_iso2": "US"},
            "products": [
                {"name": f"Line {n}", "quantity": 1, "price_ex_tax": 1, "price_inc_tax": 1} for n in range(10)
            ],
        }
    )
    async with make_client(sandbox, store, pages=PageSettings(page_size=PAGE)) as client:
        lines = [line async for line in client.orders.list_products(order.id)]
    assert [line.name for line in lines] == [f"Line {n}" for n in range(10)]
    assert [status for _, status in calls(sandbox, store)] == [200, 200, 204]
