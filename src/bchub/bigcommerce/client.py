"""``BigCommerceClient``: one store, one async HTTP client, one service per resource group.

async with BigCommerceClient("abc123", token) as client:
    info = await client.store.info()
    async for product in client.catalog.list_products():
        ...
    print(client.requests_sent)
"""

from __future__ import annotations

import random
from types import TracebackType

import httpx

from bchub.bigcommerce.credentials import mask, parse_store_hash
from bchub.bigcommerce.errors import ScopeAdvice
from bchub.bigcommerce.pagination import PageSettings
from bchub.bigcommerce.ratelimit import LimiterBackend, LimiterSettings, RateLimiter
from bchub.bigcommerce.resources import CatalogService, HooksService, InventoryService, OrdersService, StoreService
from bchub.bigcommerce.retry import RetryPolicy
from bchub.bigcommerce.transport import USER_AGENT, ApiResponse, ApiTransport, Params, RequestStats

DEFAULT_BASE_URL = "https://api.bigcommerce.com"


def budget_key(base_url: str, store_hash: str) -> str:
    """The rate-limit budget's key: one budget per API URL and store, whichever client or process spends it."""
    return f"{base_url.rstrip('/')}/stores/{store_hash}"


class BigCommerceClient:
    """Typed, rate-limited, retrying access to one store's REST API (V2 and V3).

    ``transport`` replaces the network (e.g. ``bcsandbox.testing.transport_for(sandbox)``).
    ``limiter_backend`` shares one rate-limit budget per store between clients (in this process
    with one ``InMemoryLimiterBackend``; across processes with a shared backend).
    """

    def __init__(
        self,
        store_hash: str,
        access_token: str,
        base_url: str = DEFAULT_BASE_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        timeout: httpx.Timeout | float = 30.0,
        retry: RetryPolicy | None = None,
        pages: PageSettings | None = None,
        write_concurrency: int = 4,
        limiter_backend: LimiterBackend | None = None,
        limiter_settings: LimiterSettings | None = None,
        user_agent: str = USER_AGENT,
        rng: random.Random | None = None,
        scope_advice: ScopeAdvice | None = None,
    ) -> None:
        """``scope_advice(method, path)`` words a 403's advice (which scope, where to grant it); without
        one a 403 says only that a scope is missing."""
        if not access_token or not access_token.strip():
            raise ValueError("an access token is required")
        if write_concurrency < 1:
            raise ValueError(f"write_concurrency must be at least 1, got {write_concurrency}")
        self.store_hash = parse_store_hash(store_hash)
        self.base_url = base_url.rstrip("/")
        self.limiter = RateLimiter(
            budget_key(self.base_url, self.store_hash), limiter_backend, limiter_settings, rng=rng
        )
        self._api = ApiTransport(
            self.store_hash,
            access_token.strip(),
            base_url=self.base_url,
            limiter=self.limiter,
            retry=retry or RetryPolicy(),
            transport=transport,
            timeout=timeout,
            user_agent=user_agent,
            rng=rng,
            scope_advice=scope_advice,
        )
        self._masked = mask(access_token)
        pages = pages or PageSettings()
        self.store = StoreService(self._api, pages, write_concurrency)
        self.catalog = CatalogService(self._api, pages, write_concurrency)
        self.inventory = InventoryService(self._api, pages, write_concurrency)
        self.orders = OrdersService(self._api, pages, write_concurrency)
        self.hooks = HooksService(self._api, pages, write_concurrency)

    @property
    def requests_sent(self) -> int:
        """Requests that reached the network (retries included): what this client spent of the store's quota."""
        return self._api.stats.sent

    @property
    def stats(self) -> RequestStats:
        """Requests sent, 429s, retries, server and transport errors so far."""
        return self._api.stats

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: object = None,
        idempotent: bool | None = None,
    ) -> ApiResponse:
        """Any endpoint the services do not cover (``/v3/...`` or ``/v2/...``), with the same limiter, retries and errors."""
        return await self._api.request(method, path, params=params, json=json, idempotent=idempotent)

    async def aclose(self) -> None:
        await self._api.aclose()

    async def __aenter__(self) -> BigCommerceClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"BigCommerceClient(store_hash={self.store_hash!r}, token={self._masked!r}, base_url={self.base_url!r})"
