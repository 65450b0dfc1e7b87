"""Webhook subscriptions (``/v3/hooks``)."""

from __future__ import annotations

from pydantic import Field

from bchub.bigcommerce.models.base import ApiDatetime, ApiModel, InputModel


class Hook(ApiModel):
    id: int
    scope: str
    destination: str
    is_active: bool = True
    client_id: str | None = None
    store_hash: str | None = None
    headers: dict[str, str] | None = None
    created_at: ApiDatetime = None  # Unix seconds on the wire
    updated_at: ApiDatetime = None


class HookInput(InputModel):
    scope: str | None = None
    destination: str | None = None
    is_active: bool | None = None
    headers: dict[str, str] | None = Field(default=None)
