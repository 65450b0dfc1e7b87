"""A per-store request limiter fed by BigCommerce's ``X-Rate-Limit-*`` headers.

BigCommerce counts requests per store in fixed windows (150 per 30 s on Standard and Plus) and
tells every response how many are left (``-Requests-Left``) and when the window ends
(``-Time-Reset-Ms``). The limiter keeps a ``Budget`` per store and admits a request only while
the budget, minus the requests already in flight and a small ``reserve``, is positive; when it
runs out, callers wait for the reset instead of collecting 429s.

Rules, all conservative:

- Before any headers are seen, and after a window has ended, the budget is unknown: one request
  goes alone (a probe) and its headers reopen the budget for concurrent requests.
- ``left`` from a response is reduced by the requests still in flight (they may not have been
  counted yet), and never raised within the same window: a lower figure means another app is
  spending the shared quota.
- A 429 with headers blocks everyone until ``Time-Reset-Ms`` (plus jitter); a 429 without them
  (platform load) blocks for an exponential backoff.
- A store whose responses carry no rate-limit headers is not metered at all.

The budget lives in a ``LimiterBackend``. ``InMemoryLimiterBackend`` serves one process; the
interface is one atomic read-modify-write of a JSON-able ``Budget`` keyed by store, so a Redis
backend sharing one budget per store across workers is a small class (WATCH the key, GET,
apply the change, SET in MULTI/EXEC with a TTL of a window, retry on a watch error). Times are
wall-clock seconds so they mean the same in every process.
"""

from __future__ import annotations

import asyncio
import functools
import random
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

T = TypeVar("T")

H_LEFT = "x-rate-limit-requests-left"
H_QUOTA = "x-rate-limit-requests-quota"
H_RESET = "x-rate-limit-time-reset-ms"
H_WINDOW = "x-rate-limit-time-window-ms"

_PROBE_POLL = 0.005  # how often a request waiting on a probe looks again


@dataclass(frozen=True)
class QuotaReading:
    """The four rate-limit headers of one response."""

    left: int
    quota: int
    reset_ms: int
    window_ms: int

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> QuotaReading | None:
        """``None`` unless ``Requests-Left`` and ``Time-Reset-Ms`` are present and numeric."""
        try:
            left = int(headers[H_LEFT])
            reset_ms = int(headers[H_RESET])
        except (KeyError, ValueError):
            return None
        quota = _int_or(headers.get(H_QUOTA), left)
        window_ms = _int_or(headers.get(H_WINDOW), 30_000)
        return cls(max(0, left), max(0, quota), max(0, reset_ms), max(1, window_ms))


def _int_or(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


@dataclass
class Budget:
    """What this client knows of one store's quota. Plain data, so any backend can store it."""

    left: int | None = None  # requests we may still send in this window; None: unknown
    reset_at: float | None = None  # wall-clock end of the current window
    quota: int | None = None
    window_ms: int | None = None
    in_flight: int = 0
    blocked_until: float = 0.0
    headerless_429s: int = 0  # consecutive 429s without headers, for the backoff
    metered: bool = True  # False once a successful response came without rate-limit headers

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Budget:
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})


class LimiterBackend(ABC):
    """Where budgets live. ``update`` must apply ``change`` atomically and return its result."""

    @abstractmethod
    async def update(self, key: str, change: Callable[[Budget], T]) -> T: ...


class InMemoryLimiterBackend(LimiterBackend):
    """Budgets in this process; share one instance between clients of the same store."""

    def __init__(self) -> None:
        self._budgets: dict[str, Budget] = {}
        self._lock = threading.Lock()  # clients on other threads' event loops may share it

    async def update(self, key: str, change: Callable[[Budget], T]) -> T:
        with self._lock:
            budget = self._budgets.setdefault(key, Budget())
            return change(budget)

    def peek(self, key: str) -> Budget:
        """A copy of a budget, for inspection."""
        with self._lock:
            return Budget.from_dict(self._budgets.setdefault(key, Budget()).to_dict())


# -- the rules, as pure functions of a budget ---------------------------------------------------


