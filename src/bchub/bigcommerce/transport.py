"""Sending one API call: rate limiting, retries, error mapping and logging around ``httpx``.

``ApiTransport.request`` is the only place a request leaves the client. Per attempt it waits
for the store's limiter, sends, feeds the response's quota headers back to the limiter, logs
one line (method, path, status, duration, quota left; the token appears only masked) and
turns an error status into a ``BigCommerceError``. Between attempts ``retry`` decides.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import orjson

from bchub.bigcommerce.credentials import mask
from bchub.bigcommerce.dates import format_filter
from bchub.bigcommerce.errors import (
    BigCommerceError,
    RateLimited,
    ScopeAdvice,
    ScopeMissing,
    TransportError,
    error_from_response,
)
from bchub.bigcommerce.ratelimit import H_LEFT, H_QUOTA, RateLimiter
from bchub.bigcommerce.retry import RetryPolicy, is_idempotent, outcome_unknown, retryable, unknown_outcome

log = logging.getLogger("bchub.bigcommerce")

USER_AGENT = "bchub/0.1 (+https://github.com/bchub)"
# failures that happen before a single byte of the request reaches the server
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)

ParamValue = str | int | float | bool | datetime | Sequence[str | int]
Params = Mapping[str, ParamValue | None]


def _param(value: ParamValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_filter(value)
    if isinstance(value, str | int | float):
        return str(value)
    return ",".join(str(item) for item in value)


def encode_params(params: Params | None) -> list[tuple[str, str]]:
    """Query pairs; ``None`` values are dropped, lists joined with commas, datetimes as full timestamps."""
    if not params:
        return []
    return [(key, _param(value)) for key, value in params.items() if value is not None]


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def encode_body(body: object) -> bytes:
    return orjson.dumps(body, default=_json_default)


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: httpx.Headers
    content: bytes
    method: str
    path: str

    def json(self) -> Any:
        """The parsed body (``None`` for an empty one); a body that is not JSON raises ``BigCommerceError``."""
        if not self.content.strip():
            return None
        try:
            return orjson.loads(self.content)
        except orjson.JSONDecodeError:
            preview = self.content[:80].decode("utf-8", errors="replace")
            raise BigCommerceError(
                f"expected a JSON body, got {self.headers.get('content-type', 'no content type')}: {preview!r}",
                status=self.status,
                method=self.method,
                path=self.path,
            ) from None

    def data(self) -> Any:
        """The V3 envelope's ``data``."""
        body = self.json()
        if not isinstance(body, dict) or "data" not in body:
            raise BigCommerceError(
                "expected a V3 body {data, meta}", status=self.status, method=self.method, path=self.path
            )
        return body["data"]


@dataclass
class RequestStats:
    sent: int = 0  # requests that reached the network, retries included
    rate_limited: int = 0  # 429 responses
    retries: int = 0
    server_errors: int = 0
    transport_errors: int = 0


