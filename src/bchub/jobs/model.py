"""What the job layer talks about: jobs, their statuses, schedules and webhook events (plain data)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bchub.domain.runs import RunStatus, Trigger

KEY_LENGTH = 200  # identity keys longer than this are replaced by a digest (the column holds 255)


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self not in (JobStatus.QUEUED, JobStatus.RUNNING)

    @classmethod
    def of_run(cls, status: RunStatus) -> JobStatus:
        return cls(status.value) if status is not RunStatus.RUNNING else cls.RUNNING


@dataclass(frozen=True)
class FollowUp:
    """A job to submit once this one succeeds (e.g. route what was imported).

    ``connection_id`` None means the same connection (a vendor's stock read is followed by a
    sync of each merchant listing its items: other connections).
    """

    operation: str
    params: dict[str, Any] = field(default_factory=dict)
    connection_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"operation": self.operation, "params": dict(self.params)}
        if self.connection_id is not None:
            data["connection_id"] = self.connection_id
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FollowUp:
        connection_id = data.get("connection_id")
        return cls(
            str(data["operation"]),
            dict(data.get("params") or {}),
            int(connection_id) if connection_id is not None else None,
        )


@dataclass(frozen=True)
class JobRequest:
    """What a user, a schedule or a webhook asks for."""

    operation: str
    connection_id: int | None
    params: dict[str, Any] = field(default_factory=dict)
    trigger: Trigger = Trigger.USER
    source: str | None = None  # who or what, in words: "schedule 3", "webhook event 17", "cli"
    identity_key: str | None = None  # default: operation + connection + params
    then: tuple[FollowUp, ...] = ()
    delay_s: float = 0.0
    retry_of: int | None = None

    def key(self) -> str:
        """Two requests with the same key do the same work: one waiting job serves both."""
        if self.identity_key is not None:
            return self.identity_key
        params = json.dumps(self.params, sort_keys=True, separators=(",", ":"), default=str)
        key = f"{self.operation}:{self.connection_id}:{params}"
        if len(key) > KEY_LENGTH:  # long params (e.g. many ids): their digest, so keys never collide by truncation
            key = f"{self.operation}:{self.connection_id}:sha256:{hashlib.sha256(params.encode()).hexdigest()}"
        return key


@dataclass(frozen=True)
class Job:
    id: int
    operation: str
    connection_id: int | None
    params: dict[str, Any]
    trigger: Trigger
    source: str | None
    identity_key: str
    status: JobStatus
    attempts: int
    max_attempts: int
    run_after: datetime
    run_ids: list[int]
    then: list[FollowUp]
    error: str | None
    cancel_requested: bool
    worker: str | None
    retry_of: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def lock_key(self) -> str:
        """One run of an operation per connection at a time."""
        return f"{self.operation}:{self.connection_id}"


@dataclass(frozen=True)
class Submitted:
    job: Job
    created: bool  # False: absorbed into a job already waiting with the same identity key


@dataclass(frozen=True)
class Schedule:
    id: int | None
    connection_id: int
    operation: str
    enabled: bool
    interval_s: int
    params: dict[str, Any]
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_job_id: int | None


@dataclass(frozen=True)
class WebhookEvent:
    id: int
    store_hash: str
    scope: str
    hash: str
    payload: dict[str, Any]
    status: str  # queued | ignored
    detail: str | None
    job_ids: list[int]
    replays: int
    received_at: datetime
