"""Orders in the hub: merchant orders, their lines, the dropship orders sent to vendors, shipments.

Plain data and rules, no I/O. The settings a connection keeps for orders live under the
``orders`` key of its settings JSON and are validated by ``OrderSettings``; the rules here decide
what gets imported, what is held back from routing and why, how a vendor order is keyed, and
what a question like "why is my order not importing?" gets as an answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bchub.errors import ConfigurationError, InputError

SETTINGS_KEY = "orders"  # where the order settings live in a connection's settings JSON
EXTERNAL_SOURCE = "bchub"  # external_source on every order bchub creates in a vendor's store
ZIP_PREFIX_CHARS = 3  # what a PII purge keeps of a postcode: enough for regional reports

# -- BigCommerce order statuses (fixed ids; stores may relabel them) -------------------------------
INCOMPLETE = 0
PENDING = 1
SHIPPED = 2
PARTIALLY_SHIPPED = 3
REFUNDED = 4
CANCELLED = 5
DECLINED = 6
AWAITING_PAYMENT = 7
AWAITING_PICKUP = 8
AWAITING_SHIPMENT = 9
COMPLETED = 10
AWAITING_FULFILLMENT = 11

STATUS_NAMES: dict[int, str] = {
    0: "Incomplete",
    1: "Pending",
    2: "Shipped",
    3: "Partially Shipped",
    4: "Refunded",
    5: "Cancelled",
    6: "Declined",
    7: "Awaiting Payment",
    8: "Awaiting Pickup",
    9: "Awaiting Shipment",
    10: "Completed",
    11: "Awaiting Fulfillment",
    12: "Manual Verification Required",
    13: "Disputed",
    14: "Partially Refunded",
}
# a merchant order in one of these will not be fulfilled: its vendor orders must be called off
CALLED_OFF_STATUSES = frozenset({REFUNDED, CANCELLED, DECLINED})


def status_label(status_id: int | None, names: Mapping[int, str] | None = None) -> str:
    """``Awaiting Fulfillment (11)``."""
    if status_id is None:
        return "unknown status"
    name = (names or STATUS_NAMES).get(status_id) or STATUS_NAMES.get(status_id, "status")
    return f"{name} ({status_id})"


class ImportAs(StrEnum):
    """What a downstream system should make of an imported order (the Salesorder setting)."""

    CASH_SALE = "cash_sale"
    SALES_ORDER = "sales_order"
    INVOICE = "invoice"


class RouteState(StrEnum):
    """Where a merchant order stands with its dropship lines."""

    NOT_NEEDED = "not_needed"  # no line is supplied by a vendor
    PENDING = "pending"  # vendor lines wait to be routed
    HELD = "held"  # kept back for review (``hold_reason``); route with --force once checked
    ROUTED = "routed"  # every vendor group has its order in the vendor's store
    FAILED = "failed"  # a vendor refused an order (``hold_reason`` says why); routing again retries
    CANCELLED = "cancelled"  # the merchant order was called off before it was routed


class VendorOrderState(StrEnum):
    PLANNED = "planned"  # decided, never sent: safe to create
    SENDING = "sending"  # a create was (or may have been) sent: look it up before creating again
    PLACED = "placed"  # exists in the vendor's store, bound to ``vendor_order_id``
    FAILED = "failed"  # the vendor's store refused it (4xx): certainly not created


class ShipmentState(StrEnum):
    PENDING = "pending"  # known to the hub, not written to the merchant's order yet
    SENDING = "sending"  # a create was (or may have been) sent: look it up before creating again
    WRITTEN = "written"  # on the merchant's order, bound to ``merchant_shipment_id``
    FAILED = "failed"  # the merchant's store refused it; the reason is kept


class ShipmentSource(StrEnum):
    VENDOR = "vendor"  # read from a vendor's store
    MANUAL = "manual"  # ``bchub shipments add`` or the REST API
    CSV = "csv"  # a CSV import (3PL, label printer)


# -- settings -------------------------------------------------------------------------------------


class BusinessAddress(BaseModel):
    """The merchant's business address: the billing address of every order sent to a vendor."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    first_name: str = Field(min_length=1)
    last_name: str = ""
    company: str = ""
    street_1: str = Field(min_length=1)
    street_2: str = ""
    city: str = Field(min_length=1)
    state: str = ""
    zip: str = Field(min_length=2)  # BigCommerce refuses a billing zip under 2 characters
    country: str = ""
    country_iso2: str = Field(min_length=2, max_length=2)
    phone: str = ""
    email: str = ""

    @field_validator("country_iso2")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


