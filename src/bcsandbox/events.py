"""Events the backends raise for webhooks: a scope and the payload's ``data``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StoreEvent:
    store_hash: str
    scope: str  # e.g. "store/order/created"
    data: dict[str, Any]
    created_at: int  # Unix seconds
