"""Orders V2: orders, line items, shipping addresses, shipments and statuses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bcsandbox.state import Store


class OrdersBackend:
    def __init__(self, store: Store) -> None:
        self.store = store

    def place_shopper_order(self, body: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def ship_order(self, order_id: int, body: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError
