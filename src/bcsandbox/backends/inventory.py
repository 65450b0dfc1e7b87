"""Inventory: adjustments, items and locations."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bcsandbox.state import Store


class InventoryBackend:
    def __init__(self, store: Store) -> None:
        self.store = store
