"""Reading whole collections in as few requests, and as little time, as the API allows.

Every list asks for the maximum page size (250). The first page is read alone; once it tells
how many pages there are, the rest are fetched concurrently (at most ``concurrency`` in flight,
and the rate limiter still decides when each may go) and yielded in order, item by item, so
memory stays at a few pages.

- V3: ``meta.pagination.total_pages`` from page 1 gives the plan. Requests: ``ceil(N/250)``,
  the lower bound (one request when the list is empty).
- V2 has no totals and ends with ``204 No Content`` or ``[]``. A short first page ends the list
  at once (one request: the bound for N < 250). Only when page 1 is full do we ask the count
  endpoint (e.g. ``/v2/orders/count``) to plan the rest concurrently; page 2, needed in every
  case once page 1 is full, is fetched alongside the count. When N is an exact
  multiple of 250 the last planned page is full, and a full page cannot tell "the end" from
  "more arrived since the count", so the sweep includes one page past it (an empty ``204``
  normally). If the final page read is still full, pages continue one by one until a short or
  empty one, so orders created meanwhile are not missed. Requests: ``ceil(N/250) + 1``, or
  ``+ 2`` at exact multiples of 250 (1 for N < 250). Paging sequentially costs
  ``ceil(N/250)``, ``+ 1`` at exact multiples, but one round trip per page: the count buys
  concurrency for one request. Without a count endpoint, V2 pages are read one by one.

Guards: a page that reports a different page number than the one asked for, or that repeats
the previous page's first item, raises ``PaginationError`` (a server or proxy ignoring ``page``
would otherwise loop forever), and so does a listing over ``max_pages``. Items already yielded
(same ``id``) are skipped, since offset paging repeats an item when a row is inserted ahead of
the reading position.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from bchub.bigcommerce.errors import BigCommerceError, PaginationError
from bchub.bigcommerce.transport import ApiResponse, ApiTransport, Params

T = TypeVar("T")

MAX_PAGE_SIZE = 250
_COUNT_DROPS = frozenset({"page", "limit", "sort", "include", "consignment_structure"})


@dataclass(frozen=True)
class PageSettings:
    page_size: int = MAX_PAGE_SIZE
    concurrency: int = 8  # pages in flight at once for one listing
    max_pages: int = 10_000  # refuse listings longer than this many pages

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {self.page_size}")
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {self.concurrency}")
        if self.max_pages < 1:
            raise ValueError(f"max_pages must be at least 1, got {self.max_pages}")


@dataclass(frozen=True)
class _Page:
    number: int
    items: list[dict[str, Any]]
    total_pages: int | None = None  # V3 only


async def in_order(fetch: Callable[[int], Awaitable[T]], numbers: Iterable[int], concurrency: int) -> AsyncIterator[T]:
    """``fetch(n)`` for each number, at most ``concurrency`` at once, results in the numbers' order."""
    pending: deque[asyncio.Task[T]] = deque()
    numbers = iter(numbers)

    def refill() -> None:
        while len(pending) < concurrency:
            number = next(numbers, None)
            if number is None:
                return
            pending.append(asyncio.ensure_future(fetch(number)))

    try:
        refill()
        while pending:
            result = await pending.popleft()
            refill()
            yield result
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


def _check_cap(pages: int, settings: PageSettings, path: str) -> None:
    if pages > settings.max_pages:
        raise PaginationError(
            f"the listing has {pages} pages, over the cap of {settings.max_pages}; narrow it with filters or raise max_pages",
            method="GET",
            path=path,
        )


def _check_advance(previous: _Page | None, page: _Page, path: str) -> None:
    """A page that starts with the previous page's first item means ``page`` is being ignored."""
    if previous is None or not previous.items or not page.items:
        return
    first, before = page.items[0].get("id"), previous.items[0].get("id")
    if first is not None and first == before:
        raise PaginationError(
            f"page {page.number} repeats page {previous.number} (both start with id {first}); the server is not advancing",
            method="GET",
            path=path,
        )


