"""The limiter: its rules on a budget, then real runs against the sandbox's quota."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import TypeVar

import pytest

from bchub.bigcommerce import BigCommerceClient, InMemoryLimiterBackend, LimiterBackend, LimiterSettings
from bchub.bigcommerce.ratelimit import (
    Budget,
    QuotaReading,
    RateLimiter,
    record_rate_limited,
    record_response,
    try_acquire,
)
from bcsandbox import Sandbox, SandboxSettings
from bcsandbox.faults import FaultRule
from tests.client.helpers import make_client

pytestmark = pytest.mark.anyio

T = TypeVar("T")


def reading(left: int, reset_ms: int = 10_000, quota: int = 150, window_ms: int = 30_000) -> QuotaReading:
    return QuotaReading(left=left, quota=quota, reset_ms=reset_ms, window_ms=window_ms)


# -- rules --------------------------------------------------------------------------------------


def test_unknown_budget_lets_one_probe_through() -> None:
    budget = Budget()
    assert try_acquire(budget, 100.0, reserve=1) == 0
    assert budget.in_flight == 1
    assert try_acquire(budget, 100.0, reserve=1) > 0  # the rest wait for the probe's headers
    record_response(budget, 100.1, reading(149), succeeded=True)
    assert budget.left == 149 and budget.in_flight == 0
    assert try_acquire(budget, 100.1, reserve=1) == 0
    assert try_acquire(budget, 100.1, reserve=1) == 0
    assert budget.left == 147 and budget.in_flight == 2


def test_reserve_is_kept_and_the_wait_lasts_until_the_reset() -> None:
    budget = Budget(left=3, reset_at=110.0)
    assert try_acquire(budget, 100.0, reserve=1) == 0
    assert try_acquire(budget, 100.0, reserve=1) == 0
    assert try_acquire(budget, 100.0, reserve=1) == pytest.approx(10.0)
    assert budget.left == 1


def test_after_the_reset_the_budget_is_unknown_again() -> None:
    budget = Budget(left=0, reset_at=110.0, quota=150)
    assert try_acquire(budget, 110.0, reserve=1) == 0  # a probe
    assert budget.left is None and budget.in_flight == 1


def test_headers_are_discounted_by_requests_still_in_flight() -> None:
    budget = Budget(left=100, reset_at=120.0, in_flight=6)
    # this response was counted when 120 were left; five others may not be counted yet
    record_response(budget, 101.0, reading(120, reset_ms=19_000), succeeded=True)
    assert budget.left == 100  # never raised within a window
    record_response(budget, 101.0, reading(60, reset_ms=19_000), succeeded=True)
    assert budget.left == 60 - 4  # another app spent the quota: follow it down


def test_a_new_window_replaces_the_budget() -> None:
    budget = Budget(left=2, reset_at=101.0)
    record_response(budget, 102.0, reading(148, reset_ms=29_000), succeeded=True)
    assert budget.left == 148
    assert budget.reset_at == pytest.approx(131.0)


def test_a_reading_for_a_window_already_over_is_ignored() -> None:
    budget = Budget(left=None, reset_at=None, in_flight=1)
    record_response(budget, 102.0, reading(3, reset_ms=0), succeeded=True)
    assert budget.left is None and budget.in_flight == 0


def test_429_with_headers_blocks_until_the_reset() -> None:
    budget = Budget(left=50, reset_at=130.0, in_flight=2)
    record_rate_limited(budget, 100.0, reading(0, reset_ms=4_000), pause=4.2)
    assert budget.left == 0 and budget.in_flight == 1
    assert try_acquire(budget, 101.0, reserve=0) == pytest.approx(3.2)
    assert try_acquire(budget, 104.3, reserve=0) > 0  # the window is over, but a request is still out
    record_response(budget, 104.3, None, succeeded=False)
    assert try_acquire(budget, 104.3, reserve=0) == 0  # now a probe goes


def test_429_without_headers_counts_toward_the_backoff() -> None:
    budget = Budget(in_flight=1)
    record_rate_limited(budget, 100.0, None, pause=1.0)
    assert budget.headerless_429s == 1 and budget.blocked_until == 101.0
    record_response(budget, 102.0, reading(10), succeeded=True)
    assert budget.headerless_429s == 0


def test_responses_without_headers_turn_metering_off() -> None:
    budget = Budget(in_flight=1)
    record_response(budget, 100.0, None, succeeded=True)
    assert not budget.metered
    assert all(try_acquire(budget, 100.0, reserve=1) == 0 for _ in range(50))


def test_quota_reading_needs_left_and_reset() -> None:
    assert QuotaReading.from_headers({"x-rate-limit-requests-left": "5"}) is None
    assert QuotaReading.from_headers({"x-rate-limit-requests-left": "x", "x-rate-limit-time-reset-ms": "1"}) is None
    parsed = QuotaReading.from_headers({"x-rate-limit-requests-left": "5", "x-rate-limit-time-reset-ms": "900"})
    assert parsed == QuotaReading(left=5, quota=5, reset_ms=900, window_ms=30_000)


def test_budget_round_trips_through_a_dict() -> None:
    budget = Budget(left=4, reset_at=1.5, quota=150, window_ms=30_000, in_flight=2, blocked_until=3.0)
    assert Budget.from_dict(budget.to_dict()) == budget


async def test_headerless_backoff_grows_exponentially() -> None:
    slept: list[float] = []
    now = [1000.0]

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    settings = LimiterSettings(backoff_base_s=1.0, backoff_max_s=8.0)
    limiter = RateLimiter("k", settings=settings, clock=lambda: now[0], sleep=fake_sleep)
    pauses = []
    for _ in range(5):
        await limiter.acquire()
        pauses.append(await limiter.rate_limited({}))
    assert [1 <= pauses[0] / 0.5 <= 2, 1 <= pauses[1] / 1.0 <= 2, 1 <= pauses[2] / 2.0 <= 2] == [True] * 3
    assert 4.0 <= pauses[4] <= 8.0  # capped at backoff_max_s
    assert sum(slept) == pytest.approx(sum(pauses[:4]))  # each later acquire waited out the previous block


# -- against the sandbox ------------------------------------------------------------------------


async def test_a_thousand_requests_on_a_standard_plan_without_a_429() -> None:
    sandbox = Sandbox(SandboxSettings(window_ms=400))  # 150 per 400 ms instead of per 30 s
    store = sandbox.create_store("std100", plan="standard")
    async with make_client(sandbox, store) as client:

        async def worker(count: int) -> None:
            for _ in range(count):
                await client.store.time()

        started = time.perf_counter()
        await asyncio.gather(*(worker(50) for _ in range(20)))
        elapsed = time.perf_counter() - started
        assert client.requests_sent == 1000
        assert client.stats.rate_limited == 0
    statuses = [entry.status for entry in sandbox.requests(store.hash)]
    assert len(statuses) == 1000 and set(statuses) == {200}
    assert elapsed >= 6 * 0.4  # 1,000 requests need at least seven windows of 150


async def test_two_clients_sharing_a_backend_share_the_budget() -> None:
    sandbox = Sandbox(SandboxSettings(window_ms=300))
    store = sandbox.create_store("std200", plan="standard")
    shared = InMemoryLimiterBackend()
    async with (
        make_client(sandbox, store, limiter_backend=shared) as first,
        make_client(sandbox, store, limiter_backend=shared) as second,
    ):

        async def burst(client: BigCommerceClient, count: int) -> None:
            await asyncio.gather(*(client.store.time() for _ in range(count)))

        await asyncio.gather(burst(first, 200), burst(second, 200))
        assert first.stats.rate_limited + second.stats.rate_limited == 0
    assert {entry.status for entry in sandbox.requests(store.hash)} == {200}


class JsonStoreBackend(LimiterBackend):
    """What a Redis backend does, with a dict of JSON strings for the server: read, change, write back."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.lock = asyncio.Lock()  # Redis: WATCH the key, and retry the MULTI/EXEC on a conflict

    async def update(self, key: str, change: Callable[[Budget], T]) -> T:
        async with self.lock:
            budget = Budget.from_dict(json.loads(self.values.get(key, "{}")))
            result = change(budget)
            self.values[key] = json.dumps(budget.to_dict())
            return result


