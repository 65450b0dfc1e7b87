"""Runs and per-item outcomes: the vocabulary every operation reports in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
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


# A run's ``requests`` are what it sent to its own connection's store. A merchant's routing and
# shipment runs also call vendor stores: their counts hold the sum as ``vendor_requests`` and
# each vendor's share as ``requests_to_connection_<vendor connection id>`` (flat, so counts stay
# name → number and are listed by name: "requests to north 40").
VENDOR_REQUESTS = "vendor_requests"
VENDOR_SHARE_PREFIX = "requests_to_connection_"


def vendor_requests_key(connection_id: int) -> str:
    """The counts key of the requests a run sent to the store of connection ``connection_id``."""
    return f"{VENDOR_SHARE_PREFIX}{connection_id}"


def vendor_shares(counts: dict[str, Any]) -> dict[int, int]:
    """Per vendor connection, the requests a run's ``counts`` say it sent to that store."""
    shares: dict[int, int] = {}
    for key, value in counts.items():
        suffix = key.removeprefix(VENDOR_SHARE_PREFIX)
        if suffix != key and suffix.isdigit() and isinstance(value, int):
            shares[int(suffix)] = shares.get(int(suffix), 0) + value
    return shares


def count_labels(counts: Mapping[str, Any], names: Mapping[int, str] | None = None) -> list[tuple[str, Any]]:
    """A run's counts as (words, value), zeros left out; a vendor's share of requests is named by its
    connection when ``names`` knows it ("requests to north")."""
    labels = []
    shared = any(key.startswith(VENDOR_SHARE_PREFIX) for key in counts)
    for key, value in counts.items():
        if not value or (key == VENDOR_REQUESTS and shared):  # the shares say it, vendor by vendor
            continue
        suffix = key.removeprefix(VENDOR_SHARE_PREFIX)
        if suffix != key and suffix.isdigit():
            labels.append((f"requests to {(names or {}).get(int(suffix), f'connection {suffix}')}", value))
        else:
            labels.append((key.replace("_", " "), value))
    return labels


def counts_text(counts: Mapping[str, Any], names: Mapping[int, str] | None = None, empty: str = "nothing") -> str:
    """A run's counts in one line: "created 3, requests to north 40"."""
    return ", ".join(f"{label} {value}" for label, value in count_labels(counts, names)) or empty
