"""Orders V2: orders, line items, shipping addresses, shipments, fees, pickup consignments, statuses.

State is plain dataclasses (picklable; nothing is copied per request) and is rendered into the V2
representation on the way out: RFC-2822 dates, money as 4-decimal strings, sub-resource links.

Rules (``orders.v2.oas2.yml``, DIGEST §7, ``docs/store-operations/orders``):

* Create needs ``billing_address`` (``zip`` of 2+ characters) and either ``products`` (with optional
  ``shipping_addresses``) or ``consignments.pickups`` (exactly one pickup), never both.
  ``status_id`` defaults to 1, ``customer_id`` 0 is a guest, ``channel_id`` must be 1 (the only
  channel a sandbox store has). Physical lines ship to the first shipping address; when none is
  given the billing address becomes the shipping address (UNCONFIRMED by the docs).
* A catalog line names a product that exists (422 otherwise) and copies name, SKU, price, weight,
  dimensions and cost from the variant or product; prices are overridden in ex/inc pairs only.
  Creating an order records the sale in the catalog (stock goes down); editing lines later does
  not touch stock, as the docs say for manually edited orders.
* Totals: subtotals are the sum of the lines; totals add shipping, handling, wrapping and fees and
  subtract ``discount_amount``; ``subtotal_*`` and ``total_*`` overrides come in ex/inc pairs.
* Shipments need ``order_address_id`` and ``items`` on that address, never more than remains to
  ship (422). They keep ``quantity_shipped``/``items_shipped`` and move the order to Partially
  Shipped (3) or, once everything has shipped, Shipped (2) and set ``date_shipped``. Deleting a
  shipment gives its quantities back but leaves the status alone, as the docs say.
* Errors are V2 400s for malformed requests, in BigCommerce's message forms (``The required field
  'x' was not supplied.``, ``The field 'x' cannot be written to. ...``), and 422s for requests
  that are well formed but contradict the store's state (unknown product, over-shipping).
* Events: ``store/order/created|updated|archived|statusUpdated`` and
  ``store/shipment/created|updated|deleted`` with the payload ``data`` of the webhook examples.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from bcsandbox.dates import parse_date, rfc2822
from bcsandbox.errors import ApiError, bad_request, not_found, unprocessable

if TYPE_CHECKING:
    from bcsandbox.state import Store

Linker = Callable[[str], dict[str, str]]  # resource path → V2 ``{url, resource}`` link
JsonObject = dict[str, Any]

FIRST_ORDER_ID = 100  # BigCommerce stores number their first order 100
DEFAULT_STATUS_ID = 1
SHOPPER_STATUS_ID = 11
SHIPPED = 2
PARTIALLY_SHIPPED = 3
CHANNEL_IDS = frozenset({1})
MAX_TRACKING_NUMBER = 50
MAX_TRACKING_LINK = 500
MAX_LONG_TEXT = 65535
MAX_LINE_NAME = 250
ZERO = Decimal("0.0000")
_FOUR_PLACES = Decimal("0.0001")


# -- order statuses ---------------------------------------------------------------------------
@dataclass(frozen=True)
class OrderStatus:
    id: int
    name: str
    description: str
    sort_order: int  # the control panel's order, as the spec's examples give it

    def as_dict(self) -> JsonObject:
        return {
            "id": self.id,
            "name": self.name,
            "system_label": self.name,
            "custom_label": self.name,
            "system_description": self.description,
            "order": self.sort_order,
        }


STATUSES: tuple[OrderStatus, ...] = (
    OrderStatus(
        0,
        "Incomplete",
        "An incomplete order happens when a shopper reached the payment page, but did not complete the transaction.",
        0,
    ),
    OrderStatus(1, "Pending", "Customer started the checkout process, but did not complete it.", 1),
    OrderStatus(
        2,
        "Shipped",
        "Order has been shipped, but receipt has not been confirmed; seller has used the Ship Items action.",
        8,
    ),
    OrderStatus(
        3,
        "Partially Shipped",
        "Only some items in the order have been shipped, due to some products being pre-order only or other reasons.",
        6,
    ),
    OrderStatus(4, "Refunded", "Seller has used the Refund action.", 11),
    OrderStatus(5, "Cancelled", "Seller has cancelled an order, due to a stock inconsistency or other reasons.", 9),
    OrderStatus(
        6, "Declined", "Seller has marked the order as declined for lack of manual payment, or other reasons.", 10
    ),
    OrderStatus(
        7, "Awaiting Payment", "Customer has completed checkout process, but payment has yet to be confirmed.", 2
    ),
    OrderStatus(
        8,
        "Awaiting Pickup",
        "Order has been pulled, and is awaiting customer pickup from a seller-specified location.",
        5,
    ),
    OrderStatus(
        9,
        "Awaiting Shipment",
        "Order has been pulled and packaged, and is awaiting collection from a shipping provider.",
        4,
    ),
    OrderStatus(
        10,
        "Completed",
        "Client has paid for their digital product and their file(s) are available for download.",
        7,
    ),
    OrderStatus(
        11,
        "Awaiting Fulfillment",
        "Customer has completed the checkout process and payment has been confirmed.",
        3,
    ),
    OrderStatus(
        12, "Manual Verification Required", "Order is on hold while some aspect needs to be manually confirmed.", 13
    ),
    OrderStatus(
        13,
        "Disputed",
        "Customer has initiated a dispute resolution process for the PayPal transaction that paid for the order.",
        12,
    ),
    OrderStatus(14, "Partially Refunded", "Seller has partially refunded the order.", 14),
)
STATUS_BY_ID: dict[int, OrderStatus] = {status.id: status for status in STATUSES}


# -- shipping providers -----------------------------------------------------------------------
PROVIDER_NAMES: dict[str, str] = {
    "": "",
    "auspost": "Australia Post",
    "canadapost": "Canada Post",
    "endicia": "Endicia",
    "usps": "USPS",
    "fedex": "FedEx",
    "ups": "UPS",
    "upsready": "UPS Ready",
    "upsonline": "UPS Online",
    "shipperhq": "ShipperHQ",
    "royalmail": "Royal Mail",
}
_CUSTOM_PROVIDER = re.compile(r"^carrier_[A-Za-z0-9_-]+$")
_TRACKING_URLS: dict[str, str] = {
    "auspost": "https://auspost.com.au/mypost/track/#/details/{number}",
    "canadapost": "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={number}",
    "endicia": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "ups": "https://www.ups.com/track?tracknum={number}",
    "upsready": "https://www.ups.com/track?tracknum={number}",
    "upsonline": "https://www.ups.com/track?tracknum={number}",
    "royalmail": "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
}
_COUNTRIES: dict[str, str] = {
    "US": "United States",
    "CA": "Canada",
    "AU": "Australia",
    "NZ": "New Zealand",
    "GB": "United Kingdom",
    "IE": "Ireland",
    "DE": "Germany",
    "FR": "France",
    "ES": "Spain",
    "IT": "Italy",
    "NL": "Netherlands",
    "MX": "Mexico",
    "JP": "Japan",
}
_ISO_BY_COUNTRY = {name.lower(): code for code, name in _COUNTRIES.items()}


def tracking_link_for(provider: str, carrier: str, number: str) -> str:
    """The link BigCommerce generates from provider (or carrier) and tracking number."""
    if not number:
        return ""
    if provider in _TRACKING_URLS:
        return _TRACKING_URLS[provider].format(number=number)
    if carrier:
        return f"https://track.aftership.com/{carrier}/{number}"
    return f"https://track.aftership.com/{number}"


def provider_display_name(provider: str) -> str:
    if provider in PROVIDER_NAMES:
        return PROVIDER_NAMES[provider]
    return provider.removeprefix("carrier_")


# -- value parsing (V2 error messages) ----------------------------------------------------------
def required_field(name: str) -> ApiError:
    return bad_request(f"The required field '{name}' was not supplied.")


def invalid_field(name: str, reason: str) -> ApiError:
    return bad_request(f"The field '{name}' is invalid: {reason}.")


def read_only_field(name: str) -> ApiError:
    return bad_request(
        f"The field '{name}' cannot be written to. Please remove it from your request before trying again."
    )


def unsupported_field(name: str) -> ApiError:
    return bad_request(f"The field '{name}' is not supported by this resource.")


def check_fields(body: JsonObject, writable: Iterable[str], read_only: Iterable[str], prefix: str = "") -> None:
    """Reject read-only and unknown members of ``body`` with BigCommerce's 400 messages."""
    allowed = set(writable)
    frozen = set(read_only)
    for key in body:
        if key in allowed:
            continue
        if key in frozen:
            raise read_only_field(prefix + key)
        raise unsupported_field(prefix + key)


