"""Inventory: stock per item and location, adjustments, items and locations.

Shapes and rules follow ``reference/inventory.v3.yml``, ``reference/locations.v3.yml``,
``docs/store-operations/catalog/inventory-adjustments.mdx`` and DIGEST §6. Stock is kept per
item key (``("product", id)`` or ``("variant", id)``, see the catalog backend) and location; the
Catalog API shows the default location (1). Which identity names which item, and which webhook a
change raises, is the catalog's business: this module asks it through ``stock_item`` and tells
it through ``stock_changed``. Errors here are ``application/problem+json``, as the specs declare.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bcsandbox.backends.catalog import (
    MAX_STOCK,
    Condition,
    ItemKey,
    JsonObject,
    Rule,
    StockItem,
    TrackingMismatch,
    compare,
    field_errors,
    require,
)
from bcsandbox.dates import iso
from bcsandbox.errors import ApiError

if TYPE_CHECKING:
    from bcsandbox.state import Store

DEFAULT_LOCATION = 1
MAX_ITEMS_PER_REQUEST = 2000
MAX_ACTIVE_LOCATIONS = 100
PROBLEM_JSON = "application/problem+json"
INVALID_FIELDS = "Payload contains invalid fields"
IDENTITIES = ("sku", "variant_id", "product_id")
CHANNEL_SCOPE = "store/channel/*/inventory/product/"
WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")

LOCATION_RULES: dict[str, Rule] = {
    "code": Rule("str", min_len=1, max_len=255),
    "label": Rule("str", min_len=1, max_len=255),
    "description": Rule("str"),
    "managed_by_external_source": Rule("bool"),
    "type_id": Rule("enum", choices=("PHYSICAL", "VIRTUAL")),
    "enabled": Rule("bool"),
    "operating_hours": Rule("object"),
    "time_zone": Rule("str", min_len=1),
    "address": Rule("object"),
    "storefront_visibility": Rule("bool"),
    "special_hours": Rule("list"),
}
ADDRESS_RULES: dict[str, Rule] = {
    "address1": Rule("str"),
    "address2": Rule("str"),
    "city": Rule("str"),
    "state": Rule("str"),
    "zip": Rule("str"),
    "email": Rule("str"),
    "phone": Rule("str"),
    "geo_coordinates": Rule("object"),
    "country_code": Rule("str", min_len=2, max_len=2),
}
COORDINATE_RULES: dict[str, Rule] = {
    "latitude": Rule("num", -90, 90),
    "longitude": Rule("num", -180, 180),
}
REQUIRED_ADDRESS = ("address1", "city", "state", "zip", "email", "geo_coordinates", "country_code")
SETTING_RULES: dict[str, Rule] = {
    "safety_stock": Rule("int", 0, MAX_STOCK),
    "is_in_stock": Rule("bool"),
    "warning_level": Rule("int", 0, MAX_STOCK),
    "bin_picking_number": Rule("str", max_len=255),
}


def problem(status: int, title: str, errors: dict[str, Any] | None = None) -> ApiError:
    return ApiError(status, title, errors, content_type=PROBLEM_JSON)


def invalid(errors: dict[str, str]) -> ApiError:
    return problem(422, INVALID_FIELDS, errors)


@dataclass(slots=True)
class Stock:
    """One item's stock and settings at one location; ``onhand`` None: never set there."""

    onhand: int | None = None
    safety_stock: int = 0
    is_in_stock: bool = True
    warning_level: int = 0
    bin_picking_number: str = ""

    @property
    def level(self) -> int:
        return self.onhand or 0

    @property
    def available(self) -> int:
        return max(0, self.level - self.safety_stock)

    def settings(self) -> JsonObject:
        return {
            "safety_stock": self.safety_stock,
            "is_in_stock": self.is_in_stock,
            "warning_level": self.warning_level,
            "bin_picking_number": self.bin_picking_number,
        }


@dataclass(frozen=True)
class Adjustment:
    """One validated adjustment line."""

    item: StockItem
    location_id: int
    quantity: int
    identity: str  # as the caller named it, e.g. "variant_id 74", for error titles


