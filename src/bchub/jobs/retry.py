"""Which failures of a job's attempt are worth another attempt, and after how long.

- 429: after the store's quota window resets (``Time-Reset-Ms``), never sooner.
- 5xx, network failures, a write whose outcome is unknown (operations look records up before
  writing again), the hub's own database unreachable or busy (a PostgreSQL restart), and
  ``RetryableError`` (e.g. a dependency not imported yet): jittered exponential backoff, or the
  delay the error asks for.
- 401/403: not retried; the runner has already paused the connection (needs attention).
- Everything else (a 4xx, a ``PermanentError``, a bug) is permanent: the job fails with the reason.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bchub.bigcommerce.errors import (
    AuthFailed,
    BigCommerceError,
    RateLimited,
    ScopeMissing,
    ServerError,
    TransportError,
    WriteOutcomeUnknown,
)
from bchub.errors import HubError, RetryableError
from bchub.storage.db import database_reason, database_unavailable


@dataclass(frozen=True)
class Backoff:
    base_s: float = 5.0
    max_s: float = 600.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Before attempt ``attempt + 1``: doubling from ``base_s``, half of it jittered."""
        ceiling = min(self.max_s, self.base_s * 2.0 ** max(0, attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class Verdict:
    retry: bool
    delay_s: float
    reason: str
    auth: bool = False  # the connection was paused


def classify(error: BaseException, attempt: int, backoff: Backoff, rng: random.Random) -> Verdict:
    reason = _describe(error)
    if isinstance(error, RateLimited):
        reset = error.pause_s if error.pause_s is not None else (error.reset_ms or 0) / 1000
        return Verdict(True, reset if reset > 0 else backoff.delay(attempt, rng), reason)
    if isinstance(error, AuthFailed | ScopeMissing):
        return Verdict(False, 0.0, reason, auth=True)
    if isinstance(error, ServerError):
        return Verdict(error.retryable, backoff.delay(attempt, rng), reason)
    if isinstance(error, TransportError | WriteOutcomeUnknown):
        return Verdict(True, backoff.delay(attempt, rng), reason)
    if database_unavailable(error):
        return Verdict(True, backoff.delay(attempt, rng), database_reason(error))
    if isinstance(error, RetryableError):
        return Verdict(True, error.delay if error.delay > 0 else backoff.delay(attempt, rng), reason)
    return Verdict(False, 0.0, reason)


def _describe(error: BaseException) -> str:
    if isinstance(error, HubError | BigCommerceError):
        return str(error)
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
