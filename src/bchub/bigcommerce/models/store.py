"""Store information (``/v2/store``)."""

from __future__ import annotations

from typing import Any

from bchub.bigcommerce.models.base import ApiModel


class StoreInfo(ApiModel):
    id: str  # the store hash
    name: str
    store_id: int | None = None  # the numeric id webhook payloads carry
    domain: str | None = None
    secure_url: str | None = None
    control_panel_base_url: str | None = None
    status: str | None = None
    admin_email: str | None = None
    order_email: str | None = None
    country: str | None = None
    country_code: str | None = None
    currency: str | None = None
    currency_symbol: str | None = None
    decimal_places: int | None = None
    weight_units: str | None = None
    dimension_units: str | None = None
    plan_name: str | None = None
    plan_level: str | None = None
    plan_is_trial: bool | None = None
    timezone: dict[str, Any] | None = None
    language: str | None = None
    default_channel_id: int | None = None
    features: dict[str, Any] | None = None
