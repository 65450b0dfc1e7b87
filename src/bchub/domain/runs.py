"""Runs and per-item outcomes: the vocabulary every operation reports in."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Trigger(StrEnum):
    USER = "user"
    SCHEDULE = "schedule"
    WEBHOOK = "webhook"
    SYSTEM = "system"


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # finished, but some items failed
    FAILED = "failed"  # the run itself could not finish
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    LINKED = "linked"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    FAILED = "failed"
    DELETED = "deleted"


@dataclass
class Run:
    id: int
    operation: str
    connection_id: int | None
    trigger: Trigger
    params: dict[str, Any]
    status: RunStatus
    counts: dict[str, int]
    error: str | None
    requests: int
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class ItemOutcome:
    kind: str
    key: str
    outcome: Outcome
    reason: str | None = None


@dataclass
class Tally:
    """Counts outcomes as a run goes; decides the final status."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.value] += 1

    def status(self) -> RunStatus:
        return RunStatus.PARTIAL if self.counts[Outcome.FAILED.value] else RunStatus.SUCCEEDED
