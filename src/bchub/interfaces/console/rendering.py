"""Templates and the pieces every page shares: the layout's context, flash messages, redirects."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from bchub.domain.runs import count_labels
from bchub.interfaces.console.security import csrf_token, session_of

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")  # autoescaping on, as Starlette sets it


def when(moment: datetime | None, empty: str = "never") -> str:
    """``2026-11-23 12:07 UTC``; the full time is in the element's title where it matters."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment is not None else empty


def ago(moment: datetime | None, empty: str = "never") -> str:
    """``3 min ago``: how fresh a check or a sync is, at a glance."""
    if moment is None:
        return empty
    seconds = int((datetime.now(UTC) - moment).total_seconds())
    if seconds < 60:
        return "just now"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"


def money(value: Decimal | None) -> str:
    """``1,234.50``: BigCommerce keeps four decimals; people read two."""
    return "—" if value is None else f"{value:,.2f}"


templates.env.filters["when"] = when
templates.env.filters["money"] = money
templates.env.filters["ago"] = ago
templates.env.globals["count_labels"] = count_labels


def base_path(request: Request) -> str:
    """Where the console is mounted (``/console``): every link in the templates starts with it."""
    root = request.scope.get("root_path", "")
    return str(root).rstrip("/")


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A message shown once, on the next page rendered (kept in the session cookie)."""
    messages = session_of(request).setdefault("flash", [])
    messages.append([kind, message])


def _take_flashes(request: Request) -> list[list[str]]:
    taken = session_of(request).pop("flash", [])
    return taken if isinstance(taken, list) else []


def render(
    request: Request, template: str, *, status: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> Response:
    """A page (or an htmx fragment) with the layout's context: user, CSRF token, base path, flashes."""
    values = {
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request),
        "base": base_path(request),
        "flashes": [] if Path(template).name.startswith("_") else _take_flashes(request),  # fragments keep them
        **context,
    }
    return templates.TemplateResponse(request, template, values, status_code=status, headers=headers)


def redirect(request: Request, path: str) -> Response:
    """303 to a console path after a form post; htmx requests get ``HX-Redirect`` instead."""
    target = base_path(request) + path
    if request.headers.get("hx-request") == "true":
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
