"""Running one job attempt, the same way in an embedded worker thread and in a Celery worker.

1. A job that is no longer queued (done, cancelled, taken by another worker) is left alone.
2. A scheduled or webhook job of a paused connection (disabled, or needing attention) ends
   ``cancelled`` with the reason; a user's own request still runs.
3. The lock ``operation:connection`` is taken as a lease; when another run holds it, the job
   stays queued and is looked at again shortly (no attempt is spent).
4. The job is claimed (queued → running) and its operation runs, with a heartbeat that renews
   the lease and notices a cancel request.
5. The attempt's error, if any, decides: retry after a delay (429 → the quota reset), or end.
   Follow-up jobs are submitted once the job succeeds.

The hub's database may go away for a while (a PostgreSQL restart). Before a job is claimed,
that only means "look again shortly"; once it runs, the attempt fails like any transient error,
and the runner's own bookkeeping (closing the run, queueing the retry, releasing the lock)
waits for the database to come back (up to ``database_patience_s``) so the job is not left
``running``. A worker that dies outright is covered by the scheduler: see ``close_abandoned``.

``run`` returns how many seconds from now the job should be looked at again (a retry or a
postponement), or ``None`` when there is nothing more to do for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from bchub.domain.connections import Connection, is_paused
from bchub.domain.runs import Run, RunStatus, Trigger
from bchub.errors import HubError, NotFoundError
from bchub.jobs.model import FollowUp, Job, JobRequest, JobStatus, Submitted
from bchub.jobs.registry import JobContext, OperationSpec, Registry, Services
from bchub.jobs.retry import Backoff, classify
from bchub.jobs.store import JobStore, LockStore
from bchub.storage.db import database_reason, database_unavailable
from bchub.storage.runs import RunRepository

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class RunnerSettings:
    lease_s: float = 60.0  # a lock not renewed for this long is free again (its worker died)
    heartbeat_s: float = 2.0  # how often a running job renews its lease and looks for a cancel request
    lock_wait_s: float = 1.0  # how long a job waits before trying a busy lock again
    # a job of a worker of this machine whose process is gone: recovered after this much silence, not the lease
    gone_after_s: float = 5.0
    database_wait_s: float = 2.0  # the database is unavailable before a job starts: look again after this
    database_patience_s: float = 300.0  # how long a running job's bookkeeping waits for the database to return
    backoff: Backoff = field(default_factory=Backoff)


class JobRunner:
    def __init__(
        self,
        services: Services,
        registry: Registry,
        jobs: JobStore,
        locks: LockStore,
        submit: Callable[[JobRequest], Submitted],
        *,
        dispatch: Callable[[int, float], None] | None = None,
        worker: str,
        settings: RunnerSettings | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.services = services
        self.registry = registry
        self.jobs = jobs
        self.locks = locks
        self._submit = submit
        self._dispatch = dispatch
        self.worker = worker
        self.settings = settings or RunnerSettings()
        self._rng = rng or random.Random()

    async def run(self, job_id: int) -> float | None:
        try:
            return await self._run(job_id)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            wait = self.settings.database_wait_s
            log.warning("job %s: %s; looking again in %.1f s", job_id, database_reason(exc), wait)
            return wait

    async def _run(self, job_id: int) -> float | None:
        try:
            job = self.jobs.get(job_id)
        except NotFoundError:
            return None  # its connection was removed, and its jobs with it
        if job.status is not JobStatus.QUEUED:
            return None
        wait = (job.run_after - self.jobs.now()).total_seconds()
        if wait > 0:
            return wait
        found = self._prepare(job)
        if found is None:
            return None
        spec, connection = found
        lock_key = job.lock_key if spec.exclusive else None
        if lock_key is not None and not self.locks.acquire(lock_key, self.worker, job.id, self.settings.lease_s):
            self.jobs.postpone(job.id, self.settings.lock_wait_s)
            return self.settings.lock_wait_s
        try:
            claimed = self.jobs.claim(job.id, self.worker)
            if claimed is None:
                return None
            return await self._attempt(claimed, spec, connection, lock_key)
        finally:
            if lock_key is not None:
                await self._stored(lambda: self.locks.release(lock_key, self.worker))
                self._wake_next(job)

    def _wake_next(self, job: Job) -> None:
        """Hand the lock on: the next job waiting for it is due now, instead of at its next look."""
        if self._dispatch is None:
            return
        try:
            waiting = self.jobs.waiting_for_lock(job, self.settings.lock_wait_s)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            return  # the waiting job is looked at again when its own delay ends
        if waiting is not None:
            self._dispatch(waiting, 0.0)

    async def _stored(self, write: Callable[[], T]) -> T:
        """``write()``, tried again while the database is unavailable, for up to ``database_patience_s``."""
        deadline = time.monotonic() + self.settings.database_patience_s
        pause = 0.25
        while True:
            try:
                return write()
            except Exception as exc:
                if not database_unavailable(exc) or time.monotonic() + pause > deadline:
                    raise
                log.warning("%s; trying again in %.1f s", database_reason(exc), pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 5.0)

    def _prepare(self, job: Job) -> tuple[OperationSpec, Connection] | None:
        """The job's operation and connection, or None after ending a job that cannot run."""
        if job.operation not in self.registry:
            known = ", ".join(self.registry.names())
            self.jobs.finish(
                job.id, JobStatus.FAILED, f"unknown operation {job.operation!r} (this worker knows: {known})"
            )
            return None
        if job.connection_id is None:
            self.jobs.finish(job.id, JobStatus.FAILED, "the job has no connection")
            return None
        try:
            connection = self.services.connections.get(job.connection_id)
        except NotFoundError:
            self.jobs.finish(job.id, JobStatus.FAILED, f"connection {job.connection_id} no longer exists")
            return None
        spec = self.registry.get(job.operation)
        if not spec.runs_when_paused and job.trigger is not Trigger.USER and is_paused(connection):
            why = "it is disabled" if not connection.enabled else f"it needs attention: {connection.health.reason}"
            self.jobs.finish(job.id, JobStatus.CANCELLED, f"not run: connection {connection.name!r} is paused ({why})")
            return None
        return spec, connection

    async def _attempt(
        self, job: Job, spec: OperationSpec, connection: Connection, lock_key: str | None
    ) -> float | None:
        ctx = JobContext(
            job, connection, self.services, on_run_started=lambda run_id: self.jobs.add_run(job.id, run_id)
        )
        task = asyncio.ensure_future(spec.run(ctx))
        watcher = asyncio.ensure_future(self._watch(job, lock_key, task))
        run: Run | None = None
        try:
            run = await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.cancelled():  # this worker is being stopped: give the job back
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
                self._close_run(ctx.run_id, RunStatus.CANCELLED, "the worker stopped during the run")
                self.jobs.requeue(job.id, 0.0, "the worker stopped during the run; queued again")
                raise
            self._close_run(ctx.run_id, RunStatus.CANCELLED, "cancelled on request")
            self.jobs.finish(job.id, JobStatus.CANCELLED, "cancelled while running")
            return None
        except Exception as exc:  # a bug, or the database gone from under the operation
            if database_unavailable(exc):
                reason = database_reason(exc)
                log.warning("job %s (%s) stopped: %s", job.id, job.operation, reason)
            else:
                log.exception("job %s (%s) crashed", job.id, job.operation)
                reason = f"{type(exc).__name__}: {exc}"
            ctx.error = exc
            await self._stored(lambda: self._close_run(ctx.run_id, RunStatus.FAILED, reason))
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        return await self._settle(job, ctx, run)

    async def _watch(self, job: Job, lock_key: str | None, task: asyncio.Future[Run]) -> None:
        while not task.done():
            await asyncio.sleep(self.settings.heartbeat_s)
            try:
                if lock_key is not None:
                    self.locks.renew(lock_key, self.worker, self.settings.lease_s)
                cancel = self.jobs.heartbeat(job.id, self.worker)
            except Exception as exc:
                if not database_unavailable(exc):
                    raise
                continue  # the operation finds out itself; the next beat tries again
            if cancel:
                task.cancel()
                return

    def _close_run(self, run_id: int | None, status: RunStatus, error: str) -> None:
        """Finish a run the sync runner could not finish itself (cancelled, or crashed past it)."""
        if run_id is None:
            return
        with self.services.sessions.begin() as session:
            runs = RunRepository(session)
            if runs.get(run_id).status is RunStatus.RUNNING:
                runs.finish(run_id, status, counts={}, requests=0, error=error)

    def close_abandoned(self, job: Job, silent_since: datetime, *, gone: bool = False) -> Job | None:
        """A running job whose worker went silent (killed, machine lost): queue it again, or fail it.

        Only when the job is still as seen: running for the same worker, silent since before
        ``silent_since`` (two schedulers, or a worker that came back, do not recover it twice).
        Returns the job as it is now (queued, or failed out of attempts), or None when left alone.
        """
        if not self.jobs.take_abandoned(job.id, job.worker, silent_since, self.worker):
            return None
        if job.worker is not None:  # its lease would keep the job's next attempt waiting until it expired
            self.locks.release(job.lock_key, job.worker)
        if gone:
            reason = f"worker {job.worker} stopped during attempt {job.attempts}: its process is gone"
        else:
            reason = f"worker {job.worker or '?'} stopped responding during attempt {job.attempts}"
        if job.run_ids:
            self._close_run(job.run_ids[-1], RunStatus.FAILED, reason)
        if job.attempts < job.max_attempts:
            self.jobs.requeue(job.id, 0.0, reason)
        else:
            self.jobs.finish(job.id, JobStatus.FAILED, reason)
        return self.jobs.get(job.id)

    async def _settle(self, job: Job, ctx: JobContext, run: Run | None) -> float | None:
        if ctx.error is None and run is not None:
            status = JobStatus.of_run(run.status)
            await self._stored(lambda: self.jobs.finish(job.id, status, run.error))
            if status in (JobStatus.SUCCEEDED, JobStatus.PARTIAL):
                await self._follow_up(job, [*job.then, *ctx.follow_ups])
            return None
        error = ctx.error if ctx.error is not None else RuntimeError("the operation returned no run")
        verdict = classify(error, job.attempts, self.settings.backoff, self._rng)
        if verdict.retry and job.attempts < job.max_attempts:
            log.info("job %s (%s) will retry in %.1f s: %s", job.id, job.operation, verdict.delay_s, verdict.reason)
            waiting = await self._stored(lambda: self.jobs.requeue(job.id, verdict.delay_s, verdict.reason))
            return verdict.delay_s if waiting is not None and waiting.id == job.id else None
        suffix = "" if not verdict.retry else f" (gave up after {job.attempts} attempts)"
        if verdict.auth:
            suffix = "; the connection is paused until a connection test passes"
        await self._stored(lambda: self.jobs.finish(job.id, JobStatus.FAILED, verdict.reason + suffix))
        return None

    async def _follow_up(self, job: Job, follow_ups: list[FollowUp]) -> None:
        for follow in follow_ups:
            if follow.operation not in self.registry:
                log.warning("job %s: follow-up %s is not a known operation; skipped", job.id, follow.operation)
                continue
            request = JobRequest(
                operation=follow.operation,
                connection_id=follow.connection_id if follow.connection_id is not None else job.connection_id,
                params=follow.params,
                trigger=job.trigger,
                source=f"after job {job.id}",
            )
            try:
                # submitting twice is harmless: the identity key finds the job the first try queued
                await self._stored(functools.partial(self._submit, request))
            except HubError as exc:  # e.g. the connection was removed meanwhile: the job itself did its work
                log.warning("job %s: follow-up %s not queued: %s", job.id, follow.operation, exc)
