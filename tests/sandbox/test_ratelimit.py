from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bcsandbox import Sandbox, SandboxSettings
from bcsandbox.ratelimit import RateLimiter
from bcsandbox.testing import api_client

pytestmark = pytest.mark.anyio

HEADERS = (
    "x-rate-limit-time-window-ms",
    "x-rate-limit-time-reset-ms",
    "x-rate-limit-requests-quota",
    "x-rate-limit-requests-left",
)


async def test_standard_plan_allows_150_per_window_then_429_with_headers() -> None:
    sandbox = Sandbox(SandboxSettings(window_ms=60_000))
    store = sandbox.create_store("std1", plan="standard")
    async with api_client(sandbox, store) as client:
        lefts = []
        for _ in range(150):
            response = await client.get("/v2/time")
            assert response.status_code == 200
            assert all(name in response.headers for name in HEADERS)
            lefts.append(int(response.headers["x-rate-limit-requests-left"]))
        assert lefts[0] == 149 and lefts[-1] == 0
        assert lefts == sorted(lefts, reverse=True)
        limited = await client.get("/v2/time")
    assert limited.status_code == 429
    assert limited.headers["x-rate-limit-requests-left"] == "0"
    assert limited.headers["x-rate-limit-requests-quota"] == "150"
    assert 0 < int(limited.headers["x-rate-limit-time-reset-ms"]) <= 60_000
    assert int(limited.headers["x-retry-after"]) >= 1
    assert limited.json()[0]["status"] == 429


async def test_window_resets_after_its_length() -> None:
    sandbox = Sandbox(SandboxSettings(window_ms=200))
    store = sandbox.create_store("std2", plan="standard")
    store.limiter.quota = 3
    async with api_client(sandbox, store) as client:
        codes = [(await client.get("/v2/time")).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        reset_ms = int((await client.get("/v2/time")).headers["x-rate-limit-time-reset-ms"])
        import anyio

        await anyio.sleep(reset_ms / 1000 + 0.05)
        assert (await client.get("/v2/time")).status_code == 200


@pytest.mark.parametrize(("plan", "quota"), [("standard", 150), ("plus", 150), ("pro", 450)])
async def test_plan_quotas(plan: str, quota: int) -> None:
    sandbox = Sandbox()
    store = sandbox.create_store("plan1", plan=plan)
    async with api_client(sandbox, store) as client:
        response = await client.get("/v2/time")
    assert response.headers["x-rate-limit-requests-quota"] == str(quota)
    assert response.headers["x-rate-limit-time-window-ms"] == "30000"


async def test_enterprise_plan_is_not_limited(api: httpx.AsyncClient) -> None:
    codes = {(await api.get("/v2/time")).status_code for _ in range(300)}
    assert codes == {200}


@given(quota=st.integers(1, 50), requests=st.integers(0, 120))
def test_limiter_admits_exactly_the_quota_per_window(quota: int, requests: int) -> None:
    limiter = RateLimiter(quota, window_ms=1000)
    admitted = sum(limiter.take(now=10.0 + i * 1e-6).allowed for i in range(requests))
    assert admitted == min(quota, requests)
    assert limiter.take(now=11.5).allowed  # next window
