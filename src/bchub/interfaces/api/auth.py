"""Who may call ``/api/v1``: whoever presents an active API token as a bearer token.

Tokens come from ``bchub tokens create <name>`` (shown once, stored as a hash) and stop working
when revoked (``bchub tokens revoke``) or past their expiry. ``BCHUB_API_TOKEN``, when set, is
also accepted: a bootstrap token for setups configured only through the environment (a container
with no shell to run ``bchub tokens create``). It cannot be revoked from the hub, so prefer
created tokens and leave it unset.

``require_api_token`` is the API's one authentication hook: every router depends on it. The
BigCommerce app callbacks do not: they prove themselves with the code exchange and the signed
payload.
"""

from __future__ import annotations

import hmac

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from bchub.app import Hub

bearer = HTTPBearer(auto_error=False, description="An API token from `bchub tokens create <name>`.")

BOOTSTRAP_CALLER = "the BCHUB_API_TOKEN bootstrap token"
HOW_TO_AUTHENTICATE = (
    "send 'Authorization: Bearer <token>' with a token from `bchub tokens create <name>` (or BCHUB_API_TOKEN)"
)


def hub_of(request: Request) -> Hub:
    hub = request.app.state.hub
    assert isinstance(hub, Hub)
    return hub


def _is_bootstrap_token(hub: Hub, given: str) -> bool:
    expected = hub.settings.api_token
    return expected is not None and hmac.compare_digest(given.encode(), expected.get_secret_value().encode())


def _refuse(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def require_api_token(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
    """Sync on purpose: FastAPI runs it in the thread pool, so the token lookup never blocks the event loop."""
    given = credentials.credentials.strip() if credentials is not None else ""
    if not given:
        raise _refuse(f"missing API token: {HOW_TO_AUTHENTICATE}")
    hub = hub_of(request)
    if _is_bootstrap_token(hub, given):
        request.state.api_caller = BOOTSTRAP_CALLER
        return
    token = hub.tokens.authenticate(given)
    if token is None:
        raise _refuse(f"the API token is wrong, revoked or expired: {HOW_TO_AUTHENTICATE}")
    request.state.api_caller = f"API token {token.name!r} ({token.shown}…)"


def caller_of(request: Request) -> str:
    """Who made an authenticated request, for the log of changes to users and tokens (never the token itself)."""
    caller = getattr(request.state, "api_caller", None)
    return caller if isinstance(caller, str) else "an unknown caller"