DEFAULT_PICKUP_CARRIERS = ("pickup", "pickup in store", "in-store pickup", "store pickup", "click and collect")


class OrderSettings(BaseModel):
    """Per-connection order settings (merchant side and vendor side; a store may be both)."""

    model_config = ConfigDict(extra="forbid")

    # merchant: getting orders
    import_statuses: list[int] = Field(default_factory=list)  # required to get orders (as in Salesorder)
    created_within_days: int | None = Field(default=None, ge=1)  # None: any age
    import_as: ImportAs = ImportAs.CASH_SALE
    acknowledge_status: int | None = Field(default=None, ge=0)  # set on the store after import, e.g. 11 → 9
    pii_retention_days: int | None = Field(default=None, ge=1)  # None: keep customer details
    lookback_minutes: int = Field(default=10, ge=0, le=24 * 60)  # re-read this much before the cursor
    # merchant: routing and shipments
    business_address: BusinessAddress | None = None
    route_on_import: bool = False
    complete_when_shipped: bool = False  # move a fully shipped order on to Completed (10)
    pickup_in_store: bool = False  # a pickup shipment sets Awaiting Pickup (8), as Starshipit does
    pickup_carriers: list[str] = Field(default_factory=lambda: list(DEFAULT_PICKUP_CARRIERS))
    # vendor: the status of orders bchub creates in this store (Onport's default: 0 Incomplete)
    vendor_status_id: int = Field(default=INCOMPLETE, ge=0)

    @field_validator("import_statuses")
    @classmethod
    def _distinct(cls, value: list[int]) -> list[int]:
        if any(status < 0 for status in value):
            raise ValueError("status ids are 0 or more")
        return list(dict.fromkeys(value))

    @field_validator("pickup_carriers")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [name.strip().lower() for name in value if name.strip()]

    def status_ids(self) -> set[int]:
        """Every status id these settings name (checked against the store's ``/v2/order_statuses``)."""
        named = {*self.import_statuses, self.vendor_status_id}
        if self.acknowledge_status is not None:
            named.add(self.acknowledge_status)
        return named


LIST_SETTINGS = frozenset({"import_statuses", "pickup_carriers"})


def _validation_message(error: ValidationError) -> str:
    parts = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem.get("loc", ())) or "settings"
        parts.append(f"{where}: {problem.get('msg', 'invalid')}")
    return "; ".join(parts)


def order_settings(raw: Mapping[str, Any] | None) -> OrderSettings:
    """The validated settings stored under ``orders`` (defaults when none are stored)."""
    try:
        return OrderSettings.model_validate(dict(raw or {}))
    except ValidationError as error:
        raise ConfigurationError(
            f"the connection's order settings are invalid ({_validation_message(error)}); "
            "fix them with `bchub orders settings <connection> --set KEY=VALUE`"
        ) from None


