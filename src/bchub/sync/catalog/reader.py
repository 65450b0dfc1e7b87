"""Reading a store's products page by page, at the lower bound, without losing the rest to one bad page.

Products are read with ``include=variants,custom_fields,images`` at 250 per page, sorted by id:
page 1 alone, then the remaining pages concurrently (the client's limiter paces them), handed
over in page order. An id sort keeps a product modified during the read in its place, so no
other product shifts past a page boundary because of it. A page that fails for a reason that is
not the connection's (a 422, a 5xx the client's retries did not get past, a malformed body)
becomes a ``PageFailure`` and the other pages go on; 401/403 end the read (the runner marks the
connection). Requests: ``ceil(N/250)``, or 1 for an empty list.

Brands are resolved lazily: the brand list (``/v3/catalog/brands``, one request per 250 brands)
is read once per run, and only when a page names a brand the run does not know yet, so an
incremental run that finds nothing changed costs one request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bchub.bigcommerce.client import BigCommerceClient
from bchub.bigcommerce.errors import AuthFailed, BigCommerceError, ScopeMissing
from bchub.bigcommerce.pagination import MAX_PAGE_SIZE, in_order

PRODUCTS_PATH = "/v3/catalog/products"
INCLUDE = "variants,custom_fields,images"
PAGE_CONCURRENCY = 8
ID_BATCH = 250  # ids per ``id:in`` request: one full page each


@dataclass(frozen=True)
class ProductPage:
    number: int
    products: list[dict[str, Any]]
    total_pages: int | None
    total: int | None


@dataclass(frozen=True)
class PageFailure:
    number: int
    reason: str


def _fatal(error: BigCommerceError) -> bool:
    """Errors about the connection itself stop the whole read."""
    return isinstance(error, AuthFailed | ScopeMissing)


def _page_of(body: Any, number: int) -> ProductPage:
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise ValueError("expected a V3 list {data: [...], meta}")
    pagination = (body.get("meta") or {}).get("pagination") or {}
    current = pagination.get("current_page")
    if isinstance(current, int) and current != number:
        raise ValueError(f"asked for page {number}, the server answered page {current}")
    total_pages = pagination.get("total_pages")
    total = pagination.get("total")
    return ProductPage(
        number,
        [item for item in body["data"] if isinstance(item, dict)],
        total_pages if isinstance(total_pages, int) else None,
        total if isinstance(total, int) else None,
    )


class ProductReader:
    """The pages of one product listing (filters fixed at construction)."""

    def __init__(self, client: BigCommerceClient, filters: dict[str, Any] | None = None) -> None:
        self._client = client
        self._filters = dict(filters or {})

    async def fetch(self, number: int) -> ProductPage | PageFailure:
        params = {**self._filters, "include": INCLUDE, "sort": "id", "direction": "asc"}
        params.update(page=number, limit=MAX_PAGE_SIZE)
        try:
            response = await self._client.request("GET", PRODUCTS_PATH, params=params)
            return _page_of(response.json(), number)
        except BigCommerceError as error:
            if _fatal(error):
                raise
            return PageFailure(number, str(error))
        except ValueError as error:
            return PageFailure(number, f"page {number} of {PRODUCTS_PATH}: {error}")

    async def pages(self) -> AsyncIterator[ProductPage | PageFailure]:
        """Every page in order: page 1 alone, then the rest concurrently."""
        first = await self.fetch(1)
        yield first
        if isinstance(first, PageFailure):
            return  # without page 1 the number of pages is unknown
        last, done = first.total_pages or 1, 1
        if first.total_pages is None:
            async for page in self._sequential(first):
                yield page
            return
        while done < last:
            planned = last
            async for page in in_order(self.fetch, range(done + 1, planned + 1), PAGE_CONCURRENCY):
                yield page
                if isinstance(page, ProductPage) and page.total_pages is not None and page.total_pages > last:
                    last = page.total_pages  # the catalog grew while we read it
            done = planned

    async def _sequential(self, previous: ProductPage) -> AsyncIterator[ProductPage | PageFailure]:
        """Without totals: pages one by one until a short or empty one."""
        page: ProductPage | PageFailure = previous
        while isinstance(page, ProductPage) and len(page.products) >= MAX_PAGE_SIZE:
            page = await self.fetch(page.number + 1)
            yield page


def incremental_filters(since: datetime) -> dict[str, Any]:
    return {"date_modified:min": since.isoformat(timespec="seconds")}


def id_filters(ids: Iterable[int]) -> dict[str, Any]:
    return {"id:in": ",".join(str(value) for value in sorted(set(ids)))}


@dataclass
class BrandNames:
    """Brand id → name for one run, read at most once and only when needed."""

    names: dict[int, str] = field(default_factory=dict)
    loaded: bool = False

    async def resolve(self, client: BigCommerceClient, products: Iterable[dict[str, Any]]) -> None:
        wanted = {product.get("brand_id") for product in products}
        unknown = {brand for brand in wanted if isinstance(brand, int) and brand and brand not in self.names}
        if not unknown or self.loaded:
            return
        self.loaded = True
        async for brand in client.catalog.list_brands():
            self.names[brand.id] = brand.name
