"""The client's rate-limit budgets in Redis, so every worker on every machine shares one per store.

Implements ``bchub.bigcommerce.ratelimit.LimiterBackend``: ``update`` is an optimistic
transaction (WATCH the key, GET the budget, apply the change, SET it in MULTI/EXEC), retried
when another worker changed the key in between. The rules themselves stay in the client's
limiter; this class only stores its ``Budget`` as JSON. Keys expire after ``ttl_s`` without
traffic, which only forgets what a fresh probe relearns.

Each event loop gets its own ``redis.asyncio`` client (a connection belongs to the loop that
opened it): the API server, each embedded worker thread and each Celery worker process.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Callable
from typing import TypeVar

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from bchub.bigcommerce.ratelimit import Budget, LimiterBackend

T = TypeVar("T")

KEY_PREFIX = "bchub:ratelimit:"


def redis_py_url(url: str) -> str:
    """Celery's ``redis+socket:///path`` spelled the way redis-py wants it (``unix:///path``)."""
    if url.startswith("redis+socket://"):
        return "unix://" + url.removeprefix("redis+socket://")
    return url


class RedisLimiterBackend(LimiterBackend):
    def __init__(self, url: str, *, ttl_s: int = 120, prefix: str = KEY_PREFIX) -> None:
        self.url = redis_py_url(url)
        self.ttl_s = ttl_s
        self.prefix = prefix
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis] = (
            weakref.WeakKeyDictionary()
        )

    def _client(self) -> aioredis.Redis:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = aioredis.Redis.from_url(self.url)
            self._clients[loop] = client
        return client

    async def update(self, key: str, change: Callable[[Budget], T]) -> T:
        name = self.prefix + key
        async with self._client().pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(name)
                    raw = await pipe.get(name)
                    budget = Budget.from_dict(json.loads(raw)) if raw else Budget()
                    result = change(budget)
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.set(name, json.dumps(budget.to_dict()), ex=self.ttl_s)
                    await pipe.execute()
                    return result
                except WatchError:
                    continue  # another worker spent from this budget meanwhile: read it again

    async def peek(self, key: str) -> Budget:
        raw = await self._client().get(self.prefix + key)
        return Budget.from_dict(json.loads(raw)) if raw else Budget()

    async def aclose(self) -> None:
        """Close this loop's client (other loops close theirs)."""
        loop = asyncio.get_running_loop()
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.aclose()
