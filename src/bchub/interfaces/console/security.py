"""Who is logged in, and CSRF protection for every state-changing console request.

Every POST (a form or an htmx request) must carry the session's CSRF token, as the ``csrf_token``
form field or the ``X-CSRF-Token`` header (the layout sets it on every htmx request); anything
else is refused with 403 before the route runs. The token is replaced at login, so a token seen
before login is useless after it. As a second line (OWASP's "verify the origin"), an unsafe request
whose ``Origin`` (or, without one, ``Referer``) names another site is refused even with a valid token.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from starlette.datastructures import FormData

from bchub.app import Hub
from bchub.domain.users import User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class CsrfRejected(Exception):
    """The request did not carry this session's CSRF token."""


class LoginRequired(Exception):
    """Nobody is logged in (or the session ended); ``next`` is where to return after logging in."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def hub_of(request: Request) -> Hub:
    hub = request.app.state.hub
    assert isinstance(hub, Hub)
    return hub


def session_of(request: Request) -> dict[str, Any]:
    session = request.session
    assert isinstance(session, dict)
    return session


def csrf_token(request: Request) -> str:
    """This session's CSRF token, created on first need."""
    session = session_of(request)
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


async def form_of(request: Request) -> FormData:
    """The request's form (Starlette parses it once and keeps it on the request)."""
    return await request.form()


async def check_csrf(request: Request) -> None:
    """App-wide dependency: refuse any unsafe request without the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    if not _same_origin(request):
        raise CsrfRejected()
    expected = session_of(request).get("csrf")
    given: Any = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(_FORM_TYPES):
        given = (await form_of(request)).get(CSRF_FIELD)
    if not isinstance(expected, str) or not isinstance(given, str) or not hmac.compare_digest(given, expected):
        raise CsrfRejected()


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _same_origin(request: Request) -> bool:
    """True when the browser says the request comes from this site, or says nothing (non-browser clients).

    This site is where the request arrived, or ``public_url`` when the hub sits behind a proxy that
    rewrites the host. ``Origin: null`` (sandboxed frames, some redirects) is refused.
    """
    source = request.headers.get("origin") or request.headers.get("referer")
    if source is None:
        return True
    if source == "null":
        return False
    ours = {_origin(str(request.base_url))}
    public_url = hub_of(request).settings.public_url
    if public_url:
        ours.add(_origin(public_url))
    return _origin(source) in ours


def start_session(request: Request, user_id: int, key: str) -> None:
    """A fresh session for a user who just logged in (a new CSRF token; nothing from before login kept)."""
    session = session_of(request)
    session.clear()
    now = int(time.time())
    session.update({"uid": user_id, "key": key, "login": now, "seen": now})
    csrf_token(request)


def end_session(request: Request) -> None:
    session_of(request).clear()


def current_user(request: Request) -> User:
    """The logged-in user (set on ``request.state.user``), or ``LoginRequired``."""
    session = session_of(request)
    user_id, key = session.get("uid"), session.get("key")
    user = None
    if isinstance(user_id, int) and isinstance(key, str):
        user = hub_of(request).users.session_user(user_id, key)
    if user is None:
        for name in ("uid", "key", "login"):
            session.pop(name, None)
        path = request.url.path
        if request.url.query:
            path += "?" + request.url.query
        raise LoginRequired(path)
    request.state.user = user
    return user
