"""The health rule: a 401/403 met by any job pauses the connection until a test passes again."""

from __future__ import annotations

import pytest

from bchub.app import Hub
from bchub.bigcommerce.errors import AuthFailed, BigCommerceError, NotFound, ScopeMissing
from bchub.domain.connections import HealthStatus, Role
from bchub.sync.connections import ConnectionChanges, CredentialInput, NewConnection
from bcsandbox import Sandbox, Store

pytestmark = pytest.mark.anyio


def add(hub: Hub, store: Store, name: str = "shop", role: Role = Role.MERCHANT) -> str:
    token = next(iter(store.accounts))
    return hub.connections.add(
        NewConnection(role, CredentialInput(store_hash=store.hash, access_token=token), name=name)
    ).name


async def call_as_a_job_would(hub: Hub, name: str, path: str) -> BigCommerceError:
    connection = hub.connections.get(name)
    assert connection.access_token is not None
    async with hub.clients(connection.store_hash, connection.access_token.reveal()) as client:
        with pytest.raises(BigCommerceError) as caught:
            await client.request("GET", path)
    return caught.value


async def test_a_401_met_by_a_job_pauses_until_a_test_passes(hub: Hub, store: Store) -> None:
    name = add(hub, store)
    assert (await hub.connections.test(name)).passed
    assert not hub.connections.is_paused(hub.connections.get(name))

    store.revoke(next(iter(store.accounts)))
    error = await call_as_a_job_would(hub, name, "/v2/orders")
    assert isinstance(error, AuthFailed)
    marked = hub.connections.record_api_error(hub.connections.get(name), error)

    assert marked is not None and hub.connections.is_paused(name)
    health = hub.connections.get(name).health
    assert health.status is HealthStatus.NEEDS_ATTENTION
    assert health.reason is not None and health.reason.startswith("401 on GET /v2/orders")

    # new credentials alone do not resume the jobs
    fresh = store.add_account()
    hub.connections.update(name, ConnectionChanges(credentials=CredentialInput(access_token=fresh.access_token)))
    assert hub.connections.is_paused(name)
    # a passing test does
    assert (await hub.connections.test(name)).passed
    assert not hub.connections.is_paused(name)
    assert hub.connections.get(name).health.reason is None


async def test_a_403_met_by_a_job_pauses_and_a_failing_test_keeps_it_paused(hub: Hub, sandbox: Sandbox) -> None:
    store = sandbox.create_store(
        "ro2", scopes="store_v2_orders_read_only store_v2_products store_inventory store_locations store_v2_information"
    )
    name = add(hub, store)
    token = next(iter(store.accounts))
    async with hub.clients(store.hash, token) as client:
        with pytest.raises(ScopeMissing) as caught:
            await client.request("PUT", "/v2/orders/1", json={"status_id": 2})
    hub.connections.record_api_error(hub.connections.get(name), caught.value)
    assert hub.connections.is_paused(name)
    assert hub.connections.get(name).health.reason == (
        "403 on PUT /v2/orders/1: the API account lacks the scope store_v2_orders modify (control panel: "
        "Settings › API accounts, Orders: modify); fix it, then test the connection to resume its jobs"
    )

    report = await hub.connections.test(name)
    assert not report.passed
    assert hub.connections.is_paused(name)
    assert hub.connections.get(name).health.reason == "missing scopes: store_v2_orders modify"


def test_other_errors_do_not_pause(hub: Hub, store: Store) -> None:
    name = add(hub, store)
    error = NotFound("no such order", status=404, method="GET", path="/v2/orders/5")
    assert hub.connections.record_api_error(hub.connections.get(name), error) is None
    assert not hub.connections.is_paused(name)


def test_mark_needs_attention_and_disabled_connections(hub: Hub, store: Store) -> None:
    name = add(hub, store)
    connection = hub.connections.get(name)
    marked = hub.connections.mark_needs_attention(connection, "webhook destination rejected")
    assert marked.health.reason == "webhook destination rejected" and marked.health.checked_at is not None
    # is_paused reads the stored state, not the caller's stale copy
    assert hub.connections.is_paused(connection)
    other = add(hub, store, name="other")
    hub.connections.update(other, ConnectionChanges(enabled=False))
    assert hub.connections.is_paused(other)
    hub.connections.update(other, ConnectionChanges(enabled=True))
    assert not hub.connections.is_paused(other)
