"""``/``: the dashboard: every connection's health, its last job, and the jobs that failed lately."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bchub.domain.connections import Connection
from bchub.domain.users import User
from bchub.interfaces.console.connections import HealthBadge, health_badge
from bchub.interfaces.console.jobs import STATUS_CSS
from bchub.interfaces.console.rendering import render
from bchub.interfaces.console.security import current_user, hub_of
from bchub.jobs.model import Job, JobStatus

router = APIRouter()

FAILURE_WINDOW = timedelta(days=1)
FAILURES_SHOWN = 10


@dataclass(frozen=True)
class StoreRow:
    connection: Connection
    badge: HealthBadge
    last_job: Job | None


@router.get("/")
def dashboard(request: Request, user: User = Depends(current_user)) -> Response:
    hub = hub_of(request)
    connections = hub.connections.all()
    rows = []
    for connection in connections:
        assert connection.id is not None
        recent = hub.jobs.recent(connection=connection.id, limit=1)
        rows.append(StoreRow(connection, health_badge(connection), recent[0] if recent else None))
    counts = {css: sum(1 for row in rows if row.badge.css == css) for css in ("ok", "bad", "unknown", "off")}
    since = datetime.now(UTC) - FAILURE_WINDOW
    failures = [
        job
        for status in (JobStatus.FAILED, JobStatus.PARTIAL)
        for job in hub.jobs.recent(status=status, limit=FAILURES_SHOWN)
        if (job.finished_at or job.created_at) >= since
    ]
    failures.sort(key=lambda job: job.id, reverse=True)
    return render(
        request,
        "dashboard.html",
        nav="dashboard",
        rows=rows,
        counts=counts,
        total=len(rows),
        failures=failures[:FAILURES_SHOWN],
        names={connection.id: connection.name for connection in connections},
        css=STATUS_CSS,
    )
