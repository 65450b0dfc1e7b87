"""Console sessions in a signed cookie: ``HttpOnly``, ``SameSite=Lax``, ``Secure`` when served over https.

The cookie holds a small JSON dict (the CSRF token, the user id, the session key tying it to the
user's password, login and last-seen times), signed with a key derived from the hub's secret key
(``BCHUB_SECRET_KEY`` or the key file). Nothing secret is in it: it is signed, not encrypted. A
session ends after ``IDLE`` without a request, ``LIFETIME`` after login, on logout, or when the
user's password changes or the user is removed (the session key no longer matches).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "bchub_console"
IDLE = 12 * 3600  # seconds without a request before a session ends
LIFETIME = 7 * 24 * 3600  # seconds after login before a session ends whatever happens
REFRESH = 600  # re-sign the cookie at most this often when nothing else changed (sliding expiry)
_LABEL = b"bchub console sessions"


def signing_keys(secret_keys: Sequence[bytes]) -> list[bytes]:
    """One signing key per hub key, oldest first (itsdangerous signs with the last, checks with any)."""
    return [hmac.new(key, _LABEL, hashlib.sha256).digest() for key in reversed(secret_keys)]


def _snapshot(session: dict[str, Any]) -> str:
    return json.dumps(session, sort_keys=True, default=str)


class ConsoleSessions:
    """Pure ASGI middleware: ``scope["session"]`` (so ``request.session``) from and back to the cookie."""

    def __init__(self, app: ASGIApp, keys: Callable[[], Sequence[bytes]], *, path: str = "/") -> None:
        self.app = app
        self._keys = keys
        self._path = path
        self._serializer: URLSafeTimedSerializer | None = None
        self._lock = threading.Lock()

    def serializer(self) -> URLSafeTimedSerializer:
        """Built on first use: reading the hub's key may touch the database and create the key file."""
        with self._lock:
            if self._serializer is None:
                self._serializer = URLSafeTimedSerializer(signing_keys(self._keys()), salt="bchub.console.session")
            return self._serializer

    def _load(self, raw: str | None) -> dict[str, Any]:
        if not raw:
            return {}
        try:
            data = self.serializer().loads(raw, max_age=IDLE)
        except BadSignature:  # also SignatureExpired: an idle session starts over
            return {}
        if not isinstance(data, dict):
            return {}
        login = data.get("login")
        if isinstance(login, int) and time.time() - login > LIFETIME:
            return {}
        return data

    def _cookie(self, value: str, *, secure: bool, max_age: int) -> str:
        parts = [f"{COOKIE}={value}", f"Path={self._path}", f"Max-Age={max_age}", "HttpOnly", "SameSite=Lax"]
        if secure:
            parts.append("Secure")
        return "; ".join(parts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = HTTPConnection(scope).cookies.get(COOKIE)
        session = self._load(raw)
        scope["session"] = session
        before = _snapshot(session)
        secure = scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                current: dict[str, Any] = scope["session"]
                headers = MutableHeaders(scope=message)
                seen = current.get("seen")
                stale = not isinstance(seen, int) or time.time() - seen > REFRESH
                if current and (_snapshot(current) != before or stale):
                    current["seen"] = int(time.time())
                    value = self.serializer().dumps(current)
                    headers.append("Set-Cookie", self._cookie(value, secure=secure, max_age=IDLE))
                elif not current and raw:
                    headers.append("Set-Cookie", self._cookie("", secure=secure, max_age=0))
            await send(message)

        await self.app(scope, receive, send_with_cookie)
