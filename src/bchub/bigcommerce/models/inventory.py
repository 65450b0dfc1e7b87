"""Inventory V3: adjustments, items per location, and locations."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from bchub.bigcommerce.models.base import ApiDatetime, ApiModel, InputModel


class AdjustmentItem(InputModel):
    """One stock change at one location, for exactly one of ``sku``, ``variant_id`` or ``product_id``."""

    location_id: int = 1
    quantity: int
    sku: str | None = None
    variant_id: int | None = None
    product_id: int | None = None

    @model_validator(mode="after")
    def _one_identity(self) -> AdjustmentItem:
        given = [name for name in ("sku", "variant_id", "product_id") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                f"an adjustment item needs exactly one of sku, variant_id, product_id; got {given or 'none'}"
            )
        return self

    def payload(self) -> dict[str, Any]:
        body = self.model_dump(mode="json", exclude_none=True)
        body.setdefault("location_id", self.location_id)
        return body


class InventoryIdentity(ApiModel):
    sku: str | None = None
    variant_id: int | None = None
    product_id: int | None = None
    sku_id: int | None = None


class LocationStock(ApiModel):
    """Stock of one item at one location, as ``/inventory/items`` lists it."""

    location_id: int
    location_code: str | None = None
    location_name: str | None = None
    available_to_sell: int | None = None
    total_inventory_onhand: int | None = None
    location_enabled: bool | None = None
    settings: dict[str, Any] | None = None


class InventoryItem(ApiModel):
    identity: InventoryIdentity
    locations: list[LocationStock] = Field(default_factory=list)


class LocationItem(ApiModel):
    """One item at one location, as ``/inventory/locations/{id}/items`` lists it."""

    identity: InventoryIdentity
    available_to_sell: int | None = None
    total_inventory_onhand: int | None = None
    settings: dict[str, Any] | None = None


class Location(ApiModel):
    id: int
    code: str | None = None
    label: str | None = None
    description: str | None = None
    type_id: str | None = None
    enabled: bool | None = None
    managed_by_external_source: bool | None = None
    storefront_visibility: bool | None = None
    address: dict[str, Any] | None = None
    created_at: ApiDatetime = None
    updated_at: ApiDatetime = None


class AdjustmentResult(ApiModel):
    transaction_id: str | None = None
