"""``/``: the dashboard, every connection's health at a glance."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bchub.domain.users import User
from bchub.interfaces.console.connections import health_badge
from bchub.interfaces.console.rendering import render
from bchub.interfaces.console.security import current_user, hub_of

router = APIRouter()


@router.get("/")
def dashboard(request: Request, user: User = Depends(current_user)) -> Response:
    connections = hub_of(request).connections.all()
    rows = [(connection, health_badge(connection)) for connection in connections]
    counts = {css: sum(1 for _, badge in rows if badge.css == css) for css in ("ok", "bad", "unknown", "off")}
    return render(request, "dashboard.html", nav="dashboard", rows=rows, counts=counts, total=len(rows))
