"""Orders V2: orders, line items, shipping addresses, consignments, shipments, statuses.

V2 money is a decimal string (``"336.3200"``) and is read as ``Decimal``; dates are RFC-2822.
Reading orders with ``include=consignments.line_items&consignment_structure=object`` puts the
line items and shipping addresses inline, under ``consignments.shipping[]``;
``Order.line_items`` and ``Order.shipping_addresses`` flatten them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field

from bchub.bigcommerce.models.base import ApiDatetime, ApiModel, InputModel, Link, V2DatetimeInput


class Address(ApiModel):
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    street_1: str | None = None
    street_2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    country_iso2: str | None = None
    phone: str | None = None
    email: str | None = None
    form_fields: list[dict[str, Any]] | None = None


class OrderProduct(ApiModel):
    """A line item; its ``id`` is the ``order_product_id`` shipments refer to."""

    id: int
    order_id: int | None = None
    product_id: int | None = None
    variant_id: int | None = None
    order_address_id: int | None = None
    name: str | None = None
    sku: str | None = None
    upc: str | None = None
    type: str | None = None
    quantity: int = 0
    quantity_shipped: int = 0
    quantity_refunded: int | None = None
    base_price: Decimal | None = None
    price_ex_tax: Decimal | None = None
    price_inc_tax: Decimal | None = None
    total_ex_tax: Decimal | None = None
    total_inc_tax: Decimal | None = None
    product_options: list[dict[str, Any]] = Field(default_factory=list)
    applied_discounts: list[dict[str, Any]] = Field(default_factory=list)


class ShippingAddress(Address):
    """A shipping address of an order; its ``id`` is the ``order_address_id`` shipments refer to."""

    id: int
    order_id: int | None = None
    shipping_method: str | None = None
    items_total: int | None = None
    items_shipped: int | None = None
    base_cost: Decimal | None = None
    cost_ex_tax: Decimal | None = None
    cost_inc_tax: Decimal | None = None


class ShippingConsignment(ShippingAddress):
    """A shipping consignment: the address plus its line items (links, or objects when included)."""

    line_items: list[OrderProduct | Link] = Field(default_factory=list)


class Consignments(ApiModel):
    """``consignments`` in the object structure."""

    shipping: list[ShippingConsignment] = Field(default_factory=list)
    pickups: list[dict[str, Any]] = Field(default_factory=list)
    downloads: list[dict[str, Any]] = Field(default_factory=list)
    email: dict[str, Any] | None = None


class Order(ApiModel):
    id: int
    customer_id: int | None = None
    channel_id: int | None = None
    status_id: int | None = None
    status: str | None = None
    custom_status: str | None = None
    payment_status: str | None = None
    payment_method: str | None = None
    date_created: ApiDatetime = None
    date_modified: ApiDatetime = None
    date_shipped: ApiDatetime = None
    subtotal_ex_tax: Decimal | None = None
    subtotal_inc_tax: Decimal | None = None
    shipping_cost_ex_tax: Decimal | None = None
    shipping_cost_inc_tax: Decimal | None = None
    total_ex_tax: Decimal | None = None
    total_inc_tax: Decimal | None = None
    total_tax: Decimal | None = None
    discount_amount: Decimal | None = None
    items_total: int | None = None
    items_shipped: int | None = None
    currency_code: str | None = None
    external_order_id: str | None = None
    external_source: str | None = None
    external_id: str | None = None
    external_merchant_id: str | None = None
    staff_notes: str | None = None
    customer_message: str | None = None
    is_deleted: bool | None = None
    order_source: str | None = None
    billing_address: Address | None = None
    products: Link | list[OrderProduct] | None = None
    shipping_addresses: Link | list[ShippingAddress] | None = None
    consignments: Consignments | Link | list[Any] | None = None

    @property
    def shipping_consignments(self) -> list[ShippingConsignment]:
        return self.consignments.shipping if isinstance(self.consignments, Consignments) else []

    @property
    def line_items(self) -> list[OrderProduct]:
        """Line items read inline (``products`` as a list, or the consignments' line items)."""
        if isinstance(self.products, list):
            return self.products
        return [
            item
            for consignment in self.shipping_consignments
            for item in consignment.line_items
            if isinstance(item, OrderProduct)
        ]

    @property
    def shipping_address_list(self) -> list[ShippingAddress]:
        """Shipping addresses read inline (``shipping_addresses`` as a list, or the shipping consignments)."""
        if isinstance(self.shipping_addresses, list):
            return self.shipping_addresses
        return list(self.shipping_consignments)

    @property
    def has_inline_line_items(self) -> bool:
        return isinstance(self.products, list) or isinstance(self.consignments, Consignments)


class ShipmentItem(ApiModel):
    order_product_id: int
    quantity: int
    product_id: int | None = None


class Shipment(ApiModel):
    id: int
    order_id: int
    order_address_id: int | None = None
    customer_id: int | None = None
    date_created: ApiDatetime = None
    tracking_number: str | None = None
    tracking_link: str | None = None
    generated_tracking_link: str | None = None
    shipping_provider: str | None = None
    shipping_provider_display_name: str | None = None
    tracking_carrier: str | None = None
    shipping_method: str | None = None
    comments: str | None = None
    items: list[ShipmentItem] = Field(default_factory=list)
    billing_address: Address | None = None
    shipping_address: Address | None = None


class OrderStatus(ApiModel):
    id: int
    name: str
    system_label: str | None = None
    custom_label: str | None = None
    system_description: str | None = None
    order: int | None = None


# -- what we write ------------------------------------------------------------------------------


class AddressInput(InputModel):
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    street_1: str | None = None
    street_2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    country_iso2: str | None = None
    phone: str | None = None
    email: str | None = None


class ShippingAddressInput(AddressInput):
    shipping_method: str | None = None


class OrderProductInput(InputModel):
    """A catalog line (``product_id``, optional ``variant_id``) or a custom line (``name`` and both prices)."""

    id: int | None = None  # on update: the line to change (quantity 0 removes it)
    product_id: int | None = None
    variant_id: int | None = None
    quantity: int | None = None
    name: str | None = None
    sku: str | None = None
    upc: str | None = None
    price_ex_tax: Decimal | None = None
    price_inc_tax: Decimal | None = None
    product_options: list[dict[str, Any]] | None = None


class OrderInput(InputModel):
    """An order to create, or the fields of one to change (partial update)."""

    status_id: int | None = None
    customer_id: int | None = None  # 0: guest
    channel_id: int | None = None
    billing_address: AddressInput | None = None
    shipping_addresses: list[ShippingAddressInput] | None = None
    products: list[OrderProductInput] | None = None
    external_order_id: str | None = None
    external_source: str | None = None
    external_merchant_id: str | None = None
    staff_notes: str | None = None
    customer_message: str | None = None
    payment_method: str | None = None
    date_created: V2DatetimeInput | None = None
    default_currency_code: str | None = None


class ShipmentInput(InputModel):
    order_address_id: int | None = None
    items: list[ShipmentItem] | None = None
    tracking_number: str | None = None
    tracking_link: str | None = None
    tracking_carrier: str | None = None
    shipping_provider: str | None = None
    shipping_method: str | None = None
    comments: str | None = None
