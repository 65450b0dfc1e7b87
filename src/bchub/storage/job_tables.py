"""Jobs, their locks, schedules and received webhook events (see ``bchub.jobs``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bchub.storage.tables import Base, UTCDateTime


class JobRow(Base):
    """One request to run an operation for a connection, and how it went across its attempts.

    ``queued_key`` holds the job's identity key while it waits and is cleared when it starts: the
    unique index on it is what absorbs a duplicate trigger into the job already waiting.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_run_after", "status", "run_after"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operation: Mapped[str] = mapped_column(String(64), index=True)
    connection_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    trigger: Mapped[str] = mapped_column(String(16))  # user | schedule | webhook | system
    source: Mapped[str | None] = mapped_column(String(255))  # e.g. "schedule 3", "webhook event 17"
    identity_key: Mapped[str] = mapped_column(String(255))
    queued_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # queued | running | succeeded | partial | failed | cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime)
    run_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # one run per attempt
    then: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # jobs to submit once this one succeeds
    error: Mapped[str | None] = mapped_column(Text)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    worker: Mapped[str | None] = mapped_column(String(255))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retry_of: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JobLockRow(Base):
    """A lease: while it is held (and not expired) no other job with the same key runs."""

    __tablename__ = "job_locks"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255))
    job_id: Mapped[int | None] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ScheduleRow(Base):
    """Run an operation for a connection every ``interval_s`` seconds, while ``enabled``."""

    __tablename__ = "schedules"
    __table_args__ = (UniqueConstraint("connection_id", "operation", name="uq_schedules_connection_operation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(Integer, ForeignKey("connections.id", ondelete="CASCADE"))
    operation: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    interval_s: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_job_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookEventRow(Base):
    """A webhook callback as received, kept so it can be listed and replayed."""

    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("store_hash", "hash", name="uq_webhook_events_store_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_hash: Mapped[str] = mapped_column(String(32), index=True)
    scope: Mapped[str] = mapped_column(String(128), index=True)
    hash: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # queued | ignored
    detail: Mapped[str | None] = mapped_column(Text)
    job_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    replays: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
