"""Who may call ``/api/v1``: for now, whoever presents ``BCHUB_API_TOKEN`` as a bearer token.

This is the API's one authentication hook (``require_api_token``); when users and sessions
arrive, replace this dependency and every router keeps working. With no token configured the
API refuses every call (503) rather than serving secrets-adjacent data to anyone who can connect.
The BigCommerce app callbacks do not use it: they prove themselves with the code exchange and
the signed payload.
"""

from __future__ import annotations

import hmac

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from bchub.app import Hub

bearer = HTTPBearer(auto_error=False, description="The value of BCHUB_API_TOKEN.")


def hub_of(request: Request) -> Hub:
    hub = request.app.state.hub
    assert isinstance(hub, Hub)
    return hub


async def require_api_token(request: Request) -> None:
    expected = hub_of(request).settings.api_token
    if expected is None:
        raise HTTPException(503, "the REST API is off until an API token is configured: set BCHUB_API_TOKEN")
    credentials: HTTPAuthorizationCredentials | None = await bearer(request)
    given = credentials.credentials if credentials is not None else ""
    if not given or not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise HTTPException(
            401,
            "missing or wrong API token (send 'Authorization: Bearer <BCHUB_API_TOKEN>')",
            headers={"WWW-Authenticate": "Bearer"},
        )
