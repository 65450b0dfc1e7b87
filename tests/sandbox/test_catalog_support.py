"""Shared helpers for the catalog and inventory tests (this module holds no tests itself)."""

from __future__ import annotations

import functools
from typing import Any

import httpx
import orjson
import yaml
from openapi_core import OpenAPI
from openapi_core.configurations import Config

from bcsandbox import Sandbox
from bcsandbox.events import StoreEvent
from tests.support import conformance
from tests.support.conformance import assert_conforms


def product_body(name: str, sku: str = "", **extra: Any) -> dict[str, Any]:
    """A minimal valid product POST body."""
    return {"name": name, "type": "physical", "weight": 1.5, "price": 10, "sku": sku, **extra}


def variant_body(name: str, sku: str, labels: tuple[str, ...] = ("Red", "Blue"), **extra: Any) -> dict[str, Any]:
    """A product with one variant per colour label, tracked by variant, stock 5 each."""
    variants = [
        {
            "sku": f"{sku}-{label.upper()}",
            "inventory_level": 5,
            "option_values": [{"option_display_name": "Color", "label": label}],
        }
        for label in labels
    ]
    return product_body(name, sku, **{"inventory_tracking": "variant", **extra}, variants=variants)


def two_option_body(name: str, sku: str) -> dict[str, Any]:
    """A product with Color × Size variants (2 × 2)."""
    variants = [
        {
            "sku": f"{sku}-{color}-{size}",
            "option_values": [
                {"option_display_name": "Color", "label": color},
                {"option_display_name": "Size", "label": size},
            ],
        }
        for color in ("Red", "Blue")
        for size in ("S", "M")
    ]
    return product_body(name, sku, inventory_tracking="variant", variants=variants)


def _drop_nulls(value: Any, fields: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v, fields) for k, v in value.items() if not (k in fields and v is None)}
    if isinstance(value, list):
        return [_drop_nulls(item, fields) for item in value]
    return value


def assert_conforms_with_nulls(response: httpx.Response, *fields: str) -> None:
    """``assert_conforms`` for a body whose named fields may be null although the spec types them
    as non-nullable (the docs and DIGEST say null: ``base_variant_id`` of a product with variants,
    ``sku_id`` of a base item, inherited variant prices declared ``x-nullable``). Those nulls are
    left out; everything else is validated as is."""
    cleaned = _drop_nulls(response.json(), frozenset(fields))
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    clone = httpx.Response(
        response.status_code, headers=headers, content=orjson.dumps(cleaned), request=response.request
    )
    assert_conforms(clone)


@functools.cache
def _problem_aware_spec(name: str) -> OpenAPI:
    data: dict[str, Any] = yaml.safe_load((conformance.REFERENCE / name).read_text())
    config = Config(extra_media_type_deserializers={"application/problem+json": orjson.loads})
    return OpenAPI.from_dict(data, config=config)


def assert_problem_conforms(response: httpx.Response) -> None:
    """``assert_conforms`` for ``application/problem+json`` errors (inventory and locations specs):
    the shared harness has no deserializer for that media type and would compare raw bytes."""
    assert response.headers["content-type"] == "application/problem+json"
    request = response.request
    names = conformance._operation_specs(request)
    assert names, f"no official spec covers {request.method} {request.url.path}"
    _, store_path = conformance._split(request)
    result = _problem_aware_spec(names[0]).unmarshal_response(
        conformance._Request(request, store_path), conformance._Response(response)
    )
    assert not result.errors, "; ".join(conformance._describe(error) for error in result.errors)


VARIANT_NULLS = (
    "price",
    "sale_price",
    "retail_price",
    "map_price",
    "weight",
    "width",
    "height",
    "depth",
    "fixed_cost_shipping_price",
    "cost_price",
    "bin_picking_number",
    "inventory_level",
    "inventory_warning_level",
    "sku_id",
    "base_variant_id",
    "upc",
    "mpn",
    "gtin",
)


class EventLog:
    """Collects the sandbox's webhook events."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.events: list[StoreEvent] = []
        sandbox.subscribe(self.events.append)

    def scoped(self, scope: str) -> list[dict[str, Any]]:
        return [event.data for event in self.events if event.scope == scope]

    def clear(self) -> None:
        self.events.clear()
