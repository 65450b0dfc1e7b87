"""The job layer's storage: jobs, lock leases, schedules and webhook events, one transaction per call.

Every state change that two workers could race on is a single conditional ``UPDATE`` (or an
``INSERT`` against a unique key), so it is atomic on SQLite and PostgreSQL alike: claiming a
queued job, taking a lock, firing a schedule, storing an event whose hash was already seen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bchub.domain.runs import Trigger
from bchub.errors import InputError, NotFoundError
from bchub.jobs.model import FollowUp, Job, JobRequest, JobStatus, Schedule, Submitted, WebhookEvent
from bchub.storage.job_tables import JobLockRow, JobRow, ScheduleRow, WebhookEventRow
from bchub.storage.repositories import utc_now

Clock = Callable[[], datetime]


def _job(row: JobRow) -> Job:
    return Job(
        id=row.id,
        operation=row.operation,
        connection_id=row.connection_id,
        params=dict(row.params or {}),
        trigger=Trigger(row.trigger),
        source=row.source,
        identity_key=row.identity_key,
        status=JobStatus(row.status),
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        run_after=row.run_after,
        run_ids=list(row.run_ids or []),
        then=[FollowUp.from_dict(item) for item in row.then or []],
        error=row.error,
        cancel_requested=row.cancel_requested,
        worker=row.worker,
        retry_of=row.retry_of,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


class JobStore:
    def __init__(self, sessions: sessionmaker[Session], now: Clock = utc_now) -> None:
        self._sessions = sessions
        self._now = now

    def now(self) -> datetime:
        return self._now()

    # -- submitting -----------------------------------------------------------------------------
    def submit(self, request: JobRequest, *, max_attempts: int, merge_param: str | None = None) -> Submitted:
        """A new queued job, or the one already waiting with the same identity key.

        With ``merge_param`` (a list param), the values of this request are added to the waiting
        job's list instead, so a burst of requests becomes one job.
        """
        key = request.key()
        for _ in range(5):  # the waiting job may start between our insert and our look-up
            now = self._now()
            try:
                with self._sessions.begin() as session:
                    row = JobRow(
                        operation=request.operation,
                        connection_id=request.connection_id,
                        params=dict(request.params),
                        trigger=request.trigger.value,
                        source=(request.source or "")[:255] or None,
                        identity_key=key,
                        queued_key=key,
                        status=JobStatus.QUEUED.value,
                        attempts=0,
                        max_attempts=max_attempts,
                        run_after=now + timedelta(seconds=max(0.0, request.delay_s)),
                        run_ids=[],
                        then=[follow.as_dict() for follow in request.then],
                        cancel_requested=False,
                        retry_of=request.retry_of,
                        created_at=now,
                    )
                    session.add(row)
                    session.flush()
                    return Submitted(_job(row), True)
            except IntegrityError:
                if merge_param is not None:
                    merged = self._merge(key, merge_param, request.params.get(merge_param) or [])
                    if merged is not None:
                        return Submitted(merged, False)
                    continue
                with self._sessions() as session:
                    waiting = session.scalars(select(JobRow).where(JobRow.queued_key == key)).first()
                    if waiting is not None:
                        return Submitted(_job(waiting), False)
        raise RuntimeError(f"could not queue or find a job with identity key {key!r}")

    def _merge(self, key: str, param: str, values: list[Any]) -> Job | None:
        """Add ``values`` to the list ``param`` of the job waiting under ``key``; None if none waits now."""
        with self._sessions.begin() as session:
            waiting = session.scalars(select(JobRow).where(JobRow.queued_key == key)).first()
            if waiting is None:
                return None
            current = list((waiting.params or {}).get(param) or [])
            merged = {*current, *values}
            in_order = sorted(merged) if all(isinstance(value, int) for value in merged) else sorted(merged, key=str)
            params = {**(waiting.params or {}), param: in_order}
            result = session.execute(
                update(JobRow)
                .where(JobRow.id == waiting.id, JobRow.status == JobStatus.QUEUED.value)
                .values(params=params),
                execution_options={"synchronize_session": False},
            )
            if not getattr(result, "rowcount", 0):
                return None
        return self.get(waiting.id)

    # -- reading --------------------------------------------------------------------------------
    def get(self, job_id: int) -> Job:
        with self._sessions() as session:
            row = session.get(JobRow, job_id)
            if row is None:
                raise NotFoundError(f"no job with id {job_id}")
            return _job(row)

    def recent(
        self,
        *,
        status: JobStatus | None = None,
        operation: str | None = None,
        connection_id: int | None = None,
        limit: int = 50,
    ) -> list[Job]:
        query = select(JobRow)
        if status is not None:
            query = query.where(JobRow.status == status.value)
        if operation is not None:
            query = query.where(JobRow.operation == operation)
        if connection_id is not None:
            query = query.where(JobRow.connection_id == connection_id)
        with self._sessions() as session:
            return [_job(row) for row in session.scalars(query.order_by(JobRow.id.desc()).limit(limit))]

    def due(self, limit: int = 10) -> list[Job]:
        """Queued jobs whose time has come, oldest first."""
        query = (
            select(JobRow)
            .where(JobRow.status == JobStatus.QUEUED.value, JobRow.run_after <= self._now())
            .order_by(JobRow.run_after, JobRow.id)
            .limit(limit)
        )
        with self._sessions() as session:
            return [_job(row) for row in session.scalars(query)]

    def next_run_after(self) -> datetime | None:
        """When the earliest queued job becomes due."""
        with self._sessions() as session:
            return session.scalar(select(func.min(JobRow.run_after)).where(JobRow.status == JobStatus.QUEUED.value))

    def count(self, status: JobStatus) -> int:
        with self._sessions() as session:
            return session.scalar(select(func.count()).select_from(JobRow).where(JobRow.status == status.value)) or 0

    # -- a worker's moves -----------------------------------------------------------------------
    def _update(self, job_id: int, *conditions: Any, **values: Any) -> bool:
        with self._sessions.begin() as session:
            result = session.execute(
                update(JobRow).where(JobRow.id == job_id, *conditions).values(**values),
                execution_options={"synchronize_session": False},
            )
            return bool(getattr(result, "rowcount", 0))

    def claim(self, job_id: int, worker: str) -> Job | None:
        """Start a queued job for ``worker``; None when another worker got it first or it was cancelled."""
        now = self._now()
        claimed = self._update(
            job_id,
            JobRow.status == JobStatus.QUEUED.value,
            status=JobStatus.RUNNING.value,
            queued_key=None,
            worker=worker[:255],
            attempts=JobRow.attempts + 1,
            started_at=now,
            heartbeat_at=now,
        )
        return self.get(job_id) if claimed else None

    def postpone(self, job_id: int, delay_s: float) -> bool:
        """Leave a queued job waiting ``delay_s`` longer (its lock is held by another run)."""
        return self._update(
            job_id,
            JobRow.status == JobStatus.QUEUED.value,
            run_after=self._now() + timedelta(seconds=delay_s),
        )

    def waiting_for_lock(self, job: Job, lock_wait_s: float) -> int | None:
        """The next queued job with ``job``'s lock key that was only postponed for the lock; made due now."""
        now = self._now()
        query = (
            select(JobRow.id)
            .where(
                JobRow.status == JobStatus.QUEUED.value,
                JobRow.operation == job.operation,
                JobRow.connection_id == job.connection_id,
                JobRow.id != job.id,
                JobRow.run_after <= now + timedelta(seconds=lock_wait_s),
            )
            .order_by(JobRow.run_after, JobRow.id)
            .limit(1)
        )
        with self._sessions() as session:
            waiting = session.scalar(query)
        if waiting is None:
            return None
        self._update(waiting, JobRow.status == JobStatus.QUEUED.value, run_after=now)
        return waiting

    def heartbeat(self, job_id: int, worker: str) -> bool:
        """Say the run is alive; returns whether someone asked to cancel it."""
        with self._sessions.begin() as session:
            row = session.get(JobRow, job_id)
            if row is None:
                return True  # the connection (and its jobs) were removed: stop
            if row.worker == worker and row.status == JobStatus.RUNNING.value:
                row.heartbeat_at = self._now()
            return row.cancel_requested

    def add_run(self, job_id: int, run_id: int) -> None:
        with self._sessions.begin() as session:
            row = session.get(JobRow, job_id)
            if row is not None:
                row.run_ids = [*list(row.run_ids or []), run_id]

    def finish(self, job_id: int, status: JobStatus, error: str | None) -> None:
        """End the job; ``worker`` keeps the name of the worker that ran its last attempt."""
        self._update(job_id, status=status.value, error=error, queued_key=None, finished_at=self._now())

    def requeue(self, job_id: int, delay_s: float, error: str) -> Job | None:
        """Queue a failed attempt again after ``delay_s``; returns the job that will do the work.

        When an identical job was queued meanwhile, that one does the work and this one ends
        ``failed`` with a note pointing at it.
        """
        job = self.get(job_id)
        try:
            with self._sessions.begin() as session:
                session.execute(
                    update(JobRow)
                    .where(JobRow.id == job_id)
                    .values(
                        status=JobStatus.QUEUED.value,
                        queued_key=job.identity_key,
                        run_after=self._now() + timedelta(seconds=delay_s),
                        error=error,
                        worker=None,
                        dispatched_at=None,
                    ),
                    execution_options={"synchronize_session": False},
                )
            return self.get(job_id)
        except IntegrityError:
            with self._sessions() as session:
                waiting = session.scalars(select(JobRow).where(JobRow.queued_key == job.identity_key)).first()
            note = f"{error} (not retried: job {waiting.id} is queued to do the same work)" if waiting else error
            self.finish(job_id, JobStatus.FAILED, note)
            return _job(waiting) if waiting else None

    def request_cancel(self, job_id: int) -> Job:
        """Cancel a queued job now; ask a running one to stop (its worker ends it ``cancelled``)."""
        job = self.get(job_id)
        if job.status is JobStatus.QUEUED:
            if self._update(job_id, JobRow.status == JobStatus.QUEUED.value, cancel_requested=True):
                self.finish(job_id, JobStatus.CANCELLED, "cancelled before it started")
        elif job.status is JobStatus.RUNNING:
            self._update(job_id, JobRow.status == JobStatus.RUNNING.value, cancel_requested=True)
        else:
            raise InputError(f"job {job_id} has already finished ({job.status.value}); nothing to cancel")
        return self.get(job_id)

    def stale(self, silent_for_s: float) -> list[Job]:
        """Running jobs whose worker has not said anything for ``silent_for_s`` seconds (it died)."""
        before = self._now() - timedelta(seconds=silent_for_s)
        query = select(JobRow).where(JobRow.status == JobStatus.RUNNING.value, JobRow.heartbeat_at < before)
        with self._sessions() as session:
            return [_job(row) for row in session.scalars(query)]

    def take_abandoned(self, job_id: int, worker: str | None, silent_since: datetime, recoverer: str) -> bool:
        """Take over a running job still held by ``worker`` and silent since before ``silent_since``.

        One conditional update, so of two schedulers looking at the same silent job only one
        recovers it; the fresh heartbeat keeps it from looking silent while it is being queued again.
        """
        held_by = JobRow.worker.is_(None) if worker is None else JobRow.worker == worker
        return self._update(
            job_id,
            JobRow.status == JobStatus.RUNNING.value,
            held_by,
            JobRow.heartbeat_at < silent_since,
            worker=recoverer[:255],
            heartbeat_at=self._now(),
        )

    def undispatched(self, older_than_s: float, limit: int = 500) -> list[int]:
        """Queued, due jobs not handed to the broker in the last ``older_than_s`` seconds."""
        now = self._now()
        before = now - timedelta(seconds=older_than_s)
        query = (
            select(JobRow.id)
            .where(
                JobRow.status == JobStatus.QUEUED.value,
                JobRow.run_after <= now,
                (JobRow.dispatched_at.is_(None)) | (JobRow.dispatched_at < before),
            )
            .order_by(JobRow.id)
            .limit(limit)
        )
        with self._sessions() as session:
            return list(session.scalars(query))

    def mark_dispatched(self, job_ids: list[int]) -> None:
        if not job_ids:
            return
        with self._sessions.begin() as session:
            session.execute(
                update(JobRow).where(JobRow.id.in_(job_ids)).values(dispatched_at=self._now()),
                execution_options={"synchronize_session": False},
            )


