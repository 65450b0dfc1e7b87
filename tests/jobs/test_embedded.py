"""Embedded mode: worker threads and the scheduler inside one process, on the hub's SQLite database."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import pytest

from bchub.app import Hub
from bchub.domain.connections import HealthStatus
from bchub.domain.runs import RunStatus, Trigger
from bchub.jobs.dispatch import WakeUp
from bchub.jobs.embedded import EmbeddedRuntime
from bchub.jobs.model import JobRequest, JobStatus
from bchub.jobs.registry import JobContext, OperationSpec, body_operation
from bchub.jobs.service import JobService
from bchub.jobs.workers import gone_from_this_host, process_of, worker_name
from bchub.storage.runs import RunRepository
from bchub.sync.runner import OperationBody, OperationRun
from bcsandbox import Store
from tests.jobs.helpers import Clock, add_connection, probe_operation


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
    assert run.status is RunStatus.SUCCEEDED and run.requests > 0
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


def a_pid_that_is_gone() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # exited and reaped: nothing runs under that pid now
    return child.pid


def test_worker_names_say_where_their_process_runs() -> None:
    here = socket.gethostname()
    assert worker_name("embedded", "worker-2") == f"embedded@{here}:{os.getpid()}/worker-2"
    assert process_of("celery@web-1.example:977") == ("web-1.example", 977)
    assert process_of("someone-else") is None and not gone_from_this_host("someone-else")
    assert not gone_from_this_host(worker_name("celery"))  # this very process
    assert gone_from_this_host(f"celery@{here}:{a_pid_that_is_gone()}")
    assert not gone_from_this_host(f"celery@another-host:{a_pid_that_is_gone()}")  # cannot tell: wait for the lease


def test_a_job_of_a_killed_worker_on_this_host_is_recovered_before_the_lease_ends(hub: Hub, store: Store) -> None:
    add_connection(hub, store)
    hub.jobs.registry.add(probe_operation())
    clock = Clock(hub.jobs.store.now())
    jobs = JobService(hub.jobs.services, hub.jobs.registry, WakeUp(), now=clock)
    connection_id = hub.connections.get("shop").id
    dead = f"embedded@{socket.gethostname()}:{a_pid_that_is_gone()}/worker-1"
    alive = worker_name("embedded", "worker-1")
    killed, busy = (jobs.submit(JobRequest("probe", connection_id, {"n": n})).job for n in (1, 2))
    # what a SIGKILL leaves: the job claimed with its lock and an open run, no more heartbeats
    for job, worker in ((killed, dead), (busy, alive)):
        assert jobs.store.claim(job.id, worker) is not None
    assert jobs.locks.acquire(killed.lock_key, dead, killed.id, jobs.runner_settings.lease_s)
    with hub.sessions.begin() as session:
        run = RunRepository(session).start("probe", connection_id, Trigger.USER)
    jobs.store.add_run(killed.id, run.id)

    clock.advance(jobs.runner_settings.gone_after_s / 2)
    assert jobs.tick().recovered == []  # a missed heartbeat or two is no death
    clock.advance(jobs.runner_settings.gone_after_s)
    assert jobs.tick().recovered == [killed.id]  # the live worker's job waits for the whole lease
    assert jobs.tick().recovered == []  # recovered once
    queued = jobs.get(killed.id)
    assert queued.status is JobStatus.QUEUED and "its process is gone" in (queued.error or "")
    assert jobs.locks.holder(killed.lock_key) is None  # the next attempt need not wait for the lease
    with hub.sessions() as session:
        assert RunRepository(session).get(run.id).status is RunStatus.FAILED
    assert jobs.get(busy.id).status is JobStatus.RUNNING