async def test_a_serializing_backend_shares_the_budget_the_same_way() -> None:
    sandbox = Sandbox(SandboxSettings(window_ms=300))
    store = sandbox.create_store("std250", plan="standard")
    shared = JsonStoreBackend()
    async with (
        make_client(sandbox, store, limiter_backend=shared) as first,
        make_client(sandbox, store, limiter_backend=shared) as second,
    ):
        await asyncio.gather(*(client.store.time() for client in (first, second) for _ in range(200)))
        assert first.stats.rate_limited + second.stats.rate_limited == 0
    assert {entry.status for entry in sandbox.requests(store.hash)} == {200}
    assert json.loads(shared.values[first.limiter.key])["quota"] == 150


async def test_429_with_headers_waits_for_the_reset_then_succeeds() -> None:
    sandbox = Sandbox(SandboxSettings(window_ms=300))
    store = sandbox.create_store("std300", plan="standard")
    store.faults.add(FaultRule(path="/v2/time", rate_limit_burst=1, rate_limit_headers=True))
    async with make_client(sandbox, store) as client:
        started = time.perf_counter()
        await client.store.time()
        elapsed = time.perf_counter() - started
        assert client.stats.rate_limited == 1
        assert client.requests_sent == 2
    limited = sandbox.requests(store.hash)[0]
    assert limited.status == 429
    assert elapsed >= 0.25  # the reset of a 300 ms window that had just opened


async def test_429_without_headers_backs_off_then_succeeds(sandbox: Sandbox) -> None:
    store = sandbox.create_store("ent400", plan="enterprise")
    store.faults.add(FaultRule(path="/v2/time", rate_limit_burst=3, rate_limit_headers=False))
    settings = LimiterSettings(backoff_base_s=0.04, backoff_max_s=1.0, jitter_s=0.0)
    async with make_client(sandbox, store, limiter_settings=settings) as client:
        started = time.perf_counter()
        await client.store.time()
        elapsed = time.perf_counter() - started
        assert client.stats.rate_limited == 3
    assert elapsed >= (0.04 + 0.08 + 0.16) / 2  # at least half of each doubled delay
