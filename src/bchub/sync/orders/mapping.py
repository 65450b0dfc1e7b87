"""Pure mapping between BigCommerce orders and shipments and the hub's orders. No I/O.

- ``order_from_api``: a V2 order read with its lines and addresses inline → a hub ``Order``.
- ``merge_import``: an order read again onto the one the hub keeps: store facts refresh, what
  the hub decided (routing, acknowledgement, a PII purge) stays.
- ``vendor_order_input``: the order to create in a vendor's store for one vendor group.
- ``pair_vendor_lines`` / ``merchant_shipment_lines``: a vendor's shipment back to the merchant's
  ``order_product_id``s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from bchub.bigcommerce.models.orders import (
    AddressInput,
    OrderInput,
    OrderProduct,
    OrderProductInput,
    ShipmentInput,
    ShipmentItem,
    ShippingAddressInput,
)
from bchub.bigcommerce.models.orders import Order as ApiOrder
from bchub.bigcommerce.models.orders import Shipment as ApiShipment
from bchub.domain.orders import (
    ADDRESS_FIELDS,
    EXTERNAL_SOURCE,
    Address,
    BusinessAddress,
    Destination,
    ImportAs,
    Order,
    OrderLine,
    ShipmentDetails,
    ShipmentLine,
    VendorOrder,
    VendorOrderLine,
    purge_pii,
)

MAX_TRACKING_NUMBER = 50
MAX_TRACKING_LINK = 500


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _address(source: object) -> Address:
    return Address(**{name: _text(getattr(source, name, None)) for name in ADDRESS_FIELDS})


def line_from_api(item: OrderProduct) -> OrderLine:
    return OrderLine(
        order_product_id=item.id,
        sku=_text(item.sku).strip(),
        name=_text(item.name),
        quantity=item.quantity,
        quantity_shipped=item.quantity_shipped,
        product_id=item.product_id or None,
        variant_id=item.variant_id or None,
        order_address_id=item.order_address_id or None,
        price_ex_tax=item.price_ex_tax,
        price_inc_tax=item.price_inc_tax,
        total_inc_tax=item.total_inc_tax,
    )


def order_from_api(order: ApiOrder, connection_id: int, import_as: ImportAs) -> Order:
    """A store order (read with ``include=consignments.line_items``) as the hub keeps it."""
    if not order.has_inline_line_items:
        raise ValueError(f"order {order.id} was read without its line items; list orders with line_items=True")
    return Order(
        connection_id=connection_id,
        store_order_id=order.id,
        status_id=order.status_id or 0,
        status=_text(order.status),
        date_created=order.date_created,
        date_modified=order.date_modified,
        customer_id=order.customer_id or 0,
        billing=_address(order.billing_address),
        destinations=[
            Destination(address.id, _address(address), _text(address.shipping_method))
            for address in order.shipping_address_list
        ],
        lines=[line_from_api(item) for item in order.line_items],
        currency_code=_text(order.currency_code),
        subtotal_ex_tax=order.subtotal_ex_tax,
        subtotal_inc_tax=order.subtotal_inc_tax,
        shipping_cost_inc_tax=order.shipping_cost_inc_tax,
        total_ex_tax=order.total_ex_tax,
        total_inc_tax=order.total_inc_tax,
        items_total=order.items_total or 0,
        items_shipped=order.items_shipped or 0,
        payment_method=_text(order.payment_method),
        customer_message=_text(order.customer_message),
        is_deleted=bool(order.is_deleted),
        import_as=import_as,
    )


def merge_import(existing: Order, incoming: Order) -> Order:
    """``incoming`` (just read) keeping what the hub owns of ``existing``.

    Store facts (status, totals, lines, quantities shipped) come from ``incoming``; the hub's id,
    import type, routing state, acknowledgement and import time stay; each line keeps its item
    match until matching runs again. A purged order stays purged: the store still has the
    customer's details, the hub must not take them back.
    """
    matched = {line.order_product_id: line for line in existing.lines}
    lines = []
    for line in incoming.lines:
        before = matched.get(line.order_product_id)
        if before is not None:
            line = replace(
                line,
                item_id=before.item_id,
                vendor_connection_id=before.vendor_connection_id,
                unmatched_reason=before.unmatched_reason,
            )
        lines.append(line)
    merged = replace(
        incoming,
        id=existing.id,
        lines=lines,
        import_as=existing.import_as,
        route_state=existing.route_state,
        hold_reason=existing.hold_reason,
        acknowledged_at=existing.acknowledged_at,
        imported_at=existing.imported_at,
        pii_purged_at=existing.pii_purged_at,
    )
    if existing.pii_purged_at is not None:
        merged = purge_pii(merged, existing.pii_purged_at)
    return merged


def store_facts_changed(existing: Order, incoming: Order) -> bool:
    """Whether a re-read order differs from what the hub has (else the import leaves it alone)."""
    if existing.pii_purged_at is not None:
        incoming = purge_pii(incoming, existing.pii_purged_at)
    keys = (
        "status_id",
        "status",
        "date_modified",
        "customer_id",
        "billing",
        "destinations",
        "currency_code",
        "subtotal_ex_tax",
        "subtotal_inc_tax",
        "shipping_cost_inc_tax",
        "total_ex_tax",
        "total_inc_tax",
        "items_total",
        "items_shipped",
        "payment_method",
        "customer_message",
        "is_deleted",
    )
    if any(getattr(existing, key) != getattr(incoming, key) for key in keys):
        return True
    return _line_facts(existing.lines) != _line_facts(incoming.lines)


def _line_facts(lines: Iterable[OrderLine]) -> list[tuple[object, ...]]:
    return sorted(
        (
            line.order_product_id,
            line.sku,
            line.name,
            line.quantity,
            line.quantity_shipped,
            line.product_id,
            line.variant_id,
            line.order_address_id,
            line.price_ex_tax,
            line.price_inc_tax,
            line.total_inc_tax,
        )
        for line in lines
    )


# -- vendor orders --------------------------------------------------------------------------------


def _address_input(address: Address) -> AddressInput:
    return AddressInput(**{name: value for name, value in address.as_dict().items() if value})


def business_address_input(address: BusinessAddress) -> AddressInput:
    return AddressInput(**{name: value for name, value in address.model_dump().items() if value})


def vendor_order_input(
    vendor_order: VendorOrder,
    destination: Destination,
    *,
    business_address: BusinessAddress,
    status_id: int,
    staff_notes: str,
    customer_message: str = "",
) -> OrderInput:
    """The order to create in the vendor's store.

    Billing is the merchant (who pays the vendor), shipping is the end customer, products are
    the vendor's own product/variant ids, prices are the vendor's catalog prices (left out).
    """
    address = _address_input(destination.address)
    shipping = ShippingAddressInput(**address.model_dump(exclude_unset=True))
    if destination.shipping_method:
        shipping.shipping_method = destination.shipping_method
    products = []
    for line in vendor_order.lines:
        product = OrderProductInput(product_id=line.vendor_product_id, quantity=line.quantity)
        if line.vendor_variant_id is not None:
            product.variant_id = line.vendor_variant_id
        products.append(product)
    body = OrderInput(
        status_id=status_id,
        customer_id=0,
        billing_address=business_address_input(business_address),
        shipping_addresses=[shipping],
        products=products,
        external_order_id=vendor_order.external_order_id,
        external_source=EXTERNAL_SOURCE,
        staff_notes=staff_notes,
    )
    if customer_message:
        body.customer_message = customer_message
    return body


# -- shipments back -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VendorItem:
    """A line of the vendor's order as its store reports it."""

    order_product_id: int
    product_id: int
    variant_id: int | None
    quantity: int


