"""The client's rate-limit budgets in Redis, so every worker on every machine shares one per store.

Implements ``bchub.bigcommerce.ratelimit.LimiterBackend``: ``update`` is an optimistic
transaction (WATCH the key, GET the budget, apply the change, SET it in MULTI/EXEC), retried
when another worker changed the key in between. The rules themselves stay in the client's
limiter; this class only stores its ``Budget`` as JSON. Keys expire after ``ttl_s`` without
traffic, which only forgets what a fresh probe relearns. A look that changes nothing (a caller
waiting for a slot) does not write, so it does not extend the expiry either.

A worker that dies with requests in flight never releases their slots, and while a window is
unknown a leaked slot holds every other worker's probe back. So the key also records which
process holds how many slots (``holders``: ``limiter@host:pid`` → count, time of its last
change). A holder whose process is gone from this machine, or that has changed nothing for
``holder_stale_s`` (longer than any request may take), gives its slots back at the next update;
failing both, the key's expiry heals the budget ``ttl_s`` after its last real change.

Each event loop gets its own ``redis.asyncio`` client (a connection belongs to the loop that
opened it): the API server, each embedded worker thread and each Celery worker process. Within
one loop, updates of the same key take turns (an ``asyncio.Lock``), so optimistic retries only
happen between processes; hundreds of concurrent requests in one worker would otherwise keep
invalidating each other's WATCH.
"""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from bchub.bigcommerce.ratelimit import Budget, LimiterBackend
from bchub.jobs.workers import gone_from_this_host, worker_name

T = TypeVar("T")

KEY_PREFIX = "bchub:ratelimit:"
HOLDERS = "holders"  # stored next to the budget's fields; Budget.from_dict ignores it


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
    def __init__(
        self,
        url: str,
        *,
        ttl_s: int = 120,
        holder_stale_s: float = 60.0,
        prefix: str = KEY_PREFIX,
        max_connections: int = 8,
    ) -> None:
        self.url = redis_py_url(url)
        self.ttl_s = ttl_s
        self.holder_stale_s = holder_stale_s
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
                    data = json.loads(raw) if raw else {}
                    budget = Budget.from_dict(data)
                    holders = _Holders.of(data.get(HOLDERS))
                    reclaimed = holders.reclaim(budget, time.time() - self.holder_stale_s)
                    before = budget.to_dict()
                    result = change(budget)
                    held = holders.note(worker_name("limiter"), budget.in_flight - before["in_flight"], time.time())
                    if raw and not reclaimed and not held and budget.to_dict() == before:
                        await pipe.unwatch()  # type: ignore[no-untyped-call]  # no write: the expiry keeps running
                        return result
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.set(name, json.dumps({**budget.to_dict(), HOLDERS: holders.entries}), ex=self.ttl_s)
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


@dataclass
class _Holders:
    """Slots in flight per process: ``{"limiter@host:pid": [count, unix time of its last change]}``."""

    entries: dict[str, list[float]]

    @classmethod
    def of(cls, stored: object) -> _Holders:
        entries = {}
        if isinstance(stored, dict):
            for owner, value in stored.items():
                if isinstance(value, list) and len(value) == 2:
                    entries[str(owner)] = [float(value[0]), float(value[1])]
        return cls(entries)

    def reclaim(self, budget: Budget, stale_before: float) -> bool:
        """Give back the slots of holders that died; True if any were."""
        lost = [
            owner
            for owner, (_, changed) in self.entries.items()
            if changed < stale_before or gone_from_this_host(owner)
        ]
        for owner in lost:
            budget.in_flight = max(0, budget.in_flight - int(self.entries.pop(owner)[0]))
        return bool(lost)

    def note(self, owner: str, delta: int, now: float) -> bool:
        """Count this process's slots taken (``delta`` > 0) or given back; True if anything changed."""
        if not delta:
            return False
        count = max(0.0, self.entries.get(owner, [0.0, now])[0] + delta)
        if count:
            self.entries[owner] = [count, now]
        else:
            self.entries.pop(owner, None)
        return True