def _parse_value(key: str, value: str) -> Any:
    """A ``--set`` value: JSON when it parses (numbers, booleans, lists, objects), else the text."""
    text = value.strip()
    if text == "":
        return None
    if key in LIST_SETTINGS and not text.startswith("["):
        return [part.strip() for part in text.split(",") if part.strip()]
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def change_settings(current: Mapping[str, Any] | None, changes: Mapping[str, str | None]) -> OrderSettings:
    """Apply ``KEY=VALUE`` changes (``business_address.zip=78701`` reaches inside); ``None`` removes a key.

    An empty value also removes the key, so ``created_within_days=`` means "any age" again.
    """
    merged: dict[str, Any] = json.loads(json.dumps(dict(current or {})))
    for dotted, raw in changes.items():
        key, _, inner = dotted.strip().partition(".")
        if key not in OrderSettings.model_fields:
            known = ", ".join(OrderSettings.model_fields)
            raise InputError(f"unknown order setting {key!r}; known settings: {known}")
        value = None if raw is None else _parse_value(key, raw)
        if inner:
            if key != "business_address":
                raise InputError(f"{key!r} has no parts; set it as {key}=VALUE")
            section = dict(merged.get(key) or {})
            if value is None:
                section.pop(inner, None)
            else:
                section[inner] = str(value)
            merged[key] = section or None
        elif value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    try:
        return OrderSettings.model_validate({key: value for key, value in merged.items() if value is not None})
    except ValidationError as error:
        raise InputError(f"invalid order settings: {_validation_message(error)}") from None


def settings_document(settings: OrderSettings) -> dict[str, Any]:
    """What is stored under ``orders``: only the values that differ from the defaults."""
    return settings.model_dump(mode="json", exclude_defaults=True)


# -- orders ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    street_1: str = ""
    street_2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    country: str = ""
    country_iso2: str = ""
    phone: str = ""
    email: str = ""

    def as_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in ADDRESS_FIELDS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Address:
        data = data or {}
        return cls(**{name: str(data.get(name) or "") for name in ADDRESS_FIELDS})

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


ADDRESS_FIELDS = tuple(Address.__dataclass_fields__)


def erase_pii(address: Address) -> Address:
    """Keep the country and the start of the postcode; names, contacts and the street go."""
    return Address(
        country=address.country,
        country_iso2=address.country_iso2,
        zip=address.zip[:ZIP_PREFIX_CHARS],
    )


@dataclass(frozen=True)
class Destination:
    """One shipping address of a merchant order; ``order_address_id`` is what shipments name."""

    order_address_id: int
    address: Address
    shipping_method: str = ""


@dataclass
class OrderLine:
    order_product_id: int  # the store's line id, which shipments name
    sku: str
    name: str
    quantity: int
    quantity_shipped: int = 0
    product_id: int | None = None
    variant_id: int | None = None
    order_address_id: int | None = None
    price_ex_tax: Decimal | None = None
    price_inc_tax: Decimal | None = None
    total_inc_tax: Decimal | None = None
    item_id: int | None = None  # the hub item its SKU matched
    vendor_connection_id: int | None = None  # the vendor supplying that item, if any
    unmatched_reason: str | None = None

    @property
    def remaining(self) -> int:
        return max(0, self.quantity - self.quantity_shipped)


@dataclass
class Order:
    """A merchant order as the hub keeps it, keyed by (connection, store order id)."""

    connection_id: int
    store_order_id: int
    status_id: int
    status: str
    date_created: datetime | None
    date_modified: datetime | None
    customer_id: int = 0
    billing: Address = field(default_factory=Address)
    destinations: list[Destination] = field(default_factory=list)
    lines: list[OrderLine] = field(default_factory=list)
    currency_code: str = ""
    subtotal_ex_tax: Decimal | None = None
    subtotal_inc_tax: Decimal | None = None
    shipping_cost_inc_tax: Decimal | None = None
    total_ex_tax: Decimal | None = None
    total_inc_tax: Decimal | None = None
    items_total: int = 0
    items_shipped: int = 0
    payment_method: str = ""
    customer_message: str = ""
    is_deleted: bool = False
    import_as: ImportAs = ImportAs.CASH_SALE
    route_state: RouteState = RouteState.NOT_NEEDED
    hold_reason: str | None = None
    acknowledged_at: datetime | None = None
    pii_purged_at: datetime | None = None
    imported_at: datetime | None = None
    updated_at: datetime | None = None
    id: int | None = None

    @property
    def unmatched_lines(self) -> list[OrderLine]:
        return [line for line in self.lines if line.unmatched_reason]

    def destination(self, order_address_id: int | None) -> Destination | None:
        return next((item for item in self.destinations if item.order_address_id == order_address_id), None)

    def line(self, order_product_id: int) -> OrderLine | None:
        return next((line for line in self.lines if line.order_product_id == order_product_id), None)


