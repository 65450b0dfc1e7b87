"""``JobService``: submit, inspect, cancel and retry jobs; manage schedules; the scheduler's tick.

The CLI, the REST API, the webhook receiver and the scheduler all go through here. Submitting
writes the job (or finds the identical one already waiting) and hands it to the dispatcher:
worker threads in embedded mode, a Celery message in distributed mode.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from bchub.domain.connections import Connection, is_paused
from bchub.domain.runs import ItemOutcome, Outcome, Run, Trigger
from bchub.errors import InputError, NotFoundError
from bchub.jobs.dispatch import Dispatcher
from bchub.jobs.model import Job, JobRequest, JobStatus, Schedule, Submitted
from bchub.jobs.registry import Registry, Services
from bchub.jobs.runner import JobRunner, RunnerSettings
from bchub.jobs.store import EventStore, JobStore, LockStore, ScheduleStore
from bchub.jobs.workers import gone_from_this_host, worker_name
from bchub.storage.repositories import utc_now
from bchub.storage.runs import RunRepository

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 5
MIN_INTERVAL_S = 10
REDISPATCH_AFTER_S = 600.0  # a due job no worker took for this long gets its broker message again


@dataclass
class TickReport:
    submitted: list[Submitted] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # schedules not fired, with the reason
    recovered: list[int] = field(default_factory=list)  # running jobs whose worker had died
    redispatched: list[int] = field(default_factory=list)


class JobService:
    def __init__(
        self,
        services: Services,
        registry: Registry,
        dispatcher: Dispatcher,
        *,
        now: Callable[[], datetime] = utc_now,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        runner_settings: RunnerSettings | None = None,
    ) -> None:
        self.services = services
        self.registry = registry
        self.dispatcher = dispatcher
        self.max_attempts = max_attempts
        self.runner_settings = runner_settings or RunnerSettings()
        self.store = JobStore(services.sessions, now)
        self.locks = LockStore(services.sessions, now)
        self.schedules = ScheduleStore(services.sessions, now)
        self.events = EventStore(services.sessions, now)

    def close(self) -> None:
        close = getattr(self.dispatcher, "close", None)
        if close is not None:
            close()

    # -- submitting -----------------------------------------------------------------------------
    def submit(self, request: JobRequest) -> Submitted:
        spec = self.registry.get(request.operation)
        if request.connection_id is None:
            raise InputError(f"operation {request.operation!r} needs a connection")
        connection = self.services.connections.get(request.connection_id)
        if not spec.allows(connection):
            roles = " or ".join(sorted(role.value for role in spec.roles))
            raise InputError(
                f"{spec.title} needs a {roles} connection; {connection.name!r} is a {connection.role.value} connection"
            )
        merge = spec.merge_param if isinstance(request.params.get(spec.merge_param or ""), list) else None
        if merge is not None and request.identity_key is None:
            rest = {key: value for key, value in request.params.items() if key != merge}
            request = replace(
                request, identity_key=JobRequest(request.operation, request.connection_id, rest).key() + f"+{merge}"
            )
        submitted = self.store.submit(request, max_attempts=self.max_attempts, merge_param=merge)
        if submitted.created:
            self._dispatch(submitted.job.id, request.delay_s)
            log.info(
                "job %s queued: %s for %r (%s)",
                submitted.job.id,
                request.operation,
                connection.name,
                request.source or request.trigger.value,
            )
        return submitted

    def run(
        self,
        operation: str,
        connection: str | int,
        params: dict[str, Any] | None = None,
        *,
        trigger: Trigger = Trigger.USER,
        source: str | None = None,
    ) -> Submitted:
        """Submit ``operation`` for a connection named (or numbered) ``connection``."""
        found = self.services.connections.get(connection)
        assert found.id is not None
        return self.submit(JobRequest(operation, found.id, dict(params or {}), trigger, source))

    def _dispatch(self, job_id: int, delay_s: float) -> None:
        self.dispatcher.dispatch(job_id, delay_s)
        if self.dispatcher.uses_broker:
            self.store.mark_dispatched([job_id])

    # -- reading --------------------------------------------------------------------------------
    def get(self, job_id: int) -> Job:
        return self.store.get(job_id)

    def recent(
        self,
        *,
        status: JobStatus | None = None,
        operation: str | None = None,
        connection: str | int | None = None,
        limit: int = 50,
    ) -> list[Job]:
        connection_id = self._connection_id(connection) if connection is not None else None
        return self.store.recent(status=status, operation=operation, connection_id=connection_id, limit=limit)

    def runs(self, job: Job) -> list[Run]:
        with self.services.sessions() as session:
            repository = RunRepository(session)
            found = []
            for run_id in job.run_ids:
                try:
                    found.append(repository.get(run_id))
                except NotFoundError:
                    continue
            return found

    def items(self, run_id: int, outcome: Outcome | None = None) -> list[ItemOutcome]:
        with self.services.sessions() as session:
            return RunRepository(session).items(run_id, outcome)

    # -- changing -------------------------------------------------------------------------------
    def cancel(self, job_id: int) -> Job:
        return self.store.request_cancel(job_id)

    def retry(self, job_id: int) -> Submitted:
        """Submit a finished job again, as a new job (the old one keeps its record)."""
        job = self.store.get(job_id)
        if not job.status.finished:
            raise InputError(f"job {job_id} is still {job.status.value}; only a finished job can be retried")
        return self.submit(
            JobRequest(
                job.operation,
                job.connection_id,
                job.params,
                Trigger.USER,
                f"retry of job {job.id}",
                then=tuple(job.then),
                retry_of=job.id,
            )
        )

    def runner(self, worker: str, rng: random.Random | None = None) -> JobRunner:
        return JobRunner(
            self.services,
            self.registry,
            self.store,
            self.locks,
            self.submit,
            dispatch=self._dispatch,
            worker=worker,
            settings=self.runner_settings,
            rng=rng,
        )

    async def wait(
        self,
        job_id: int,
        *,
        run_here: bool,
        poll_s: float = 0.5,
        on_wait: Callable[[Job, float], None] | None = None,
    ) -> Job:
        """Until the job has finished; with ``run_here`` this process runs its attempts itself.

        ``run_here`` suits embedded mode without a running ``bchub serve`` (a worker elsewhere
        that claims the job first simply runs it, and this waits). ``on_wait(job, seconds)`` is
        told of each wait for a retry or a busy lock.
        """
        runner = self.runner(worker=worker_name("inline")) if run_here else None
        while True:
            job = self.store.get(job_id)
            if job.status.finished:
                return job
            delay = await runner.run(job_id) if runner is not None else None
            job = self.store.get(job_id)
            if job.status.finished:
                return job
            pause = delay if delay is not None else poll_s
            if on_wait is not None and delay is not None:
                on_wait(job, delay)
            await asyncio.sleep(pause)

    # -- schedules ------------------------------------------------------------------------------
    def set_schedule(
        self,
        connection: str | int,
        operation: str,
        *,
        enabled: bool | None = None,
        interval_s: int | None = None,
        params: dict[str, Any] | None = None,
    ) -> Schedule:
        spec = self.registry.get(operation)
        found = self.services.connections.get(connection)
        assert found.id is not None
        if not spec.allows(found):
            raise InputError(f"{spec.title} does not apply to {found.role.value} connection {found.name!r}")
        current = self.schedules.find(found.id, operation)
        interval = interval_s if interval_s is not None else current.interval_s if current else spec.interval_s
        if interval < MIN_INTERVAL_S:
            raise InputError(f"a schedule's interval is at least {MIN_INTERVAL_S} seconds; got {interval}")
        if params is None and current is None:
            params = dict(spec.schedule_params)
        return self.schedules.save(found.id, operation, enabled=enabled, interval_s=interval, params=params)

    def list_schedules(self, connection: str | int | None = None) -> list[Schedule]:
        return self.schedules.all(self._connection_id(connection) if connection is not None else None)

    def _connection_id(self, reference: str | int) -> int:
        found = self.services.connections.get(reference)
        assert found.id is not None
        return found.id

    # -- the scheduler --------------------------------------------------------------------------
    def tick(self) -> TickReport:
        """Fire due schedules, recover jobs whose worker died, re-send lost broker messages."""
        report = TickReport()
        for schedule in self.schedules.due():
            self._fire(schedule, report)
        self._recover(report)
        if self.dispatcher.uses_broker:
            report.redispatched = self.store.undispatched(REDISPATCH_AFTER_S)
            for job_id in report.redispatched:
                self.dispatcher.dispatch(job_id)
            self.store.mark_dispatched(report.redispatched)
        return report

    def _fire(self, schedule: Schedule, report: TickReport) -> None:
        if not self.schedules.take_turn(schedule):
            return  # another scheduler fired it
        assert schedule.id is not None
        try:
            connection: Connection = self.services.connections.get(schedule.connection_id)
        except NotFoundError:
            return
        if is_paused(connection):
            report.skipped.append(f"schedule {schedule.id}: connection {connection.name!r} is paused")
            return
        if schedule.operation not in self.registry:
            report.skipped.append(f"schedule {schedule.id}: unknown operation {schedule.operation!r}")
            return
        submitted = self.submit(
            JobRequest(
                schedule.operation,
                schedule.connection_id,
                schedule.params,
                Trigger.SCHEDULE,
                f"schedule {schedule.id}",
            )
        )
        self.schedules.record_job(schedule.id, submitted.job.id)
        report.submitted.append(submitted)

    def recover(self) -> list[int]:
        """Queue again (or fail) the running jobs whose worker died; returns their ids.

        Silent for the whole lease: its worker is presumed dead wherever it ran. Silent for a
        few heartbeats, and its worker ran on this machine in a process that no longer exists
        (killed, crashed, the machine rebooted): no need to wait for the lease.
        """
        settings = self.runner_settings
        now = self.store.now()
        runner = self.runner(worker=worker_name("scheduler"))
        lost = {job.id: (job, False) for job in self.store.stale(settings.lease_s)}
        for job in self.store.stale(settings.gone_after_s):
            if job.id not in lost and gone_from_this_host(job.worker):
                lost[job.id] = (job, True)
        recovered = []
        for job, gone in lost.values():
            silent_for = settings.gone_after_s if gone else settings.lease_s
            after = runner.close_abandoned(job, now - timedelta(seconds=silent_for), gone=gone)
            if after is None:
                continue  # another scheduler got there first, or the worker spoke again
            if after.status is JobStatus.QUEUED:
                self._dispatch(job.id, 0.0)
            recovered.append(job.id)
        return recovered

    def _recover(self, report: TickReport) -> None:
        report.recovered = self.recover()
