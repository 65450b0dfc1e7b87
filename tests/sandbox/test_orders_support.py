"""Helpers for the orders tests: request bodies and a conformance check for Orders V2.

``conforms(response)`` is ``assert_conforms`` plus two workarounds for places where
``orders.v2.oas2.yml`` cannot validate any response, each replaced by a stricter check:

* ``consignments`` on an order is ``oneOf: [orderConsignments_Resource, orderConsignment_Get]``.
  Neither schema has required members, so every object matches both and ``oneOf`` always fails.
  The field is taken out before ``assert_conforms`` and checked against the one schema its shape
  claims (a ``{url, resource}`` link, or the four-member consignment object).
* ``line_items`` in a consignment is ``oneOf`` an array of links or of ``orderProducts``; a full
  line item also matches the link schema (no required members) and an empty array matches both,
  so it fails the same way. The arrays are taken out and each item is checked against
  ``orderProducts`` (which forbids extra members) or the link schema.
* ``GET /orders/{id}/shipments`` documents 204 with ``content: {}``; openapi-core then demands a
  body, so for that status the check is "the spec lists 204 for this operation and the body is
  empty".

This module holds no tests; pytest collects nothing from it.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path
from typing import Any

import httpx
import yaml
from openapi_schema_validator import OAS30Validator

from bcsandbox import Sandbox
from tests.support.conformance import REFERENCE, assert_conforms

SPEC_PATH: Path = REFERENCE / "orders.v2.oas2.yml"
LINK_KEYS = {"url", "resource"}
CONSIGNMENT_KEYS = {"pickups", "shipping", "downloads", "email"}

BILLING: dict[str, Any] = {
    "first_name": "Jane",
    "last_name": "Doe",
    "street_1": "123 Main Street",
    "city": "Austin",
    "state": "Texas",
    "zip": "78751",
    "country": "United States",
    "country_iso2": "US",
    "email": "janedoe@example.com",
}
SHIPPING: dict[str, Any] = {
    "first_name": "Trish",
    "last_name": "Smith",
    "company": "Acme Pty Ltd",
    "street_1": "666 Sussex St",
    "city": "Austin",
    "state": "Texas",
    "zip": "78751",
    "country": "United States",
    "country_iso2": "US",
    "email": "elsie@example.com",
}


def custom_line(name: str = "BigCommerce Coffee Mug", quantity: int = 1, ex: Any = 45, inc: Any = 50) -> dict[str, Any]:
    return {"name": name, "quantity": quantity, "price_ex_tax": ex, "price_inc_tax": inc}


def order_body(*lines: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A valid ``POST /v2/orders`` body with custom lines (one mug when none are given)."""
    return {"billing_address": dict(BILLING), "products": list(lines) or [custom_line()], **extra}


@functools.cache
def _spec() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
    return data


@functools.cache
def _path_patterns() -> list[tuple[re.Pattern[str], str]]:
    """Spec path templates as regexes, literal segments first (``/orders/count`` before ``/orders/{id}``)."""
    templates = sorted(_spec()["paths"], key=lambda template: template.count("{"))
    return [(re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"), template) for template in templates]


def documented_responses(request: httpx.Request) -> dict[str, Any]:
    """The ``responses`` the spec lists for the request's operation (``{}`` when none)."""
    path = request.url.path.split("/v2", 1)[1]
    for pattern, template in _path_patterns():
        if pattern.match(path):
            operation = _spec()["paths"][template].get(request.method.lower())
            return dict(operation["responses"]) if operation else {}
    return {}


def validate_schema(value: Any, schema_name: str) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": _spec()["components"]}
    errors = sorted(OAS30Validator(schema).iter_errors(value), key=lambda error: list(error.path))
    assert not errors, f"{schema_name}: " + "; ".join(
        f"{'/'.join(map(str, error.path))}: {error.message}" for error in errors[:5]
    )


def check_line_items(items: list[Any]) -> None:
    for item in items:
        if set(item) == LINK_KEYS:
            validate_schema(item, "products_Resource")
        else:
            validate_schema(item, "orderProducts")


def check_consignments(value: dict[str, Any]) -> None:
    """A consignments value against the one schema its shape claims (see the module docstring)."""
    if set(value) == LINK_KEYS:
        validate_schema(value, "orderConsignments_Resource")
        return
    assert set(value) == CONSIGNMENT_KEYS, f"unexpected consignments members {sorted(value)}"
    skeleton = copy.deepcopy(value)
    groups = [
        *skeleton["pickups"],
        *skeleton["shipping"],
        *skeleton["downloads"],
        *skeleton["email"]["gift_certificates"],
    ]
    for group in groups:
        check_line_items(group.pop("line_items"))
    validate_schema(skeleton, "orderConsignment_Get")


def _is_order(value: Any) -> bool:
    return isinstance(value, dict) and "billing_address" in value and "consignments" in value


def _strip_consignments(body: Any) -> tuple[Any, list[dict[str, Any]]]:
    """``body`` without the orders' ``consignments`` (or a consignment object's line items), and those parts."""
    if _is_order(body):
        rest = {key: value for key, value in body.items() if key != "consignments"}
        return rest, [body["consignments"]]
    if isinstance(body, list) and body and all(_is_order(item) for item in body):
        return [{key: value for key, value in item.items() if key != "consignments"} for item in body], [
            item["consignments"] for item in body
        ]
    if isinstance(body, dict) and set(body) == CONSIGNMENT_KEYS:
        skeleton = copy.deepcopy(body)
        for group in [*skeleton["pickups"], *skeleton["shipping"], *skeleton["downloads"]]:
            del group["line_items"]
        return skeleton, [body]
    return body, []


def conforms(response: httpx.Response) -> None:
    """Assert ``response`` matches its Orders V2 operation in the official spec (see module docstring)."""
    if response.status_code == 204:
        assert response.content == b"", "a 204 has no body"
        documented = documented_responses(response.request)
        if documented.get("204", {}).get("content") == {}:
            return  # openapi-core cannot read "content: {}"; the status is documented and the body empty
        assert_conforms(response)
        return
    body = response.json()
    stripped, parts = _strip_consignments(body)
    for part in parts:
        check_consignments(part)
    if not parts:
        assert_conforms(response)
        return
    headers = {key: value for key, value in response.headers.items() if key.lower() != "content-length"}
    rebuilt = httpx.Response(
        response.status_code, headers=headers, content=json.dumps(stripped).encode(), request=response.request
    )
    assert_conforms(rebuilt)


def record_events(sandbox: Sandbox) -> list[tuple[str, dict[str, Any]]]:
    """Every webhook event ``sandbox`` raises from now on, as ``(scope, data)``."""
    seen: list[tuple[str, dict[str, Any]]] = []
    sandbox.subscribe(lambda event: seen.append((event.scope, event.data)))
    return seen


async def create_order(api: httpx.AsyncClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await api.post("/v2/orders", json=body or order_body())
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def message(response: httpx.Response) -> str:
    """The message of a V2 error body (an array with one ``{status, message}``)."""
    body = response.json()
    assert isinstance(body, list) and len(body) == 1, body
    assert body[0]["status"] == response.status_code
    text: str = body[0]["message"]
    return text
