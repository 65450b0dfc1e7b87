"""The client's rate-limit budgets in Redis, so every worker on every machine shares one per store.

Implements ``bchub.bigcommerce.ratelimit.LimiterBackend``: ``update`` is an optimistic
transaction (WATCH the key, GET the budget, apply the change, SET it in MULTI/EXEC), retried
when another worker changed the key in between. The rules themselves stay in the client's
limiter; this class only stores its ``Budget`` as JSON. Keys expire after ``ttl_s`` without
traffic, which only forgets what a fresh probe relearns. A look that changes nothing (a caller
waiting for a slot) does not write, so it does not extend the expiry either: when a worker dies
with a request in flight, its slot is never released, and the budget heals itself ``ttl_s``
after its last real change instead of holding every other worker back for good.

Each event loop gets its own ``redis.asyncio`` client (a connection belongs to the loop that
opened it): the API server, each embedded worker thread and each Celery worker process. Within
one loop, updates of the same key take turns (an ``asyncio.Lock``), so optimistic retries only
happen between processes; hundreds of concurrent requests in one worker would otherwise keep
invalidating each other's WATCH.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass
class _LoopState:
    client: aioredis.Redis
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)


class RedisLimiterBackend(LimiterBackend):
    def __init__(self, url: str, *, ttl_s: int = 120, prefix: str = KEY_PREFIX, max_connections: int = 8) -> None:
        self.url = redis_py_url(url)
        self.ttl_s = ttl_s
        self.prefix = prefix
        self.max_connections = max_connections
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = weakref.WeakKeyDictionary()

    def _state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            pool = aioredis.BlockingConnectionPool.from_url(
                self.url, max_connections=self.max_connections, timeout=None
            )
            state = _LoopState(aioredis.Redis(connection_pool=pool))
            self._loops[loop] = state
        return state

    def _client(self) -> aioredis.Redis:
        return self._state().client

    async def update(self, key: str, change: Callable[[Budget], T]) -> T:
        state = self._state()
        lock = state.locks.setdefault(key, asyncio.Lock())
        async with lock:
            return await self._update(state.client, self.prefix + key, change)

    async def _update(self, client: aioredis.Redis, name: str, change: Callable[[Budget], T]) -> T:
        async with client.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(name)
                    raw = await pipe.get(name)
                    budget = Budget.from_dict(json.loads(raw)) if raw else Budget()
                    before = budget.to_dict()
                    result = change(budget)
                    if raw and budget.to_dict() == before:
                        await pipe.unwatch()  # type: ignore[no-untyped-call]  # no write: the expiry keeps running
                        return result
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
        state = self._loops.pop(asyncio.get_running_loop(), None)
        if state is not None:
            await state.client.aclose()