def purge_pii(order: Order, at: datetime) -> Order:
    """The order without customer names, emails, phones and street addresses."""
    destinations = [replace(item, address=erase_pii(item.address)) for item in order.destinations]
    return replace(
        order,
        billing=erase_pii(order.billing),
        destinations=destinations,
        customer_message="",
        pii_purged_at=at,
    )


def pii_cutoff(settings: OrderSettings, now: datetime) -> datetime | None:
    """Orders created before this lose their customer details (``None``: retention is off)."""
    if settings.pii_retention_days is None:
        return None
    return now - timedelta(days=settings.pii_retention_days)


# -- what gets imported ---------------------------------------------------------------------------


def created_after(settings: OrderSettings, now: datetime) -> datetime | None:
    """The oldest creation date imported (``None``: any age)."""
    if settings.created_within_days is None:
        return None
    return now - timedelta(days=settings.created_within_days)


def require_import_statuses(settings: OrderSettings, connection_name: str) -> list[int]:
    if not settings.import_statuses:
        raise ConfigurationError(
            f"connection {connection_name!r} has no statuses to import; no order is listed or imported until it "
            f"does. Set them, e.g. `bchub orders settings {connection_name} --set import_statuses=11` "
            "(11 = Awaiting Fulfillment)"
        )
    return settings.import_statuses


def importable(status_id: int, date_created: datetime | None, settings: OrderSettings, now: datetime) -> bool:
    """Whether a store order that is not in the hub yet is one to import."""
    if status_id not in settings.import_statuses:
        return False
    oldest = created_after(settings, now)
    return oldest is None or date_created is None or date_created >= oldest


# -- matching lines to hub items ------------------------------------------------------------------


@dataclass(frozen=True)
class ItemMatch:
    """What the hub catalog knows about one SKU."""

    sku: str
    item_id: int
    vendor_connection_id: int | None = None  # the item's supplier; None: the merchant ships it
    vendor_product_id: int | None = None  # the item's listing in that vendor's store
    vendor_variant_id: int | None = None
    vendor_stock: int | None = None  # as last read from the vendor; None: not tracked


def match_line(line: OrderLine, match: ItemMatch | None) -> OrderLine:
    """The line with its item and vendor filled in, or flagged with why it matched nothing."""
    line.item_id = line.vendor_connection_id = None
    line.unmatched_reason = None
    if not line.sku:
        line.unmatched_reason = "the line has no SKU, so it cannot be matched to a hub item"
    elif match is None:
        line.unmatched_reason = f"no hub item has the SKU {line.sku!r}"
    else:
        line.item_id = match.item_id
        line.vendor_connection_id = match.vendor_connection_id
        if match.vendor_connection_id is not None and match.vendor_product_id is None:
            line.unmatched_reason = (
                f"the item {line.sku!r} comes from vendor connection {match.vendor_connection_id} "
                "but has no listing in that vendor's store"
            )
    return line


def hold_reasons(order: Order, matches: Mapping[str, ItemMatch]) -> list[str]:
    """Why an order must wait for review before it is routed (empty: route it)."""
    reasons = [
        f"line {line.order_product_id} ({line.sku or 'no SKU'}): {line.unmatched_reason}"
        for line in order.unmatched_lines
    ]
    for line in order.lines:
        match = matches.get(line.sku)
        if line.vendor_connection_id is None or match is None or match.vendor_stock is None:
            continue
        if match.vendor_stock < line.remaining:
            reasons.append(
                f"line {line.order_product_id} ({line.sku}): the vendor has {match.vendor_stock} in stock, "
                f"the order needs {line.remaining}"
            )
    return reasons + blocking_reasons(order)