class ApiTransport:
    """One store's HTTP client: ``{base_url}/stores/{store_hash}`` plus ``/v2/...`` or ``/v3/...``."""

    def __init__(
        self,
        store_hash: str,
        access_token: str,
        *,
        base_url: str,
        limiter: RateLimiter,
        retry: RetryPolicy,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | float = 30.0,
        user_agent: str = USER_AGENT,
        rng: random.Random | None = None,
        scope_advice: ScopeAdvice | None = None,
    ) -> None:
        self.store_hash = store_hash
        self.limiter = limiter
        self._scope_advice = scope_advice
        self.retry = retry
        self.stats = RequestStats()
        self._token = access_token
        self._masked = mask(access_token)
        self._rng = rng or random.Random()
        self._http = httpx.AsyncClient(
            base_url=f"{base_url.rstrip('/')}/stores/{store_hash}",
            transport=transport,
            timeout=timeout,
            follow_redirects=False,  # a redirect must not carry the token to another host
            headers={"X-Auth-Token": access_token, "Accept": "application/json", "User-Agent": user_agent},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: object = None,
        idempotent: bool | None = None,
    ) -> ApiResponse:
        """Send with retries; ``idempotent`` overrides the method's default (PUT that adds lines: False)."""
        method = method.upper()
        safe = is_idempotent(method) if idempotent is None else idempotent
        query = encode_params(params)
        content = encode_body(json) if json is not None else None
        deadline = time.monotonic() + self.retry.budget_s
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(method, path, query, content)
            except BigCommerceError as error:
                if outcome_unknown(error, idempotent=safe):
                    raise unknown_outcome(error) from None
                delay = self._delay_before_retry(error, attempt, safe, deadline)
                if delay is None:
                    raise
                self.stats.retries += 1
                log.warning(
                    "retrying %s %s in %.2f s (attempt %d): %s", method, path, delay, attempt + 1, error.message
                )
                await asyncio.sleep(delay)

    def _delay_before_retry(self, error: BigCommerceError, attempt: int, safe: bool, deadline: float) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` to give up."""
        if attempt >= self.retry.max_attempts or not retryable(error, idempotent=safe):
            return None
        # after a 429 the limiter holds every request until the reset; only the budget matters here
        pending = error.pause_s if isinstance(error, RateLimited) and error.pause_s else 0.0
        delay = 0.0 if isinstance(error, RateLimited) else self.retry.backoff(attempt, self._rng)
        if time.monotonic() + pending + delay > deadline:
            return None
        return delay

    async def _attempt(
        self, method: str, path: str, query: list[tuple[str, str]], content: bytes | None
    ) -> ApiResponse:
        await self.limiter.acquire()
        released = False
        started = time.perf_counter()
        try:
            headers = {"Content-Type": "application/json"} if content is not None else None
            try:
                response = await self._http.request(method, path, params=tuple(query), content=content, headers=headers)
            except httpx.TransportError as exc:
                sent = not isinstance(exc, _NOT_SENT)
                self.stats.sent += int(sent)
                self.stats.transport_errors += 1
                released = True
                await self.limiter.release(None, succeeded=False)
                self._log(logging.WARNING, method, path, query, f"{type(exc).__name__}", started, None)
                message = self._scrub(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
                raise TransportError(message, sent=sent, method=method, path=path) from None
            self.stats.sent += 1
            released = True
            return await self._receive(response, method, path, query, started)
        finally:
            if not released:  # cancelled while waiting for the response
                await self.limiter.release(None, succeeded=False)

    async def _receive(
        self, response: httpx.Response, method: str, path: str, query: list[tuple[str, str]], started: float
    ) -> ApiResponse:
        status = response.status_code
        pause: float | None = None
        if status == 429:
            self.stats.rate_limited += 1
            pause = await self.limiter.rate_limited(response.headers)
        else:
            await self.limiter.release(response.headers, succeeded=status < 400)
        level = logging.WARNING if status == 429 or status >= 500 else logging.DEBUG
        self._log(level, method, path, query, str(status), started, response.headers)
        if status < 300:
            return ApiResponse(status, response.headers, response.content, method, path)
        if status >= 500:
            self.stats.server_errors += 1
        error = self._error(response, method, path)
        if isinstance(error, RateLimited):
            error.pause_s = pause
        raise error

    def _error(self, response: httpx.Response, method: str, path: str) -> BigCommerceError:
        if response.status_code < 400:
            location = response.headers.get("location", "nowhere")
            return BigCommerceError(
                f"unexpected redirect ({response.status_code}) to {location}; check the base URL (https, no trailing path)",
                status=response.status_code,
                method=method,
                path=path,
            )
        error = error_from_response(
            response.status_code,
            response.content,
            content_type=response.headers.get("content-type"),
            headers=response.headers,
            method=method,
            path=path,
        )
        error.message = self._scrub(error.message)
        error.field_errors = {key: self._scrub(value) for key, value in error.field_errors.items()}
        if isinstance(error, ScopeMissing) and self._scope_advice is not None:
            error.advice = self._scope_advice(method, path)
        return error

    def _scrub(self, text: str) -> str:
        """Defence in depth: a body or exception text that echoes the token shows it masked."""
        return text.replace(self._token, self._masked) if self._token else text

    def _log(
        self,
        level: int,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        outcome: str,
        started: float,
        headers: httpx.Headers | None,
    ) -> None:
        if not log.isEnabledFor(level):
            return
        shown = path + ("?" + "&".join(f"{key}={value}" for key, value in query) if query else "")
        if len(shown) > 300:
            shown = shown[:299] + "…"
        left = headers.get(H_LEFT, "?") if headers is not None else "?"
        quota = headers.get(H_QUOTA, "?") if headers is not None else "?"
        log.log(
            level,
            "%s %s -> %s in %.1f ms, quota left %s/%s [store %s, token %s]",
            method,
            shown,
            outcome,
            (time.perf_counter() - started) * 1000,
            left,
            quota,
            self.store_hash,
            self._masked,
        )
