"""Webhook subscriptions (/v3/hooks), kept per client id."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bcsandbox.state import Store


class HooksBackend:
    def __init__(self, store: Store) -> None:
        self.store = store
