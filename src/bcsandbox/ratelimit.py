"""Per-store request quota with the four ``X-Rate-Limit-*`` headers BigCommerce sends.

The window is fixed: it opens with the first request after the previous one closed, and
``Time-Reset-Ms`` counts down to its end, as the documentation describes the headers.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

PLAN_QUOTAS: dict[str, int | None] = {
    "standard": 150,
    "plus": 150,
    "pro": 450,
    "enterprise": None,  # no fixed limit
}
UNLIMITED_QUOTA = 10_000_000  # what the headers show for a plan with no fixed limit


@dataclass(frozen=True)
class Quota:
    allowed: bool
    quota: int
    left: int
    reset_ms: int
    window_ms: int

    def headers(self) -> dict[str, str]:
        values = {
            "X-Rate-Limit-Time-Window-Ms": str(self.window_ms),
            "X-Rate-Limit-Time-Reset-Ms": str(self.reset_ms),
            "X-Rate-Limit-Requests-Quota": str(self.quota),
            "X-Rate-Limit-Requests-Left": str(self.left),
        }
        if not self.allowed:
            values["X-Retry-After"] = str(max(1, math.ceil(self.reset_ms / 1000)))
        return values


class RateLimiter:
    def __init__(self, quota: int | None, window_ms: int) -> None:
        self.quota = quota
        self.window_ms = window_ms
        self._window_end = 0.0
        self._used = 0

    def take(self, now: float | None = None) -> Quota:
        """Count one request and say whether it may proceed."""
        current = time.monotonic() if now is None else now
        if current >= self._window_end:
            self._window_end = current + self.window_ms / 1000
            self._used = 0
        reset_ms = max(0, math.ceil((self._window_end - current) * 1000))
        quota = self.quota if self.quota is not None else UNLIMITED_QUOTA
        if self.quota is not None and self._used >= self.quota:
            return Quota(False, quota, 0, reset_ms, self.window_ms)
        self._used += 1
        return Quota(True, quota, max(0, quota - self._used), reset_ms, self.window_ms)

    def __getstate__(self) -> dict[str, object]:
        # monotonic time does not survive a restart; a restored store starts a fresh window
        return {"quota": self.quota, "window_ms": self.window_ms, "_window_end": 0.0, "_used": 0}