def money(value: Any, name: str) -> Decimal:
    """A non-negative amount from a float, a float string or an int, kept to 4 places."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise invalid_field(name, "expected a number (float, float-as-string or integer)")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise invalid_field(name, f"'{value}' is not a number") from None
    if not amount.is_finite():
        raise invalid_field(name, f"'{value}' is not a number")
    if amount < 0:
        raise invalid_field(name, "the value can't be negative")
    return amount.quantize(_FOUR_PLACES, ROUND_HALF_UP)


def integer(value: Any, name: str, *, minimum: int | None = 0) -> int:
    """An integer from an int or a string of digits (the docs send ``"order_address_id": "128"``)."""
    if isinstance(value, bool):
        raise invalid_field(name, "expected an integer")
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise invalid_field(name, "expected an integer")
    if minimum is not None and value < minimum:
        raise invalid_field(name, f"must be {minimum} or greater")
    return value


def text(value: Any, name: str, *, max_length: int | None = None) -> str:
    if not isinstance(value, str):
        raise invalid_field(name, "expected a string")
    if max_length is not None and len(value) > max_length:
        raise invalid_field(name, f"must be at most {max_length} characters long")
    return value


def nullable_text(value: Any, name: str, *, max_length: int | None = None) -> str | None:
    return None if value is None else text(value, name, max_length=max_length)


def json_object(value: Any, name: str) -> JsonObject:
    if not isinstance(value, dict):
        raise invalid_field(name, "expected an object")
    return value


def json_list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise invalid_field(name, "expected an array")
    return value


def fmt(amount: Decimal) -> str:
    return f"{amount:.4f}"


def _pair(body: JsonObject, ex_key: str, inc_key: str, prefix: str = "") -> tuple[Decimal, Decimal] | None:
    """An ex/inc-tax pair: both or neither (the spec's rule for every override)."""
    has_ex, has_inc = ex_key in body, inc_key in body
    if not has_ex and not has_inc:
        return None
    if has_ex != has_inc:
        given, missing = (ex_key, inc_key) if has_ex else (inc_key, ex_key)
        raise bad_request(
            f"The field '{prefix}{missing}' is required when '{prefix}{given}' is supplied; send both or neither."
        )
    return money(body[ex_key], prefix + ex_key), money(body[inc_key], prefix + inc_key)


# -- state ------------------------------------------------------------------------------------
ADDRESS_KEYS = (
    "first_name",
    "last_name",
    "company",
    "street_1",
    "street_2",
    "city",
    "state",
    "zip",
    "country",
    "country_iso2",
    "phone",
    "email",
)


@dataclass
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
    form_fields: list[JsonObject] = field(default_factory=list)

    def fields_dict(self) -> JsonObject:
        return {key: getattr(self, key) for key in ADDRESS_KEYS}

    def as_dict(self) -> JsonObject:
        return {**self.fields_dict(), "form_fields": [dict(item) for item in self.form_fields]}


@dataclass
class ShippingAddress:
    id: int
    address: Address
    shipping_method: str = "None"


@dataclass
class LineOption:
    id: int
    option_id: int
    display_name: str
    display_value: str
    value: str
    type: str
    display_style: str = ""


# V3 option types → the V2 line item's ``display_style``
OPTION_STYLES = {
    "radio_buttons": "Radio",
    "rectangles": "Rectangle",
    "dropdown": "Drop-down",
    "swatch": "Swatch",
    "product_list": "Pick list",
    "product_list_with_images": "Pick list",
}


@dataclass
class Line:
    id: int
    product_id: int  # 0 for a custom line
    variant_id: int
    order_address_id: int  # 0 when not shipped to an address (pickup, digital)
    order_pickup_method_id: int
    name_customer: str
    name_merchant: str
    sku: str
    upc: str
    type: str  # physical | digital
    base_price: Decimal
    price_ex_tax: Decimal
    price_inc_tax: Decimal
    quantity: int
    quantity_shipped: int = 0
    base_cost_price: Decimal = ZERO
    weight: Decimal = ZERO
    width: Decimal = ZERO
    height: Decimal = ZERO
    depth: Decimal = ZERO
    brand: str = ""
    bin_picking_number: str = ""
    options: list[LineOption] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.quantity - self.quantity_shipped


@dataclass
class ShipmentItem:
    order_product_id: int
    product_id: int
    quantity: int


@dataclass
class Shipment:
    id: int
    order_id: int
    order_address_id: int
    date_created: datetime
    tracking_number: str = ""
    merchant_shipping_cost: Decimal = ZERO
    shipping_method: str = "None"
    shipping_provider: str = ""
    tracking_carrier: str = ""
    tracking_link: str = ""
    comments: str = ""
    items: list[ShipmentItem] = field(default_factory=list)


@dataclass
class Fee:
    id: int
    display_name_customer: str
    display_name_merchant: str
    source: str
    cost_ex_tax: Decimal
    cost_inc_tax: Decimal
    tax_class_id: int | None
    type: str = "custom_fee"


@dataclass
class Pickup:
    id: int
    pickup_method_id: int
    pickup_method_display_name: str = ""
    collection_instructions: str = ""
    collection_time_description: str = ""
    location: JsonObject = field(default_factory=dict)


@dataclass
class Order:
    id: int
    customer_id: int
    date_created: datetime
    date_modified: datetime
    status_id: int
    billing: Address
    order_source: str
    payment_method: str
    payment_status: str
    tax_provider_id: str
    default_currency_code: str
    date_shipped: datetime | None = None
    channel_id: int = 1
    cart_id: str = ""
    payment_provider_id: str = ""
    staff_notes: str = ""
    customer_message: str = ""
    external_source: str | None = None
    external_order_id: str = ""
    external_merchant_id: str | None = None
    customer_locale: str = "en"
    ip_address: str = ""
    ip_address_v6: str = ""
    geoip_country: str = ""
    geoip_country_iso2: str = ""
    base_shipping_cost: Decimal = ZERO
    shipping_cost_ex_tax: Decimal = ZERO
    shipping_cost_inc_tax: Decimal = ZERO
    base_handling_cost: Decimal = ZERO
    handling_cost_ex_tax: Decimal = ZERO
    handling_cost_inc_tax: Decimal = ZERO
    base_wrapping_cost: Decimal = ZERO
    wrapping_cost_ex_tax: Decimal = ZERO
    wrapping_cost_inc_tax: Decimal = ZERO
    discount_amount: Decimal = ZERO
    subtotal_override: tuple[Decimal, Decimal] | None = None
    total_override: tuple[Decimal, Decimal] | None = None
    is_deleted: bool = False
    lines: list[Line] = field(default_factory=list)
    addresses: list[ShippingAddress] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    fees: list[Fee] = field(default_factory=list)
    pickups: list[Pickup] = field(default_factory=list)
    # derived; kept current by recalculate() so lists and filters never recompute them
    subtotal_ex_tax: Decimal = ZERO
    subtotal_inc_tax: Decimal = ZERO
    total_ex_tax: Decimal = ZERO
    total_inc_tax: Decimal = ZERO
    items_total: int = 0
    items_shipped: int = 0

    def recalculate(self) -> None:
        self.items_total = sum(line.quantity for line in self.lines)
        self.items_shipped = sum(line.quantity_shipped for line in self.lines)
        if self.subtotal_override is not None:
            self.subtotal_ex_tax, self.subtotal_inc_tax = self.subtotal_override
        else:
            self.subtotal_ex_tax = sum((line.price_ex_tax * line.quantity for line in self.lines), ZERO)
            self.subtotal_inc_tax = sum((line.price_inc_tax * line.quantity for line in self.lines), ZERO)
        if self.total_override is not None:
            self.total_ex_tax, self.total_inc_tax = self.total_override
            return
        fees_ex = sum((fee.cost_ex_tax for fee in self.fees), ZERO)
        fees_inc = sum((fee.cost_inc_tax for fee in self.fees), ZERO)
        extra_ex = self.shipping_cost_ex_tax + self.handling_cost_ex_tax + self.wrapping_cost_ex_tax + fees_ex
        extra_inc = self.shipping_cost_inc_tax + self.handling_cost_inc_tax + self.wrapping_cost_inc_tax + fees_inc
        self.total_ex_tax = max(ZERO, self.subtotal_ex_tax + extra_ex - self.discount_amount)
        self.total_inc_tax = max(ZERO, self.subtotal_inc_tax + extra_inc - self.discount_amount)

    def line(self, line_id: int) -> Line | None:
        return next((line for line in self.lines if line.id == line_id), None)

    def address(self, address_id: int) -> ShippingAddress | None:
        return next((address for address in self.addresses if address.id == address_id), None)

    def shipment(self, shipment_id: int) -> Shipment | None:
        return next((shipment for shipment in self.shipments if shipment.id == shipment_id), None)

    def shippable_lines(self) -> list[Line]:
        return [line for line in self.lines if line.order_address_id]

    def fully_shipped(self) -> bool:
        shippable = self.shippable_lines()
        return bool(shippable) and all(line.remaining == 0 for line in shippable)


# -- list queries -----------------------------------------------------------------------------
SORT_FIELDS = ("id", "customer_id", "date_created", "date_modified", "status_id", "channel_id", "external_id")


@dataclass(frozen=True)
class OrderQuery:
    """The filters of ``GET /v2/orders`` and ``/v2/orders/count``, already parsed."""

    min_id: int | None = None
    max_id: int | None = None
    min_total: Decimal | None = None
    max_total: Decimal | None = None
    customer_id: int | None = None
    email: str | None = None
    status_id: int | None = None
    cart_id: str | None = None
    payment_method: str | None = None
    channel_id: int | None = None
    external_order_id: str | None = None
    min_date_created: datetime | None = None
    max_date_created: datetime | None = None
    min_date_modified: datetime | None = None
    max_date_modified: datetime | None = None
    is_deleted: bool = False
    sort: str = "id"
    descending: bool = False

    def matches(self, order: Order) -> bool:
        checks = (
            order.is_deleted == self.is_deleted,
            self.min_id is None or order.id >= self.min_id,
            self.max_id is None or order.id <= self.max_id,
            self.min_total is None or order.total_inc_tax >= self.min_total,
            self.max_total is None or order.total_inc_tax <= self.max_total,
            self.customer_id is None or order.customer_id == self.customer_id,
            self.email is None or order.billing.email.lower() == self.email.lower(),
            self.status_id is None or order.status_id == self.status_id,
            self.cart_id is None or order.cart_id == self.cart_id,
            self.payment_method is None or order.payment_method.lower() == self.payment_method.lower(),
            self.channel_id is None or order.channel_id == self.channel_id,
            self.external_order_id is None or order.external_order_id == self.external_order_id,
            self.min_date_created is None or order.date_created >= self.min_date_created,
            self.max_date_created is None or order.date_created <= self.max_date_created,
            self.min_date_modified is None or order.date_modified >= self.min_date_modified,
            self.max_date_modified is None or order.date_modified <= self.max_date_modified,
        )
        return all(checks)

    def sort_key(self) -> Callable[[Order], tuple[Any, int]]:
        name = self.sort
        if name == "external_id":
            return lambda order: ("", order.id)  # marketplaces set external_id; the sandbox never does
        return lambda order: (getattr(order, name), order.id)


def parse_sort(raw: str) -> tuple[str, bool]:
    """``date_created:desc`` → ``("date_created", True)``; a bare field sorts ascending."""
    name, _, direction = raw.partition(":")
    if name not in SORT_FIELDS or direction not in ("", "asc", "desc"):
        raise invalid_field(
            "sort", f"'{raw}' is not one of {', '.join(SORT_FIELDS)}, optionally followed by ':asc' or ':desc'"
        )
    return name, direction == "desc"


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


# -- writable fields --------------------------------------------------------------------------
ORDER_READ_ONLY = _names(
    "id date_modified date_shipped cart_id status custom_status subtotal_tax shipping_cost_tax "
    "shipping_cost_tax_class_id handling_cost_tax handling_cost_tax_class_id wrapping_cost_tax "
    "wrapping_cost_tax_class_id payment_status store_credit_amount gift_certificate_amount "
    "currency_id currency_code currency_exchange_rate default_currency_id store_default_currency_code "
    "store_default_to_transactional_exchange_rate coupon_discount shipping_address_count total_tax "
    "is_tax_inclusive_pricing is_email_opt_in credit_card_type order_source coupons external_id "
    "tax_provider_id items_total items_shipped item_total order_is_digital refunded_amount "
    "ebay_order_id"
)
_MONEY_FIELDS = (
    "discount_amount",
    "base_shipping_cost",
    "base_handling_cost",
    "base_wrapping_cost",
)
_COST_PAIRS = (
    ("shipping_cost_ex_tax", "shipping_cost_inc_tax"),
    ("handling_cost_ex_tax", "handling_cost_inc_tax"),
    ("wrapping_cost_ex_tax", "wrapping_cost_inc_tax"),
)
_SCALAR_FIELDS = frozenset(
    {
        "customer_id",
        "status_id",
        "channel_id",
        "date_created",
        "external_source",
        "external_order_id",
        "external_merchant_id",
        "staff_notes",
        "customer_message",
        "payment_method",
        "payment_provider_id",
        "ip_address",
        "ip_address_v6",
        "geoip_country",
        "geoip_country_iso2",
        "customer_locale",
        *_MONEY_FIELDS,
        *(key for pair in _COST_PAIRS for key in pair),
        "subtotal_ex_tax",
        "subtotal_inc_tax",
        "total_ex_tax",
        "total_inc_tax",
    }
)
ORDER_POST_FIELDS = _SCALAR_FIELDS | {
    "billing_address",
    "products",
    "shipping_addresses",
    "consignments",
    "fees",
    "default_currency_code",
}
ORDER_PUT_FIELDS = _SCALAR_FIELDS | {
    "billing_address",
    "products",
    "shipping_addresses",
    "consignments",
    "fees",
    "is_deleted",
}
CUSTOM_LINE_FIELDS = frozenset(
    {"name", "name_customer", "name_merchant", "quantity", "price_ex_tax", "price_inc_tax", "sku", "upc"}
)
CATALOG_LINE_FIELDS = _names(
    "product_id variant_id product_options quantity price_ex_tax price_inc_tax name name_customer name_merchant upc sku"
)
LINE_READ_ONLY = _names(
    "order_id order_address_id order_pickup_method_id base_price price_tax base_total total_ex_tax "
    "total_inc_tax total_tax quantity_shipped quantity_refunded is_refunded type applied_discounts "
    "discounted_total_inc_tax external_id"
)
ADDRESS_WRITE_FIELDS = frozenset({*ADDRESS_KEYS, "form_fields"})
SHIPPING_ADDRESS_READ_ONLY = _names(
    "id order_id items_total items_shipped item_total base_cost cost_ex_tax cost_inc_tax cost_tax "
    "cost_tax_class_id base_handling_cost handling_cost_ex_tax handling_cost_inc_tax "
    "handling_cost_tax handling_cost_tax_class_id shipping_zone_id shipping_zone_name shipping_quotes"
)
SHIPMENT_WRITE_FIELDS = _names(
    "order_address_id tracking_number tracking_link merchant_shipping_cost shipping_method "
    "shipping_provider tracking_carrier comments"
)
SHIPMENT_READ_ONLY = _names(
    "id order_id customer_id date_created billing_address shipping_address "
    "shipping_provider_display_name generated_tracking_link"
)
FEE_FIELDS = _names(
    "id type display_name_customer display_name_merchant source cost_ex_tax cost_exc_tax cost_inc_tax "
    "cost_tax tax_class_id"
)
PICKUP_FIELDS = _names(
    "id pickup_method_id pickup_method_display_name collection_instructions "
    "collection_time_description location line_items"
)
LOCATION_FIELDS = (
    "name",
    "code",
    "address_line_1",
    "address_line_2",
    "city",
    "state",
    "postal_code",
    "country_alpha2",
    "email",
    "phone",
)


# -- the backend ------------------------------------------------------------------------------
class OrdersBackend:
    """Per-store orders and everything hanging off them. No HTTP here; see ``routes/orders.py``."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.orders: dict[int, Order] = {}
        self._next_ids: dict[str, int] = {
            "order": FIRST_ORDER_ID,
            "line": 1,
            "address": 1,
            "shipment": 1,
            "fee": 1,
            "pickup": 1,
            "option": 1,
        }

    def _new_id(self, kind: str) -> int:
        value = self._next_ids[kind]
        self._next_ids[kind] = value + 1
        return value

    # -- reading ------------------------------------------------------------------------------
    def get(self, order_id: int) -> Order:
        order = self.orders.get(order_id)
        if order is None:
            raise not_found()
        return order

    def find(self, query: OrderQuery) -> list[Order]:
        """Orders matching ``query``, sorted by its field (ties by id)."""
        found = [order for order in self.orders.values() if query.matches(order)]
        if query.sort != "id" or query.descending:
            found.sort(key=query.sort_key(), reverse=query.descending)
        return found

    def count(self, query: OrderQuery) -> JsonObject:
        """``{"statuses": [...], "count": N}`` for the orders matching ``query``."""
        per_status = dict.fromkeys(STATUS_BY_ID, 0)
        for order in self.orders.values():
            if query.matches(order):
                per_status[order.status_id] += 1
        ordered = sorted(STATUSES, key=lambda status: status.sort_order)
        statuses = []
        for status in ordered:
            entry = status.as_dict()
            del entry["order"]
            statuses.append({**entry, "count": per_status[status.id], "sort_order": status.sort_order})
        return {"statuses": statuses, "count": sum(per_status.values())}

    def line(self, order_id: int, line_id: int) -> Line:
        line = self.get(order_id).line(line_id)
        if line is None:
            raise not_found()
        return line

    def shipping_address(self, order_id: int, address_id: int) -> ShippingAddress:
        address = self.get(order_id).address(address_id)
        if address is None:
            raise not_found()
        return address

    def shipment(self, order_id: int, shipment_id: int) -> Shipment:
        shipment = self.get(order_id).shipment(shipment_id)
        if shipment is None:
            raise not_found()
        return shipment

    # -- creating -----------------------------------------------------------------------------
    def create(self, body: JsonObject) -> Order:
        """``POST /v2/orders``: validate everything first, then store, record stock and emit."""
        check_fields(body, ORDER_POST_FIELDS, ORDER_READ_ONLY | {"is_deleted"})
        if "billing_address" not in body:
            raise required_field("billing_address")
        has_products = "products" in body
        if "consignments" in body and (has_products or "shipping_addresses" in body):
            raise bad_request(
                "An order is fulfilled by shipping or by pickup, not both: send 'products' (and optionally "
                "'shipping_addresses') or 'consignments', never both."
            )
        if not has_products and "consignments" not in body:
            raise required_field("products")
        now = self.store.now()
        order = Order(
            id=0,
            customer_id=0,
            date_created=now,
            date_modified=now,
            status_id=DEFAULT_STATUS_ID,
            billing=self._address(json_object(body["billing_address"], "billing_address"), "billing_address."),
            order_source="external",
            payment_method="Manual",
            payment_status="",
            tax_provider_id="",
            default_currency_code=self._currency(),
        )
        self._check_billing_zip(order.billing)
        self._apply_scalars(order, body, creating=True)
        if has_products:
            self._attach_shipping(order, body)
        else:
            self._attach_pickup(order, json_object(body["consignments"], "consignments"))
        self._apply_fees(order, body.get("fees"))
        return self._commit_new(order)

    def _commit_new(self, order: Order) -> Order:
        """Give ids, store, take stock and announce a fully validated new order."""
        order.id = self._new_id("order")
        order.recalculate()
        self._record_sales(order.lines)
        self.orders[order.id] = order
        self.store.emit("store/order/created", {"type": "order", "id": order.id})
        return order

    def _record_sales(self, lines: Iterable[Line]) -> None:
        for line in lines:
            if line.product_id:
                self.store.catalog.record_sale(line.product_id, line.variant_id or None, line.quantity)

    def _currency(self) -> str:
        return str(self.store.info.profile().get("currency", "USD"))

    def _attach_shipping(self, order: Order, body: JsonObject) -> None:
        entries = json_list(body["products"], "products")
        if not entries:
            raise invalid_field("products", "at least one product is required")
        raw_addresses = json_list(body.get("shipping_addresses", []), "shipping_addresses")
        for number, raw in enumerate(raw_addresses):
            prefix = f"shipping_addresses[{number}]."
            entry = json_object(raw, prefix.rstrip("."))
            check_fields(entry, ADDRESS_WRITE_FIELDS | {"shipping_method"}, SHIPPING_ADDRESS_READ_ONLY, prefix)
            order.addresses.append(self._new_shipping_address(entry, prefix))
        lines = [self._new_line(raw, f"products[{number}]") for number, raw in enumerate(entries)]
        if not order.addresses and any(line.type == "physical" for line in lines):
            # no shipping address given: the items ship to the billing address
            order.addresses.append(ShippingAddress(self._new_id("address"), _copy_address(order.billing)))
        for line in lines:
            line.order_address_id = order.addresses[0].id if line.type == "physical" else 0
        order.lines.extend(lines)

    def _attach_pickup(self, order: Order, consignments: JsonObject) -> None:
        check_fields(consignments, ("pickups",), ("shipping", "downloads", "email"), "consignments.")
        pickups = json_list(consignments.get("pickups"), "consignments.pickups")
        if len(pickups) != 1:
            raise invalid_field("consignments.pickups", "an order has exactly one pickup consignment")
        raw = json_object(pickups[0], "consignments.pickups[0]")
        prefix = "consignments.pickups[0]."
        check_fields(raw, PICKUP_FIELDS - {"id"}, ("id",), prefix)
        if "pickup_method_id" not in raw:
            raise required_field(prefix + "pickup_method_id")
        pickup = Pickup(self._new_id("pickup"), integer(raw["pickup_method_id"], prefix + "pickup_method_id"))
        self._apply_pickup_fields(pickup, raw, prefix)
        line_items = json_list(raw.get("line_items"), prefix + "line_items")
        if not line_items:
            raise invalid_field(prefix + "line_items", "at least one line item is required")
        for number, item in enumerate(line_items):
            line = self._new_line(item, f"{prefix}line_items[{number}]")
            line.order_pickup_method_id = pickup.id
            order.lines.append(line)
        order.pickups.append(pickup)

    def _apply_pickup_fields(self, pickup: Pickup, raw: JsonObject, prefix: str) -> None:
        for key in ("pickup_method_display_name", "collection_instructions", "collection_time_description"):
            if key in raw:
                limit = None if key == "collection_instructions" else 250
                setattr(pickup, key, text(raw[key], prefix + key, max_length=limit))
        if "location" in raw:
            location = json_object(raw["location"], prefix + "location")
            check_fields(location, LOCATION_FIELDS, ("id",), prefix + "location.")
            for key, value in location.items():
                pickup.location[key] = text(value, f"{prefix}location.{key}", max_length=255)

    def _apply_scalars(self, order: Order, body: JsonObject, *, creating: bool) -> None:
        """Plain order fields, money pairs and overrides shared by POST and PUT."""
        if "customer_id" in body:
            order.customer_id = integer(body["customer_id"], "customer_id")
        if "status_id" in body:
            order.status_id = self._status_id(body["status_id"])
        if "channel_id" in body:
            channel = integer(body["channel_id"], "channel_id")
            if channel not in CHANNEL_IDS:
                raise invalid_field("channel_id", f"channel {channel} does not exist or is not enabled")
            order.channel_id = channel
        if "date_created" in body:
            order.date_created = self._date(body["date_created"], "date_created")
        self._apply_texts(order, body, creating=creating)
        for key in _MONEY_FIELDS:
            if key in body:
                setattr(order, key, money(body[key], key))
        for ex_key, inc_key in _COST_PAIRS:
            pair = _pair(body, ex_key, inc_key)
            if pair is not None:
                setattr(order, ex_key, pair[0])
                setattr(order, inc_key, pair[1])
                base_key = "base_" + ex_key.removesuffix("_ex_tax")
                if base_key not in body:
                    setattr(order, base_key, pair[0])
        subtotal = _pair(body, "subtotal_ex_tax", "subtotal_inc_tax")
        if subtotal is not None:
            order.subtotal_override = subtotal
        total = _pair(body, "total_ex_tax", "total_inc_tax")
        if total is not None:
            order.total_override = total

    def _apply_texts(self, order: Order, body: JsonObject, *, creating: bool) -> None:
        for key, limit in (
            ("staff_notes", MAX_LONG_TEXT),
            ("customer_message", MAX_LONG_TEXT),
            ("payment_method", 100),
            ("geoip_country", 100),
            ("geoip_country_iso2", 2),
            ("customer_locale", 10),
            ("default_currency_code", 3),
        ):
            if key in body:
                setattr(order, key, text(body[key], key, max_length=limit))
        if "payment_provider_id" in body:
            value = body["payment_provider_id"]
            order.payment_provider_id = (
                str(value) if isinstance(value, int | float) else text(value, "payment_provider_id")
            )
        if "external_source" in body:
            order.external_source = nullable_text(body["external_source"], "external_source", max_length=255)
        if "external_order_id" in body:
            order.external_order_id = nullable_text(body["external_order_id"], "external_order_id") or ""
        if "external_merchant_id" in body:
            if not creating and order.external_merchant_id is not None:
                raise read_only_field("external_merchant_id")  # write-once, per the spec
            order.external_merchant_id = nullable_text(body["external_merchant_id"], "external_merchant_id")
        # setting one IP address clears the other, as the spec describes
        if "ip_address" in body:
            order.ip_address = text(body["ip_address"], "ip_address", max_length=30)
            order.ip_address_v6 = ""
        if "ip_address_v6" in body:
            order.ip_address_v6 = text(body["ip_address_v6"], "ip_address_v6", max_length=39)
            order.ip_address = ""

    @staticmethod
    def _status_id(value: Any) -> int:
        status_id = integer(value, "status_id")
        if status_id not in STATUS_BY_ID:
            raise invalid_field("status_id", f"{status_id} is not an order status id (0-14)")
        return status_id

    def _date(self, value: Any, name: str) -> datetime:
        try:
            return parse_date(text(value, name), now=self.store.now())
        except ValueError:
            raise invalid_field(
                name, f"'{value}' is not an RFC-2822 date such as 'Tue, 20 Nov 2012 00:00:00 +0000'"
            ) from None

    # -- addresses ----------------------------------------------------------------------------
    def _address(self, raw: JsonObject, prefix: str, base: Address | None = None) -> Address:
        address = _copy_address(base) if base is not None else Address()
        check_fields(raw, ADDRESS_WRITE_FIELDS, (), prefix)
        for key in ADDRESS_KEYS:
            if key in raw:
                setattr(address, key, text(raw[key] if raw[key] is not None else "", prefix + key, max_length=255))
        if "form_fields" in raw:
            address.form_fields = [
                json_object(item, f"{prefix}form_fields[{number}]")
                for number, item in enumerate(json_list(raw["form_fields"], prefix + "form_fields"))
            ]
        _complete_country(address)
        return address

    @staticmethod
    def _check_billing_zip(address: Address) -> None:
        if not address.zip:
            raise required_field("billing_address.zip")
        if len(address.zip.strip()) < 2:
            raise invalid_field("billing_address.zip", "the ZIP code must be two or more characters")

    def _new_shipping_address(self, raw: JsonObject, prefix: str) -> ShippingAddress:
        fields_only = {key: value for key, value in raw.items() if key not in ("shipping_method", "id")}
        shipping = ShippingAddress(self._new_id("address"), self._address(fields_only, prefix))
        if "shipping_method" in raw:
            shipping.shipping_method = text(raw["shipping_method"], prefix + "shipping_method", max_length=250)
        return shipping

    # -- lines --------------------------------------------------------------------------------
    def _new_line(self, raw: Any, path: str) -> Line:
        entry = json_object(raw, path)
        prefix = path + "."
        if "quantity" not in entry:
            raise required_field(prefix + "quantity")
        quantity = integer(entry["quantity"], prefix + "quantity", minimum=1)
        if entry.get("product_id"):
            check_fields(entry, CATALOG_LINE_FIELDS, LINE_READ_ONLY | {"id"}, prefix)
            line = self._catalog_line(entry, prefix, quantity)
        else:
            check_fields(entry, CUSTOM_LINE_FIELDS | {"product_id"}, LINE_READ_ONLY | {"id", "variant_id"}, prefix)
            line = self._custom_line(entry, prefix, quantity)
        return line

    def _custom_line(self, entry: JsonObject, prefix: str, quantity: int) -> Line:
        for key in ("price_inc_tax", "price_ex_tax"):
            if key not in entry:
                raise required_field(prefix + key)
        prices = _pair(entry, "price_ex_tax", "price_inc_tax", prefix)
        assert prices is not None  # both keys were checked above
        customer_name, merchant_name = _line_names(entry, prefix, None)
        if not customer_name:
            raise required_field(prefix + "name")
        return Line(
            id=self._new_id("line"),
            product_id=0,
            variant_id=0,
            order_address_id=0,
            order_pickup_method_id=0,
            name_customer=customer_name,
            name_merchant=merchant_name or customer_name,
            sku=text(entry.get("sku", ""), prefix + "sku", max_length=255),
            upc=text(entry.get("upc", ""), prefix + "upc", max_length=255),
            type="physical",
            base_price=prices[0],
            price_ex_tax=prices[0],
            price_inc_tax=prices[1],
            quantity=quantity,
        )

    def _catalog_line(self, entry: JsonObject, prefix: str, quantity: int) -> Line:
        product_id = integer(entry["product_id"], prefix + "product_id", minimum=1)
        product = self.store.catalog.get_product(product_id)
        if product is None:
            raise unprocessable(f"The product with id {product_id} ({prefix}product_id) does not exist in the catalog.")
        variant = self._choose_variant(product, entry, prefix)
        line = Line(
            id=self._new_id("line"),
            product_id=product_id,
            variant_id=int(variant["id"]) if variant else 0,
            order_address_id=0,
            order_pickup_method_id=0,
            name_customer="",
            name_merchant="",
            sku="",
            upc="",
            type="physical",
            base_price=ZERO,
            price_ex_tax=ZERO,
            price_inc_tax=ZERO,
            quantity=quantity,
        )
        self._copy_catalog_fields(line, product, variant)
        self._apply_line_overrides(line, entry, prefix)
        return line

    def _apply_line_overrides(self, line: Line, entry: JsonObject, prefix: str) -> None:
        prices = _pair(entry, "price_ex_tax", "price_inc_tax", prefix)
        if prices is not None:
            line.price_ex_tax, line.price_inc_tax = prices
            if not line.product_id:
                line.base_price = prices[0]
        customer_name, merchant_name = _line_names(entry, prefix, line)
        if customer_name:
            line.name_customer = customer_name
        if merchant_name:
            line.name_merchant = merchant_name
        for key in ("sku", "upc"):
            if key in entry:
                setattr(line, key, text(entry[key], prefix + key, max_length=255))

    def _choose_variant(self, product: JsonObject, entry: JsonObject, prefix: str) -> JsonObject | None:
        """The variant a catalog line names: ``variant_id``, else ``product_options``, else the base."""
        product_id = int(product["id"])
        variants: list[JsonObject] = list(product.get("variants") or [])
        if "variant_id" in entry:
            variant_id = integer(entry["variant_id"], prefix + "variant_id", minimum=1)
            variant = self.store.catalog.get_variant(variant_id)
            if variant is None or int(variant.get("product_id", 0)) != product_id:
                raise unprocessable(f"The variant with id {variant_id} does not belong to product {product_id}.")
            return variant
        with_options = [variant for variant in variants if variant.get("option_values")]
        if "product_options" in entry:
            chosen = _option_pairs(entry["product_options"], prefix + "product_options")
            for variant in with_options:
                wanted = {(int(value["option_id"]), int(value["id"])) for value in variant["option_values"]}
                if wanted <= chosen:
                    return variant
            if with_options:
                raise unprocessable(
                    f"No variant of product {product_id} matches the product_options given in {prefix}product_options."
                )
        elif with_options:
            raise bad_request(
                f"Product {product_id} has variants: send '{prefix}variant_id' or '{prefix}product_options' "
                "to say which one was ordered."
            )
        return next(iter(variants), None)

    def _copy_catalog_fields(self, line: Line, product: JsonObject, variant: JsonObject | None) -> None:
        """What a catalog line takes from the catalog: fields, brand name and the variant's options."""
        _copy_catalog_fields(line, product, variant)
        line.brand = self._brand_name(product)
        option_types = {int(option["id"]): str(option.get("type", "")) for option in product.get("options") or []}
        line.options = [self._line_option(value, option_types) for value in (variant or {}).get("option_values") or []]

    def _brand_name(self, product: JsonObject) -> str:
        brand_id = product.get("brand_id")
        if not brand_id:
            return ""
        try:
            return str(self.store.catalog.brand(int(brand_id)).get("name", ""))
        except ApiError:
            return ""  # the brand was deleted after the product named it

    def _line_option(self, value: JsonObject, option_types: dict[int, str]) -> LineOption:
        option_id = int(value.get("option_id", 0))
        return LineOption(
            id=self._new_id("option"),
            option_id=option_id,
            display_name=str(value.get("option_display_name", "")),
            display_value=str(value.get("label", "")),
            value=str(value.get("id", "")),
            type="Swatch" if option_types.get(option_id) == "swatch" else "Multiple choice",
            display_style=OPTION_STYLES.get(option_types.get(option_id, ""), ""),
        )

    # -- fees ---------------------------------------------------------------------------------
    def _apply_fees(self, order: Order, raw: Any) -> None:
        """Fees follow PUT semantics: the list given replaces the order's fees (ids keep theirs)."""
        if raw is None:
            return
        entries = json_list(raw, "fees")
        existing = {fee.id: fee for fee in order.fees}
        creating = not order.id
        result: list[Fee] = []
        for number, item in enumerate(entries):
            prefix = f"fees[{number}]."
            entry = json_object(item, prefix.rstrip("."))
            if creating:
                check_fields(entry, FEE_FIELDS - {"id"}, ("base_cost", "id"), prefix)
            else:
                check_fields(entry, FEE_FIELDS, ("base_cost",), prefix)
            previous = None
            if "id" in entry:
                fee_id = integer(entry["id"], prefix + "id", minimum=1)
                previous = existing.get(fee_id)
                if previous is None:
                    raise unprocessable(f"The fee with id {fee_id} ({prefix}id) does not exist on order {order.id}.")
            result.append(self._fee(entry, prefix, previous))
        order.fees = result

    def _fee(self, entry: JsonObject, prefix: str, previous: Fee | None) -> Fee:
        fee_type = text(entry.get("type", "custom_fee"), prefix + "type")
        if fee_type != "custom_fee":
            raise invalid_field(prefix + "type", "the only fee type is 'custom_fee'")
        customer = nullable_text(entry.get("display_name_customer"), prefix + "display_name_customer")
        merchant = nullable_text(entry.get("display_name_merchant"), prefix + "display_name_merchant")
        if previous is not None:
            customer = customer or previous.display_name_customer
            merchant = merchant or previous.display_name_merchant
        if not customer and not merchant:
            raise required_field(prefix + "display_name_customer")
        ex_value = entry.get("cost_ex_tax", entry.get("cost_exc_tax"))  # the spec's examples also spell it cost_exc_tax
        given = {
            "ex": money(ex_value, prefix + "cost_ex_tax") if ex_value is not None else None,
            "inc": money(entry["cost_inc_tax"], prefix + "cost_inc_tax") if "cost_inc_tax" in entry else None,
            "tax": money(entry["cost_tax"], prefix + "cost_tax") if "cost_tax" in entry else None,
        }
        if previous is not None and sum(value is not None for value in given.values()) < 2:
            given = {"ex": previous.cost_ex_tax, "inc": previous.cost_inc_tax, "tax": None}
        cost_ex, cost_inc = _fee_costs(given, prefix)
        tax_class = entry.get("tax_class_id", previous.tax_class_id if previous else None)
        return Fee(
            id=previous.id if previous else self._new_id("fee"),
            display_name_customer=customer or merchant or "",
            display_name_merchant=merchant or customer or "",
            source=text(entry.get("source", previous.source if previous else ""), prefix + "source"),
            cost_ex_tax=cost_ex,
            cost_inc_tax=cost_inc,
            tax_class_id=None if tax_class is None else integer(tax_class, prefix + "tax_class_id"),
        )

    # -- updating -----------------------------------------------------------------------------
    def update(self, order_id: int, body: JsonObject) -> Order:
        """``PUT /v2/orders/{id}``: a partial update; ``is_deleted: true`` archives.

        Changes go to a copy that replaces the order only once the whole body is valid, so a
        rejected request leaves the order as it was.
        """
        current = self.get(order_id)
        check_fields(body, ORDER_PUT_FIELDS, ORDER_READ_ONLY | {"default_currency_code"})
        order = copy.deepcopy(current)
        previous_status = order.status_id
        was_deleted = order.is_deleted
        if "billing_address" in body:
            billing = self._address(
                json_object(body["billing_address"], "billing_address"), "billing_address.", order.billing
            )
            self._check_billing_zip(billing)
            order.billing = billing
        self._apply_scalars(order, body, creating=False)
        if "shipping_addresses" in body:
            self._update_shipping_addresses(order, body["shipping_addresses"])
        if "products" in body:
            self._update_lines(order, json_list(body["products"], "products"))
        if "consignments" in body:
            self._update_pickups(order, json_object(body["consignments"], "consignments"))
        if "fees" in body:
            self._apply_fees(order, body["fees"])
        if "is_deleted" in body:
            if not isinstance(body["is_deleted"], bool):
                raise invalid_field("is_deleted", "expected true or false")
            order.is_deleted = body["is_deleted"]
        self._touch(order)
        self.orders[order.id] = order
        if order.is_deleted and not was_deleted:
            self.store.emit("store/order/archived", {"type": "order", "id": order.id})
        else:
            self.store.emit("store/order/updated", {"type": "order", "id": order.id})
        self._announce_status(order, previous_status)
        return order

    def _touch(self, order: Order) -> None:
        order.recalculate()
        order.date_modified = self.store.now()

    def _announce_status(self, order: Order, previous_status: int) -> None:
        if order.status_id != previous_status:
            self.store.emit(
                "store/order/statusUpdated",
                {
                    "type": "order",
                    "id": order.id,
                    "status": {"previous_status_id": previous_status, "new_status_id": order.status_id},
                },
            )

    def _update_shipping_addresses(self, order: Order, raw: Any) -> None:
        for number, item in enumerate(json_list(raw, "shipping_addresses")):
            prefix = f"shipping_addresses[{number}]."
            entry = json_object(item, prefix.rstrip("."))
            check_fields(
                entry, ADDRESS_WRITE_FIELDS | {"shipping_method", "id"}, SHIPPING_ADDRESS_READ_ONLY - {"id"}, prefix
            )
            if "id" not in entry:
                order.addresses.append(self._new_shipping_address(entry, prefix))
                continue
            address_id = integer(entry["id"], prefix + "id", minimum=1)
            shipping = order.address(address_id)
            if shipping is None:
                raise unprocessable(f"The shipping address with id {address_id} does not exist on order {order.id}.")
            self._edit_shipping_address(shipping, {k: v for k, v in entry.items() if k != "id"}, prefix)
        first = order.addresses[0].id if order.addresses else 0
        for line in order.lines:
            if line.type == "physical" and not line.order_pickup_method_id and not line.order_address_id:
                line.order_address_id = first

    def _edit_shipping_address(self, shipping: ShippingAddress, entry: JsonObject, prefix: str) -> None:
        fields_only = {key: value for key, value in entry.items() if key != "shipping_method"}
        shipping.address = self._address(fields_only, prefix, shipping.address)
        if "shipping_method" in entry:
            shipping.shipping_method = text(entry["shipping_method"], prefix + "shipping_method", max_length=250)

    def update_shipping_address(self, order_id: int, address_id: int, body: JsonObject) -> ShippingAddress:
        """``PUT /v2/orders/{id}/shipping_addresses/{id}`` (shipping cost and tax are not recalculated)."""
        self.shipping_address(order_id, address_id)
        check_fields(body, ADDRESS_WRITE_FIELDS | {"shipping_method"}, SHIPPING_ADDRESS_READ_ONLY)
        order = copy.deepcopy(self.get(order_id))
        shipping = order.address(address_id)
        assert shipping is not None  # looked up above
        self._edit_shipping_address(shipping, body, "")
        self._touch(order)
        self.orders[order.id] = order
        self.store.emit("store/order/updated", {"type": "order", "id": order.id})
        return shipping

    def _update_lines(self, order: Order, entries: list[Any], pickup: Pickup | None = None) -> None:
        """``products`` on PUT: with ``id`` edits a line (``quantity: 0`` removes it), without adds one."""
        for number, raw in enumerate(entries):
            path = f"products[{number}]" if pickup is None else f"consignments.pickups[0].line_items[{number}]"
            entry = json_object(raw, path)
            if "id" not in entry:
                line = self._new_line(entry, path)
                if pickup is not None:
                    line.order_pickup_method_id = pickup.id
                elif line.type == "physical":
                    line.order_address_id = self._address_for_new_line(order)
                order.lines.append(line)
                continue
            self._edit_line(order, entry, path + ".")

    def _address_for_new_line(self, order: Order) -> int:
        if order.pickups:
            raise bad_request(
                "This order is fulfilled by pickup: add lines through 'consignments.pickups[0].line_items'."
            )
        if not order.addresses:
            order.addresses.append(ShippingAddress(self._new_id("address"), _copy_address(order.billing)))
        return order.addresses[0].id

    def _edit_line(self, order: Order, entry: JsonObject, prefix: str) -> None:
        line_id = integer(entry["id"], prefix + "id", minimum=1)
        line = order.line(line_id)
        if line is None:
            raise unprocessable(f"The order product with id {line_id} ({prefix}id) does not exist on order {order.id}.")
        allowed = (CATALOG_LINE_FIELDS if line.product_id else CUSTOM_LINE_FIELDS | {"product_id"}) | {"id"}
        check_fields(entry, allowed, LINE_READ_ONLY, prefix)
        if "product_id" in entry and integer(entry["product_id"], prefix + "product_id") != line.product_id:
            raise bad_request(
                f"The field '{prefix}product_id' cannot change the product of a line: remove the line "
                "(quantity 0) and add a new one."
            )
        if "quantity" in entry:
            quantity = integer(entry["quantity"], prefix + "quantity")
            if quantity < line.quantity_shipped:
                raise unprocessable(
                    f"Order product {line.id} has {line.quantity_shipped} item(s) shipped; its quantity cannot go "
                    f"below that (got {quantity})."
                )
            if quantity == 0:
                order.lines.remove(line)
                return
            line.quantity = quantity
        if line.product_id and ("variant_id" in entry or "product_options" in entry):
            self._change_variant(line, entry, prefix)
        self._apply_line_overrides(line, entry, prefix)

    def _change_variant(self, line: Line, entry: JsonObject, prefix: str) -> None:
        product = self.store.catalog.get_product(line.product_id)
        if product is None:
            raise unprocessable(f"The product with id {line.product_id} no longer exists in the catalog.")
        variant = self._choose_variant(product, entry, prefix)
        line.variant_id = int(variant["id"]) if variant else 0
        self._copy_catalog_fields(line, product, variant)

    def _update_pickups(self, order: Order, consignments: JsonObject) -> None:
        check_fields(consignments, ("pickups",), ("shipping", "downloads", "email"), "consignments.")
        for number, item in enumerate(json_list(consignments.get("pickups", []), "consignments.pickups")):
            prefix = f"consignments.pickups[{number}]."
            entry = json_object(item, prefix.rstrip("."))
            check_fields(entry, PICKUP_FIELDS, (), prefix)
            if "id" not in entry:
                raise required_field(prefix + "id")
            pickup_id = integer(entry["id"], prefix + "id", minimum=1)
            pickup = next((candidate for candidate in order.pickups if candidate.id == pickup_id), None)
            if pickup is None:
                raise unprocessable(f"The pickup consignment with id {pickup_id} does not exist on order {order.id}.")
            if "pickup_method_id" in entry:
                pickup.pickup_method_id = integer(entry["pickup_method_id"], prefix + "pickup_method_id")
            self._apply_pickup_fields(pickup, entry, prefix)
            if "line_items" in entry:
                self._update_lines(order, json_list(entry["line_items"], prefix + "line_items"), pickup)

    # -- archiving ----------------------------------------------------------------------------
    def archive(self, order_id: int) -> None:
        """``DELETE /v2/orders/{id}``: archive (BigCommerce keeps the order, flagged ``is_deleted``)."""
        order = self.get(order_id)
        self._archive(order)

    def archive_all(self) -> int:
        """``DELETE /v2/orders``: archive every order not archived yet; returns how many."""
        live = [order for order in self.orders.values() if not order.is_deleted]
        for order in live:
            self._archive(order)
        return len(live)

    def _archive(self, order: Order) -> None:
        if order.is_deleted:
            return
        order.is_deleted = True
        order.date_modified = self.store.now()
        self.store.emit("store/order/archived", {"type": "order", "id": order.id})

    # -- shipments ----------------------------------------------------------------------------
    def create_shipment(self, order_id: int, body: JsonObject) -> Shipment:
        """``POST /v2/orders/{id}/shipments``."""
        order = self.get(order_id)
        check_fields(body, SHIPMENT_WRITE_FIELDS | {"items"}, SHIPMENT_READ_ONLY)
        for key in ("order_address_id", "items"):
            if key not in body:
                raise required_field(key)
        address_id = integer(body["order_address_id"], "order_address_id", minimum=1)
        if order.address(address_id) is None:
            raise unprocessable(
                f"The shipping address with id {address_id} (order_address_id) does not exist on order {order.id}."
            )
        wanted = self._shipment_items(order, address_id, body["items"])
        shipment = Shipment(
            id=0,
            order_id=order.id,
            order_address_id=address_id,
            date_created=self.store.now(),
            items=[ShipmentItem(line.id, line.product_id, quantity) for line, quantity in wanted],
        )
        self._apply_shipment_fields(shipment, body)
        shipment.id = self._new_id("shipment")
        for line, quantity in wanted:
            line.quantity_shipped += quantity
        order.shipments.append(shipment)
        previous_status = order.status_id
        if order.fully_shipped():
            order.status_id = SHIPPED
            order.date_shipped = shipment.date_created
        else:
            order.status_id = PARTIALLY_SHIPPED
        self._touch(order)
        self.store.emit("store/shipment/created", {"type": "shipment", "id": shipment.id, "orderId": order.id})
        self.store.emit("store/order/updated", {"type": "order", "id": order.id})
        self._announce_status(order, previous_status)
        return shipment

    def _shipment_items(self, order: Order, address_id: int, raw: Any) -> list[tuple[Line, int]]:
        """Validate ``items``: lines of this order and address, never more than remains to ship."""
        entries = json_list(raw, "items")
        if not entries:
            raise invalid_field("items", "at least one item is required")
        totals: dict[int, int] = {}
        for number, item in enumerate(entries):
            prefix = f"items[{number}]."
            entry = json_object(item, prefix.rstrip("."))
            check_fields(entry, ("order_product_id", "quantity", "product_id"), (), prefix)
            for key in ("order_product_id", "quantity"):
                if key not in entry:
                    raise required_field(prefix + key)
            line_id = integer(entry["order_product_id"], prefix + "order_product_id", minimum=1)
            totals[line_id] = totals.get(line_id, 0) + integer(entry["quantity"], prefix + "quantity", minimum=1)
        wanted: list[tuple[Line, int]] = []
        for line_id, quantity in totals.items():
            line = order.line(line_id)
            if line is None:
                raise unprocessable(f"The order product with id {line_id} does not exist on order {order.id}.")
            if line.order_address_id != address_id:
                raise unprocessable(f"Order product {line_id} does not ship to shipping address {address_id}.")
            if quantity > line.remaining:
                raise unprocessable(
                    f"Cannot ship {quantity} of order product {line_id}: {line.remaining} of {line.quantity} "
                    "remain to be shipped."
                )
            wanted.append((line, quantity))
        return wanted

    def _apply_shipment_fields(self, shipment: Shipment, body: JsonObject) -> None:
        if "tracking_number" in body:
            shipment.tracking_number = text(body["tracking_number"], "tracking_number", max_length=MAX_TRACKING_NUMBER)
        if "tracking_link" in body:
            shipment.tracking_link = text(body["tracking_link"], "tracking_link", max_length=MAX_TRACKING_LINK)
        if "merchant_shipping_cost" in body:
            shipment.merchant_shipping_cost = money(body["merchant_shipping_cost"], "merchant_shipping_cost")
        if "shipping_method" in body:
            shipment.shipping_method = text(body["shipping_method"], "shipping_method", max_length=250)
        if "shipping_provider" in body:
            provider = text(body["shipping_provider"], "shipping_provider")
            if provider not in PROVIDER_NAMES and not _CUSTOM_PROVIDER.match(provider):
                raise invalid_field(
                    "shipping_provider",
                    f"'{provider}' is not one of {', '.join(repr(name) for name in PROVIDER_NAMES)} or carrier_{{id}}",
                )
            shipment.shipping_provider = provider
        if "tracking_carrier" in body:
            shipment.tracking_carrier = text(body["tracking_carrier"], "tracking_carrier", max_length=100)
        if "comments" in body:
            shipment.comments = text(body["comments"], "comments", max_length=MAX_LONG_TEXT)

    def update_shipment(self, order_id: int, shipment_id: int, body: JsonObject) -> Shipment:
        """``PUT /v2/orders/{id}/shipments/{id}``: tracking details and the address; not the items."""
        order = self.get(order_id)
        current = self.shipment(order_id, shipment_id)
        check_fields(body, SHIPMENT_WRITE_FIELDS, SHIPMENT_READ_ONLY | {"items"})
        shipment = copy.deepcopy(current)  # swapped in once the whole body is valid
        if "order_address_id" in body:
            address_id = integer(body["order_address_id"], "order_address_id", minimum=1)
            if order.address(address_id) is None:
                raise unprocessable(f"The shipping address with id {address_id} does not exist on order {order.id}.")
            for item in shipment.items:
                line = order.line(item.order_product_id)
                if line is not None and line.order_address_id != address_id:
                    raise unprocessable(
                        f"Order product {line.id} in this shipment does not ship to shipping address {address_id}."
                    )
            shipment.order_address_id = address_id
        self._apply_shipment_fields(shipment, body)
        order.shipments[order.shipments.index(current)] = shipment
        self._touch(order)
        self.store.emit("store/shipment/updated", {"type": "shipment", "id": shipment.id, "orderId": order.id})
        return shipment

    def delete_shipment(self, order_id: int, shipment_id: int) -> None:
        """Give the shipment's quantities back; the order keeps its (partially) shipped status."""
        order = self.get(order_id)
        shipment = self.shipment(order_id, shipment_id)
        self._remove_shipment(order, shipment)
        self._touch(order)
        self.store.emit("store/order/updated", {"type": "order", "id": order.id})

    def delete_shipments(self, order_id: int) -> None:
        order = self.get(order_id)
        if not order.shipments:
            return
        for shipment in list(order.shipments):
            self._remove_shipment(order, shipment)
        self._touch(order)
        self.store.emit("store/order/updated", {"type": "order", "id": order.id})

    def _remove_shipment(self, order: Order, shipment: Shipment) -> None:
        for item in shipment.items:
            line = order.line(item.order_product_id)
            if line is not None:
                line.quantity_shipped = max(0, line.quantity_shipped - item.quantity)
        order.shipments.remove(shipment)
        self.store.emit("store/shipment/deleted", {"type": "shipment", "id": shipment.id, "orderId": order.id})

    # -- control plane ------------------------------------------------------------------------
    def place_shopper_order(self, body: JsonObject) -> JsonObject:
        """Place the order a shopper's storefront checkout would produce; returns the V2 order.

        Body (every member optional except ``lines``)::

            {
              "lines": [{"sku": "ABC", "quantity": 2}, {"product_id": 7, "variant_id": 12, "quantity": 1}],
              "customer": {"id": 5, "first_name": ..., "email": ..., ...},   # billing address;
                                                                               # no "id" → guest (0)
              "shipping_address": {"first_name": ..., "zip": ..., ...},      # default: the billing one
              "status_id": 11,                                               # Awaiting Fulfillment
              "shipping_cost": 5.0,                                          # charged as ex = inc tax
              "payment_method": "Credit Card",
              "customer_message": "Leave at the door"
            }

        SKUs resolve through the catalog (product or variant SKU); catalog prices apply. The order
        comes from the storefront (``order_source`` ``www``), its payment is captured, and it
        raises ``store/order/created`` then ``store/order/statusUpdated`` (0 → the status), as a
        checkout moving an incomplete order to its paid status does.
        """
        check_fields(
            body,
            (
                "lines",
                "customer",
                "shipping_address",
                "status_id",
                "shipping_cost",
                "payment_method",
                "customer_message",
            ),
            (),
        )
        if "lines" not in body:
            raise required_field("lines")
        customer = dict(json_object(body.get("customer") or {}, "customer"))
        customer_id = integer(customer.pop("customer_id", 0), "customer.customer_id")
        customer_id = integer(customer.pop("id", customer_id), "customer.id")
        # a partial customer keeps what it gives; the rest of the address is a realistic default
        billing = self._address({**_default_shopper(), **customer}, "customer.")
        shipping_raw = json_object(body.get("shipping_address") or {}, "shipping_address")
        shipping = self._address({**billing.fields_dict(), **shipping_raw}, "shipping_address.")
        now = self.store.now()
        order = Order(
            id=0,
            customer_id=customer_id,
            date_created=now,
            date_modified=now,
            status_id=self._status_id(body.get("status_id", SHOPPER_STATUS_ID)),
            billing=billing,
            order_source="www",
            payment_method=text(body.get("payment_method", "Credit Card"), "payment_method"),
            payment_status="captured",
            tax_provider_id="BasicTaxProvider",
            default_currency_code=self._currency(),
            cart_id=str(uuid.UUID(int=self.store.sandbox.random.getrandbits(128), version=4)),
            payment_provider_id=f"txn_{self.store.sandbox.random.getrandbits(48):012x}",
            customer_message=text(body.get("customer_message", ""), "customer_message", max_length=MAX_LONG_TEXT),
            ip_address="203.0.113.10",
            geoip_country=billing.country,
            geoip_country_iso2=billing.country_iso2,
        )
        if "shipping_cost" in body:
            cost = money(body["shipping_cost"], "shipping_cost")
            order.base_shipping_cost = order.shipping_cost_ex_tax = order.shipping_cost_inc_tax = cost
        order.addresses.append(ShippingAddress(self._new_id("address"), shipping, "Flat Rate"))
        entries = json_list(body["lines"], "lines")
        if not entries:
            raise invalid_field("lines", "at least one line is required")
        for number, raw in enumerate(entries):
            line = self._new_line(self._shopper_line(raw, f"lines[{number}]"), f"lines[{number}]")
            line.order_address_id = order.addresses[0].id if line.type == "physical" else 0
            order.lines.append(line)
        self._commit_new(order)
        self._announce_status(order, 0)
        return render_order(order, self.default_linker())

    def _shopper_line(self, raw: Any, path: str) -> JsonObject:
        """A checkout line (``sku`` or ``product_id``/``variant_id``) as a V2 catalog line."""
        entry = json_object(raw, path)
        check_fields(entry, ("sku", "product_id", "variant_id", "quantity"), (), path + ".")
        quantity = entry.get("quantity", 1)
        if "sku" not in entry:
            if "product_id" not in entry:
                raise required_field(path + ".sku")
            return {key: entry[key] for key in ("product_id", "variant_id") if key in entry} | {"quantity": quantity}
        sku = text(entry["sku"], path + ".sku")
        found = self.store.catalog.find_sku(sku)
        if found is None:
            raise unprocessable(f"No product or variant in the catalog has the SKU '{sku}' ({path}.sku).")
        product, variant = found
        line: JsonObject = {"product_id": product["id"], "quantity": quantity}
        if variant is not None and variant.get("option_values"):
            line["variant_id"] = variant["id"]
        return line

    def ship_order(self, order_id: int, body: JsonObject) -> JsonObject:
        """Ship an order as its merchant (or a dropship vendor) would; returns the V2 shipment.

        Body: ``{"tracking_number", "shipping_provider", "tracking_carrier", "shipping_method",
        "tracking_link", "comments", "order_address_id", "items": [{"order_product_id", "quantity"}]}``,
        all optional. Without ``items`` every item still to ship at the address is shipped; without
        ``order_address_id`` the address is that of the first item (or the first address with
        something left to ship). One call ships to one address.
        """
        order = self.get(order_id)
        check_fields(body, SHIPMENT_WRITE_FIELDS | {"items"}, SHIPMENT_READ_ONLY)
        request = dict(body)
        if "order_address_id" not in request:
            request["order_address_id"] = self._ship_address_for(order, request.get("items"))
        if "items" not in request:
            address_id = integer(request["order_address_id"], "order_address_id")
            request["items"] = [
                {"order_product_id": line.id, "quantity": line.remaining}
                for line in order.lines
                if line.order_address_id == address_id and line.remaining > 0
            ]
            if not request["items"]:
                raise unprocessable(f"Order {order.id} has nothing left to ship to shipping address {address_id}.")
        return render_shipment(order, self.create_shipment(order_id, request))

    def _ship_address_for(self, order: Order, items: Any) -> int:
        if isinstance(items, list) and items and isinstance(items[0], dict) and "order_product_id" in items[0]:
            line = order.line(integer(items[0]["order_product_id"], "items[0].order_product_id", minimum=1))
            if line is not None and line.order_address_id:
                return line.order_address_id
        for line in order.lines:
            if line.order_address_id and line.remaining > 0:
                return line.order_address_id
        raise unprocessable(f"Order {order.id} has nothing left to ship.")

    def default_linker(self) -> Linker:
        """Links for representations built outside a request (control plane): host-relative URLs."""
        base = f"/stores/{self.store.hash}/v2"
        return lambda resource: {"url": base + resource, "resource": resource}


# -- helpers ----------------------------------------------------------------------------------
def _copy_address(address: Address) -> Address:
    return Address(
        **{f.name: getattr(address, f.name) for f in fields(Address) if f.name != "form_fields"},
        form_fields=[dict(item) for item in address.form_fields],
    )


def _complete_country(address: Address) -> None:
    """Either of ``country``/``country_iso2`` is enough, as the orders FAQ says."""
    if address.country_iso2 and not address.country:
        address.country = _COUNTRIES.get(address.country_iso2.upper(), "")
    elif address.country and not address.country_iso2:
        address.country_iso2 = _ISO_BY_COUNTRY.get(address.country.lower(), "")


def _default_shopper() -> JsonObject:
    return {
        "first_name": "Jamie",
        "last_name": "Shopper",
        "street_1": "123 Main Street",
        "city": "Austin",
        "state": "Texas",
        "zip": "78701",
        "country": "United States",
        "country_iso2": "US",
        "phone": "555-0142",
        "email": "jamie.shopper@example.com",
    }


def _line_names(entry: JsonObject, prefix: str, line: Line | None) -> tuple[str, str]:
    """``(name_customer, name_merchant)`` from ``name``/``name_customer``/``name_merchant``."""
    values: dict[str, str] = {}
    for key in ("name", "name_customer", "name_merchant"):
        if key in entry:
            value = text(entry[key], prefix + key, max_length=MAX_LINE_NAME)
            if not value.strip():
                raise invalid_field(prefix + key, "an empty name is not allowed")
            values[key] = value
    if "name" in values and "name_customer" in values and values["name"] != values["name_customer"]:
        raise invalid_field(prefix + "name_customer", "'name' and 'name_customer' must hold the same value")
    customer = values.get("name") or values.get("name_customer") or ""
    merchant = values.get("name_merchant", "")
    if line is None and not customer:
        customer = merchant  # a new line named only for the merchant shows that name to the customer too
    return customer, merchant


def _option_pairs(raw: Any, name: str) -> set[tuple[int, int]]:
    """``product_options`` as ``{(option_id, option_value_id)}``; text values cannot pick a variant."""
    pairs: set[tuple[int, int]] = set()
    for number, item in enumerate(json_list(raw, name)):
        entry = json_object(item, f"{name}[{number}]")
        if "id" not in entry or "value" not in entry:
            raise required_field(f"{name}[{number}].{'id' if 'id' not in entry else 'value'}")
        option_id = integer(entry["id"], f"{name}[{number}].id", minimum=1)
        value = entry["value"]
        if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
            pairs.add((option_id, int(value)))
    return pairs


def _first(*values: Any) -> Any:
    return next((value for value in values if value is not None), None)


def _copy_catalog_fields(line: Line, product: JsonObject, variant: JsonObject | None) -> None:
    """Name, SKU, prices, weight, size and cost from the variant, falling back to the product."""
    own = variant or {}
    price = money(
        _first(own.get("calculated_price"), own.get("price"), product.get("calculated_price"), product.get("price"), 0),
        "price",
    )
    line.name_customer = line.name_merchant = str(product.get("name", ""))
    line.sku = str(_first(own.get("sku"), product.get("sku"), ""))
    line.upc = str(_first(own.get("upc") or None, product.get("upc"), ""))
    line.type = "digital" if product.get("type") == "digital" else "physical"
    line.base_price = line.price_ex_tax = line.price_inc_tax = price
    # a variant cost of 0 means "not set" (the catalog renders unset variant costs as 0)
    line.base_cost_price = money(_first(own.get("cost_price") or None, product.get("cost_price"), 0), "cost_price")
    line.weight = money(_first(own.get("calculated_weight"), own.get("weight"), product.get("weight"), 0), "weight")
    for dimension in ("width", "height", "depth"):
        setattr(line, dimension, money(_first(own.get(dimension), product.get(dimension), 0), dimension))
    line.bin_picking_number = str(_first(own.get("bin_picking_number") or None, product.get("bin_picking_number"), ""))


def _fee_costs(given: dict[str, Decimal | None], prefix: str) -> tuple[Decimal, Decimal]:
    """``(cost_ex_tax, cost_inc_tax)`` from at least two of ex, inc and tax."""
    ex, inc, tax = given["ex"], given["inc"], given["tax"]
    if ex is not None and inc is not None:
        return ex, inc
    if ex is not None and tax is not None:
        return ex, ex + tax
    if inc is not None and tax is not None:
        if tax > inc:
            raise invalid_field(prefix + "cost_tax", "the tax can't exceed cost_inc_tax")
        return inc - tax, inc
    raise bad_request(f"Fee '{prefix.rstrip('.')}' needs at least two of cost_ex_tax, cost_inc_tax and cost_tax.")


# -- V2 representation ------------------------------------------------------------------------
def render_status(status: OrderStatus) -> JsonObject:
    return status.as_dict()


def render_order(
    order: Order,
    link: Linker,
    *,
    consignments: str | None = None,
    fees: bool = False,
) -> JsonObject:
    """The V2 order. ``consignments``: None (a link), ``"links"`` or ``"items"`` (line items inline)."""
    status = STATUS_BY_ID[order.status_id]
    base = f"/orders/{order.id}"
    shipping_tax = order.shipping_cost_inc_tax - order.shipping_cost_ex_tax
    handling_tax = order.handling_cost_inc_tax - order.handling_cost_ex_tax
    wrapping_tax = order.wrapping_cost_inc_tax - order.wrapping_cost_ex_tax
    return {
        "id": order.id,
        "customer_id": order.customer_id,
        "date_created": rfc2822(order.date_created),
        "date_modified": rfc2822(order.date_modified),
        "date_shipped": rfc2822(order.date_shipped) if order.date_shipped else "",
        "status_id": order.status_id,
        "status": status.name,
        "subtotal_ex_tax": fmt(order.subtotal_ex_tax),
        "subtotal_inc_tax": fmt(order.subtotal_inc_tax),
        "subtotal_tax": fmt(order.subtotal_inc_tax - order.subtotal_ex_tax),
        "base_shipping_cost": fmt(order.base_shipping_cost),
        "shipping_cost_ex_tax": fmt(order.shipping_cost_ex_tax),
        "shipping_cost_inc_tax": fmt(order.shipping_cost_inc_tax),
        "shipping_cost_tax": fmt(shipping_tax),
        "shipping_cost_tax_class_id": 2,
        "base_handling_cost": fmt(order.base_handling_cost),
        "handling_cost_ex_tax": fmt(order.handling_cost_ex_tax),
        "handling_cost_inc_tax": fmt(order.handling_cost_inc_tax),
        "handling_cost_tax": fmt(handling_tax),
        "handling_cost_tax_class_id": 2,
        "base_wrapping_cost": fmt(order.base_wrapping_cost),
        "wrapping_cost_ex_tax": fmt(order.wrapping_cost_ex_tax),
        "wrapping_cost_inc_tax": fmt(order.wrapping_cost_inc_tax),
        "wrapping_cost_tax": fmt(wrapping_tax),
        "wrapping_cost_tax_class_id": 3,
        "total_ex_tax": fmt(order.total_ex_tax),
        "total_inc_tax": fmt(order.total_inc_tax),
        "total_tax": fmt(order.total_inc_tax - order.total_ex_tax),
        "is_tax_inclusive_pricing": False,
        "items_total": order.items_total,
        "items_shipped": order.items_shipped,
        "payment_method": order.payment_method,
        "payment_provider_id": order.payment_provider_id,
        "payment_status": order.payment_status,
        "refunded_amount": fmt(ZERO),
        "order_is_digital": bool(order.lines) and all(line.type == "digital" for line in order.lines),
        "store_credit_amount": fmt(ZERO),
        "gift_certificate_amount": fmt(ZERO),
        "ip_address": order.ip_address,
        "ip_address_v6": order.ip_address_v6,
        "geoip_country": order.geoip_country,
        "geoip_country_iso2": order.geoip_country_iso2,
        "currency_id": 1,
        "currency_code": order.default_currency_code,
        "currency_exchange_rate": "1.0000000000",
        "default_currency_id": 1,
        "default_currency_code": order.default_currency_code,
        "staff_notes": order.staff_notes,
        "customer_message": order.customer_message,
        "discount_amount": fmt(order.discount_amount),
        "coupon_discount": fmt(ZERO),
        "shipping_address_count": len(order.addresses),
        "is_deleted": order.is_deleted,
        "ebay_order_id": "0",
        "cart_id": order.cart_id,
        "billing_address": order.billing.as_dict(),
        "is_email_opt_in": False,
        "credit_card_type": None,
        "order_source": order.order_source,
        "channel_id": order.channel_id,
        "external_source": order.external_source,
        "consignments": link(base + "/consignments")
        if consignments is None
        else render_consignments(order, link, inline_items=consignments == "items"),
        "products": link(base + "/products"),
        "shipping_addresses": link(base + "/shipping_addresses"),
        "coupons": link(base + "/coupons"),
        "external_id": None,
        "external_merchant_id": order.external_merchant_id,
        "tax_provider_id": order.tax_provider_id,
        "store_default_currency_code": order.default_currency_code,
        "store_default_to_transactional_exchange_rate": "1.0000000000",
        "custom_status": status.name,
        "customer_locale": order.customer_locale,
        "external_order_id": order.external_order_id,
        "fees": [render_fee(fee) for fee in order.fees] if fees else link(base + "/fees"),
    }


def render_line(order: Order, line: Line) -> JsonObject:
    price_tax = line.price_inc_tax - line.price_ex_tax
    total_ex = line.price_ex_tax * line.quantity
    total_inc = line.price_inc_tax * line.quantity
    return {
        "id": line.id,
        "order_id": order.id,
        "product_id": line.product_id,
        "variant_id": line.variant_id,
        "order_pickup_method_id": line.order_pickup_method_id,
        "order_address_id": line.order_address_id,
        "name": line.name_customer,
        "name_customer": line.name_customer,
        "name_merchant": line.name_merchant,
        "sku": line.sku,
        "upc": line.upc,
        "type": line.type,
        "base_price": fmt(line.base_price),
        "price_ex_tax": fmt(line.price_ex_tax),
        "price_inc_tax": fmt(line.price_inc_tax),
        "price_tax": fmt(price_tax),
        "base_total": fmt(line.base_price * line.quantity),
        "total_ex_tax": fmt(total_ex),
        "total_inc_tax": fmt(total_inc),
        "total_tax": fmt(total_inc - total_ex),
        "weight": fmt(line.weight),
        "width": fmt(line.width),
        "height": fmt(line.height),
        "depth": fmt(line.depth),
        "quantity": line.quantity,
        "base_cost_price": fmt(line.base_cost_price),
        "cost_price_inc_tax": fmt(line.base_cost_price),
        "cost_price_ex_tax": fmt(line.base_cost_price),
        "cost_price_tax": fmt(ZERO),
        "is_refunded": False,
        "quantity_refunded": 0,
        "refund_amount": fmt(ZERO),
        "return_id": 0,
        "wrapping_id": 0,
        "wrapping_name": "",
        "base_wrapping_cost": fmt(ZERO),
        "wrapping_cost_ex_tax": fmt(ZERO),
        "wrapping_cost_inc_tax": fmt(ZERO),
        "wrapping_cost_tax": fmt(ZERO),
        "wrapping_message": "",
        "quantity_shipped": line.quantity_shipped,
        "event_name": None,
        "event_date": None,
        "fixed_shipping_cost": fmt(ZERO),
        "ebay_item_id": "",
        "ebay_transaction_id": "",
        "option_set_id": None,
        "parent_order_product_id": None,
        "is_bundled_product": False,
        "bin_picking_number": line.bin_picking_number,
        "external_id": None,
        "brand": line.brand,
        "applied_discounts": [],
        "product_options": [render_line_option(line, option) for option in line.options],
        "configurable_fields": [],
        "gift_certificate_id": None,
        "discounted_total_inc_tax": fmt(total_inc),
    }


def render_line_option(line: Line, option: LineOption) -> JsonObject:
    return {
        "id": option.id,
        "option_id": option.option_id,
        "order_product_id": line.id,
        "product_option_id": option.option_id,
        "display_name": option.display_name,
        "display_name_customer": option.display_name,
        "display_name_merchant": option.display_name,
        "display_value": option.display_value,
        "display_value_customer": option.display_value,
        "display_value_merchant": option.display_value,
        "value": option.value,
        "type": option.type,
        "name": option.display_name,
        "display_style": option.display_style,
    }


def _address_items(order: Order, address_id: int) -> tuple[int, int]:
    total = shipped = 0
    for line in order.lines:
        if line.order_address_id == address_id:
            total += line.quantity
            shipped += line.quantity_shipped
    return total, shipped


def _address_costs(order: Order, shipping: ShippingAddress) -> dict[str, Decimal]:
    """The order's shipping and handling, carried by its first address (the one lines ship to)."""
    if not order.addresses or order.addresses[0] is not shipping:
        return dict.fromkeys(("base", "ex", "inc", "handling_base", "handling_ex", "handling_inc"), ZERO)
    return {
        "base": order.base_shipping_cost,
        "ex": order.shipping_cost_ex_tax,
        "inc": order.shipping_cost_inc_tax,
        "handling_base": order.base_handling_cost,
        "handling_ex": order.handling_cost_ex_tax,
        "handling_inc": order.handling_cost_inc_tax,
    }


def _zone(address: Address) -> tuple[int, str]:
    return (1, "United States") if address.country_iso2 in ("US", "") else (2, "Rest of the World")


def render_shipping_address(order: Order, shipping: ShippingAddress, link: Linker) -> JsonObject:
    items_total, items_shipped = _address_items(order, shipping.id)
    costs = _address_costs(order, shipping)
    zone_id, zone_name = _zone(shipping.address)
    return {
        "id": shipping.id,
        "order_id": order.id,
        **shipping.address.fields_dict(),
        "items_total": items_total,
        "items_shipped": items_shipped,
        "shipping_method": shipping.shipping_method,
        "base_cost": fmt(costs["base"]),
        "cost_ex_tax": fmt(costs["ex"]),
        "cost_inc_tax": fmt(costs["inc"]),
        "cost_tax": fmt(costs["inc"] - costs["ex"]),
        "cost_tax_class_id": 2,
        "base_handling_cost": fmt(costs["handling_base"]),
        "handling_cost_ex_tax": fmt(costs["handling_ex"]),
        "handling_cost_inc_tax": fmt(costs["handling_inc"]),
        "handling_cost_tax": fmt(costs["handling_inc"] - costs["handling_ex"]),
        "handling_cost_tax_class_id": 2,
        "shipping_zone_id": zone_id,
        "shipping_zone_name": zone_name,
        "shipping_quotes": link(f"/orders/{order.id}/shipping_addresses/{shipping.id}/shipping_quotes"),
        "form_fields": [dict(item) for item in shipping.address.form_fields],
    }


def _consignment_items(order: Order, lines: Iterable[Line], link: Linker, inline: bool) -> list[JsonObject]:
    if inline:
        return [render_line(order, line) for line in lines]
    return [link(f"/orders/{order.id}/products/{line.id}") for line in lines]


def render_consignments(order: Order, link: Linker, *, inline_items: bool = False) -> JsonObject:
    """The object structure (``consignment_structure=object``): pickups, shipping, downloads, email."""
    shipping = []
    for address in order.addresses:
        lines = [line for line in order.lines if line.order_address_id == address.id]
        items_total, items_shipped = _address_items(order, address.id)
        costs = _address_costs(order, address)
        zone_id, zone_name = _zone(address.address)
        shipping.append(
            {
                "id": address.id,
                **address.address.as_dict(),
                "shipping_method": address.shipping_method,
                "line_items": _consignment_items(order, lines, link, inline_items),
                "items_total": items_total,
                "items_shipped": items_shipped,
                "base_cost": float(costs["base"]),
                "cost_ex_tax": float(costs["ex"]),
                "cost_inc_tax": float(costs["inc"]),
                "cost_tax": float(costs["inc"] - costs["ex"]),
                "cost_tax_class_id": 2,
                "base_handling_cost": float(costs["handling_base"]),
                "handling_cost_ex_tax": float(costs["handling_ex"]),
                "handling_cost_inc_tax": float(costs["handling_inc"]),
                "handling_cost_tax": float(costs["handling_inc"] - costs["handling_ex"]),
                "handling_cost_tax_class_id": 2,
                "shipping_zone_id": zone_id,
                "shipping_zone_name": zone_name,
                "shipping_quotes": link(f"/orders/{order.id}/consignments/shipping/{address.id}/shipping_quotes"),
            }
        )
    pickups = [
        {
            "id": pickup.id,
            "pickup_method_id": pickup.pickup_method_id,
            "pickup_method_display_name": pickup.pickup_method_display_name,
            "collection_instructions": pickup.collection_instructions,
            "collection_time_description": pickup.collection_time_description,
            "location": {"id": pickup.pickup_method_id, **pickup.location},
            "line_items": _consignment_items(
                order, (line for line in order.lines if line.order_pickup_method_id == pickup.id), link, inline_items
            ),
        }
        for pickup in order.pickups
    ]
    digital = [line for line in order.lines if line.type == "digital"]
    downloads = (
        [{"recipient_email": order.billing.email, "line_items": _consignment_items(order, digital, link, inline_items)}]
        if digital
        else []
    )
    return {"pickups": pickups, "shipping": shipping, "downloads": downloads, "email": {"gift_certificates": []}}


def render_fee(fee: Fee) -> JsonObject:
    return {
        "id": fee.id,
        "type": fee.type,
        "display_name_customer": fee.display_name_customer,
        "display_name_merchant": fee.display_name_merchant,
        "source": fee.source,
        "base_cost": fmt(fee.cost_ex_tax),
        "cost_ex_tax": fmt(fee.cost_ex_tax),
        "cost_inc_tax": fmt(fee.cost_inc_tax),
        "cost_tax": fmt(fee.cost_inc_tax - fee.cost_ex_tax),
        "tax_class_id": fee.tax_class_id,
    }


def render_shipment(order: Order, shipment: Shipment) -> JsonObject:
    shipping = order.address(shipment.order_address_id)
    generated = (
        ""
        if shipment.tracking_link
        else tracking_link_for(shipment.shipping_provider, shipment.tracking_carrier, shipment.tracking_number)
    )
    return {
        "id": shipment.id,
        "order_id": order.id,
        "customer_id": order.customer_id,
        "order_address_id": shipment.order_address_id,
        "date_created": rfc2822(shipment.date_created),
        "tracking_number": shipment.tracking_number,
        "merchant_shipping_cost": fmt(shipment.merchant_shipping_cost),
        "shipping_method": shipment.shipping_method,
        "comments": shipment.comments,
        "shipping_provider": shipment.shipping_provider,
        "tracking_carrier": shipment.tracking_carrier,
        "tracking_link": shipment.tracking_link,
        "billing_address": order.billing.fields_dict(),
        "shipping_address": shipping.address.fields_dict() if shipping else Address().fields_dict(),
        "items": [
            {"order_product_id": item.order_product_id, "product_id": item.product_id, "quantity": item.quantity}
            for item in shipment.items
        ],
        "shipping_provider_display_name": provider_display_name(shipment.shipping_provider),
        "generated_tracking_link": generated,
    }
