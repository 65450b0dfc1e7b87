"""The BigCommerce app callbacks: ``/bigcommerce/auth``, ``/load`` and ``/uninstall``.

BigCommerce calls ``auth`` and ``load`` from the merchant's browser inside the control-panel
iframe (so they answer HTML), and ``uninstall`` server to server. Every page escapes what it
shows; a payload that fails verification gets a 401 and no detail beyond why.
"""

from __future__ import annotations

import html
import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from bchub.bigcommerce.oauth import InvalidSignedPayload, OAuthError
from bchub.errors import ConfigurationError, NotFoundError
from bchub.interfaces.api.auth import hub_of

log = logging.getLogger(__name__)
router = APIRouter(prefix="/bigcommerce", tags=["bigcommerce app"])


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(document, status_code=status)


def _paragraph(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


@router.get("/auth", name="bigcommerce_auth")
async def auth(request: Request, code: str = "", scope: str = "", context: str = "") -> Response:
    """Install (or re-authorize): exchange the code for the store's token and save the connection."""
    if not code or not context:
        return _page("bchub could not be installed", _paragraph("The request lacks the code or context."), 400)
    installer = hub_of(request).app_installer
    redirect_uri = str(request.url_for("bigcommerce_auth"))
    try:
        installed = await installer.install(code=code, scope=scope, context=context, redirect_uri=redirect_uri)
    except ConfigurationError as error:
        log.error("app install refused: %s", error)
        return _page("bchub is not set up as an app", _paragraph(str(error)), 500)
    except OAuthError as error:
        log.warning("app install failed: %s", error.message)
        return _page("bchub could not be installed", _paragraph(error.message), 502)
    report = installed.report
    status = report.headline() if report is not None else "not tested"
    return _page(
        f"bchub is installed in {installed.store_label}",
        _paragraph(f"Store {installed.connection.store_hash}, connection {installed.connection.name!r}.")
        + _paragraph(status),
    )


@router.get("/load")
async def load(request: Request, signed_payload_jwt: str = "") -> Response:
    """A user opens bchub from the control panel: the console for that store."""
    try:
        opened = hub_of(request).app_installer.load(signed_payload_jwt)
    except InvalidSignedPayload as error:
        return _page("Not authorized", _paragraph(error.message), 401)
    except NotFoundError as error:
        return _page("bchub is not installed in this store", _paragraph(str(error)), 404)
    except ConfigurationError as error:
        return _page("bchub is not set up as an app", _paragraph(str(error)), 500)
    connection = opened.connection
    who = opened.payload.user_email if opened.payload is not None else None
    health = connection.health.status.label
    return _page(
        f"bchub · {opened.store_label}",
        _paragraph(
            f"Store {connection.store_hash}, connection {connection.name!r} ({connection.role.value}), health: {health}."
        )
        + (_paragraph(f"Signed in as {who}.") if who else ""),
    )


@router.get("/uninstall")
async def uninstall(request: Request, signed_payload_jwt: str = "") -> Response:
    """The app was uninstalled: disable the store's connection and delete its token."""
    try:
        hub_of(request).app_installer.uninstall(signed_payload_jwt)
    except InvalidSignedPayload as error:
        return _page("Not authorized", _paragraph(error.message), 401)
    except NotFoundError as error:
        return _page("Unknown store", _paragraph(str(error)), 404)
    except ConfigurationError as error:
        return _page("bchub is not set up as an app", _paragraph(str(error)), 500)
    return Response(status_code=204)
