"""Routes for inventory (adjustments, items) and locations.

``/v3/inventory/adjustments/*``, ``/v3/inventory/items`` and ``/v3/inventory/locations/{id}/items``
need ``store_inventory``; ``/v3/inventory/locations`` itself needs ``store_locations``. Errors are
``application/problem+json``, as both specs declare.
"""

from __future__ import annotations

from typing import Any

from bcsandbox import scopes
from bcsandbox.backends.catalog import Condition
from bcsandbox.backends.inventory import PROBLEM_JSON, InventoryBackend
from bcsandbox.errors import ApiError, bad_request
from bcsandbox.routes.registry import Call, Reply, RouteTable, v3_page

table = RouteTable()

MAX_PAGE = 1000  # "Limit of 1000 items for payload length"
ITEM_FILTERS = {"sku:in": "sku", "variant_id:in": "variant_id", "product_id:in": "product_id"}
LOCATION_LIST_FILTERS = {"location_id:in": "id", "location_code:in": "code", "type_id:in": "type_id"}
LOCATION_FLAG_FILTERS = {
    "is_default": "is_default",
    "managed_by_external_source": "managed_by_external_source",
    "is_active": "enabled",
    "storefront_visibility": "storefront_visibility",
}
INTEGER_LISTS = frozenset({"variant_id:in", "product_id:in", "location_id:in"})


def _inventory(call: Call) -> InventoryBackend:
    return call.store.inventory


def _problem(error: ApiError) -> ApiError:
    """A body error raised by the shared request helpers, in this API's problem+json form."""
    error.content_type = PROBLEM_JSON
    return error


def _object(call: Call) -> dict[str, Any]:
    try:
        return call.json_object()
    except ApiError as error:
        raise _problem(error) from None


def _array(call: Call) -> list[Any]:
    try:
        return call.json_array()
    except ApiError as error:
        raise _problem(error) from None


def _list(call: Call, key: str) -> list[Any] | None:
    raw = call.query.get(key)
    if raw is None or raw.strip() == "":
        return None
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if key not in INTEGER_LISTS:
        return parts
    try:
        return [int(part) for part in parts]
    except ValueError:
        raise _problem(
            bad_request(f"The query parameter '{key}' must be a comma-separated list of integers.")
        ) from None


def _flag(call: Call, key: str) -> bool | None:
    raw = call.query.get(key)
    if raw is None or raw == "":
        return None
    lowered = raw.lower()
    if lowered not in ("true", "false", "1", "0"):
        raise _problem(bad_request(f"The query parameter '{key}' must be true or false."))
    return lowered in ("true", "1")


def _list_conditions(call: Call, mapping: dict[str, str]) -> list[Condition]:
    found: list[Condition] = []
    for key, name in mapping.items():
        values = _list(call, key)
        if values is not None:
            found.append(Condition(name, "in", values))
    return found


def _transaction(transaction_id: str) -> Reply:
    return Reply({"transaction_id": transaction_id})


# -- adjustments ---------------------------------------------------------------------------------


@table.route("PUT", "/v3/inventory/adjustments/absolute", scope=scopes.INVENTORY)
def absolute_adjustment(call: Call) -> Reply:
    return _transaction(_inventory(call).adjust(_object(call), relative=False))


@table.route("POST", "/v3/inventory/adjustments/relative", scope=scopes.INVENTORY)
def relative_adjustment(call: Call) -> Reply:
    return _transaction(_inventory(call).adjust(_object(call), relative=True))


# -- items ---------------------------------------------------------------------------------------


@table.route("GET", "/v3/inventory/items", scope=scopes.INVENTORY)
def list_items(call: Call) -> Reply:
    wanted = _list_conditions(call, {**ITEM_FILTERS, "location_id:in": "location_id", "location_code:in": "code"})
    return v3_page(call, _inventory(call).items(wanted), max_limit=MAX_PAGE)


@table.route("GET", "/v3/inventory/locations/{location_id:int}/items", scope=scopes.INVENTORY)
def list_location_items(call: Call) -> Reply:
    items = _inventory(call).location_items(int(call.params["location_id"]), _list_conditions(call, ITEM_FILTERS))
    return v3_page(call, items, max_limit=MAX_PAGE)


@table.route("PUT", "/v3/inventory/locations/{location_id:int}/items", scope=scopes.INVENTORY)
def update_location_items(call: Call) -> Reply:
    return _transaction(_inventory(call).update_location_settings(int(call.params["location_id"]), _object(call)))


# -- locations -----------------------------------------------------------------------------------


@table.route("GET", "/v3/inventory/locations", scope=scopes.LOCATIONS)
def list_locations(call: Call) -> Reply:
    wanted = _list_conditions(call, LOCATION_LIST_FILTERS)
    for key, name in LOCATION_FLAG_FILTERS.items():
        flag = _flag(call, key)
        if flag is not None:
            wanted.append(Condition(name, "eq", flag))
    return v3_page(call, _inventory(call).list_locations(wanted), max_limit=MAX_PAGE)


@table.route("POST", "/v3/inventory/locations", scope=scopes.LOCATIONS)
def create_locations(call: Call) -> Reply:
    return _transaction(_inventory(call).create_locations(_array(call)))


@table.route("PUT", "/v3/inventory/locations", scope=scopes.LOCATIONS)
def update_locations(call: Call) -> Reply:
    return _transaction(_inventory(call).update_locations(_array(call)))


@table.route("DELETE", "/v3/inventory/locations", scope=scopes.LOCATIONS)
def delete_locations(call: Call) -> Reply:
    return _transaction(_inventory(call).delete_locations(_list(call, "location_id:in") or []))