class InventoryBackend:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.stock: dict[ItemKey, dict[int, Stock]] = {}
        now = iso(store.now())
        self.locations: dict[int, JsonObject] = {DEFAULT_LOCATION: _default_location(store.hash, now)}
        self._next_location_id = DEFAULT_LOCATION + 1
        self._transactions = 0

    # -- stock records (the catalog's view) ---------------------------------------------------
    def default_stock(self, key: ItemKey) -> Stock | None:
        """The item's record at the default location, which is what the Catalog API shows."""
        records = self.stock.get(key)
        return records.get(DEFAULT_LOCATION) if records else None

    def level(self, key: ItemKey) -> int:
        records = self.stock.get(key)
        found = records.get(DEFAULT_LOCATION) if records else None
        return found.level if found else 0

    def track(self, key: ItemKey, level: int = 0) -> None:
        """Start keeping stock for a new catalog item at the default location."""
        records = self.stock.setdefault(key, {})
        records.setdefault(DEFAULT_LOCATION, Stock()).onhand = level

    def forget(self, key: ItemKey) -> None:
        self.stock.pop(key, None)

    def update_settings(self, key: ItemKey, location_id: int, settings: JsonObject) -> bool:
        """Change warning level, safety stock, in-stock flag or bin number; True when any changed."""
        record = self.stock.setdefault(key, {}).setdefault(location_id, Stock())
        before = record.settings()
        for name, value in settings.items():
            setattr(record, name, value)
        return record.settings() != before

    def _transaction(self) -> str:
        self._transactions += 1
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bcsandbox/{self.store.hash}/inventory/{self._transactions}"))

    # -- writes -------------------------------------------------------------------------------
    def set_stock(self, item: StockItem, location_id: int, quantity: int) -> bool:
        """Set ``item``'s stock absolutely; True when it changed (events raised then)."""
        if location_id not in self.locations:
            raise problem(404, f"Location {location_id} was not found.")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= MAX_STOCK:
            raise invalid({"quantity": f"The quantity must be an integer from 0 to {MAX_STOCK}."})
        return self._write(item, location_id, quantity, "absolute", quantity, by_order=False)

    def sell(self, item: StockItem, quantity: int) -> None:
        """An order moved ``quantity`` items at the default location (clamped to 0..max)."""
        record = self.stock.setdefault(item.key, {}).setdefault(DEFAULT_LOCATION, Stock(onhand=0))
        new = max(0, min(MAX_STOCK, record.level - quantity))
        if self._write(item, DEFAULT_LOCATION, new, "relative", new - record.level, by_order=True):
            self._emit_order_thresholds(item, record)

    def _write(self, item: StockItem, location_id: int, new: int, method: str, value: int, *, by_order: bool) -> bool:
        record = self.stock.setdefault(item.key, {}).setdefault(location_id, Stock())
        if record.onhand == new:
            return False
        record.onhand = new
        if not by_order:
            self._emit_channel("stock_changed", item, location_id)
        self.store.catalog.stock_changed(item, method, value, by_order=by_order)
        return True

    def _emit_channel(self, event: str, item: StockItem, location_id: int) -> None:
        self.store.emit(
            CHANNEL_SCOPE + event,
            {"product_id": item.product_id, "variant_id": item.variant_id, "location_id": location_id},
        )

    def _emit_order_thresholds(self, item: StockItem, record: Stock) -> None:
        if record.level == 0:
            self._emit_channel("out_of_stock_reached", item, DEFAULT_LOCATION)
        elif record.warning_level and record.level <= record.warning_level:
            self._emit_channel("low_stock_reached", item, DEFAULT_LOCATION)

    # -- adjustments --------------------------------------------------------------------------
    def adjust(self, body: JsonObject, *, relative: bool) -> str:
        """``PUT …/adjustments/absolute`` or ``POST …/adjustments/relative``; returns the transaction id.

        All items are checked before any is applied. 422 when: an item is malformed, unknown or
        over 2,000 items are sent; an identity is tracked the other way; a relative adjustment
        names an item never set absolutely at that location, or would take stock below its
        safety stock (or over the maximum).
        """
        lines = self._adjustment_lines(body, relative=relative)
        targets = self._adjustment_targets(lines, relative=relative)
        for line in lines:
            new = targets[(line.item.key, line.location_id)].pop(0)
            method = "relative" if relative else "absolute"
            self._write(line.item, line.location_id, new, method, line.quantity, by_order=False)
        return self._transaction()

    def _adjustment_lines(self, body: JsonObject, *, relative: bool) -> list[Adjustment]:
        items = body.get("items")
        if not isinstance(items, list) or not items:
            raise invalid({"items": "At least one item is required."})
        if len(items) > MAX_ITEMS_PER_REQUEST:
            raise invalid({"items": f"At most {MAX_ITEMS_PER_REQUEST} items are allowed in one request."})
        errors: dict[str, str] = {}
        mismatches: list[str] = []
        lines: list[Adjustment] = []
        for index, item in enumerate(items):
            line = self._adjustment_line(index, item, relative, errors, mismatches)
            if line is not None:
                lines.append(line)
        if errors:
            raise invalid(errors)
        if mismatches:
            raise problem(422, "[" + ", ".join(mismatches) + "]")
        return lines

    def _adjustment_line(
        self, index: int, item: Any, relative: bool, errors: dict[str, str], mismatches: list[str]
    ) -> Adjustment | None:
        prefix = f"items.{index}."
        if not isinstance(item, dict):
            errors[f"items.{index}"] = "Each item must be an object."
            return None
        found = dict(field_errors(item, _ADJUSTMENT_RULES, prefix))
        found.update(require(item, ("location_id", "quantity"), prefix))
        named = [name for name in IDENTITIES if item.get(name) is not None]
        if len(named) != 1:
            found[prefix + "identity"] = "Exactly one of 'sku', 'variant_id' or 'product_id' is required."
        if not found and item["location_id"] not in self.locations:
            found[prefix + "location_id"] = f"Location {item['location_id']} does not exist."
        if not found and not relative and not 0 <= item["quantity"] <= MAX_STOCK:
            found[prefix + "quantity"] = f"An absolute quantity must be from 0 to {MAX_STOCK}."
        if found:
            errors.update(found)
            return None
        kind = named[0]
        try:
            stock_item = self.store.catalog.stock_item(kind, item[kind])
        except TrackingMismatch as mismatch:
            mismatches.append(str(mismatch))
            return None
        if stock_item is None:
            errors[prefix + kind] = f"No item with {kind} {item[kind]} exists."
            return None
        return Adjustment(stock_item, int(item["location_id"]), int(item["quantity"]), f"{kind} {item[kind]}")

    def _adjustment_targets(
        self, lines: Sequence[Adjustment], *, relative: bool
    ) -> dict[tuple[ItemKey, int], list[int]]:
        """The level each line leaves behind, in order, per (item, location)."""
        targets: dict[tuple[ItemKey, int], list[int]] = {}
        unset: list[str] = []
        short: list[str] = []
        errors: dict[str, str] = {}
        for index, line in enumerate(lines):
            slot = (line.item.key, line.location_id)
            record = self.stock.get(line.item.key, {}).get(line.location_id)
            history = targets.setdefault(slot, [])
            current = history[-1] if history else (record.onhand if record else None)
            if not relative:
                history.append(line.quantity)
                continue
            if current is None:
                unset.append(line.identity)
                continue
            new = current + line.quantity
            if new < (record.safety_stock if record else 0):
                short.append(line.identity)
            elif new > MAX_STOCK:
                errors[f"items.{index}.quantity"] = f"The stock would exceed the maximum of {MAX_STOCK}."
            history.append(new)
        if unset:
            raise problem(
                422, f"Items with identity: [{', '.join(unset)}] requires absolute adjustment before relative"
            )
        if short:
            raise problem(
                422,
                f"Items with identity: [{', '.join(short)}] do not have enough stock: "
                "the adjustment would take stock below the safety stock",
            )
        if errors:
            raise invalid(errors)
        return targets

    # -- items --------------------------------------------------------------------------------
    def items(self, conditions: Sequence[Condition] = ()) -> list[JsonObject]:
        """``GET /v3/inventory/items``: every item with its stock at every (matching) location."""
        wanted = [c for c in conditions if c.field in ("sku", "variant_id", "product_id")]
        locations = self.list_locations(
            [
                Condition("id" if c.field == "location_id" else "code", "in", c.value)
                for c in conditions
                if c not in wanted
            ]
        )
        found: list[JsonObject] = []
        for item in _matching_items(self.store.catalog.stock_items(), wanted):
            records = self.stock.get(item.key, {})
            found.append(
                {
                    "identity": {
                        "sku": item.sku,
                        "variant_id": item.variant_id,
                        "product_id": item.product_id,
                        "sku_id": item.sku_id,
                    },
                    "locations": [_location_stock(location, records.get(location["id"])) for location in locations],
                }
            )
        return found

    def location_items(self, location_id: int, conditions: Sequence[Condition] = ()) -> list[JsonObject]:
        """``GET /v3/inventory/locations/{id}/items``: the items stocked at that location."""
        self.location(location_id)
        found: list[JsonObject] = []
        for item in _matching_items(self.store.catalog.stock_items(), conditions):
            record = self.stock.get(item.key, {}).get(location_id)
            if record is None:
                continue
            found.append(
                {
                    "identity": {"sku": item.sku, "variant_id": item.variant_id, "product_id": item.product_id},
                    "available_to_sell": record.available,
                    "total_inventory_onhand": record.level,
                    "settings": record.settings(),
                }
            )
        return found

    def update_location_settings(self, location_id: int, body: JsonObject) -> str:
        """``PUT /v3/inventory/locations/{id}/items``: per-item settings at the location (≤2,000)."""
        self.location(location_id)
        entries = body.get("settings")
        if not isinstance(entries, list) or not entries:
            raise invalid({"settings": "At least one item's settings are required."})
        if len(entries) > MAX_ITEMS_PER_REQUEST:
            raise invalid({"settings": f"At most {MAX_ITEMS_PER_REQUEST} items are allowed in one request."})
        planned = self._settings_plan(entries)
        for item, settings in planned:
            if self.update_settings(item.key, location_id, settings):
                self._emit_channel("settings_changed", item, location_id)
                self.store.catalog.stock_touched(item)
        return self._transaction()

    def _settings_plan(self, entries: list[Any]) -> list[tuple[StockItem, JsonObject]]:
        errors: dict[str, str] = {}
        mismatches: list[str] = []
        planned: list[tuple[StockItem, JsonObject]] = []
        for index, entry in enumerate(entries):
            prefix = f"setting.{index}."
            if not isinstance(entry, dict):
                errors[f"setting.{index}"] = "Each entry must be an object."
                continue
            found = field_errors(entry, SETTING_RULES, prefix)
            settings = {name: entry[name] for name in SETTING_RULES if entry.get(name) is not None}
            if not settings:
                found[prefix + "settings"] = (
                    "At least one setting must be specified: warning_level, is_in_stock or safety_stock"
                )
            identity = entry.get("identity")
            named = [name for name in IDENTITIES if isinstance(identity, dict) and identity.get(name) is not None]
            if len(named) != 1:
                found[prefix + "identity"] = "The identity needs exactly one of 'sku', 'variant_id' or 'product_id'."
            if found:
                errors.update(found)
                continue
            kind = named[0]
            try:
                item = self.store.catalog.stock_item(kind, identity[kind])  # type: ignore[index]
            except TrackingMismatch as mismatch:
                mismatches.append(str(mismatch))
                continue
            if item is None:
                errors[prefix + "identity"] = f"No item with {kind} {identity[kind]} exists."  # type: ignore[index]
                continue
            planned.append((item, settings))
        if errors:
            raise invalid(errors)
        if mismatches:
            raise problem(422, "[" + ", ".join(mismatches) + "]")
        return planned

    # -- locations ----------------------------------------------------------------------------
    def location(self, location_id: int) -> JsonObject:
        found = self.locations.get(location_id)
        if found is None:
            raise problem(404, f"Location {location_id} was not found.")
        return found

    def list_locations(self, conditions: Sequence[Condition] = ()) -> list[JsonObject]:
        """Locations matching every condition (fields as the filters name them), in id order."""
        tests = [(c.field, _location_test(c)) for c in conditions]
        return [
            location
            for location in self.locations.values()
            if all(test(_location_value(location, name)) for name, test in tests)
        ]

    def create_locations(self, items: list[Any]) -> str:
        """``POST /v3/inventory/locations``: label, time_zone and address required; ≤100 active."""
        errors: dict[str, str] = {}
        codes = {location["code"].casefold() for location in self.locations.values()}
        for index, item in enumerate(items):
            errors.update(_location_errors(item, f"{index}.", creating=True))
            code = item.get("code") if isinstance(item, dict) else None
            if isinstance(code, str):
                if code.casefold() in codes:
                    errors[f"{index}.code"] = f"The location code '{code}' is already in use."
                codes.add(code.casefold())
        if not items:
            errors["body"] = "At least one location is required."
        if errors:
            raise invalid(errors)
        active = sum(location["enabled"] for location in self.locations.values())
        if active + sum(item.get("enabled", True) is not False for item in items) > MAX_ACTIVE_LOCATIONS:
            raise invalid({"enabled": f"A store can have at most {MAX_ACTIVE_LOCATIONS} active locations."})
        now = iso(self.store.now())
        for item in items:
            location_id = self._next_location_id
            self._next_location_id += 1
            location = _default_location(self.store.hash, now)
            location.update(id=location_id, code=f"BC-LOCATION-{location_id}", label="", address={})
            _merge_location(location, item)
            self.locations[location_id] = location
            self.store.emit("store/inventory/location/created", {"location_id": location_id})
        return self._transaction()

    def update_locations(self, items: list[Any]) -> str:
        """``PUT /v3/inventory/locations``: partial updates, each item with an existing ``id``."""
        errors: dict[str, str] = {}
        for index, item in enumerate(items):
            errors.update(_location_errors(item, f"{index}.", creating=False))
            location_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(location_id, int) or location_id not in self.locations:
                errors[f"{index}.id"] = f"Location {location_id} does not exist."
                continue
            code = item.get("code")
            if isinstance(code, str) and any(
                other["id"] != location_id and other["code"].casefold() == code.casefold()
                for other in self.locations.values()
            ):
                errors[f"{index}.code"] = f"The location code '{code}' is already in use."
        if not items:
            errors["body"] = "At least one location is required."
        if errors:
            raise invalid(errors)
        now = iso(self.store.now())
        for item in items:
            location = self.locations[item["id"]]
            _merge_location(location, item)
            location["updated_at"] = now
            self.store.emit("store/inventory/location/updated", {"location_id": location["id"]})
        return self._transaction()

    def delete_locations(self, location_ids: list[int]) -> str:
        """``DELETE /v3/inventory/locations?location_id:in=``: their stock goes too; not location 1."""
        if not location_ids:
            raise invalid({"location_id:in": "The location_id:in filter is required."})
        missing = [location_id for location_id in location_ids if location_id not in self.locations]
        if missing:
            raise problem(404, f"Location {missing[0]} was not found.")
        if DEFAULT_LOCATION in location_ids:
            label = self.locations[DEFAULT_LOCATION]["label"]
            raise problem(
                422,
                f"Location canʼt be deleted. {label} is set as a shipping origin for this store and canʼt be deleted.",
            )
        for location_id in location_ids:
            del self.locations[location_id]
            for records in self.stock.values():
                records.pop(location_id, None)
        return self._transaction()


