"""``/jobs``: runs with their per-item outcomes and errors, Retry and Cancel, Run now; ``/webhooks``: events, Replay."""

from __future__ import annotations

import json
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from bchub.domain.connections import Connection
from bchub.domain.runs import ItemOutcome, Outcome, Run
from bchub.domain.users import User
from bchub.errors import InputError
from bchub.interfaces.console.forms import text
from bchub.interfaces.console.rendering import flash, redirect, render
from bchub.interfaces.console.security import current_user, form_of, hub_of
from bchub.jobs.model import JobStatus

router = APIRouter()

STATUS_CSS = {
    JobStatus.QUEUED: "unknown",
    JobStatus.RUNNING: "unknown",
    JobStatus.SUCCEEDED: "ok",
    JobStatus.PARTIAL: "bad",
    JobStatus.FAILED: "bad",
    JobStatus.CANCELLED: "off",
}
PAGE_SIZE = 100


@dataclass(frozen=True)
class RunDetail:
    run: Run
    items: list[ItemOutcome]
    showing_all: bool


def _names(request: Request) -> dict[int, str]:
    return hub_of(request).connections.names()


def _status(value: str | None) -> JobStatus | None:
    if not value:
        return None
    try:
        return JobStatus(value)
    except ValueError:
        raise InputError(
            f"no job status {value!r}; choose from {', '.join(status.value for status in JobStatus)}"
        ) from None


@router.get("/jobs")
def list_page(
    request: Request,
    status: str | None = None,
    operation: str | None = None,
    connection: str | None = None,
    user: User = Depends(current_user),
) -> Response:
    jobs = hub_of(request).jobs
    found = jobs.recent(
        status=_status(status), operation=operation or None, connection=connection or None, limit=PAGE_SIZE
    )
    return render(
        request,
        "jobs/list.html",
        nav="jobs",
        jobs=found,
        names=_names(request),
        css=STATUS_CSS,
        statuses=list(JobStatus),
        operations=jobs.registry.names(),
        connections=hub_of(request).connections.all(),
        chosen={"status": status or "", "operation": operation or "", "connection": connection or ""},
    )


@router.get("/jobs/{job_id}")
def detail_page(job_id: int, request: Request, items: str = "failed", user: User = Depends(current_user)) -> Response:
    jobs = hub_of(request).jobs
    job = jobs.get(job_id)
    showing_all = items == "all"
    runs = [
        RunDetail(run, jobs.items(run.id, None if showing_all else Outcome.FAILED), showing_all)
        for run in jobs.runs(job)
    ]
    return render(
        request,
        "jobs/detail.html",
        nav="jobs",
        job=job,
        runs=runs,
        names=_names(request),
        css=STATUS_CSS,
        params=json.dumps(job.params, sort_keys=True) if job.params else "",
        showing_all=showing_all,
    )


@router.post("/jobs/run")
def run_now(request: Request, user: User = Depends(current_user), form: FormData = Depends(form_of)) -> Response:
    """Queue an operation for a connection now (the Run now buttons on a connection's page)."""
    operation, reference = text(form, "operation"), text(form, "connection")
    if not operation or not reference:
        raise InputError("choose an operation and a connection to run it for")
    submitted = hub_of(request).jobs.run(operation, reference, source=f"console ({user.username})")
    job = submitted.job
    if submitted.created:
        flash(request, f"Queued job {job.id}: {job.operation}.")
    else:
        flash(request, f"Job {job.id} for the same work was already waiting; it will do this.", "info")
    return redirect(request, f"/jobs/{job.id}")


@router.post("/jobs/{job_id}/retry")
def retry(job_id: int, request: Request, user: User = Depends(current_user)) -> Response:
    submitted = hub_of(request).jobs.retry(job_id)
    flash(request, f"Job {job_id} queued again as job {submitted.job.id}.")
    return redirect(request, f"/jobs/{submitted.job.id}")


@router.post("/jobs/{job_id}/cancel")
def cancel(job_id: int, request: Request, user: User = Depends(current_user)) -> Response:
    job = hub_of(request).jobs.cancel(job_id)
    message = "cancelled" if job.status is JobStatus.CANCELLED else "asked to stop after the current item"
    flash(request, f"Job {job_id} {message}.")
    return redirect(request, f"/jobs/{job_id}")


@router.get("/webhooks")
def events_page(
    request: Request, store_hash: str | None = None, scope: str | None = None, user: User = Depends(current_user)
) -> Response:
    events = hub_of(request).jobs.events.recent(store_hash=store_hash or None, scope=scope or None, limit=PAGE_SIZE)
    stores: dict[str, list[Connection]] = {}
    for connection in hub_of(request).connections.all():
        stores.setdefault(connection.store_hash, []).append(connection)
    return render(
        request,
        "jobs/webhooks.html",
        nav="jobs",
        events=events,
        stores=stores,
        chosen={"store_hash": store_hash or "", "scope": scope or ""},
    )


@router.post("/webhooks/{event_id}/replay")
def replay(event_id: int, request: Request, user: User = Depends(current_user)) -> Response:
    event = hub_of(request).webhooks.replay(event_id)
    jobs = ", ".join(str(job_id) for job_id in event.job_ids) or "none"
    flash(request, f"Replayed webhook event {event.id} ({event.scope}); jobs: {jobs}.")
    return redirect(request, "/webhooks")