def blocking_reasons(order: Order) -> list[str]:
    """What stops routing even after review: a vendor line with no address to ship to."""
    return [
        f"line {line.order_product_id} ({line.sku}): no shipping address to send the vendor (a pickup or digital line)"
        for line in order.lines
        if line.vendor_connection_id is not None
        and not line.unmatched_reason
        and order.destination(line.order_address_id) is None
    ]


def route_state_for(order: Order) -> RouteState:
    """The state of an order not routed yet: does it have anything to route?"""
    if order.status_id in CALLED_OFF_STATUSES:
        return RouteState.CANCELLED
    has_vendor_lines = any(line.vendor_connection_id is not None for line in order.lines)
    return RouteState.PENDING if has_vendor_lines or order.unmatched_lines else RouteState.NOT_NEEDED


# -- vendor orders --------------------------------------------------------------------------------


@dataclass(frozen=True)
class VendorGroup:
    """The lines of one merchant order that one vendor ships to one address: one vendor order."""

    vendor_connection_id: int
    order_address_id: int | None
    lines: tuple[OrderLine, ...]


def vendor_groups(order: Order) -> list[VendorGroup]:
    """Vendor lines grouped per (vendor, shipping address), in a stable order."""
    groups: dict[tuple[int, int | None], list[OrderLine]] = {}
    for line in order.lines:
        if line.vendor_connection_id is None or line.unmatched_reason or line.quantity <= 0:
            continue  # an unmatched line stays with the merchant (orders with one are held unless forced)
        groups.setdefault((line.vendor_connection_id, line.order_address_id), []).append(line)
    return [
        VendorGroup(vendor, address, tuple(lines))
        for (vendor, address), lines in sorted(groups.items(), key=lambda entry: (entry[0][0], entry[0][1] or 0))
    ]


def external_order_key(
    merchant_store_hash: str,
    store_order_id: int,
    vendor_store_hash: str,
    order_address_id: int | None = None,
    *,
    split_by_address: bool = False,
) -> str:
    """The deterministic ``external_order_id`` of a vendor order, e.g. ``bchub-mrch001-101-vnd0001``.

    Built from store hashes (not hub ids) so the same order routed from a rebuilt hub is still
    recognised. Orders shipping to several addresses get one vendor order per address.
    """
    key = f"{EXTERNAL_SOURCE}-{merchant_store_hash}-{store_order_id}-{vendor_store_hash}"
    if split_by_address and order_address_id is not None:
        key += f"-a{order_address_id}"
    return key


@dataclass
class VendorOrderLine:
    order_line_id: int  # the hub's merchant order line
    merchant_order_product_id: int
    vendor_product_id: int
    vendor_variant_id: int | None
    sku: str
    quantity: int
    vendor_order_product_id: int | None = None  # the vendor order's own line id, once read back
    id: int | None = None


@dataclass
class VendorOrder:
    """The order bchub creates (or created) in a vendor's store for one vendor group."""

    order_id: int  # the hub's merchant order
    vendor_connection_id: int
    order_address_id: int | None
    external_order_id: str
    state: VendorOrderState = VendorOrderState.PLANNED
    lines: list[VendorOrderLine] = field(default_factory=list)
    vendor_order_id: int | None = None
    vendor_status_id: int | None = None
    items_shipped: int = 0
    attempts: int = 0
    error: str | None = None
    cancel_reported_at: datetime | None = None
    created_at: datetime | None = None
    placed_at: datetime | None = None
    id: int | None = None


def vendor_staff_note(merchant_name: str, store_order_id: int) -> str:
    return f"Dropship order for {merchant_name} order #{store_order_id}, sent by bchub."