def vendor_items(order: ApiOrder) -> list[VendorItem]:
    return [
        VendorItem(item.id, item.product_id or 0, item.variant_id or None, item.quantity) for item in order.line_items
    ]


def pair_vendor_lines(items: Sequence[VendorItem], planned: Sequence[VendorOrderLine]) -> dict[int, int]:
    """Vendor ``order_product_id`` → the merchant ``order_product_id`` it fulfils.

    Lines pair on (product, variant), first by equal quantity, then in order; a vendor line with
    no planned counterpart (edited in by the vendor) pairs with nothing.
    """
    pairs: dict[int, int] = {}
    free = list(planned)
    for exact in (True, False):
        for item in items:
            if item.order_product_id in pairs:
                continue
            for line in free:
                same_variant = line.vendor_variant_id is None or line.vendor_variant_id == item.variant_id
                if line.vendor_product_id != item.product_id or not same_variant:
                    continue
                if exact and line.quantity != item.quantity:
                    continue
                pairs[item.order_product_id] = line.merchant_order_product_id
                free.remove(line)
                break
    return pairs


def shipment_details(shipment: ApiShipment) -> ShipmentDetails:
    return ShipmentDetails(
        tracking_number=_text(shipment.tracking_number).strip()[:MAX_TRACKING_NUMBER],
        tracking_carrier=_text(shipment.tracking_carrier).strip(),
        shipping_provider=_text(shipment.shipping_provider).strip(),
        shipping_method=_text(shipment.shipping_method).strip(),
        tracking_link=_text(shipment.tracking_link or shipment.generated_tracking_link).strip()[:MAX_TRACKING_LINK],
        comments=_text(shipment.comments),
    )


def merchant_shipment_lines(shipment: ApiShipment, pairs: Mapping[int, int]) -> tuple[list[ShipmentLine], list[int]]:
    """The merchant lines a vendor shipment covers, and the vendor line ids it could not pair."""
    lines: dict[int, int] = {}
    unpaired: list[int] = []
    for item in shipment.items:
        merchant_line = pairs.get(item.order_product_id)
        if merchant_line is None:
            unpaired.append(item.order_product_id)
            continue
        lines[merchant_line] = lines.get(merchant_line, 0) + item.quantity
    return [ShipmentLine(line, quantity) for line, quantity in lines.items()], unpaired


def merchant_provider(provider: str) -> str:
    """A provider the merchant's store accepts: ``carrier_{id}`` names a carrier of the vendor's store only."""
    return "" if provider.startswith("carrier_") else provider


def shipment_input(order_address_id: int, lines: Sequence[ShipmentLine], details: ShipmentDetails) -> ShipmentInput:
    body = ShipmentInput(
        order_address_id=order_address_id,
        items=[ShipmentItem(order_product_id=line.order_product_id, quantity=line.quantity) for line in lines],
    )
    values = {
        "tracking_number": details.tracking_number,
        "tracking_carrier": details.tracking_carrier,
        "shipping_provider": merchant_provider(details.shipping_provider),
        "shipping_method": details.shipping_method,
        "tracking_link": details.tracking_link,
        "comments": details.comments,
    }
    for name, value in values.items():
        if value:
            setattr(body, name, value)
    return body


def same_shipment(
    found: ApiShipment, order_address_id: int, lines: Sequence[ShipmentLine], details: ShipmentDetails
) -> bool:
    """Whether a shipment on the merchant's order is this one: same address and tracking number, or untracked with the same items."""
    if found.order_address_id is not None and found.order_address_id != order_address_id:
        return False
    if details.tracking_number:
        return _text(found.tracking_number).strip() == details.tracking_number
    if _text(found.tracking_number).strip():
        return False
    items = sorted((item.order_product_id, item.quantity) for item in found.items)
    return items == sorted((line.order_product_id, line.quantity) for line in lines)
