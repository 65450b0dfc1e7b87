"""The web console: server-rendered pages (Jinja2 + htmx, served from ``static/``; no build step).

``install_console(api)`` mounts it at ``/console`` of the app ``bchub serve`` runs (``/`` redirects
there). It has its own session cookie, CSRF checks and error pages, so nothing of it leaks into the
REST API. Vendored: ``static/htmx.min.js`` is htmx 2.0.11 from the npm package ``htmx.org`` (0BSD).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bchub.app import Hub
from bchub.bigcommerce.errors import BigCommerceError
from bchub.errors import HubError, NotFoundError
from bchub.interfaces.console import auth_pages, catalog, connections, dashboard, jobs, orders
from bchub.interfaces.console.rendering import HERE, base_path, render
from bchub.interfaces.console.security import CsrfRejected, LoginRequired, check_csrf
from bchub.interfaces.console.sessions import ConsoleSessions

MOUNT = "/console"

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


class SecurityHeaders:
    """Strict CSP (no inline script or style anywhere in the console), no framing, no caching of pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = str(scope.get("path", "")).startswith(str(scope.get("root_path", "")) + "/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in names:
                        headers.append((name.encode(), value.encode()))
                if not is_static and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def _login_required(request: Request, error: Exception) -> Response:
    assert isinstance(error, LoginRequired)
    login = base_path(request) + "/login"
    if _is_htmx(request):
        # the page the fragment belongs to, not the fragment's own URL
        current = request.headers.get("hx-current-url", "")
        path = current.split("://", 1)[-1].partition("/")[2]
        target = f"{login}?next={quote('/' + path, safe='/')}" if path else login
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(f"{login}?next={quote(error.next_path, safe='/')}", status_code=303)


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    """A page; for an htmx request, a message swapped into the page's message area instead."""
    if _is_htmx(request):
        return render(
            request,
            "_error.html",
            status=status,
            title=title,
            message=message,
            headers={"HX-Retarget": "#htmx-messages", "HX-Reswap": "innerHTML"},
        )
    return render(request, "error.html", status=status, title=title, message=message)


async def _csrf_rejected(request: Request, error: Exception) -> Response:
    return _error_page(
        request,
        403,
        "Request refused",
        "This form was not sent from a page of this session (its CSRF token is missing or out of date). "
        "Reload the page and try again.",
    )


async def _hub_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HubError)
    if isinstance(error, NotFoundError):
        return _error_page(request, 404, "Not found", error.message)
    return _error_page(request, 422, "Cannot do that", error.message)


async def _bigcommerce_error(request: Request, error: Exception) -> Response:
    return _error_page(request, 502, "BigCommerce error", str(error))


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return _error_page(request, error.status_code, f"Error {error.status_code}", str(error.detail))


def create_console(hub: Hub) -> FastAPI:
    console = FastAPI(
        title="bchub console", docs_url=None, redoc_url=None, openapi_url=None, dependencies=[Depends(check_csrf)]
    )
    console.state.hub = hub
    console.add_exception_handler(LoginRequired, _login_required)
    console.add_exception_handler(CsrfRejected, _csrf_rejected)
    console.add_exception_handler(HubError, _hub_error)
    console.add_exception_handler(BigCommerceError, _bigcommerce_error)
    console.add_exception_handler(HTTPException, _http_error)
    console.include_router(auth_pages.router)
    console.include_router(dashboard.router)
    console.include_router(connections.router)
    console.include_router(jobs.router)
    console.include_router(orders.router)
    console.include_router(catalog.router)
    console.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    console.add_middleware(ConsoleSessions, keys=lambda: hub.secret_box().keys, path=MOUNT)
    console.add_middleware(SecurityHeaders)
    return console


def install_console(api: FastAPI, hub: Hub) -> None:
    """Mount the console at ``/console`` and send ``/`` there."""
    api.mount(MOUNT, create_console(hub), name="console")

    @api.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse(MOUNT + "/", status_code=307)