_ADJUSTMENT_RULES: dict[str, Rule] = {
    "location_id": Rule("int", 1),
    "quantity": Rule("int", -MAX_STOCK, MAX_STOCK),
    "sku": Rule("str", min_len=1, nullable=True),
    "variant_id": Rule("int", 1, nullable=True),
    "product_id": Rule("int", 1, nullable=True),
}


def _default_location(store_hash: str, now: str) -> JsonObject:
    """Location 1: the default location and shipping origin, at the store's address."""
    return {
        "id": DEFAULT_LOCATION,
        "code": "BC-LOCATION-1",
        "label": "Default location",
        "description": "",
        "managed_by_external_source": False,
        "type_id": "PHYSICAL",
        "enabled": True,
        "operating_hours": {day: {"open": False, "opening": "00:00", "closing": "00:00"} for day in WEEKDAYS},
        "time_zone": "Etc/UTC",
        "created_at": now,
        "updated_at": now,
        "address": {
            "address1": "1 Emulator Way",
            "address2": "",
            "city": "Austin",
            "state": "Texas",
            "zip": "78701",
            "email": f"owner@{store_hash}.sandbox.mybigcommerce.com",
            "phone": "555-0100",
            "geo_coordinates": {"latitude": 30.2672, "longitude": -97.7431},
            "country_code": "US",
        },
        "storefront_visibility": True,
        "special_hours": [],
    }


