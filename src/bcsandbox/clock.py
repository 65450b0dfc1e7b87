"""The sandbox's notion of now: real UTC time plus an offset tests can move forward."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        """Aware UTC now, truncated to whole seconds as BigCommerce dates are."""
        return (datetime.now(UTC) + self.offset).replace(microsecond=0)

    def timestamp(self) -> int:
        return int(time.time() + self.offset.total_seconds())

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)