# -- shipments ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShipmentLine:
    order_product_id: int  # the merchant order's line
    quantity: int


@dataclass(frozen=True)
class ShipmentDetails:
    tracking_number: str = ""
    tracking_carrier: str = ""
    shipping_provider: str = ""
    shipping_method: str = ""
    tracking_link: str = ""
    comments: str = ""


@dataclass
class Shipment:
    """A shipment for a merchant order, wherever it came from, and whether it is on the order yet."""

    order_id: int  # the hub's merchant order
    source: ShipmentSource
    order_address_id: int
    lines: tuple[ShipmentLine, ...]
    details: ShipmentDetails = field(default_factory=ShipmentDetails)
    pickup: bool = False
    state: ShipmentState = ShipmentState.PENDING
    vendor_order_id: int | None = None  # the hub's vendor order it came from
    vendor_shipment_id: int | None = None
    merchant_shipment_id: int | None = None
    attempts: int = 0
    error: str | None = None
    created_at: datetime | None = None
    written_at: datetime | None = None
    id: int | None = None

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)


def allocate_shipment(
    order: Order, requested: Sequence[tuple[str, int]], reserved: Mapping[int, int] | None = None
) -> list[tuple[int, list[ShipmentLine]]]:
    """Turn (SKU, quantity) pairs into shipment lines of ``order``, one group per shipping address.

    ``reserved`` is what other shipments not written yet already take from each line. A SKU on
    several lines fills them in order. Raises ``InputError`` saying what does not fit.
    """
    left = {
        line.order_product_id: line.remaining - (reserved or {}).get(line.order_product_id, 0) for line in order.lines
    }
    taken: dict[int, int] = {}
    problems = []
    for sku, quantity in requested:
        candidates = [line for line in order.lines if line.sku == sku and line.order_address_id is not None]
        if quantity <= 0:
            problems.append(f"{sku}: the quantity must be 1 or more, got {quantity}")
            continue
        if not candidates:
            skus = ", ".join(sorted({line.sku for line in order.lines if line.sku})) or "none"
            problems.append(f"{sku} is not a shipped line of order #{order.store_order_id} (its SKUs: {skus})")
            continue
        wanted = quantity
        for line in candidates:
            share = min(wanted, left[line.order_product_id])
            if share > 0:
                left[line.order_product_id] -= share
                taken[line.order_product_id] = taken.get(line.order_product_id, 0) + share
                wanted -= share
        if wanted:
            available = quantity - wanted
            problems.append(
                f"{sku}: {quantity} to ship but only {available} left unshipped on order #{order.store_order_id}"
            )
    if problems:
        raise InputError("; ".join(problems))
    groups: dict[int, list[ShipmentLine]] = {}
    for order_product_id, quantity in taken.items():
        shipped = order.line(order_product_id)
        assert shipped is not None and shipped.order_address_id is not None
        groups.setdefault(shipped.order_address_id, []).append(ShipmentLine(order_product_id, quantity))
    return sorted(groups.items())


def is_pickup(details: ShipmentDetails, settings: OrderSettings) -> bool:
    """A shipment "printed with a pickup carrier" (Starshipit's rule), when pickup in store is on."""
    if not settings.pickup_in_store:
        return False
    names = {details.tracking_carrier.lower(), details.shipping_provider.lower(), details.shipping_method.lower()}
    return bool(names & set(settings.pickup_carriers))


def status_after_shipping(order: Order, *, pickup: bool, settings: OrderSettings) -> int | None:
    """The status bchub sets itself after writing shipments (``None``: leave BigCommerce's own).

    BigCommerce moves an order to Partially Shipped or Shipped when shipments are created; a
    pickup shipment moves it on to Awaiting Pickup, and a fully shipped order to Completed when
    the merchant asks for it.
    """
    fully = bool(order.lines) and all(line.remaining == 0 for line in order.lines if line.order_address_id)
    if pickup:
        return AWAITING_PICKUP
    if fully and settings.complete_when_shipped:
        return COMPLETED
    return None


