"""After a whole session under faults (imports, routing, shipments, a revoked and a replaced token),
no token or client secret of any store is in the database file, the logs, or the hub's run records."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bchub.domain.runs import Run, RunStatus
from bchub.storage.runs import RunRepository
from bchub.sync.connections import CredentialInput
from bchub.sync.connections.service import ConnectionChanges
from tests.faults.world import MERCHANT, VENDORS, FaultWorld, fault_world, until_done
from tests.support.secrets_guard import SecretsGuard

pytestmark = pytest.mark.anyio


def _database_bytes(database_url: str) -> bytes:
    path = Path(database_url.removeprefix("sqlite:///"))
    data = path.read_bytes()
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")):
        if extra.exists():
            data += extra.read_bytes()
    return data


async def _session(tmp_path: Path, guard: SecretsGuard) -> tuple[str, list[str]]:
    """Everything a user does in a day, with faults on; returns the database URL and every run's texts."""
    texts: list[str] = []
    async with fault_world(tmp_path) as world:
        for store in world.sandbox.stores.values():
            for account in store.accounts.values():
                guard.add(account.access_token, account.client_secret, label=f"a secret of store {store.hash}")
        world.add_faults((MERCHANT, *VENDORS))
        world.place_orders(30)
        await until_done(lambda: _get(world))
        # the first vendor's token is revoked at the store, then replaced by a new one
        vendor = world.vendor(0)
        for token in list(vendor.accounts):
            vendor.revoke(token)
        revoked_run = await world.hub.orders.route(MERCHANT)
        replacement = vendor.add_account()
        guard.add(replacement.access_token, replacement.client_secret, label="the replacement token")
        world.hub.connections.update(
            VENDORS[0], ConnectionChanges(credentials=CredentialInput(access_token=replacement.access_token))
        )
        world.clear_faults()  # the stores calm down: a connection test makes one attempt per request
        assert (await world.hub.connections.test(VENDORS[0])).passed
        routed = await until_done(lambda: world.hub.orders.route(MERCHANT))
        assert routed[-1].status is RunStatus.SUCCEEDED, routed[-1].error
        world.ship()
        shipped = await until_done(lambda: world.hub.orders.sync_shipments(MERCHANT))
        assert shipped[-1].status is RunStatus.SUCCEEDED, shipped[-1].error
        with world.hub.sessions() as session:
            repository = RunRepository(session)
            for run in [revoked_run, *routed, *shipped]:
                texts.append(f"{run.error} {run.counts}")
                texts.extend(f"{item.key} {item.reason}" for item in repository.items(run.id))
        database_url = world.hub.settings.database_url
    return database_url, texts


async def _get(world: FaultWorld) -> Run:
    return (await world.hub.orders.get(MERCHANT)).run


async def test_no_secret_in_the_database_logs_or_runs_after_a_faulty_session(tmp_path: Path) -> None:
    guard = SecretsGuard()
    logger = logging.getLogger("bchub")
    previous = logger.level
    logger.addHandler(guard.handler)
    logger.setLevel(logging.DEBUG)
    try:
        database_url, texts = await _session(tmp_path, guard)
    finally:
        logger.removeHandler(guard.handler)
        logger.setLevel(previous)
    assert len(guard.records) > 100  # the session logged its requests at DEBUG
    guard.check_logs()
    guard.check("\n".join(texts), "the run records")
    raw = _database_bytes(database_url)
    assert MERCHANT.encode() in raw  # the file is the hub's database
    guard.check(raw.decode("latin-1"), "the database file")