class LockStore:
    """Lease locks in the database, shared by every worker that shares the database."""

    def __init__(self, sessions: sessionmaker[Session], now: Clock = utc_now) -> None:
        self._sessions = sessions
        self._now = now

    def acquire(self, key: str, owner: str, job_id: int | None, ttl_s: float) -> bool:
        now = self._now()
        expires = now + timedelta(seconds=ttl_s)
        try:
            with self._sessions.begin() as session:
                session.add(JobLockRow(key=key, owner=owner, job_id=job_id, expires_at=expires))
            return True
        except IntegrityError:
            pass
        with self._sessions.begin() as session:  # take over a lease its holder let expire
            result = session.execute(
                update(JobLockRow)
                .where(JobLockRow.key == key, JobLockRow.expires_at < now)
                .values(owner=owner, job_id=job_id, expires_at=expires),
                execution_options={"synchronize_session": False},
            )
            return bool(getattr(result, "rowcount", 0))

    def renew(self, key: str, owner: str, ttl_s: float) -> bool:
        with self._sessions.begin() as session:
            result = session.execute(
                update(JobLockRow)
                .where(JobLockRow.key == key, JobLockRow.owner == owner)
                .values(expires_at=self._now() + timedelta(seconds=ttl_s)),
                execution_options={"synchronize_session": False},
            )
            return bool(getattr(result, "rowcount", 0))

    def release(self, key: str, owner: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(JobLockRow).where(JobLockRow.key == key, JobLockRow.owner == owner))

    def holder(self, key: str) -> int | None:
        """The job holding ``key``, if its lease is current."""
        with self._sessions() as session:
            row = session.get(JobLockRow, key)
            if row is None or row.expires_at < self._now():
                return None
            return row.job_id


