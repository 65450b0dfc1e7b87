"""Orders V2: orders, line items, shipping addresses, shipments and statuses.

Orders are read with ``include=consignments.line_items&consignment_structure=object`` so each
order arrives with its line items and shipping addresses (no follow-up call per order).

Creating an order is a POST that is never retried blindly. Give it an ``external_order_id``
and use ``create_once``: it looks the order up before creating it and again whenever the
outcome of a create is unknown, so an order is created at most once.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any

from bchub.bigcommerce.errors import WriteOutcomeUnknown
from bchub.bigcommerce.models.base import InputModel, as_payload
from bchub.bigcommerce.models.orders import (
    Order,
    OrderProduct,
    OrderStatus,
    Shipment,
    ShippingAddress,
)
from bchub.bigcommerce.pagination import count_v2, iterate_v2
from bchub.bigcommerce.resources.base import Service, parse, parse_each, parse_list
from bchub.bigcommerce.transport import Params

LINE_ITEMS_INCLUDE: dict[str, str] = {"include": "consignments.line_items", "consignment_structure": "object"}
CREATE_ONCE_ATTEMPTS = 3

Body = InputModel | Mapping[str, Any]


def _adds_lines(payload: Mapping[str, Any]) -> bool:
    """A PUT whose ``products`` has entries without ``id`` adds lines, so repeating it adds them twice."""
    products = payload.get("products")
    return isinstance(products, list) and any(isinstance(line, dict) and not line.get("id") for line in products)


class OrdersService(Service):
    def list(
        self,
        *,
        status_id: int | None = None,
        min_date_modified: datetime | None = None,
        max_date_modified: datetime | None = None,
        min_date_created: datetime | None = None,
        max_date_created: datetime | None = None,
        min_id: int | None = None,
        max_id: int | None = None,
        customer_id: int | None = None,
        channel_id: int | None = None,
        external_order_id: str | None = None,
        sort: str | None = None,
        line_items: bool = True,
        filters: Params | None = None,
    ) -> AsyncIterator[Order]:
        """Every order matching the filters, with line items and shipping addresses inline unless ``line_items=False``."""
        params = self._filters(locals(), filters)
        if sort is not None:
            params["sort"] = sort
        if line_items:
            params.update(LINE_ITEMS_INCLUDE)
        return parse_each(
            Order, iterate_v2(self._api, "/v2/orders", params, self._pages, count_path="/v2/orders/count")
        )

    async def count(
        self,
        *,
        status_id: int | None = None,
        min_date_modified: datetime | None = None,
        max_date_modified: datetime | None = None,
        min_date_created: datetime | None = None,
        max_date_created: datetime | None = None,
        min_id: int | None = None,
        max_id: int | None = None,
        customer_id: int | None = None,
        channel_id: int | None = None,
        external_order_id: str | None = None,
        filters: Params | None = None,
    ) -> int:
        return await count_v2(self._api, "/v2/orders/count", self._filters(locals(), filters))

    @staticmethod
    def _filters(arguments: Mapping[str, Any], extra: Params | None) -> dict[str, Any]:
        names = (
            "status_id",
            "min_date_modified",
            "max_date_modified",
            "min_date_created",
            "max_date_created",
            "min_id",
            "max_id",
            "customer_id",
            "channel_id",
            "external_order_id",
        )
        return {**{name: arguments[name] for name in names if arguments.get(name) is not None}, **(extra or {})}

    async def get(self, order_id: int, *, line_items: bool = True) -> Order:
        params = LINE_ITEMS_INCLUDE if line_items else None
        response = await self._api.request("GET", f"/v2/orders/{order_id}", params=params)
        return parse(Order, response.json(), response)

    async def find_by_external_id(self, external_order_id: str, *, line_items: bool = True) -> Order | None:
        """The order carrying ``external_order_id``, or ``None`` (one request)."""
        params: dict[str, Any] = {"external_order_id": external_order_id, "limit": 5}
        if line_items:
            params.update(LINE_ITEMS_INCLUDE)
        response = await self._api.request("GET", "/v2/orders", params=params)
        matches = [
            order
            for order in parse_list(Order, response.json(), response)
            if order.external_order_id == external_order_id
        ]
        return matches[0] if matches else None

    async def create(self, order: Body) -> Order:
        """Create an order. Never retried once it may have been applied: see ``create_once``."""
        response = await self._api.request("POST", "/v2/orders", json=as_payload(order))
        return parse(Order, response.json(), response)

    async def create_once(self, order: Body) -> Order:
        """Create the order unless one with its ``external_order_id`` exists; safe to call again.

        Looks the order up first; if the create's outcome is unknown (response lost, 5xx), looks
        again and only re-sends when the order is certainly absent.
        """
        payload = as_payload(order)
        key = payload.get("external_order_id")
        if not key:
            raise ValueError("create_once needs an external_order_id to recognize an order it already created")
        last_error: WriteOutcomeUnknown | None = None
        for _ in range(CREATE_ONCE_ATTEMPTS):
            existing = await self.find_by_external_id(str(key))
            if existing is not None:
                return existing
            try:
                return await self.create(payload)
            except WriteOutcomeUnknown as error:
                last_error = error
        assert last_error is not None
        raise last_error

    async def update(self, order_id: int, changes: Body) -> Order:
        """Change an order (partial). Retried only when repeating it cannot add line items twice."""
        payload = as_payload(changes)
        response = await self._api.request(
            "PUT", f"/v2/orders/{order_id}", json=payload, idempotent=not _adds_lines(payload)
        )
        return parse(Order, response.json(), response)

    async def archive(self, order_id: int) -> None:
        """``DELETE /v2/orders/{id}``: the order is archived (``is_deleted``), not erased."""
        await self._api.request("DELETE", f"/v2/orders/{order_id}")

    # -- line items and addresses -------------------------------------------------------------

    def list_products(self, order_id: int) -> AsyncIterator[OrderProduct]:
        return parse_each(OrderProduct, iterate_v2(self._api, f"/v2/orders/{order_id}/products", None, self._pages))

    def list_shipping_addresses(self, order_id: int) -> AsyncIterator[ShippingAddress]:
        path = f"/v2/orders/{order_id}/shipping_addresses"
        return parse_each(ShippingAddress, iterate_v2(self._api, path, None, self._pages))

    # -- shipments ----------------------------------------------------------------------------

    def list_shipments(self, order_id: int) -> AsyncIterator[Shipment]:
        """The order's shipments (none: the API answers 204)."""
        return parse_each(Shipment, iterate_v2(self._api, f"/v2/orders/{order_id}/shipments", None, self._pages))

    async def get_shipment(self, order_id: int, shipment_id: int) -> Shipment:
        response = await self._api.request("GET", f"/v2/orders/{order_id}/shipments/{shipment_id}")
        return parse(Shipment, response.json(), response)

    async def find_shipment_by_tracking(self, order_id: int, tracking_number: str) -> Shipment | None:
        """The order's shipment with this tracking number, to check before creating one."""
        async for shipment in self.list_shipments(order_id):
            if shipment.tracking_number == tracking_number:
                return shipment
        return None

    async def create_shipment(self, order_id: int, shipment: Body) -> Shipment:
        """Create a shipment (emails the customer). Not retried blindly; look it up by tracking number first."""
        response = await self._api.request("POST", f"/v2/orders/{order_id}/shipments", json=as_payload(shipment))
        return parse(Shipment, response.json(), response)

    async def update_shipment(self, order_id: int, shipment_id: int, changes: Body) -> Shipment:
        path = f"/v2/orders/{order_id}/shipments/{shipment_id}"
        response = await self._api.request("PUT", path, json=as_payload(changes))
        return parse(Shipment, response.json(), response)

    async def delete_shipment(self, order_id: int, shipment_id: int) -> None:
        await self._api.request("DELETE", f"/v2/orders/{order_id}/shipments/{shipment_id}")

    # -- statuses -----------------------------------------------------------------------------

    async def list_statuses(self) -> builtins.list[OrderStatus]:
        response = await self._api.request("GET", "/v2/order_statuses")
        return parse_list(OrderStatus, response.json(), response)

    async def get_status(self, status_id: int) -> OrderStatus:
        response = await self._api.request("GET", f"/v2/order_statuses/{status_id}")
        return parse(OrderStatus, response.json(), response)
