"""Which failures are retried, how long to wait, and when a write's outcome is unknown.

- Idempotent requests (GET, HEAD, PUT, DELETE) retry on 429, retryable 5xx and network errors,
  with jittered exponential backoff, until ``max_attempts`` or the ``budget_s`` time budget.
- A non-idempotent request (POST, or a PUT the caller marks non-idempotent) is retried only
  when the server certainly did not apply it: a 429 (rejected by the quota check before any
  handler runs) or a connection that was never established. Once the request may have reached
  the handler — a 5xx, a reset or timeout after sending, a cut-off response — the outcome is
  unknown and ``WriteOutcomeUnknown`` is raised so the caller looks the record up first. No
  5xx is treated as "not applied": a 500 can follow a commit, and a proxy's 502/503/504 can
  hide one.
- Every other 4xx is the caller's to fix and is raised at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bchub.bigcommerce.errors import (
    BigCommerceError,
    RateLimited,
    ServerError,
    TransportError,
    WriteOutcomeUnknown,
)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6  # including the first
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    budget_s: float = 120.0  # total time for one call, waits included

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Delay before attempt ``attempt + 1``: exponential, with half of it jittered."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2.0 ** max(0, attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


NO_RETRY = RetryPolicy(max_attempts=1)


def is_idempotent(method: str) -> bool:
    return method.upper() in IDEMPOTENT_METHODS


def outcome_unknown(error: BigCommerceError, *, idempotent: bool) -> bool:
    """True when a non-idempotent request failed in a way that may have applied it."""
    if idempotent:
        return False
    if isinstance(error, ServerError):
        return True
    return isinstance(error, TransportError) and error.sent


def retryable(error: BigCommerceError, *, idempotent: bool) -> bool:
    """Whether sending the same request again is safe and may succeed."""
    if isinstance(error, RateLimited):
        return True
    if isinstance(error, TransportError):
        return idempotent or not error.sent
    if isinstance(error, ServerError):
        return idempotent and error.retryable
    return False


def unknown_outcome(error: BigCommerceError) -> WriteOutcomeUnknown:
    what = f"HTTP {error.status}" if error.status is not None else "a network failure"
    return WriteOutcomeUnknown(
        f"the write may or may not have been applied ({what}: {error.message}); look the record up before retrying",
        cause=error,
        status=error.status,
        method=error.method,
        path=error.path,
    )