def _location_errors(item: Any, prefix: str, *, creating: bool) -> dict[str, str]:
    if not isinstance(item, dict):
        return {prefix.rstrip("."): "Each location must be an object."}
    errors = field_errors(item, LOCATION_RULES, prefix)
    if creating:
        errors.update(require(item, ("label", "time_zone", "address"), prefix))
    address = item.get("address")
    if isinstance(address, dict):
        errors.update(field_errors(address, ADDRESS_RULES, prefix + "address."))
        needed = REQUIRED_ADDRESS if creating else ("country_code",)
        errors.update(require(address, needed, prefix + "address."))
        email = address.get("email")
        if isinstance(email, str) and "@" not in email:
            errors[prefix + "address.email"] = "The field 'email' must be an email address."
        coordinates = address.get("geo_coordinates")
        if isinstance(coordinates, dict):
            errors.update(field_errors(coordinates, COORDINATE_RULES, prefix + "address.geo_coordinates."))
            errors.update(require(coordinates, ("latitude", "longitude"), prefix + "address.geo_coordinates."))
    return errors


def _merge_location(location: JsonObject, item: JsonObject) -> None:
    for key, value in item.items():
        if key == "address":
            location["address"] = {**location["address"], **copy.deepcopy(value)}
        elif key in LOCATION_RULES:
            location[key] = copy.deepcopy(value)


