"""Route tables and the small request/response types every route module shares.

A handler is a plain function ``(Call) -> Reply`` that runs under the sandbox lock: it parses
``call``, calls the store's backend and wraps the result. It never does I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import orjson
from starlette.datastructures import QueryParams

from bcsandbox.errors import ApiError, bad_request

if TYPE_CHECKING:
    from bcsandbox.state import ApiAccount, Sandbox, Store

_EMPTY = object()


@dataclass
class Call:
    """What a handler gets: the store, the caller's account, path params, query and body."""

    sandbox: Sandbox
    store: Store
    account: ApiAccount
    method: str
    path: str  # after /stores/{hash}, e.g. /v3/catalog/products/12
    params: dict[str, Any]
    query: QueryParams
    body: bytes
    base_url: str  # e.g. http://127.0.0.1:8765/stores/abc123 — for V2 ``url`` link fields
    _json: Any = field(default=_EMPTY, repr=False)

    def json(self) -> Any:
        """The parsed body; a missing or malformed body is a 400, as on BigCommerce."""
        if self._json is _EMPTY:
            if not self.body.strip():
                raise bad_request("The request body is empty; a JSON document is required.")
            try:
                self._json = orjson.loads(self.body)
            except orjson.JSONDecodeError as exc:
                raise bad_request(f"The request body is not valid JSON: {exc}") from None
        return self._json

    def json_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise ApiError(422, "JSON data is missing or invalid", {"body": "a JSON object is required"})
        return body

    def json_array(self) -> list[Any]:
        body = self.json()
        if not isinstance(body, list):
            raise ApiError(422, "JSON data is missing or invalid", {"body": "a JSON array is required"})
        return body

    # -- query helpers ----------------------------------------------------------------------
    def int_param(self, name: str, default: int | None = None) -> int | None:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise bad_request(f"The query parameter '{name}' must be an integer, got '{raw}'.") from None

    def int_list(self, name: str) -> list[int] | None:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return None
        try:
            return [int(part) for part in raw.split(",") if part.strip()]
        except ValueError:
            raise bad_request(f"The query parameter '{name}' must be a comma-separated list of integers.") from None

    def str_list(self, name: str) -> list[str] | None:
        raw = self.query.get(name)
        if raw is None:
            return None
        return [part for part in raw.split(",") if part != ""]

    def includes(self) -> set[str]:
        raw = self.query.get("include") or ""
        return {part.strip() for part in raw.split(",") if part.strip()}

    def link(self, resource: str) -> dict[str, str]:
        """A V2 sub-resource link, e.g. ``{"url": ".../v2/orders/1/products", "resource": "/orders/1/products"}``."""
        return {"url": f"{self.base_url}/v2{resource}", "resource": resource}


@dataclass
class Reply:
    body: Any = None
    status: int = 200
    headers: dict[str, str] | None = None
    content_type: str = "application/json"


def v3(data: Any, meta: dict[str, Any] | None = None, status: int = 200) -> Reply:
    return Reply({"data": data, "meta": meta if meta is not None else {}}, status)


def v2(body: Any, status: int = 200) -> Reply:
    return Reply(body, status)


def no_content() -> Reply:
    return Reply(None, 204)


def page_window(call: Call, *, default_limit: int = 50, max_limit: int = 250) -> tuple[int, int]:
    """``(page, limit)`` from the query; a limit over the maximum is a 413 as the docs list."""
    page = call.int_param("page", 1) or 1
    limit = call.int_param("limit", default_limit)
    if limit is None or limit <= 0:
        limit = default_limit
    if page < 1:
        raise bad_request("The query parameter 'page' must be 1 or greater.")
    if limit > max_limit:
        raise ApiError(413, f"The requested limit is too large. The maximum limit is {max_limit}.")
    return page, limit


def v3_page(
    call: Call,
    items: Sequence[Any],
    *,
    default_limit: int = 50,
    max_limit: int = 250,
    render: Callable[[Any], Any] | None = None,
) -> Reply:
    """One V3 page of ``items`` with ``meta.pagination`` (total, count, per_page, links …)."""
    page, limit = page_window(call, default_limit=default_limit, max_limit=max_limit)
    total = len(items)
    start = (page - 1) * limit
    chunk = items[start : start + limit]
    data = [render(item) for item in chunk] if render else list(chunk)
    total_pages = math.ceil(total / limit) if total else 0
    others = [(key, value) for key, value in call.query.multi_items() if key not in ("page", "limit")]

    def link(number: int) -> str:
        return "?" + urlencode([*others, ("page", str(number)), ("limit", str(limit))], safe=",:")

    links: dict[str, str] = {"current": link(page)}
    if page > 1:
        links["previous"] = link(page - 1)
    if page < total_pages:
        links["next"] = link(page + 1)
    meta = {
        "pagination": {
            "total": total,
            "count": len(data),
            "per_page": limit,
            "current_page": page,
            "total_pages": total_pages,
            "links": links,
        }
    }
    return v3(data, meta)


def v2_page(call: Call, items: Sequence[Any], *, render: Callable[[Any], Any] | None = None) -> Reply:
    """One V2 page (bare array); an empty page is ``204 No Content`` as BigCommerce answers."""
    page, limit = page_window(call, default_limit=50, max_limit=250)
    start = (page - 1) * limit
    chunk = items[start : start + limit]
    if not chunk:
        return no_content()
    return v2([render(item) for item in chunk] if render else list(chunk))


Handler = Callable[[Call], Reply]
_PARAM = re.compile(r"\{(\w+)(?::(int|str))?\}")


@dataclass
class ApiRoute:
    method: str
    template: str  # e.g. /v3/catalog/products/{product_id:int}
    handler: Handler
    scope: str | None  # the modify scope; its _read_only twin grants GET; None: any token
    pattern: re.Pattern[str] = field(init=False)
    int_params: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        ints: set[str] = set()

        def group(match: re.Match[str]) -> str:
            name, kind = match.group(1), match.group(2) or "str"
            if kind == "int":
                ints.add(name)
                return rf"(?P<{name}>-?\d+)"
            return rf"(?P<{name}>[^/]+)"

        self.pattern = re.compile("^" + _PARAM.sub(group, self.template) + "$")
        self.int_params = frozenset(ints)

    def match(self, path: str) -> dict[str, Any] | None:
        found = self.pattern.match(path)
        if found is None:
            return None
        return {key: int(value) if key in self.int_params else value for key, value in found.groupdict().items()}


class RouteTable:
    """The routes of one resource group, registered with ``@table.route(...)``."""

    def __init__(self) -> None:
        self.routes: list[ApiRoute] = []

    def route(self, method: str, template: str, *, scope: str | None) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes.append(ApiRoute(method.upper(), template, handler, scope))
            return handler

        return register
