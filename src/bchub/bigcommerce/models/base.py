"""Shared base for the API models: unknown fields kept, dates parsed to aware UTC."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from bchub.bigcommerce.dates import format_v2, parse_datetime


class ApiModel(BaseModel):
    """A BigCommerce object. Fields the API adds later are kept (``model_extra``), never rejected."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class InputModel(ApiModel):
    """A body we send. Only the fields set are written, so a partial update changes only those."""

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


def _lenient_date(value: object) -> datetime | None:
    return parse_datetime(value)


ApiDatetime = Annotated[datetime | None, BeforeValidator(_lenient_date)]
"""Any date the API sends (RFC-2822, ISO-8601, Unix seconds, or ``""``) as aware UTC, or ``None``."""

V2DatetimeInput = Annotated[datetime, PlainSerializer(format_v2, return_type=str, when_used="json")]
"""A datetime written to a V2 body, serialized as RFC-2822."""


class Link(ApiModel):
    """A V2 sub-resource reference, e.g. ``{"url": ".../v2/orders/1/products", "resource": "/orders/1/products"}``."""

    url: str | None = None
    resource: str | None = None


def as_payload(body: InputModel | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body for a write given as a model or a plain mapping."""
    if isinstance(body, InputModel):
        return body.payload()
    return dict(body)
