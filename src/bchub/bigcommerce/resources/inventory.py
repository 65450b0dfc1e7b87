"""Inventory V3: absolute and relative adjustments, stock per item and location, locations.

Adjustments go out at most 2,000 items per request, ordered by location. Absolute adjustments
(PUT) are idempotent and retried like any PUT; relative ones (POST) are not, so a relative
batch whose response is lost comes back as a ``WriteOutcomeUnknown`` failure, never re-sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from bchub.bigcommerce.batching import ADJUSTMENT_BATCH, BatchResult, group_by_location, run_batches
from bchub.bigcommerce.models.inventory import AdjustmentItem, AdjustmentResult, InventoryItem, Location, LocationItem
from bchub.bigcommerce.pagination import iterate_v3
from bchub.bigcommerce.resources.base import Service, joined, parse, parse_each
from bchub.bigcommerce.transport import Params

AdjustmentBatchResult = BatchResult[AdjustmentResult, AdjustmentItem]


def _items(items: Iterable[AdjustmentItem | Mapping[str, Any]]) -> list[AdjustmentItem]:
    return [item if isinstance(item, AdjustmentItem) else AdjustmentItem.model_validate(item) for item in items]


class InventoryService(Service):
    async def adjust_absolute(
        self, items: Iterable[AdjustmentItem | Mapping[str, Any]], *, reason: str | None = None
    ) -> AdjustmentBatchResult:
        """Set stock levels (``PUT /v3/inventory/adjustments/absolute``)."""
        return await self._adjust("PUT", "/v3/inventory/adjustments/absolute", _items(items), reason)

    async def adjust_relative(
        self, items: Iterable[AdjustmentItem | Mapping[str, Any]], *, reason: str | None = None
    ) -> AdjustmentBatchResult:
        """Add to (or, with negative quantities, take from) stock levels (``POST .../relative``)."""
        return await self._adjust("POST", "/v3/inventory/adjustments/relative", _items(items), reason)

    async def _adjust(
        self, method: str, path: str, items: list[AdjustmentItem], reason: str | None
    ) -> AdjustmentBatchResult:
        async def send(batch: list[AdjustmentItem]) -> list[AdjustmentResult]:
            body: dict[str, Any] = {"items": [item.payload() for item in batch]}
            if reason is not None:
                body["reason"] = reason
            response = await self._api.request(method, path, json=body)
            return [parse(AdjustmentResult, response.json() or {}, response)]

        return await run_batches(group_by_location(items, ADJUSTMENT_BATCH), send, self._write_concurrency)

    def list_items(
        self,
        *,
        product_ids: Iterable[int] | None = None,
        variant_ids: Iterable[int] | None = None,
        skus: Iterable[str] | None = None,
        location_ids: Iterable[int] | None = None,
        filters: Params | None = None,
    ) -> AsyncIterator[InventoryItem]:
        """Stock of each item at every location (``/v3/inventory/items``)."""
        params: dict[str, Any] = {
            "product_id:in": joined(product_ids),
            "variant_id:in": joined(variant_ids),
            "sku:in": joined(skus),
            "location_id:in": joined(location_ids),
            **(filters or {}),
        }
        return parse_each(InventoryItem, iterate_v3(self._api, "/v3/inventory/items", params, self._pages))

    def list_location_items(self, location_id: int, *, filters: Params | None = None) -> AsyncIterator[LocationItem]:
        """Stock of each item at one location."""
        path = f"/v3/inventory/locations/{location_id}/items"
        return parse_each(LocationItem, iterate_v3(self._api, path, filters, self._pages))

    def list_locations(
        self, *, location_ids: Iterable[int] | None = None, is_active: bool | None = None, filters: Params | None = None
    ) -> AsyncIterator[Location]:
        params: dict[str, Any] = {"location_id:in": joined(location_ids), "is_active": is_active, **(filters or {})}
        return parse_each(Location, iterate_v3(self._api, "/v3/inventory/locations", params, self._pages))