def _location_value(location: JsonObject, name: str) -> Any:
    if name == "is_default":
        return location["id"] == DEFAULT_LOCATION
    if name == "code":
        return str(location["code"]).casefold()
    return location[name]


def _location_test(condition: Condition) -> Any:
    if condition.field == "code":
        return compare(condition.op, [str(code).casefold() for code in condition.value])
    return compare(condition.op, condition.value)


def _location_stock(location: JsonObject, record: Stock | None) -> JsonObject:
    record = record or Stock()
    return {
        "location_id": location["id"],
        "location_code": location["code"],
        "location_name": location["label"],
        "available_to_sell": record.available,
        "total_inventory_onhand": record.level,
        "location_enabled": location["enabled"],
        "settings": record.settings(),
    }


def _matching_items(items: list[StockItem], conditions: Sequence[Condition]) -> list[StockItem]:
    """Filter by ``sku:in`` (case-insensitive), ``variant_id:in`` and ``product_id:in``."""
    for condition in conditions:
        if condition.field == "sku":
            skus = {str(sku).casefold() for sku in condition.value}
            items = [item for item in items if item.sku.casefold() in skus]
        elif condition.field == "variant_id":
            items = [item for item in items if item.variant_id in set(condition.value)]
        elif condition.field == "product_id":
            items = [item for item in items if item.product_id in set(condition.value)]
    return items
