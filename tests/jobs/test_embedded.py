"""Embedded mode: worker threads and the scheduler inside one process, on the hub's SQLite database."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest

from bchub.app import Hub
from bchub.domain.connections import HealthStatus
from bchub.domain.runs import RunStatus, Trigger
from bchub.jobs.embedded import EmbeddedRuntime
from bchub.jobs.model import JobStatus
from bchub.jobs.registry import JobContext, OperationSpec, body_operation
from bchub.sync.runner import OperationBody, OperationRun
from bcsandbox import Store
from tests.jobs.helpers import add_connection, probe_operation


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        time.sleep(0.02)


def held_operation(entered: threading.Event, release: threading.Event) -> OperationSpec:
    def make(ctx: JobContext) -> OperationBody:
        async def body(run: OperationRun) -> None:
            entered.set()
            while not release.is_set():
                await asyncio.sleep(0.01)

        return body

    return body_operation("held", "hold until released", make)


def test_workers_run_submitted_jobs(hub: Hub, store: Store) -> None:
    add_connection(hub, store)
    with EmbeddedRuntime(hub.jobs, workers=2, tick_s=60):
        job = hub.jobs.run("test_connection", "shop").job
        eventually(lambda: hub.jobs.get(job.id).status.finished)
    done = hub.jobs.get(job.id)
    assert done.status is JobStatus.SUCCEEDED
    (run,) = hub.jobs.runs(done)
    assert run.status is RunStatus.SUCCEEDED and run.counts["test_requests"] > 0
    assert hub.connections.get("shop").health.status is HealthStatus.OK


def test_the_scheduler_fires_schedules(hub: Hub, store: Store) -> None:
    add_connection(hub, store)
    hub.jobs.registry.add(probe_operation())
    hub.jobs.set_schedule("shop", "probe", enabled=True, interval_s=3600)
    with EmbeddedRuntime(hub.jobs, workers=1, tick_s=0.05):
        eventually(lambda: any(job.status.finished for job in hub.jobs.recent(operation="probe")))
    (job,) = hub.jobs.recent(operation="probe")
    assert job.trigger is Trigger.SCHEDULE and job.status is JobStatus.SUCCEEDED


def test_stopping_queues_a_running_job_again(hub: Hub, store: Store) -> None:
    add_connection(hub, store)
    entered, release = threading.Event(), threading.Event()
    hub.jobs.registry.add(held_operation(entered, release))
    runtime = EmbeddedRuntime(hub.jobs, workers=1, tick_s=60, grace_s=0.2).start()
    job = hub.jobs.run("held", "shop").job
    assert entered.wait(10)
    runtime.stop()
    queued = hub.jobs.get(job.id)
    assert queued.status is JobStatus.QUEUED and "worker stopped" in (queued.error or "")
    assert hub.jobs.runs(queued)[0].status is RunStatus.CANCELLED
    assert hub.jobs.locks.holder(queued.lock_key) is None

    release.set()
    with EmbeddedRuntime(hub.jobs, workers=1, tick_s=60):
        eventually(lambda: hub.jobs.get(job.id).status.finished)
    assert hub.jobs.get(job.id).status is JobStatus.SUCCEEDED


def test_the_embedded_runtime_needs_a_worker(hub: Hub) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        EmbeddedRuntime(hub.jobs, workers=0)