def _schedule(row: ScheduleRow) -> Schedule:
    return Schedule(
        id=row.id,
        connection_id=row.connection_id,
        operation=row.operation,
        enabled=row.enabled,
        interval_s=row.interval_s,
        params=dict(row.params or {}),
        next_run_at=row.next_run_at,
        last_run_at=row.last_run_at,
        last_job_id=row.last_job_id,
    )


class ScheduleStore:
    def __init__(self, sessions: sessionmaker[Session], now: Clock = utc_now) -> None:
        self._sessions = sessions
        self._now = now

    def all(self, connection_id: int | None = None) -> list[Schedule]:
        query = select(ScheduleRow)
        if connection_id is not None:
            query = query.where(ScheduleRow.connection_id == connection_id)
        with self._sessions() as session:
            rows = session.scalars(query.order_by(ScheduleRow.connection_id, ScheduleRow.operation))
            return [_schedule(row) for row in rows]

    def find(self, connection_id: int, operation: str) -> Schedule | None:
        with self._sessions() as session:
            row = session.scalars(
                select(ScheduleRow).where(
                    ScheduleRow.connection_id == connection_id, ScheduleRow.operation == operation
                )
            ).first()
            return _schedule(row) if row else None

    def save(
        self,
        connection_id: int,
        operation: str,
        *,
        enabled: bool | None,
        interval_s: int,
        params: dict[str, Any] | None,
    ) -> Schedule:
        """Create or change a schedule; switching it on makes it due at once."""
        now = self._now()
        with self._sessions.begin() as session:
            row = session.scalars(
                select(ScheduleRow).where(
                    ScheduleRow.connection_id == connection_id, ScheduleRow.operation == operation
                )
            ).first()
            if row is None:
                row = ScheduleRow(
                    connection_id=connection_id,
                    operation=operation,
                    enabled=False,
                    interval_s=interval_s,
                    params={},
                    updated_at=now,
                )
                session.add(row)
            switched_on = bool(enabled) and not row.enabled
            if enabled is not None:
                row.enabled = enabled
            if row.interval_s != interval_s and row.next_run_at is not None and row.last_run_at is not None:
                row.next_run_at = row.last_run_at + timedelta(seconds=interval_s)
            row.interval_s = interval_s
            if params is not None:
                row.params = dict(params)
            if switched_on:
                row.next_run_at = now
            row.updated_at = now
            session.flush()
            return _schedule(row)

    def due(self) -> list[Schedule]:
        now = self._now()
        query = select(ScheduleRow).where(
            ScheduleRow.enabled.is_(True),
            (ScheduleRow.next_run_at.is_(None)) | (ScheduleRow.next_run_at <= now),
        )
        with self._sessions() as session:
            return [_schedule(row) for row in session.scalars(query.order_by(ScheduleRow.id))]

    def take_turn(self, schedule: Schedule) -> bool:
        """Advance a due schedule to its next time; False when another scheduler already did."""
        now = self._now()
        previous = (
            ScheduleRow.next_run_at.is_(None)
            if schedule.next_run_at is None
            else (ScheduleRow.next_run_at == schedule.next_run_at)
        )
        with self._sessions.begin() as session:
            result = session.execute(
                update(ScheduleRow)
                .where(ScheduleRow.id == schedule.id, ScheduleRow.enabled.is_(True), previous)
                .values(next_run_at=now + timedelta(seconds=schedule.interval_s), last_run_at=now),
                execution_options={"synchronize_session": False},
            )
            return bool(getattr(result, "rowcount", 0))

    def record_job(self, schedule_id: int, job_id: int) -> None:
        with self._sessions.begin() as session:
            row = session.get(ScheduleRow, schedule_id)
            if row is not None:
                row.last_job_id = job_id


