"""execute(): one recorded run per operation, with outcomes, status, requests and error handling."""

from __future__ import annotations

import pytest

from bchub.app import Hub
from bchub.domain.connections import HealthStatus, Role
from bchub.domain.runs import ItemOutcome, Outcome, Run, RunStatus
from bchub.errors import RetryableError
from bchub.storage.runs import RunRepository
from bchub.sync.connections import ConnectionChanges, CredentialInput, NewConnection
from bchub.sync.runner import OperationBody, OperationRun, execute
from bcsandbox import Store

pytestmark = pytest.mark.anyio


def _add(hub: Hub, store: Store) -> str:
    token = next(iter(store.accounts))
    return hub.connections.add(
        NewConnection(Role.MERCHANT, CredentialInput(store_hash=store.hash, access_token=token), name="shop")
    ).name


async def _run(hub: Hub, name: str, body: OperationBody) -> Run:
    return await execute("demo_op", name, body, sessions=hub.sessions, connections=hub.connections, clients=hub.clients)


async def test_item_failures_make_the_run_partial_and_requests_are_counted(hub: Hub, store: Store) -> None:
    name = _add(hub, store)

    async def body(run: OperationRun) -> None:
        await run.client.store.time()
        with run.sessions.begin() as session:
            run.record(session, ItemOutcome("variant", "SKU-1", Outcome.CREATED))
            run.record(session, ItemOutcome("variant", "SKU-2", Outcome.FAILED, "422 on SKU-2: upc too long"))
        run.summary["pages"] = 1

    finished = await _run(hub, name, body)
    assert finished.status is RunStatus.PARTIAL
    assert finished.requests == 1
    assert finished.counts == {"created": 1, "failed": 1, "pages": 1}
    with hub.sessions() as session:
        assert [item.key for item in RunRepository(session).items(finished.id)] == ["SKU-1", "SKU-2"]


async def test_a_401_fails_the_run_and_marks_the_connection(hub: Hub, store: Store) -> None:
    name = _add(hub, store)
    store.revoke(next(iter(store.accounts)))

    async def body(run: OperationRun) -> None:
        await run.client.store.time()

    finished = await _run(hub, name, body)
    assert finished.status is RunStatus.FAILED
    assert "401" in (finished.error or "")
    assert hub.connections.get(name).health.status is HealthStatus.NEEDS_ATTENTION


async def test_hub_errors_fail_the_run_with_their_message(hub: Hub, store: Store) -> None:
    name = _add(hub, store)

    async def body(run: OperationRun) -> None:
        raise RetryableError("vendor items are not imported yet", delay=30)

    finished = await _run(hub, name, body)
    assert finished.status is RunStatus.FAILED
    assert finished.error == "vendor items are not imported yet"


async def test_a_crash_in_the_body_fails_the_run_instead_of_leaving_it_running(hub: Hub, store: Store) -> None:
    """Outside the job layer (a CLI command) nobody else would close it; the first line only: no data."""
    name = _add(hub, store)

    async def body(run: OperationRun) -> None:
        await run.client.store.time()
        raise RuntimeError("boom\nparameters: {'email': 'shopper@example.com'}")

    with pytest.raises(RuntimeError):
        await _run(hub, name, body)
    with hub.sessions() as session:
        (crashed,) = RunRepository(session).recent(limit=1)
    assert crashed.status is RunStatus.FAILED and crashed.requests == 1
    assert crashed.error == "RuntimeError: boom"


async def test_a_disabled_connection_does_not_run(hub: Hub, store: Store) -> None:
    name = _add(hub, store)
    hub.connections.update(name, ConnectionChanges(enabled=False))
    called = []

    async def body(run: OperationRun) -> None:
        called.append(run)

    finished = await _run(hub, name, body)
    assert finished.status is RunStatus.FAILED
    assert "disabled" in (finished.error or "")
    assert called == []
