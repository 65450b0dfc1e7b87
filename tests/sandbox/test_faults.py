from __future__ import annotations

import httpx
import pytest

from bcsandbox import Sandbox, Store
from bcsandbox.faults import FaultRule
from bcsandbox.testing import LiveServer

pytestmark = pytest.mark.anyio


async def test_error_rate_one_returns_5xx_in_the_versions_shape(api: httpx.AsyncClient, store: Store) -> None:
    store.faults.add(FaultRule(path="/v2/*", error_rate=1.0, error_statuses=(503,)))
    response = await api.get("/v2/time")
    assert response.status_code == 503
    assert response.json()[0]["status"] == 503
    assert (await api.get("/v2/store")).status_code == 503


async def test_rule_expires_after_remaining(api: httpx.AsyncClient, store: Store) -> None:
    store.faults.add(FaultRule(path="/v2/time", error_rate=1.0, remaining=2))
    codes = [(await api.get("/v2/time")).status_code for _ in range(3)]
    assert all(code >= 500 for code in codes[:2])
    assert codes[2] == 200
    assert store.faults.rules == []


async def test_429_burst_with_and_without_headers(api: httpx.AsyncClient, store: Store) -> None:
    store.faults.add(FaultRule(path="/v2/time", rate_limit_burst=1, rate_limit_headers=True))
    with_headers = await api.get("/v2/time")
    assert with_headers.status_code == 429
    assert "x-rate-limit-time-reset-ms" in with_headers.headers
    store.faults.add(FaultRule(path="/v2/time", rate_limit_burst=1, rate_limit_headers=False))
    without = await api.get("/v2/time")
    assert without.status_code == 429
    assert "x-rate-limit-time-reset-ms" not in without.headers
    assert (await api.get("/v2/time")).status_code == 200


async def test_method_filter(api: httpx.AsyncClient, store: Store) -> None:
    store.faults.add(FaultRule(method="POST", error_rate=1.0))
    assert (await api.get("/v2/time")).status_code == 200


async def test_latency_is_applied(api: httpx.AsyncClient, store: Store) -> None:
    import time

    store.faults.add(FaultRule(latency_ms=60))
    started = time.perf_counter()
    assert (await api.get("/v2/time")).status_code == 200
    assert time.perf_counter() - started >= 0.05


async def test_dropped_connection_in_process_is_a_protocol_error(api: httpx.AsyncClient, store: Store) -> None:
    store.faults.add(FaultRule(drop_rate=1.0, remaining=1))
    with pytest.raises(httpx.RemoteProtocolError):
        await api.get("/v2/time")
    assert (await api.get("/v2/time")).status_code == 200


async def test_dropped_connection_over_a_real_socket(sandbox: Sandbox, store: Store) -> None:
    store.faults.add(FaultRule(drop_rate=1.0, remaining=1))
    token = next(iter(store.accounts))
    with LiveServer(sandbox) as server:
        async with httpx.AsyncClient(
            base_url=f"{server.url}/stores/{store.hash}", headers={"X-Auth-Token": token}
        ) as client:
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get("/v2/time")
            assert (await client.get("/v2/time")).status_code == 200
    faults = [entry.fault for entry in sandbox.requests(store.hash)]
    assert faults == ["drop", None]


def test_fault_rule_validation() -> None:
    with pytest.raises(ValueError, match="error_rate"):
        FaultRule(error_rate=1.5)
    with pytest.raises(ValueError, match="unknown fault fields"):
        FaultRule.from_dict({"nope": 1})


def test_seeded_draws_repeat() -> None:
    import random

    outcomes = []
    for _ in range(2):
        rule = FaultRule(error_rate=0.5)
        from bcsandbox.faults import FaultPlan

        plan = FaultPlan()
        plan.add(rule)
        rng = random.Random(7)
        outcomes.append([plan.decide("GET", "/v2/time", rng).error is not None for _ in range(50)])
    assert outcomes[0] == outcomes[1]
    assert 10 < sum(outcomes[0]) < 40