class _Dedupe:
    def __init__(self) -> None:
        self.seen: set[Any] = set()

    def fresh(self, items: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        for item in items:
            key = item.get("id")
            if key is None:
                yield item
            elif key not in self.seen:
                self.seen.add(key)
                yield item


# -- V3 ---------------------------------------------------------------------------------------


def _v3_page(response: ApiResponse, number: int) -> _Page:
    body = response.json()
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise BigCommerceError(
            "expected a V3 list {data: [...], meta}", status=response.status, method="GET", path=response.path
        )
    pagination = (body.get("meta") or {}).get("pagination") or {}
    current = pagination.get("current_page")
    if isinstance(current, int) and current != number:
        raise PaginationError(
            f"asked for page {number}, the server answered page {current}; stopping rather than reading pages again",
            method="GET",
            path=response.path,
        )
    total_pages = pagination.get("total_pages")
    return _Page(number, body["data"], total_pages if isinstance(total_pages, int) else None)


async def iterate_v3(
    api: ApiTransport,
    path: str,
    params: Params | None,
    settings: PageSettings,
    *,
    page_size: int | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Every item of a V3 offset-paged collection, in order."""
    limit = page_size or settings.page_size
    base = dict(params or {})
    dedupe = _Dedupe()

    async def fetch(number: int) -> _Page:
        response = await api.request("GET", path, params={**base, "page": number, "limit": limit})
        return _v3_page(response, number)

    page = await fetch(1)
    for item in dedupe.fresh(page.items):
        yield item
    if page.total_pages is None:
        async for item in _sequential(fetch, page, limit, settings, path, dedupe):
            yield item
        return
    last, done = page.total_pages, 1
    _check_cap(last, settings, path)
    while done < last:
        planned = last
        async for page in in_order(fetch, range(done + 1, planned + 1), settings.concurrency):
            for item in dedupe.fresh(page.items):
                yield item
            if page.total_pages is not None and page.total_pages > last:
                last = page.total_pages  # the collection grew while we read it
                _check_cap(last, settings, path)
        done = planned


async def _sequential(
    fetch: Callable[[int], Awaitable[_Page]],
    previous: _Page,
    limit: int,
    settings: PageSettings,
    path: str,
    dedupe: _Dedupe,
) -> AsyncIterator[dict[str, Any]]:
    """Pages after ``previous``, one at a time, until a short or empty one."""
    while len(previous.items) >= limit:
        number = previous.number + 1
        _check_cap(number, settings, path)
        page = await fetch(number)
        _check_advance(previous, page, path)
        for item in dedupe.fresh(page.items):
            yield item
        previous = page


# -- V2 ---------------------------------------------------------------------------------------


def _v2_page(response: ApiResponse, number: int) -> _Page:
    if response.status == 204:
        return _Page(number, [])
    body = response.json()
    if body is None:
        return _Page(number, [])
    if not isinstance(body, list):
        raise BigCommerceError(
            "expected a V2 list (a JSON array)", status=response.status, method="GET", path=response.path
        )
    return _Page(number, body)


async def count_v2(api: ApiTransport, count_path: str, params: Params | None) -> int:
    """``count`` from a V2 count endpoint, with the listing's filters but not its paging."""
    filters = {key: value for key, value in (params or {}).items() if key not in _COUNT_DROPS}
    body = (await api.request("GET", count_path, params=filters)).json()
    count = body.get("count") if isinstance(body, dict) else None
    if not isinstance(count, int):
        raise BigCommerceError("expected {count: N} from the count endpoint", method="GET", path=count_path)
    return count


async def iterate_v2(
    api: ApiTransport,
    path: str,
    params: Params | None,
    settings: PageSettings,
    *,
    count_path: str | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Every item of a V2 collection, in order (see the module notes for the request count)."""
    limit = settings.page_size
    base = dict(params or {})
    dedupe = _Dedupe()

    async def fetch(number: int) -> _Page:
        response = await api.request("GET", path, params={**base, "page": number, "limit": limit})
        return _v2_page(response, number)

    previous = await fetch(1)
    for item in dedupe.fresh(previous.items):
        yield item
    if len(previous.items) < limit:
        return
    if count_path is not None:
        # a full page 1 means page 2 is read whatever the count says: fetch it alongside the count
        second = asyncio.ensure_future(fetch(2))
        try:
            total = await count_v2(api, count_path, params)
            # at an exact multiple the planned last page is full, which alone cannot tell "done"
            # from "more arrived since the count": read one page past it in the same sweep
            last = max(2, math.ceil(total / limit) + (1 if total % limit == 0 else 0))
            _check_cap(last, settings, path)

            async def planned(number: int) -> _Page:
                return await second if number == 2 else await fetch(number)

            async for page in in_order(planned, range(2, last + 1), settings.concurrency):
                _check_advance(previous, page, path)
                for item in dedupe.fresh(page.items):
                    yield item
                previous = page
        finally:
            second.cancel()  # a no-op once it finished; gathering retrieves any error it ended with
            await asyncio.gather(second, return_exceptions=True)
    async for item in _sequential(fetch, previous, limit, settings, path, dedupe):
        yield item
