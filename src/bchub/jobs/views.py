"""Plain-data views of jobs, runs, schedules and webhook events for ``--json`` output and the REST API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bchub.domain.runs import ItemOutcome, Run
from bchub.jobs.model import Job, Schedule, WebhookEvent


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def run_view(run: Run, items: list[ItemOutcome] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": run.id,
        "operation": run.operation,
        "status": run.status.value,
        "trigger": run.trigger.value,
        "counts": run.counts,
        "requests": run.requests,
        "error": run.error,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
    }
    if items is not None:
        view["items"] = [
            {"kind": item.kind, "key": item.key, "outcome": item.outcome.value, "reason": item.reason} for item in items
        ]
    return view


def job_view(job: Job, runs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": job.id,
        "operation": job.operation,
        "connection_id": job.connection_id,
        "params": job.params,
        "status": job.status.value,
        "trigger": job.trigger.value,
        "source": job.source,
        "identity_key": job.identity_key,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "run_after": _iso(job.run_after),
        "error": job.error,
        "cancel_requested": job.cancel_requested,
        "worker": job.worker,
        "then": [follow.as_dict() for follow in job.then],
        "retry_of": job.retry_of,
        "run_ids": job.run_ids,
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
    }
    if runs is not None:
        view["runs"] = runs
    return view


def schedule_view(schedule: Schedule) -> dict[str, Any]:
    return {
        "id": schedule.id,
        "connection_id": schedule.connection_id,
        "operation": schedule.operation,
        "enabled": schedule.enabled,
        "interval_s": schedule.interval_s,
        "params": schedule.params,
        "next_run_at": _iso(schedule.next_run_at) if schedule.enabled else None,
        "last_run_at": _iso(schedule.last_run_at),
        "last_job_id": schedule.last_job_id,
    }


def event_view(event: WebhookEvent, *, payload: bool = False) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": event.id,
        "store_hash": event.store_hash,
        "scope": event.scope,
        "hash": event.hash,
        "status": event.status,
        "detail": event.detail,
        "job_ids": event.job_ids,
        "replays": event.replays,
        "received_at": _iso(event.received_at),
    }
    if payload:
        view["payload"] = event.payload
    return view