def try_acquire(budget: Budget, now: float, reserve: int) -> float:
    """Take a slot and return 0, or return how many seconds to wait before asking again."""
    if now < budget.blocked_until:
        return budget.blocked_until - now
    if budget.reset_at is not None and now >= budget.reset_at:
        budget.left, budget.reset_at = None, None  # the window ended: unknown until a probe answers
    if not budget.metered:
        budget.in_flight += 1
        return 0.0
    if budget.left is None:
        if budget.in_flight == 0:
            budget.in_flight += 1  # the probe
            return 0.0
        return _PROBE_POLL
    if budget.left - reserve > 0:
        budget.left -= 1
        budget.in_flight += 1
        return 0.0
    if budget.reset_at is None:
        return _PROBE_POLL
    return max(budget.reset_at - now, 0.001)


def record_response(budget: Budget, now: float, reading: QuotaReading | None, *, succeeded: bool) -> None:
    """Release the caller's slot and learn from the response's headers (``None``: no response or none sent)."""
    budget.in_flight = max(0, budget.in_flight - 1)
    if succeeded:
        budget.headerless_429s = 0
    if reading is None:
        if succeeded:
            budget.metered = False
        return
    budget.metered = True
    budget.quota, budget.window_ms = reading.quota, reading.window_ms
    reset_at = now + reading.reset_ms / 1000
    if reset_at <= now:
        return  # the window this response counted in is already over
    candidate = reading.left - budget.in_flight
    tolerance = min(reading.window_ms / 2000, 1.0)
    if budget.left is None or budget.reset_at is None or reset_at > budget.reset_at + tolerance:
        budget.left, budget.reset_at = candidate, reset_at  # first reading of this window
    else:
        budget.left = min(budget.left, candidate)
        budget.reset_at = min(budget.reset_at, reset_at)


def record_rate_limited(budget: Budget, now: float, reading: QuotaReading | None, pause: float) -> None:
    """After a 429: nobody sends until ``now + pause``; the budget is spent until the reset."""
    budget.in_flight = max(0, budget.in_flight - 1)
    budget.blocked_until = max(budget.blocked_until, now + pause)
    if reading is not None:
        budget.headerless_429s = 0
        budget.quota, budget.window_ms = reading.quota, reading.window_ms
        budget.left, budget.reset_at = 0, now + pause
    else:
        budget.headerless_429s += 1


def _acquire_at(budget: Budget, *, now: float, reserve: int) -> float:
    return try_acquire(budget, now, reserve)


# -- the limiter callers use -------------------------------------------------------------------


@dataclass(frozen=True)
class LimiterSettings:
    reserve: int = 1  # requests left unused in each window, as a margin for timing slop
    jitter_s: float = 0.25  # up to this much extra wait after a reset, so waiters do not stampede
    backoff_base_s: float = 1.0  # first pause after a 429 without headers; doubles each time
    backoff_max_s: float = 60.0


class RateLimiter:
    """Admits requests to one store; ``acquire`` before sending, then exactly one ``release``/``rate_limited``."""

    def __init__(
        self,
        key: str,
        backend: LimiterBackend | None = None,
        settings: LimiterSettings | None = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.key = key
        self.backend = backend or InMemoryLimiterBackend()
        self.settings = settings or LimiterSettings()
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.waited_s = 0.0  # total time callers spent waiting here

    async def acquire(self) -> None:
        reserve = self.settings.reserve
        while True:
            wait = await self.backend.update(
                self.key, functools.partial(_acquire_at, now=self._clock(), reserve=reserve)
            )
            if wait <= 0:
                return
            self.waited_s += wait
            await self._sleep(wait)

    async def release(self, headers: Mapping[str, str] | None, *, succeeded: bool) -> None:
        """After a response that was not a 429 (``headers=None`` when no response arrived)."""
        reading = QuotaReading.from_headers(headers) if headers is not None else None
        now = self._clock()
        await self.backend.update(self.key, lambda budget: record_response(budget, now, reading, succeeded=succeeded))

    async def rate_limited(self, headers: Mapping[str, str]) -> float:
        """After a 429: block the store's requests and return the pause chosen."""
        reading = QuotaReading.from_headers(headers)
        now = self._clock()
        jitter = self._rng.uniform(0, self.settings.jitter_s)
        if reading is not None:
            pause = reading.reset_ms / 1000 + jitter
            await self.backend.update(self.key, lambda budget: record_rate_limited(budget, now, reading, pause))
            return pause

        def headerless(budget: Budget) -> float:
            exponent = min(budget.headerless_429s, 16)
            delay = min(self.settings.backoff_max_s, self.settings.backoff_base_s * 2.0**exponent)
            chosen = delay / 2 + self._rng.uniform(0, delay / 2)
            record_rate_limited(budget, now, None, chosen)
            return chosen

        return await self.backend.update(self.key, headerless)
