"""The client's error tree, and turning an HTTP error response into one of its classes.

Every error carries the HTTP status (``None`` for network failures), a readable message and the
request it answers as ``method`` and ``path`` — never headers, so never the access token.
Bodies are parsed from both API versions: V3 problem objects ``{status, title, type, errors}``
and V2 arrays ``[{status, message}]``; HTML error pages and truncated JSON still give a message.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from typing import Any

import orjson

_SNIPPET = 200
_TAGS = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"\s+")

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    507: "Insufficient Storage",
}


class BigCommerceError(Exception):
    """Base of every error the client raises."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str | None = None,
        path: str | None = None,
        field_errors: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.path = path
        self.field_errors: dict[str, str] = dict(field_errors or {})

    def __str__(self) -> str:
        where = f"{self.method} {self.path}" if self.method and self.path else "request"
        status = f" -> {self.status}" if self.status is not None else ""
        details = ""
        if self.field_errors:
            details = " (" + "; ".join(f"{key}: {value}" for key, value in self.field_errors.items()) + ")"
        return f"{where}{status}: {self.message}{details}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, method={self.method!r}, path={self.path!r}, message={self.message!r})"


class BadRequest(BigCommerceError):
    """400: malformed request, or a read-only field sent on a V2 write."""


class AuthFailed(BigCommerceError):
    """401: the token is wrong, revoked, or not for this store."""


# What a 403 says when nobody told the client which scope the path needs (see ``ScopeAdvice``).
GENERIC_SCOPE_ADVICE = "the API account lacks a scope this operation needs"

# ``(method, path) -> advice``: which scope a request needs and where it is granted. The client stands
# alone and knows no scope table; whoever builds it (bchub passes its domain's) may supply one.
ScopeAdvice = Callable[[str | None, str | None], str]


class ScopeMissing(BigCommerceError):
    """403: the API account lacks the OAuth scope this endpoint needs.

    BigCommerce's body names no scope; ``advice`` says which one the request needed and where the
    merchant grants it, when the client was given a ``ScopeAdvice`` (otherwise a generic line).
    """

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.advice = GENERIC_SCOPE_ADVICE

    def __str__(self) -> str:
        return f"{super().__str__()}; {self.advice}"


class NotFound(BigCommerceError):
    """404: the resource (or the store hash) does not exist."""


class Conflict(BigCommerceError):
    """409: a uniqueness rule, e.g. a duplicate product name or SKU."""


class PayloadTooLarge(BigCommerceError):
    """413: a batch or page size over the API's maximum."""


class Unprocessable(BigCommerceError):
    """422: the body was understood but a field is invalid; see ``field_errors``."""


class RateLimited(BigCommerceError):
    """429: the store's request quota is used up (``reset_ms`` says for how long), or platform load."""

    def __init__(self, message: str, *, reset_ms: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.reset_ms = reset_ms
        self.pause_s: float | None = None  # how long the client's limiter holds requests after it


class ServerError(BigCommerceError):
    """5xx from BigCommerce or a proxy in front of it."""

    @property
    def retryable(self) -> bool:
        # 501 (method not implemented) and 507 (plan limit reached) do not heal by waiting
        return self.status not in (501, 507)


class TransportError(BigCommerceError):
    """The network failed: connection refused, reset, timed out, or the response was cut off."""

    def __init__(self, message: str, *, sent: bool, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.sent = sent  # False when the request certainly never reached the server


class WriteOutcomeUnknown(BigCommerceError):
    """A POST (or other non-idempotent write) may or may not have been applied.

    Raised instead of retrying: look the record up (e.g. ``orders.find_by_external_id``) before
    trying again. ``cause`` is the transport or server error that left the outcome unknown.
    """

    def __init__(self, message: str, *, cause: BigCommerceError, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.cause = cause


class PaginationError(BigCommerceError):
    """The server's pages did not advance, or a listing exceeded the page-count cap."""


_BY_STATUS: dict[int, type[BigCommerceError]] = {
    400: BadRequest,
    401: AuthFailed,
    403: ScopeMissing,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: Unprocessable,
    429: RateLimited,
}


def error_class(status: int) -> type[BigCommerceError]:
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, BigCommerceError)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "; ".join(_text(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_text(inner)}" for key, inner in value.items())
    return str(value)


def _field_errors(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(key): _text(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return {str(index): _text(item) for index, item in enumerate(value)}
    return {}


def _from_v3(body: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    message = _text(body.get("title") or body.get("message") or body.get("detail") or "")
    detail = body.get("detail")
    if detail and _text(detail) not in message:
        message = f"{message}: {_text(detail)}" if message else _text(detail)
    return message, _field_errors(body.get("errors"))


def _from_v2(body: list[Any]) -> tuple[str, dict[str, str]]:
    messages: list[str] = []
    fields: dict[str, str] = {}
    for item in body:
        if isinstance(item, dict):
            if item.get("message"):
                messages.append(_text(item["message"]))
            fields.update(_field_errors(item.get("details")))
        elif item:
            messages.append(_text(item))
    return "; ".join(messages), fields


def _snippet(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    title = _TITLE.search(text)
    if title:
        text = title.group(1)
    text = _SPACES.sub(" ", html.unescape(_TAGS.sub(" ", text))).strip()
    return text if len(text) <= _SNIPPET else text[: _SNIPPET - 1] + "…"


def describe_body(status: int, raw: bytes, content_type: str | None) -> tuple[str, dict[str, str]]:
    """``(message, field_errors)`` from an error body of either version, or of no known shape."""
    reason = _REASONS.get(status, "HTTP error")
    if not raw.strip():
        return reason, {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        kind = (content_type or "unknown type").split(";")[0].strip()
        snippet = _snippet(raw)
        return f"{reason} (non-JSON {kind} body{': ' + snippet if snippet else ''})", {}
    if isinstance(body, dict):
        message, fields = _from_v3(body)
    elif isinstance(body, list):
        message, fields = _from_v2(body)
    else:
        message, fields = _text(body), {}
    return message or reason, fields


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def error_from_response(
    status: int,
    raw: bytes,
    *,
    content_type: str | None,
    headers: Mapping[str, str],
    method: str,
    path: str,
) -> BigCommerceError:
    """The error instance for an HTTP error response (``status >= 400``)."""
    message, fields = describe_body(status, raw, content_type)
    cls = error_class(status)
    if cls is RateLimited:
        return RateLimited(
            message,
            reset_ms=_header_int(headers, "x-rate-limit-time-reset-ms"),
            status=status,
            method=method,
            path=path,
            field_errors=fields,
        )
    return cls(message, status=status, method=method, path=path, field_errors=fields)
