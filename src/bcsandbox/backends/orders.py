"""Orders V2: orders, line items, shipping addresses, shipments and statuses."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bcsandbox.state import Store


class OrdersBackend:
    def __init__(self, store: Store) -> None:
        self.store = store