def _event(row: WebhookEventRow) -> WebhookEvent:
    return WebhookEvent(
        id=row.id,
        store_hash=row.store_hash,
        scope=row.scope,
        hash=row.hash,
        payload=dict(row.payload or {}),
        status=row.status,
        detail=row.detail,
        job_ids=list(row.job_ids or []),
        replays=row.replays,
        received_at=row.received_at,
    )


class EventStore:
    def __init__(self, sessions: sessionmaker[Session], now: Clock = utc_now) -> None:
        self._sessions = sessions
        self._now = now

    def add(self, store_hash: str, scope: str, event_hash: str, payload: dict[str, Any]) -> WebhookEvent | None:
        """Store a received event; None when an event with the same hash was stored before."""
        try:
            with self._sessions.begin() as session:
                row = WebhookEventRow(
                    store_hash=store_hash[:32],
                    scope=scope[:128],
                    hash=event_hash[:128],
                    payload=payload,
                    status="received",
                    job_ids=[],
                    replays=0,
                    received_at=self._now(),
                )
                session.add(row)
                session.flush()
                return _event(row)
        except IntegrityError:
            return None

    def settle(self, event_id: int, status: str, detail: str | None, job_ids: list[int], *, replay: bool) -> None:
        with self._sessions.begin() as session:
            row = session.get(WebhookEventRow, event_id)
            if row is None:
                return
            row.status, row.detail = status, detail
            row.job_ids = sorted({*list(row.job_ids or []), *job_ids})
            if replay:
                row.replays += 1

    def get(self, event_id: int) -> WebhookEvent:
        with self._sessions() as session:
            row = session.get(WebhookEventRow, event_id)
            if row is None:
                raise NotFoundError(f"no webhook event with id {event_id}")
            return _event(row)

    def recent(self, *, store_hash: str | None = None, scope: str | None = None, limit: int = 50) -> list[WebhookEvent]:
        query = select(WebhookEventRow)
        if store_hash is not None:
            query = query.where(WebhookEventRow.store_hash == store_hash)
        if scope is not None:
            query = query.where(WebhookEventRow.scope == scope)
        with self._sessions() as session:
            rows = session.scalars(query.order_by(WebhookEventRow.id.desc()).limit(limit))
            return [_event(row) for row in rows]
