"""Jobs on the embedded queue: identity keys, the per-connection lock, retries, auth pauses, cancel."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from bchub.app import Hub
from bchub.domain.connections import HealthStatus, Role
from bchub.domain.runs import RunStatus, Trigger
from bchub.errors import InputError
from bchub.jobs.dispatch import WakeUp
from bchub.jobs.model import FollowUp, JobRequest, JobStatus
from bchub.jobs.retry import Backoff
from bchub.jobs.runner import RunnerSettings
from bchub.jobs.service import JobService
from bchub.settings import Settings
from bchub.storage.runs import RunRepository
from bcsandbox import Sandbox, SandboxSettings, Store
from bcsandbox.faults import FaultRule
from bcsandbox.testing import transport_for
from tests.jobs.helpers import Clock, Gate, add_connection, failing_operation, gated_operation, probe_operation

pytestmark = pytest.mark.anyio


def request(hub: Hub, operation: str, connection: str = "shop", **params: object) -> JobRequest:
    found = hub.connections.get(connection)
    return JobRequest(operation, found.id, dict(params))


async def test_a_job_runs_once_with_a_recorded_run(hub: Hub, store: Store) -> None:
    add_connection(hub, store)
    hub.jobs.registry.add(probe_operation())
    submitted = hub.jobs.submit(request(hub, "probe"))
    assert submitted.created and submitted.job.status is JobStatus.QUEUED

    assert await hub.jobs.runner("w1").run(submitted.job.id) is None
    job = hub.jobs.get(submitted.job.id)
    assert job.status is JobStatus.SUCCEEDED and job.attempts == 1 and job.finished_at is not None
    (run,) = hub.jobs.runs(job)
    assert run.status is RunStatus.SUCCEEDED and run.requests == 1 and run.counts == {"unchanged": 1}
    assert run.trigger is Trigger.USER
    assert [item.key for item in hub.jobs.items(run.id)] == [store.hash]
    # a finished job is never run again
    assert await hub.jobs.runner("w2").run(job.id) is None
    assert hub.jobs.get(job.id).run_ids == [run.id]


async def test_a_duplicate_trigger_is_absorbed_while_the_job_waits(hub: Hub, store: Store) -> None:
    add_connection(hub, store)
    hub.jobs.registry.add(probe_operation())
    first = hub.jobs.submit(request(hub, "probe", days=3))
    again = hub.jobs.submit(request(hub, "probe", days=3))
    other = hub.jobs.submit(request(hub, "probe", days=7))
    assert (again.created, again.job.id) == (False, first.job.id)
    assert other.created and other.job.id != first.job.id

    await hub.jobs.runner("w1").run(first.job.id)
    after = hub.jobs.submit(request(hub, "probe", days=3))  # the first one has run: this is new work
    assert after.created and after.job.id not in (first.job.id, other.job.id)


async def test_one_run_per_operation_and_connection_at_a_time(hub: Hub, store: Store) -> None:
    add_connection(hub, store)
    gate = Gate()
    hub.jobs.registry.add(gated_operation(gate))
    hub.jobs.runner_settings = RunnerSettings(lock_wait_s=0.05)
    first = hub.jobs.submit(request(hub, "gated", n=1)).job
    second = hub.jobs.submit(request(hub, "gated", n=2)).job

    running = asyncio.ensure_future(hub.jobs.runner("w1").run(first.id))
    await gate.entered.wait()
    assert hub.jobs.locks.holder(first.lock_key) == first.id
    # the second job finds the lock taken: it stays queued, a little later, without spending an attempt
    wait = await hub.jobs.runner("w2").run(second.id)
    assert wait == 0.05
    waiting = hub.jobs.get(second.id)
    assert (waiting.status, waiting.attempts) == (JobStatus.QUEUED, 0)
    assert waiting.run_after > hub.jobs.store.now()

    gate.opened.set()
    assert await running is None
    assert hub.jobs.locks.holder(first.lock_key) is None
    # the lock is handed on: the waiting job is due at once
    assert hub.jobs.get(second.id).run_after <= hub.jobs.store.now()
    assert await hub.jobs.runner("w2").run(second.id) is None
    assert hub.jobs.get(second.id).status is JobStatus.SUCCEEDED
    assert gate.most_inside == 1


async def test_different_connections_run_side_by_side(hub: Hub, sandbox: Sandbox, store: Store) -> None:
    add_connection(hub, store)
    add_connection(hub, sandbox.create_store("def456", plan="enterprise"), name="other")
    gate = Gate()
    hub.jobs.registry.add(gated_operation(gate))
    jobs = [hub.jobs.submit(request(hub, "gated", name)).job for name in ("shop", "other")]
    runs = [asyncio.ensure_future(hub.jobs.runner(f"w{job.id}").run(job.id)) for job in jobs]
    while gate.inside < 2:
        await asyncio.sleep(0.01)
    gate.opened.set()
    await asyncio.gather(*runs)
    assert gate.most_inside == 2


@pytest.mark.parametrize(
    ("failure", "delay"),
    [("retryable", 42.0), ("ratelimited", 12.0)],
)
async def test_retryable_failures_are_queued_again_after_their_delay(
    hub: Hub, store: Store, failure: str, delay: float
) -> None:
    add_connection(hub, store)
    hub.jobs.registry.add(failing_operation())
    job = hub.jobs.submit(request(hub, "failing", failure=failure, fail_times=1)).job

    before = hub.jobs.store.now()
    assert await hub.jobs.runner("w1").run(job.id) == pytest.approx(delay)
    waiting = hub.jobs.get(job.id)
    assert waiting.status is JobStatus.QUEUED and waiting.attempts == 1
    assert timedelta(seconds=delay - 1) <= waiting.run_after - before <= timedelta(seconds=delay + 1)
    assert waiting.error is not None
    # not before its time
    assert await hub.jobs.runner("w1").run(job.id) == pytest.approx(delay, abs=1)
    assert hub.jobs.get(job.id).attempts == 1


async def test_a_retried_job_succeeds_on_a_later_attempt(hub: Hub, store: Store) -> None:
    add_connection(hub, store)
    hub.jobs.registry.add(failing_operation())
    job = hub.jobs.submit(request(hub, "failing", failure="server", fail_times=2)).job
    hub.jobs.runner_settings = RunnerSettings(backoff=Backoff(base_s=0.02))
    runner = hub.jobs.runner("w1")
    while (wait := await runner.run(job.id)) is not None:
        await asyncio.sleep(wait)
    done = hub.jobs.get(job.id)
    assert (done.status, done.attempts, done.error) == (JobStatus.SUCCEEDED, 3, None)
    statuses = [run.status for run in hub.jobs.runs(done)]
    assert statuses == [RunStatus.FAILED, RunStatus.FAILED, RunStatus.SUCCEEDED]


async def test_retries_stop_after_max_attempts(hub: Hub, store: Store) -> None:
    add_connection(hub, store)
    hub.jobs.registry.add(failing_operation())
    hub.jobs.max_attempts = 2
    hub.jobs.runner_settings = RunnerSettings(backoff=Backoff(base_s=0.01))
    job = hub.jobs.submit(request(hub, "failing", failure="server")).job
    runner = hub.jobs.runner("w1")
    while (wait := await runner.run(job.id)) is not None:
        await asyncio.sleep(wait)
    done = hub.jobs.get(job.id)
    assert done.status is JobStatus.FAILED and done.attempts == 2
    assert done.error is not None and "503" in done.error and "gave up after 2 attempts" in done.error


@pytest.mark.parametrize("failure", ["permanent", "bug"])
async def test_permanent_failures_are_not_retried(hub: Hub, store: Store, failure: str) -> None:
    add_connection(hub, store)
    hub.jobs.registry.add(failing_operation())
    job = hub.jobs.submit(request(hub, "failing", failure=failure)).job
    assert await hub.jobs.runner("w1").run(job.id) is None
    done = hub.jobs.get(job.id)
    assert done.status is JobStatus.FAILED and done.attempts == 1
    (run,) = hub.jobs.runs(done)
    assert run.status is RunStatus.FAILED  # the run is closed even when the operation crashed
    expected = "no order status" if failure == "permanent" else "KeyError: 'variant_id'"
    assert expected in (done.error or "") and expected in (run.error or "")


async def test_a_real_429_from_the_store_requeues_after_the_reset(hub_settings: Settings) -> None:
    sandbox = Sandbox(SandboxSettings(window_ms=200))
    store = sandbox.create_store("std429", plan="standard")
    store.faults.add(FaultRule(path="/v2/time", rate_limit_burst=20, rate_limit_headers=True))
    with Hub(hub_settings, transport=transport_for(sandbox)) as hub:
        add_connection(hub, store)
        hub.jobs.registry.add(probe_operation())
        job = hub.jobs.submit(request(hub, "probe")).job
        wait = await hub.jobs.runner("w1").run(job.id)
        assert wait is not None and 0 < wait <= 0.5  # the window's reset, plus jitter
        waiting = hub.jobs.get(job.id)
        assert waiting.status is JobStatus.QUEUED and "429" in (waiting.error or "")
        (run,) = hub.jobs.runs(waiting)
        assert run.status is RunStatus.FAILED and run.requests == 6  # the client's own attempts, all counted


async def test_an_auth_failure_pauses_the_connection_and_its_other_jobs(
    hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    shop = add_connection(hub, store)
    hub.jobs.registry.add(probe_operation())
    hub.jobs.registry.add(probe_operation("probe_again"))
    store.revoke(next(iter(store.accounts)))
    job = hub.jobs.submit(request(hub, "probe")).job
    assert await hub.jobs.runner("w1").run(job.id) is None
    failed = hub.jobs.get(job.id)
    assert failed.status is JobStatus.FAILED and failed.attempts == 1
    assert "401" in (failed.error or "") and "paused" in (failed.error or "")
    assert hub.connections.get(shop.name).health.status is HealthStatus.NEEDS_ATTENTION

    # a scheduled or webhook job of the paused connection ends cancelled without touching the store
    sent = len(sandbox.requests(store.hash))
    scheduled = hub.jobs.submit(JobRequest("probe_again", shop.id, {}, Trigger.SCHEDULE, "schedule 1")).job
    assert await hub.jobs.runner("w1").run(scheduled.id) is None
    skipped = hub.jobs.get(scheduled.id)
    assert skipped.status is JobStatus.CANCELLED and "paused" in (skipped.error or "")
    assert skipped.run_ids == [] and len(sandbox.requests(store.hash)) == sent


async def test_cancel_a_queued_job_and_a_running_one(hub: Hub, store: Store) -> None:
    add_connection(hub, store)
    gate = Gate()
    hub.jobs.registry.add(gated_operation(gate))
    hub.jobs.runner_settings = RunnerSettings(heartbeat_s=0.02)
    running = hub.jobs.submit(request(hub, "gated", n=1)).job
    queued = hub.jobs.submit(request(hub, "gated", n=2)).job

    assert hub.jobs.cancel(queued.id).status is JobStatus.CANCELLED
    assert await hub.jobs.runner("w1").run(queued.id) is None
    assert hub.jobs.get(queued.id).run_ids == []

    task = asyncio.ensure_future(hub.jobs.runner("w1").run(running.id))
    await gate.entered.wait()
    asked = hub.jobs.cancel(running.id)
    assert asked.status is JobStatus.RUNNING and asked.cancel_requested
    assert await asyncio.wait_for(task, 5) is None
    done = hub.jobs.get(running.id)
    assert done.status is JobStatus.CANCELLED
    (run,) = hub.jobs.runs(done)
    assert run.status is RunStatus.CANCELLED
    assert hub.jobs.locks.holder(done.lock_key) is None
    with pytest.raises(InputError, match="already finished"):
        hub.jobs.cancel(running.id)


async def test_follow_ups_are_submitted_when_a_job_succeeds(hub: Hub, store: Store) -> None:
    add_connection(hub, store)
    hub.jobs.registry.add(probe_operation())
    hub.jobs.registry.add(probe_operation("after"))
    first = hub.jobs.submit(
        JobRequest(
            "probe",
            hub.connections.get("shop").id,
            {},
            Trigger.WEBHOOK,
            "webhook event 1",
            then=(FollowUp("after", {"x": 1}),),
        )
    ).job
    await hub.jobs.runner("w1").run(first.id)
    (follow,) = hub.jobs.recent(operation="after")
    assert (follow.params, follow.trigger, follow.source) == ({"x": 1}, Trigger.WEBHOOK, f"after job {first.id}")


async def test_retry_makes_a_new_job_of_a_finished_one(hub: Hub, store: Store) -> None:
    add_connection(hub, store)
    hub.jobs.registry.add(failing_operation())
    job = hub.jobs.submit(request(hub, "failing", failure="permanent", fail_times=1)).job
    with pytest.raises(InputError, match="still queued"):
        hub.jobs.retry(job.id)
    await hub.jobs.runner("w1").run(job.id)
    again = hub.jobs.retry(job.id).job
    assert again.id != job.id and again.retry_of == job.id and again.params == job.params
    await hub.jobs.runner("w1").run(again.id)
    assert hub.jobs.get(again.id).status is JobStatus.SUCCEEDED
    assert hub.jobs.get(job.id).status is JobStatus.FAILED


def test_a_job_whose_worker_died_is_recovered_by_the_scheduler(hub: Hub, store: Store) -> None:
    add_connection(hub, store)
    hub.jobs.registry.add(probe_operation())
    clock = Clock(hub.jobs.store.now())
    jobs = JobService(hub.jobs.services, hub.jobs.registry, WakeUp(), now=clock)
    job = jobs.submit(request(hub, "probe")).job
    # what a worker killed mid-run leaves behind: the job claimed, its run open, no more heartbeats
    claimed = jobs.store.claim(job.id, "worker-that-died")
    assert claimed is not None
    with hub.sessions.begin() as session:
        run = RunRepository(session).start("probe", job.connection_id, Trigger.USER)
    jobs.store.add_run(job.id, run.id)

    clock.advance(jobs.runner_settings.lease_s / 2)
    assert jobs.tick().recovered == []
    clock.advance(jobs.runner_settings.lease_s)
    assert jobs.tick().recovered == [job.id]
    queued = jobs.get(job.id)
    assert queued.status is JobStatus.QUEUED and "worker-that-died stopped responding" in (queued.error or "")
    with hub.sessions() as session:
        assert RunRepository(session).get(run.id).status is RunStatus.FAILED


def test_unknown_operations_and_wrong_roles_are_refused(hub: Hub, store: Store) -> None:
    add_connection(hub, store)
    hub.jobs.registry.add(replace(probe_operation("vendor_only"), roles=frozenset({Role.VENDOR})))
    with pytest.raises(InputError, match="unknown operation 'nope'"):
        hub.jobs.run("nope", "shop")
    with pytest.raises(InputError, match="needs a vendor connection; 'shop' is a merchant connection"):
        hub.jobs.run("vendor_only", "shop")


async def test_merged_params_gather_while_the_job_waits(hub: Hub, store: Store) -> None:
    add_connection(hub, store)
    hub.jobs.registry.add(replace(probe_operation("gathering"), merge_param="ids"))
    first = hub.jobs.submit(request(hub, "gathering", ids=[3, 1]))
    second = hub.jobs.submit(request(hub, "gathering", ids=[2, 3]))
    assert first.created and not second.created and second.job.id == first.job.id
    assert second.job.params == {"ids": [1, 2, 3]}
    other = hub.jobs.submit(request(hub, "gathering", ids=[9], mode="full"))  # other params: another job
    assert other.created
    await hub.jobs.runner("w1").run(first.job.id)
    after = hub.jobs.submit(request(hub, "gathering", ids=[4]))  # the first one ran: a new job
    assert after.created and after.job.params == {"ids": [4]}


def test_long_params_get_distinct_identity_keys() -> None:
    many = JobRequest("get_orders", 1, {"store_order_ids": list(range(1, 400))})
    more = JobRequest("get_orders", 1, {"store_order_ids": list(range(1, 401))})
    assert len(many.key()) <= 255 and many.key() != more.key()
    assert many.key() == JobRequest("get_orders", 1, {"store_order_ids": list(range(1, 400))}).key()
