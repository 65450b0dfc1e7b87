"""The emulator's ASGI application.

``/stores/{hash}/v2|v3/...`` goes through one pipeline, in BigCommerce's order: store lookup (404),
token (401), quota (429), injected faults, scope (403), then the route's handler under the sandbox
lock. Everything else (control plane, OAuth) is a small Starlette app. The API path is plain ASGI
so a response is written in one piece and a fault can drop the connection mid-response.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import orjson
from starlette.datastructures import QueryParams
from starlette.types import Receive, Scope, Send

from bcsandbox.errors import ApiError
from bcsandbox.routes.registry import ApiRoute, Call, Reply, RouteTable
from bcsandbox.state import LoggedRequest, Sandbox

log = logging.getLogger("bcsandbox")

STORE_VERSION = b"7.6.0"
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ScopeDenied(ApiError):
    """BigCommerce's 403 for a token without the route's scope: it names no scope.

    V3 as the orders.v3 and webhooks.v3 specs' 403 examples (a relative ``type``, empty
    ``errors``); V2's body is undocumented, emulated as the DIGEST (§3) gives it.
    """

    V3_TITLE = "Unauthorized Access. You do not have permission to make this request."
    V3_TYPE = "/api-docs/getting-started/api-status-codes"
    V2_MESSAGE = "You don't have a required scope to access the endpoint"

    def __init__(self) -> None:
        super().__init__(403, self.V3_TITLE)

    def v3_body(self) -> dict[str, Any]:
        return {"status": 403, "title": self.V3_TITLE, "type": self.V3_TYPE, "errors": {}}

    def v2_body(self) -> list[dict[str, Any]]:
        return [{"status": 403, "message": self.V2_MESSAGE}]


class DroppedConnection(Exception):
    """Raised to cut a connection without a complete response (an injected fault)."""


class ApiRouter:
    """Finds the route for a path; routes are bucketed by their first two segments."""

    def __init__(self, tables: Iterable[RouteTable]) -> None:
        self.buckets: dict[str, list[ApiRoute]] = {}
        for table in tables:
            for route in table.routes:
                self.buckets.setdefault(self._bucket(route.template), []).append(route)

    @staticmethod
    def _bucket(path: str) -> str:
        return "/".join(path.split("/", 3)[:3])

    def resolve(self, method: str, path: str) -> tuple[ApiRoute, dict[str, Any]]:
        candidates = self.buckets.get(self._bucket(path), ())
        allowed: list[str] = []
        for route in candidates:
            params = route.match(path)
            if params is None:
                continue
            if route.method == method or (method == "HEAD" and route.method == "GET"):
                return route, params
            allowed.append(route.method)
        if allowed:
            raise ApiError(405, f"The method {method} is not allowed on this resource; allowed: {', '.join(allowed)}.")
        raise ApiError(404, "The requested resource was not found.")


def _render_error(error: ApiError, version: str) -> tuple[bytes, str]:
    if version == "v2":
        return orjson.dumps(error.v2_body()), error.content_type or "application/json"
    return orjson.dumps(error.v3_body()), error.content_type or "application/json"


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise DroppedConnection("client disconnected")
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class SandboxApp:
    """ASGI entry point. ``other`` serves every path outside ``/stores/``."""

    def __init__(self, sandbox: Sandbox, tables: Iterable[RouteTable], other: ASGIApp) -> None:
        self.sandbox = sandbox
        self.router = ApiRouter(tables)
        self.other = other

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/stores/"):
            await self._api(scope, receive, send)
        else:
            await self.other(scope, receive, send)

    async def _api(self, scope: Scope, receive: Receive, send: Send) -> None:
        sandbox = self.sandbox
        method: str = scope["method"]
        parts = scope["path"].split("/", 3)
        store_hash = parts[2]
        path = "/" + parts[3].rstrip("/") if len(parts) > 3 else "/"
        version = "v2" if path.startswith("/v2/") else "v3"
        query_string = scope.get("query_string", b"").decode("latin-1")
        headers: dict[str, str] = {}
        fault: str | None = None
        client_id: str | None = None
        drop_after = False
        started = time.perf_counter()

        try:
            store = sandbox.stores.get(store_hash)
            if store is None:
                raise ApiError(
                    404,
                    f"No store with the hash '{store_hash}' exists. Check the store hash in the API path.",
                )
            token = _header(scope, b"x-auth-token")
            account = store.accounts.get(token) if token else None
            if account is None:
                title = (
                    "Unauthorized - the v3 Auth client ID or token in the request are not a valid combination for this store."
                    if token
                    else "Unauthorized - the X-Auth-Token header is missing."
                )
                raise ApiError(401, title)
            client_id = account.client_id
            with sandbox.lock:
                quota = store.limiter.take()
                decision = store.faults.decide(method, path, sandbox.random)
            headers.update(quota.headers())
            if not quota.allowed:
                fault = "quota"
                raise ApiError(429, "Too many requests. The store's API quota is used up; retry after the reset time.")
            if decision.latency_ms:
                await asyncio.sleep(decision.latency_ms / 1000)
            if decision.rate_limited:
                fault = "429"
                if not decision.rate_limit_headers:
                    headers.clear()
                raise ApiError(429, "Too many requests.")
            if decision.error is not None:
                fault = str(decision.error.status)
                raise decision.error
            if decision.drop_before:
                fault = "drop"
                raise DroppedConnection(path)
            drop_after = decision.drop_after
            route, params = self.router.resolve(method, path)
            if not account.allows(route.scope, method):
                raise ScopeDenied()
            body = await _read_body(receive) if method in ("POST", "PUT", "DELETE", "PATCH") else b""
            host = _header(scope, b"host") or "localhost"
            call = Call(
                sandbox=sandbox,
                store=store,
                account=account,
                method=method,
                path=path,
                params=params,
                query=QueryParams(query_string),
                body=body,
                base_url=f"{scope.get('scheme', 'http')}://{host}/stores/{store_hash}",
            )
            with sandbox.lock:
                reply: Reply = route.handler(call)
                payload = b"" if reply.body is None else orjson.dumps(reply.body)
            status = reply.status
            content_type = reply.content_type
            if reply.headers:
                headers.update(reply.headers)
        except ApiError as error:
            status = error.status
            payload, content_type = _render_error(error, version)
            headers.update(error.headers)
            drop_after = False
        except DroppedConnection:
            self._log(store_hash, method, path, query_string, 0, client_id, fault or "drop")
            await self._drop(send)
            return

        if drop_after:
            # the write is committed; the caller never learns its outcome
            self._log(store_hash, method, path, query_string, status, client_id, "commit-then-drop")
            await self._drop(send)
            return
        self._log(store_hash, method, path, query_string, status, client_id, fault)
        raw_headers = [(b"x-bc-store-version", STORE_VERSION)]
        if status != 204:
            raw_headers.append((b"content-type", content_type.encode()))
            raw_headers.append((b"content-length", str(len(payload)).encode()))
        raw_headers.extend((name.lower().encode(), value.encode()) for name, value in headers.items())
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": b"" if status == 204 or method == "HEAD" else payload})
        log.debug(
            "%s %s%s -> %s in %.1f ms",
            method,
            store_hash,
            path,
            status,
            (time.perf_counter() - started) * 1000,
        )

    async def _drop(self, send: Send) -> None:
        # Promise a body, send none, then fail: servers close the socket and clients see the
        # connection drop; the in-process transport turns DroppedConnection into a network error.
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]})
        raise DroppedConnection("fault injection: connection dropped")

    def _log(
        self,
        store_hash: str,
        method: str,
        path: str,
        query: str,
        status: int,
        client_id: str | None,
        fault: str | None,
    ) -> None:
        self.sandbox.request_log.append(
            LoggedRequest(self.sandbox.clock.now(), store_hash, method, path, query, status, client_id, fault)
        )