def shipment_fingerprint(lines: Iterable[ShipmentLine]) -> str:
    """A stable digest of a shipment's items, to recognise an untracked shipment already written."""
    items = sorted((line.order_product_id, line.quantity) for line in lines)
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()[:16]


# -- "why is my order not in the hub?" -----------------------------------------------------------


@dataclass(frozen=True)
class RemoteFacts:
    """What the store says about one order."""

    store_order_id: int
    status_id: int
    status: str
    date_created: datetime | None
    date_modified: datetime | None
    is_deleted: bool = False


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    fix: str


def explain_absence(
    facts: RemoteFacts | None,
    settings: OrderSettings,
    *,
    connection_name: str,
    now: datetime,
    cursor: datetime | None,
    paused_reason: str | None,
    last_run_error: str | None = None,
    status_names: Mapping[int, str] | None = None,
) -> list[Reason]:
    """Every reason an order that is not in the hub was not imported, most fundamental first."""
    name = connection_name
    reasons: list[Reason] = []
    if paused_reason is not None:
        reasons.append(
            Reason(
                "needs_attention",
                f"the connection {name!r} is paused: {paused_reason}",
                f"fix the credentials, then `bchub connections test {name}`",
            )
        )
    if facts is None:
        reasons.append(
            Reason(
                "not_found",
                "the store has no order with this id",
                "check the order number in the store's control panel (View Orders)",
            )
        )
        return reasons
    if facts.is_deleted:
        reasons.append(Reason("archived", "the order is archived (deleted) in the store", "restore it in the store"))
    if not settings.import_statuses:
        reasons.append(
            Reason(
                "no_statuses",
                "no statuses to import are set, so no order is imported",
                f"`bchub orders settings {name} --set import_statuses=11` (11 = Awaiting Fulfillment)",
            )
        )
    elif facts.status_id not in settings.import_statuses:
        wanted = ", ".join(status_label(status, status_names) for status in settings.import_statuses)
        reasons.append(
            Reason(
                "status",
                f"its status is {status_label(facts.status_id, status_names)}, not among the statuses to import ({wanted})",
                f"add it: `bchub orders settings {name} --set import_statuses="
                f"{','.join(str(s) for s in [*settings.import_statuses, facts.status_id])}`, "
                f"or import just this order: `bchub orders get {name} --id {facts.store_order_id}`",
            )
        )
    oldest = created_after(settings, now)
    if oldest is not None and facts.date_created is not None and facts.date_created < oldest:
        reasons.append(
            Reason(
                "too_old",
                f"it was created {facts.date_created:%Y-%m-%d %H:%M} UTC, older than the "
                f"{settings.created_within_days} days imported",
                f"raise created_within_days, or import just this order: `bchub orders get {name} --id {facts.store_order_id}`",
            )
        )
    if reasons:
        return reasons
    if cursor is None:
        reasons.append(
            Reason("never_run", "orders have not been read from this store yet", f"`bchub orders get {name}`")
        )
    elif facts.date_modified is not None and facts.date_modified > cursor:
        reasons.append(
            Reason(
                "after_last_run",
                f"it was modified {facts.date_modified:%Y-%m-%d %H:%M:%S} UTC, after the last run read orders "
                f"(up to {cursor:%Y-%m-%d %H:%M:%S} UTC)",
                f"the next run imports it; or run `bchub orders get {name}` now",
            )
        )
    elif last_run_error:
        reasons.append(
            Reason("run_failed", f"the last run failed: {last_run_error}", f"fix that, then `bchub orders get {name}`")
        )
    else:
        reasons.append(
            Reason(
                "unexplained",
                "it matches the settings and was modified before the last run, yet it is not in the hub",
                f"import it now: `bchub orders get {name} --id {facts.store_order_id}`",
            )
        )
    return reasons
