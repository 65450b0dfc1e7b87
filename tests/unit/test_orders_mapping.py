"""Mapping BigCommerce orders and shipments ↔ hub orders (pure functions; V2 JSON rendered by bcsandbox)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from bchub.bigcommerce.models.orders import Order as ApiOrder
from bchub.bigcommerce.models.orders import Shipment as ApiShipment
from bchub.domain.orders import (
    BusinessAddress,
    ImportAs,
    RouteState,
    ShipmentDetails,
    ShipmentLine,
    VendorOrder,
    VendorOrderLine,
    purge_pii,
)
from bchub.sync.orders.mapping import (
    VendorItem,
    merchant_shipment_lines,
    merge_import,
    order_from_api,
    pair_vendor_lines,
    same_shipment,
    shipment_details,
    shipment_input,
    store_facts_changed,
    vendor_order_input,
)
from bcsandbox import Sandbox, Store
from bcsandbox.backends.orders import render_order

AT = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def shop() -> Store:
    store = Sandbox().create_store("map001", plan="standard")
    store.catalog.create_product(
        {
            "name": "Tee",
            "type": "physical",
            "sku": "TEE",
            "price": 20,
            "weight": 1,
            "variants": [
                {"sku": "TEE-S", "price": 20, "option_values": [{"option_display_name": "Size", "label": "S"}]},
                {"sku": "TEE-M", "price": 22, "option_values": [{"option_display_name": "Size", "label": "M"}]},
            ],
        }
    )
    store.catalog.create_product({"name": "Mug", "type": "physical", "sku": "MUG", "price": 9.5, "weight": 1})
    return store


def _api_order(store: Store, **overrides: Any) -> ApiOrder:
    placed = store.orders.place_shopper_order(
        {
            "lines": [{"sku": "TEE-M", "quantity": 2}, {"sku": "MUG", "quantity": 1}],
            "customer": {"first_name": "Ava", "last_name": "Nguyen", "email": "ava@example.com", "zip": "78701"},
            "customer_message": "Leave at the door",
            **overrides,
        }
    )
    order = store.orders.get(placed["id"])
    return ApiOrder.model_validate(render_order(order, store.orders.default_linker(), consignments="items"))


def test_order_from_api_reads_lines_addresses_and_totals_inline(shop: Store) -> None:
    api = _api_order(shop)
    order = order_from_api(api, connection_id=3, import_as=ImportAs.SALES_ORDER)
    assert (order.connection_id, order.store_order_id, order.status_id) == (3, api.id, 11)
    assert order.import_as is ImportAs.SALES_ORDER
    assert [(line.sku, line.quantity) for line in order.lines] == [("TEE-M", 2), ("MUG", 1)]
    assert order.lines[0].price_inc_tax == Decimal("22.0000")
    (destination,) = order.destinations
    assert all(line.order_address_id == destination.order_address_id for line in order.lines)
    assert order.billing.first_name == "Ava" and destination.address.email == "ava@example.com"
    assert order.total_inc_tax == Decimal("53.5000") and order.customer_message == "Leave at the door"
    assert order.date_created is not None and order.date_created.tzinfo is not None


def test_an_order_read_without_its_lines_is_refused(shop: Store) -> None:
    placed = shop.orders.place_shopper_order({"lines": [{"sku": "MUG"}]})
    bare = ApiOrder.model_validate(render_order(shop.orders.get(placed["id"]), shop.orders.default_linker()))
    with pytest.raises(ValueError, match="without its line items"):
        order_from_api(bare, 1, ImportAs.CASH_SALE)


def test_merge_keeps_what_the_hub_decided_and_a_purge(shop: Store) -> None:
    api = _api_order(shop)
    before = order_from_api(api, 1, ImportAs.INVOICE)
    before.id, before.route_state, before.hold_reason = 9, RouteState.HELD, "stock"
    before.lines[0].item_id, before.lines[0].vendor_connection_id = 44, 2
    before = purge_pii(before, AT)
    again = order_from_api(
        api.model_copy(update={"status_id": 9, "status": "Awaiting Shipment"}), 1, ImportAs.CASH_SALE
    )
    assert store_facts_changed(before, again)
    merged = merge_import(before, again)
    assert (merged.id, merged.status_id, merged.import_as, merged.route_state, merged.hold_reason) == (
        9,
        9,
        ImportAs.INVOICE,
        RouteState.HELD,
        "stock",
    )
    assert (merged.lines[0].item_id, merged.lines[0].vendor_connection_id) == (44, 2)
    assert merged.billing.first_name == "" and merged.billing.zip == "787" and merged.pii_purged_at == AT
    assert not store_facts_changed(
        merged,
        order_from_api(api.model_copy(update={"status_id": 9, "status": "Awaiting Shipment"}), 1, ImportAs.CASH_SALE),
    )


def test_vendor_order_input_bills_the_merchant_and_ships_to_the_customer(shop: Store) -> None:
    order = order_from_api(_api_order(shop), 1, ImportAs.CASH_SALE)
    destination = order.destinations[0]
    vendor_order = VendorOrder(
        order_id=1,
        vendor_connection_id=2,
        order_address_id=destination.order_address_id,
        external_order_id="bchub-map001-100-vnd0001",
        lines=[VendorOrderLine(1, order.lines[0].order_product_id, 501, 77, "TEE-M", 2)],
    )
    business = BusinessAddress(
        first_name="Corner", company="Corner Store", street_1="1 Main St", city="Austin", zip="78701", country_iso2="US"
    )
    body = vendor_order_input(
        vendor_order, destination, business_address=business, status_id=0, staff_notes="note", customer_message="hi"
    ).payload()
    assert body["billing_address"] == {
        "first_name": "Corner",
        "company": "Corner Store",
        "street_1": "1 Main St",
        "city": "Austin",
        "zip": "78701",
        "country_iso2": "US",
    }
    assert (
        body["shipping_addresses"][0]["first_name"] == "Ava"
        and body["shipping_addresses"][0]["shipping_method"] == "Flat Rate"
    )
    assert body["products"] == [{"product_id": 501, "variant_id": 77, "quantity": 2}]
    assert (body["status_id"], body["customer_id"], body["external_source"]) == (0, 0, "bchub")
    assert body["external_order_id"] == "bchub-map001-100-vnd0001"
    assert (body["staff_notes"], body["customer_message"]) == ("note", "hi")
    assert "price_inc_tax" not in body["products"][0]  # the vendor's own prices apply


def test_vendor_lines_pair_by_variant_then_quantity() -> None:
    planned = [
        VendorOrderLine(1, 11, 500, 70, "A", 2),
        VendorOrderLine(2, 12, 500, 70, "A", 1),
        VendorOrderLine(3, 13, 600, None, "B", 1),
    ]
    items = [
        VendorItem(901, 500, 70, 1),
        VendorItem(902, 500, 70, 2),
        VendorItem(903, 600, 0 or None, 1),
        VendorItem(904, 700, None, 1),
    ]
    assert pair_vendor_lines(items, planned) == {901: 12, 902: 11, 903: 13}


def _shipment(**data: Any) -> ApiShipment:
    base: dict[str, Any] = {"id": 5, "order_id": 300, "order_address_id": 3, "items": [], "tracking_number": "1Z999"}
    return ApiShipment.model_validate({**base, **data})


def test_vendor_shipment_maps_to_merchant_lines_and_reports_strangers() -> None:
    shipment = _shipment(
        items=[
            {"order_product_id": 901, "product_id": 500, "quantity": 1},
            {"order_product_id": 902, "product_id": 500, "quantity": 1},
            {"order_product_id": 999, "product_id": 1, "quantity": 1},
        ]
    )
    lines, unpaired = merchant_shipment_lines(shipment, {901: 12, 902: 12})
    assert lines == [ShipmentLine(12, 2)] and unpaired == [999]


def test_shipment_input_keeps_tracking_and_drops_a_vendor_only_carrier() -> None:
    details = shipment_details(
        _shipment(
            tracking_carrier="usps",
            shipping_provider="carrier_7",
            shipping_method="Ground",
            generated_tracking_link="https://t/1Z999",
        )
    )
    body = shipment_input(44, [ShipmentLine(12, 2)], details).payload()
    assert body == {
        "order_address_id": 44,
        "items": [{"order_product_id": 12, "quantity": 2}],
        "tracking_number": "1Z999",
        "tracking_carrier": "usps",
        "shipping_method": "Ground",
        "tracking_link": "https://t/1Z999",
    }


def test_same_shipment_by_tracking_or_untracked_items() -> None:
    tracked = ShipmentDetails(tracking_number="1Z999")
    assert same_shipment(_shipment(), 3, [], tracked)
    assert not same_shipment(_shipment(), 4, [], tracked)
    assert not same_shipment(_shipment(tracking_number="OTHER"), 3, [], tracked)
    untracked = _shipment(tracking_number="", items=[{"order_product_id": 12, "quantity": 2}])
    assert same_shipment(untracked, 3, [ShipmentLine(12, 2)], ShipmentDetails())
    assert not same_shipment(untracked, 3, [ShipmentLine(12, 1)], ShipmentDetails())
