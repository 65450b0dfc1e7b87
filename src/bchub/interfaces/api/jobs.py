"""``/api/v1/jobs``, ``/api/v1/schedules``, ``/api/v1/webhook-events`` and ``/api/v1/operations``."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from bchub.domain.runs import Outcome
from bchub.interfaces.api.auth import hub_of, require_api_token
from bchub.jobs.model import Job, JobStatus
from bchub.jobs.service import JobService
from bchub.jobs.views import event_view, job_view, run_view, schedule_view

router = APIRouter(prefix="/api/v1", tags=["jobs"], dependencies=[Depends(require_api_token)])

ItemFilter = Literal["failed", "all", "none"]


class JobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operation: str = Field(description="An operation name, see GET /api/v1/operations.")
    connection: str | int = Field(description="The connection's name or id.")
    params: dict[str, Any] = Field(default_factory=dict)


class ScheduleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    interval_s: int | None = Field(None, description="Seconds between runs (at least 10).")
    params: dict[str, Any] | None = None


def _jobs(request: Request) -> JobService:
    return hub_of(request).jobs


def _detail(jobs: JobService, job: Job, items: ItemFilter) -> dict[str, Any]:
    wanted = None if items == "all" else Outcome.FAILED
    runs = [run_view(run, None if items == "none" else jobs.items(run.id, wanted)) for run in jobs.runs(job)]
    return job_view(job, runs)


@router.get("/operations")
def list_operations(request: Request) -> list[dict[str, Any]]:
    return [
        {
            "name": spec.name,
            "title": spec.title,
            "roles": sorted(role.value for role in spec.roles),
            "default_interval_s": spec.interval_s,
        }
        for spec in _jobs(request).registry
    ]


@router.get("/jobs")
def list_jobs(
    request: Request,
    status: JobStatus | None = None,
    operation: str | None = None,
    connection: str | None = None,
    limit: int = Query(50, ge=1, le=500),
) -> list[dict[str, Any]]:
    jobs = _jobs(request).recent(status=status, operation=operation, connection=connection, limit=limit)
    return [job_view(job) for job in jobs]


@router.post("/jobs", status_code=202)
def submit_job(body: JobCreate, request: Request) -> dict[str, Any]:
    """Queue a job; an identical job already waiting absorbs it (``created`` is then false)."""
    submitted = _jobs(request).run(body.operation, body.connection, body.params, source="api")
    return {"created": submitted.created, "job": job_view(submitted.job)}


@router.get("/jobs/{job_id}")
def get_job(job_id: int, request: Request, items: ItemFilter = "failed") -> dict[str, Any]:
    jobs = _jobs(request)
    return _detail(jobs, jobs.get(job_id), items)


@router.post("/jobs/{job_id}/retry", status_code=202)
def retry_job(job_id: int, request: Request) -> dict[str, Any]:
    submitted = _jobs(request).retry(job_id)
    return {"created": submitted.created, "job": job_view(submitted.job)}


@router.post("/jobs/{job_id}/cancel")
def cancel_job(job_id: int, request: Request) -> dict[str, Any]:
    return job_view(_jobs(request).cancel(job_id))


@router.get("/schedules")
def list_schedules(request: Request, connection: str | None = None) -> list[dict[str, Any]]:
    return [schedule_view(schedule) for schedule in _jobs(request).list_schedules(connection)]


@router.put("/schedules/{connection}/{operation}")
def update_schedule(connection: str, operation: str, body: ScheduleUpdate, request: Request) -> dict[str, Any]:
    schedule = _jobs(request).set_schedule(
        connection, operation, enabled=body.enabled, interval_s=body.interval_s, params=body.params
    )
    return schedule_view(schedule)


@router.get("/webhook-events")
def list_events(
    request: Request,
    store_hash: str | None = None,
    scope: str | None = None,
    limit: int = Query(50, ge=1, le=500),
) -> list[dict[str, Any]]:
    events = _jobs(request).events.recent(store_hash=store_hash, scope=scope, limit=limit)
    return [event_view(event) for event in events]


@router.get("/webhook-events/{event_id}")
def get_event(event_id: int, request: Request) -> dict[str, Any]:
    return event_view(_jobs(request).events.get(event_id), payload=True)


@router.post("/webhook-events/{event_id}/replay")
def replay_event(event_id: int, request: Request) -> dict[str, Any]:
    """Turn a stored event into jobs again (identical jobs still waiting absorb the new ones)."""
    return event_view(hub_of(request).webhooks.replay(event_id), payload=True)
