"""Orders V2: create, read, update, archive, line items, shipping addresses, fees, pickups, statuses."""

from __future__ import annotations

from collections.abc import Callable
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bcsandbox import Sandbox, Store
from bcsandbox.testing import api_client
from tests.sandbox.test_orders_support import (
    BILLING,
    SHIPPING,
    conforms,
    create_order,
    custom_line,
    message,
    order_body,
    record_events,
)

pytestmark = pytest.mark.anyio


# -- create -----------------------------------------------------------------------------------
async def test_create_custom_order_conforms_and_computes_totals(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    events = record_events(sandbox)
    body = order_body(
        custom_line("Mug", 2, ex="45.5", inc=50),
        custom_line("Poster", 1, ex=10, inc=10.98),
        shipping_cost_ex_tax=5,
        shipping_cost_inc_tax="5.50",
    )
    response = await api.post("/v2/orders", json=body)
    assert response.status_code == 200  # the spec lists 200, not 201, for POST /orders
    conforms(response)
    order = response.json()
    assert order["id"] == 100
    assert (order["status_id"], order["status"], order["custom_status"]) == (1, "Pending", "Pending")
    assert order["customer_id"] == 0
    assert order["subtotal_ex_tax"] == "101.0000"
    assert order["subtotal_inc_tax"] == "110.9800"
    assert order["subtotal_tax"] == "9.9800"
    assert order["shipping_cost_ex_tax"] == "5.0000"
    assert order["base_shipping_cost"] == "5.0000"
    assert order["total_ex_tax"] == "106.0000"
    assert order["total_inc_tax"] == "116.4800"
    assert order["total_tax"] == "10.4800"
    assert order["items_total"] == 3
    assert order["items_shipped"] == 0
    assert order["order_source"] == "external"
    assert order["date_shipped"] == ""
    created = parsedate_to_datetime(order["date_created"])
    assert order["date_created"].endswith(" +0000")
    assert abs((created - sandbox.clock.now()).total_seconds()) <= 2
    assert order["date_modified"] == order["date_created"]
    assert order["billing_address"]["zip"] == "78751"
    assert order["products"] == {
        "url": "http://sandbox.test/stores/abc123/v2/orders/100/products",
        "resource": "/orders/100/products",
    }
    for link in ("shipping_addresses", "coupons", "consignments", "fees"):
        assert order[link]["resource"] == f"/orders/100/{link}"
    assert events == [("store/order/created", {"type": "order", "id": 100})]


async def test_order_ids_increase_and_get_returns_the_order(api: httpx.AsyncClient) -> None:
    first = await create_order(api)
    second = await create_order(api)
    assert second["id"] == first["id"] + 1
    response = await api.get(f"/v2/orders/{second['id']}")
    assert response.status_code == 200
    conforms(response)
    assert response.json() == second


async def test_unknown_order_is_404_in_the_spec_shape(api: httpx.AsyncClient) -> None:
    response = await api.get("/v2/orders/999")
    assert response.status_code == 404
    conforms(response)
    assert message(response) == "The requested resource was not found."


def _without(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda body: body.pop(key)


def _with(**fields: Any) -> Callable[[dict[str, Any]], None]:
    return lambda body: body.update(fields)


def _billing(**fields: Any) -> Callable[[dict[str, Any]], None]:
    return lambda body: body.update(billing_address=fields)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_without("billing_address"), "The required field 'billing_address' was not supplied."),
        (_billing(first_name="Jane"), "The required field 'billing_address.zip' was not supplied."),
        (_billing(zip="7"), "The field 'billing_address.zip' is invalid: the ZIP code must be two or more"),
        (_billing(zip="78751", planet="Mars"), "The field 'billing_address.planet' is not supported"),
        (_without("products"), "The required field 'products' was not supplied."),
        (_with(products=[]), "at least one product is required"),
        (_with(products={"name": "Mug"}), "The field 'products' is invalid: expected an array"),
        (_with(products=[{"name": "Mug", "quantity": 1, "price_ex_tax": 4}]), "'products[0].price_inc_tax' was not"),
        (_with(products=[{"quantity": 1, "price_ex_tax": 4, "price_inc_tax": 4}]), "'products[0].name' was not"),
        (_with(products=[{"name": "Mug", "price_ex_tax": 4, "price_inc_tax": 4}]), "'products[0].quantity' was not"),
        (_with(products=[custom_line(quantity=0)]), "'products[0].quantity' is invalid: must be 1 or greater"),
        (_with(products=[custom_line(quantity=1.5)]), "'products[0].quantity' is invalid: expected an integer"),
        (_with(products=[custom_line(ex=-1)]), "'products[0].price_ex_tax' is invalid: the value can't be negative"),
        (_with(products=[custom_line(ex="abc")]), "'products[0].price_ex_tax' is invalid: 'abc' is not a number"),
        (_with(products=[custom_line(ex=True)]), "'products[0].price_ex_tax' is invalid: expected a number"),
        (_with(products=[custom_line(name="x" * 251)]), "'products[0].name' is invalid: must be at most 250"),
        (_with(products=[{**custom_line(), "wrapping_id": 1}]), "'products[0].wrapping_id' is not supported"),
        (_with(status_id=15), "The field 'status_id' is invalid: 15 is not an order status id"),
        (_with(customer_id=-1), "The field 'customer_id' is invalid: must be 0 or greater"),
        (_with(channel_id=2), "The field 'channel_id' is invalid: channel 2 does not exist"),
        (_with(date_created="yesterday"), "The field 'date_created' is invalid"),
        (_with(shipping_cost_ex_tax=5), "'shipping_cost_inc_tax' is required when 'shipping_cost_ex_tax'"),
        (_with(total_inc_tax=5), "'total_ex_tax' is required when 'total_inc_tax'"),
        (_with(staff_notes="x" * 65536), "The field 'staff_notes' is invalid: must be at most 65535"),
        (_with(ip_address="1" * 31), "The field 'ip_address' is invalid: must be at most 30"),
        (_with(shipping_addresses=[{**SHIPPING, "items_total": 1}]), "'shipping_addresses[0].items_total' cannot"),
        (_with(status="Shipped"), "The field 'status' cannot be written to. Please remove it from your request"),
        (_with(order_source="www"), "The field 'order_source' cannot be written to."),
        (_with(is_deleted=True), "The field 'is_deleted' cannot be written to."),
        (_with(colour="red"), "The field 'colour' is not supported by this resource."),
        (_with(consignments={"pickups": []}), "fulfilled by shipping or by pickup, not both"),
    ],
)
async def test_invalid_create_is_400_with_a_clear_message(
    api: httpx.AsyncClient, change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    body = order_body()
    change(body)
    response = await api.post("/v2/orders", json=body)
    assert response.status_code == 400, response.text
    assert expected in message(response)
    assert (await api.get("/v2/orders")).status_code == 204  # nothing was created


async def test_missing_or_malformed_body_is_400(api: httpx.AsyncClient) -> None:
    assert (await api.post("/v2/orders", content=b"")).status_code == 400
    assert (await api.post("/v2/orders", content=b"{nope")).status_code == 400
    assert (await api.post("/v2/orders", json=[order_body()])).status_code == 422


async def test_create_keeps_the_writable_order_fields(api: httpx.AsyncClient) -> None:
    body = order_body(
        status_id=11,
        customer_id=7,
        external_order_id="ext-42",
        external_source="M-MIG",
        external_merchant_id="merchant-1",
        staff_notes="BIN-45",
        customer_message="Leave at the door",
        payment_method="Cash",
        date_created="Tue, 20 Nov 2012 00:00:00 +0000",
        customer_locale="en-US",
        ip_address="203.0.113.7",
        default_currency_code="USD",
    )
    order = await create_order(api, body)
    assert order["status_id"] == 11 and order["status"] == "Awaiting Fulfillment"
    assert order["customer_id"] == 7
    assert order["external_order_id"] == "ext-42"
    assert order["external_source"] == "M-MIG"
    assert order["external_merchant_id"] == "merchant-1"
    assert order["staff_notes"] == "BIN-45"
    assert order["customer_message"] == "Leave at the door"
    assert order["payment_method"] == "Cash"
    assert order["date_created"] == "Tue, 20 Nov 2012 00:00:00 +0000"
    assert order["customer_locale"] == "en-US"
    assert order["ip_address"] == "203.0.113.7"


async def test_date_created_accepts_other_offsets_and_reports_utc(api: httpx.AsyncClient) -> None:
    order = await create_order(api, order_body(date_created="Thu, 20 Apr 2017 11:32:00 -0400"))
    assert order["date_created"] == "Thu, 20 Apr 2017 15:32:00 +0000"


async def test_money_may_be_float_string_or_int(api: httpx.AsyncClient) -> None:
    body = order_body(custom_line("A", 1, ex=1, inc="1.5"), custom_line("B", 1, ex=2.25, inc=2.3333333))
    lines = (await api.get(f"/v2/orders/{(await create_order(api, body))['id']}/products")).json()
    assert [(line["price_ex_tax"], line["price_inc_tax"]) for line in lines] == [
        ("1.0000", "1.5000"),
        ("2.2500", "2.3333"),
    ]


async def test_without_shipping_addresses_the_items_ship_to_the_billing_address(api: httpx.AsyncClient) -> None:
    order = await create_order(api)
    assert order["shipping_address_count"] == 1
    addresses = (await api.get(f"/v2/orders/{order['id']}/shipping_addresses")).json()
    assert addresses[0]["street_1"] == BILLING["street_1"]
    lines = (await api.get(f"/v2/orders/{order['id']}/products")).json()
    assert {line["order_address_id"] for line in lines} == {addresses[0]["id"]}


async def test_lines_ship_to_the_first_of_several_addresses(api: httpx.AsyncClient) -> None:
    second = {**SHIPPING, "first_name": "Second", "shipping_method": "Flat Rate"}
    order = await create_order(
        api,
        order_body(
            custom_line(quantity=2),
            shipping_addresses=[SHIPPING, second],
            shipping_cost_ex_tax=4,
            shipping_cost_inc_tax=4,
        ),
    )
    response = await api.get(f"/v2/orders/{order['id']}/shipping_addresses")
    conforms(response)
    first, other = response.json()
    assert (first["first_name"], first["items_total"], first["cost_inc_tax"]) == ("Trish", 2, "4.0000")
    assert (other["first_name"], other["items_total"], other["cost_inc_tax"]) == ("Second", 0, "0.0000")
    assert other["shipping_method"] == "Flat Rate"
    assert (
        first["shipping_quotes"]["resource"]
        == f"/orders/{order['id']}/shipping_addresses/{first['id']}/shipping_quotes"
    )


async def test_country_and_iso_code_complete_each_other(api: httpx.AsyncClient) -> None:
    billing = {"zip": "2000", "country_iso2": "AU"}
    order = await create_order(api, {"billing_address": billing, "products": [custom_line()]})
    assert order["billing_address"]["country"] == "Australia"
    shipping = {"zip": "M5V 2T6", "country": "Canada"}
    order = await create_order(api, order_body(shipping_addresses=[shipping]))
    address = (await api.get(f"/v2/orders/{order['id']}/shipping_addresses")).json()[0]
    assert address["country_iso2"] == "CA"
    assert address["shipping_zone_name"] == "Rest of the World"


async def test_totals_add_handling_wrapping_fees_and_subtract_the_discount(api: httpx.AsyncClient) -> None:
    body = order_body(
        custom_line(quantity=2, ex=10, inc=11),
        handling_cost_ex_tax=1,
        handling_cost_inc_tax=1.1,
        wrapping_cost_ex_tax=2,
        wrapping_cost_inc_tax=2.2,
        discount_amount=3,
        fees=[{"display_name_customer": "Insurance", "cost_ex_tax": 4, "cost_inc_tax": 5, "source": "AA"}],
    )
    order = await create_order(api, body)
    assert order["total_ex_tax"] == "24.0000"  # 20 + 1 + 2 + 4 - 3
    assert order["total_inc_tax"] == "27.3000"  # 22 + 1.1 + 2.2 + 5 - 3
    assert order["handling_cost_tax"] == "0.1000"
    assert order["wrapping_cost_tax"] == "0.2000"
    assert order["discount_amount"] == "3.0000"


async def test_subtotal_and_total_overrides_come_in_pairs(api: httpx.AsyncClient) -> None:
    body = order_body(subtotal_ex_tax=100, subtotal_inc_tax=110, total_ex_tax="120.5", total_inc_tax=130)
    order = await create_order(api, body)
    assert (order["subtotal_ex_tax"], order["subtotal_inc_tax"]) == ("100.0000", "110.0000")
    assert (order["total_ex_tax"], order["total_inc_tax"], order["total_tax"]) == ("120.5000", "130.0000", "9.5000")


# -- fees -------------------------------------------------------------------------------------
async def test_fees_are_created_listed_and_included(api: httpx.AsyncClient) -> None:
    fees = [
        {
            "type": "custom_fee",
            "display_name_customer": "D Fee",
            "source": "AA",
            "cost_ex_tax": "22.5",
            "cost_inc_tax": 25,
        },
        {"display_name_customer": "E Fee", "cost_exc_tax": "12.3", "cost_inc_tax": "12.3", "tax_class_id": None},
        {"display_name_merchant": "F Fee", "cost_ex_tax": 4, "cost_tax": 8, "tax_class_id": 2},
    ]
    order = await create_order(api, order_body(fees=fees))
    response = await api.get(f"/v2/orders/{order['id']}/fees")
    assert response.status_code == 200
    conforms(response)
    listed = response.json()["fees"]
    assert [(fee["display_name_customer"], fee["display_name_merchant"]) for fee in listed] == [
        ("D Fee", "D Fee"),
        ("E Fee", "E Fee"),
        ("F Fee", "F Fee"),
    ]
    assert [(fee["cost_ex_tax"], fee["cost_inc_tax"], fee["cost_tax"]) for fee in listed] == [
        ("22.5000", "25.0000", "2.5000"),
        ("12.3000", "12.3000", "0.0000"),
        ("4.0000", "12.0000", "8.0000"),
    ]
    assert [fee["tax_class_id"] for fee in listed] == [None, None, 2]
    included = await api.get(f"/v2/orders/{order['id']}?include=fees")
    conforms(included)
    assert included.json()["fees"] == listed


async def test_fee_errors(api: httpx.AsyncClient) -> None:
    one_cost = await api.post("/v2/orders", json=order_body(fees=[{"display_name_customer": "X", "cost_ex_tax": 1}]))
    assert one_cost.status_code == 400
    assert "at least two of cost_ex_tax, cost_inc_tax and cost_tax" in message(one_cost)
    no_name = await api.post("/v2/orders", json=order_body(fees=[{"cost_ex_tax": 1, "cost_inc_tax": 1}]))
    assert "'fees[0].display_name_customer' was not supplied" in message(no_name)
    bad_type = await api.post(
        "/v2/orders",
        json=order_body(fees=[{"type": "tip", "display_name_customer": "X", "cost_ex_tax": 1, "cost_tax": 0}]),
    )
    assert "the only fee type is 'custom_fee'" in message(bad_type)
    with_id = await api.post(
        "/v2/orders", json=order_body(fees=[{"id": 3, "display_name_customer": "X", "cost_ex_tax": 1, "cost_tax": 0}])
    )
    assert "The field 'fees[0].id' cannot be written to." in message(with_id)


async def test_put_fees_replaces_the_list(api: httpx.AsyncClient) -> None:
    fees = [
        {"display_name_customer": "A", "cost_ex_tax": 1, "cost_inc_tax": 1},
        {"display_name_customer": "B", "cost_ex_tax": 2, "cost_inc_tax": 2},
    ]
    order = await create_order(api, order_body(fees=fees))
    first, second = (await api.get(f"/v2/orders/{order['id']}/fees")).json()["fees"]
    body = {
        "fees": [
            {"id": second["id"], "display_name_customer": "B2"},
            {"display_name_customer": "C", "cost_ex_tax": 3, "cost_tax": 0},
        ]
    }
    response = await api.put(f"/v2/orders/{order['id']}?include=fees", json=body)
    assert response.status_code == 200
    conforms(response)
    updated = response.json()["fees"]
    assert [(fee["id"], fee["display_name_customer"], fee["cost_ex_tax"]) for fee in updated] == [
        (second["id"], "B2", "2.0000"),
        (updated[1]["id"], "C", "3.0000"),
    ]
    assert first["id"] not in {fee["id"] for fee in updated}
    assert response.json()["total_ex_tax"] == "50.0000"  # 45 + 2 + 3
    missing = await api.put(f"/v2/orders/{order['id']}", json={"fees": [{"id": 999, "display_name_customer": "X"}]})
    assert missing.status_code == 422
    cleared = await api.put(f"/v2/orders/{order['id']}?include=fees", json={"fees": []})
    assert cleared.json()["fees"] == []


# -- pickup consignments ----------------------------------------------------------------------
PICKUP = {
    "pickups": [
        {
            "pickup_method_id": 1,
            "pickup_method_display_name": "Pick Up",
            "collection_instructions": "Bring your ID",
            "collection_time_description": "9am - 6pm",
            "location": {"name": "Location 1", "code": "LOCATION-1", "city": "Austin", "country_alpha2": "US"},
            "line_items": [custom_line("Towel", 3, ex=5, inc=5)],
        }
    ]
}


async def test_pickup_order_has_one_pickup_consignment_and_no_shipping_address(api: httpx.AsyncClient) -> None:
    order = await create_order(api, {"billing_address": BILLING, "consignments": PICKUP})
    assert order["shipping_address_count"] == 0
    assert order["items_total"] == 3
    response = await api.get(f"/v2/orders/{order['id']}/consignments")
    assert response.status_code == 200
    conforms(response)
    consignments = response.json()
    assert consignments["shipping"] == [] and consignments["downloads"] == []
    assert consignments["email"] == {"gift_certificates": []}
    (pickup,) = consignments["pickups"]
    assert pickup["pickup_method_display_name"] == "Pick Up"
    assert pickup["location"]["code"] == "LOCATION-1"
    line_id = (await api.get(f"/v2/orders/{order['id']}/products")).json()[0]["id"]
    assert pickup["line_items"] == [
        {
            "url": f"http://sandbox.test/stores/abc123/v2/orders/{order['id']}/products/{line_id}",
            "resource": f"/orders/{order['id']}/products/{line_id}",
        }
    ]
    inline = await api.get(f"/v2/orders/{order['id']}/consignments?include=consignments.line_items")
    conforms(inline)
    assert inline.json()["pickups"][0]["line_items"][0]["order_pickup_method_id"] == pickup["id"]
    assert (await api.get(f"/v2/orders/{order['id']}/shipping_addresses")).status_code == 204


@pytest.mark.parametrize(
    ("consignments", "expected"),
    [
        ({"pickups": []}, "an order has exactly one pickup consignment"),
        ({"pickups": [PICKUP["pickups"][0], PICKUP["pickups"][0]]}, "exactly one pickup consignment"),
        ({"pickups": [{"line_items": [custom_line()]}]}, "'consignments.pickups[0].pickup_method_id' was not"),
        ({"pickups": [{"pickup_method_id": 1, "line_items": []}]}, "at least one line item is required"),
        ({"shipping": []}, "The field 'consignments.shipping' cannot be written to."),
    ],
)
async def test_invalid_pickups_are_400(api: httpx.AsyncClient, consignments: dict[str, object], expected: str) -> None:
    response = await api.post("/v2/orders", json={"billing_address": BILLING, "consignments": consignments})
    assert response.status_code == 400
    assert expected in message(response)


async def test_put_updates_a_pickup_and_adds_pickup_lines(api: httpx.AsyncClient) -> None:
    order = await create_order(api, {"billing_address": BILLING, "consignments": PICKUP})
    pickup_id = (await api.get(f"/v2/orders/{order['id']}/consignments")).json()["pickups"][0]["id"]
    body = {
        "consignments": {
            "pickups": [
                {"id": pickup_id, "collection_instructions": "Ring twice", "line_items": [custom_line("Soap", 1, 2, 2)]}
            ]
        }
    }
    response = await api.put(f"/v2/orders/{order['id']}?include=consignments.line_items", json=body)
    assert response.status_code == 200
    conforms(response)
    pickup = response.json()["consignments"]["pickups"][0]
    assert pickup["collection_instructions"] == "Ring twice"
    assert [line["name"] for line in pickup["line_items"]] == ["Towel", "Soap"]
    adding_to_shipping = await api.put(f"/v2/orders/{order['id']}", json={"products": [custom_line()]})
    assert adding_to_shipping.status_code == 400
    assert "fulfilled by pickup" in message(adding_to_shipping)


# -- includes ---------------------------------------------------------------------------------
async def test_include_consignments_renders_shipping_consignments_with_the_address_inline(
    api: httpx.AsyncClient,
) -> None:
    order = await create_order(
        api,
        order_body(
            custom_line(quantity=2), shipping_addresses=[SHIPPING], shipping_cost_ex_tax=5, shipping_cost_inc_tax=6.2
        ),
    )
    base = f"/v2/orders/{order['id']}"
    linked = await api.get(f"{base}?include=consignments&consignment_structure=object")
    conforms(linked)
    (shipping,) = linked.json()["consignments"]["shipping"]
    assert shipping["street_1"] == SHIPPING["street_1"]
    assert (shipping["items_total"], shipping["items_shipped"]) == (2, 0)
    assert (shipping["cost_ex_tax"], shipping["cost_inc_tax"]) == (5.0, 6.2)  # numbers here, per the spec
    assert shipping["line_items"][0]["resource"].startswith(f"/orders/{order['id']}/products/")
    assert (
        shipping["shipping_quotes"]["resource"]
        == f"/orders/{order['id']}/consignments/shipping/{shipping['id']}/shipping_quotes"
    )
    inline = await api.get(f"{base}?include=consignments.line_items&consignment_structure=object")
    conforms(inline)
    line = inline.json()["consignments"]["shipping"][0]["line_items"][0]
    assert (line["name"], line["quantity"], line["order_address_id"]) == ("BigCommerce Coffee Mug", 2, shipping["id"])
    assert (await api.get(f"{base}?include=giftwrap")).status_code == 400


# -- update -----------------------------------------------------------------------------------
async def test_put_is_a_partial_update_that_moves_date_modified(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    order = await create_order(api)
    events = record_events(sandbox)
    sandbox.clock.advance(3600)
    response = await api.put(f"/v2/orders/{order['id']}", json={"status_id": 11, "staff_notes": "rush"})
    assert response.status_code == 200
    conforms(response)
    updated = response.json()
    assert (updated["status_id"], updated["status"], updated["staff_notes"]) == (11, "Awaiting Fulfillment", "rush")
    assert updated["billing_address"] == order["billing_address"]
    assert updated["total_inc_tax"] == order["total_inc_tax"]
    modified = parsedate_to_datetime(updated["date_modified"]) - parsedate_to_datetime(order["date_modified"])
    assert modified.total_seconds() >= 3600
    assert updated["date_created"] == order["date_created"]
    assert events == [
        ("store/order/updated", {"type": "order", "id": order["id"]}),
        (
            "store/order/statusUpdated",
            {"type": "order", "id": order["id"], "status": {"previous_status_id": 1, "new_status_id": 11}},
        ),
    ]


async def test_put_without_a_status_change_raises_no_status_event(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    order = await create_order(api)
    events = record_events(sandbox)
    await api.put(f"/v2/orders/{order['id']}", json={"status_id": 1, "customer_message": "hi"})
    assert [scope for scope, _ in events] == ["store/order/updated"]


@pytest.mark.parametrize(
    "field",
    ["item_total", "items_total", "date_modified", "subtotal_tax", "payment_status", "id", "default_currency_code"],
)
async def test_put_of_a_read_only_field_is_400(api: httpx.AsyncClient, field: str) -> None:
    order = await create_order(api)
    response = await api.put(f"/v2/orders/{order['id']}", json={field: 1})
    assert response.status_code == 400
    assert message(response) == (
        f"The field '{field}' cannot be written to. Please remove it from your request before trying again."
    )


async def test_put_edits_adds_and_removes_lines(api: httpx.AsyncClient) -> None:
    order = await create_order(api, order_body(custom_line("Mug", 1, 10, 11), custom_line("Cap", 2, 5, 5)))
    mug, cap = (await api.get(f"/v2/orders/{order['id']}/products")).json()
    body = {
        "products": [
            {"id": mug["id"], "quantity": 3, "price_ex_tax": 9, "price_inc_tax": 10, "name_merchant": "Mug (white)"},
            {"id": cap["id"], "quantity": 0},
            {"name": "Sticker", "quantity": 4, "price_ex_tax": 1, "price_inc_tax": 1, "sku": "STK"},
        ]
    }
    response = await api.put(f"/v2/orders/{order['id']}", json=body)
    assert response.status_code == 200
    updated = response.json()
    assert updated["items_total"] == 7
    assert updated["subtotal_ex_tax"] == "31.0000"  # 3 * 9 + 4 * 1
    lines = (await api.get(f"/v2/orders/{order['id']}/products")).json()
    assert [(line["name"], line["name_merchant"], line["quantity"], line["sku"]) for line in lines] == [
        ("Mug", "Mug (white)", 3, ""),
        ("Sticker", "Sticker", 4, "STK"),
    ]
    assert lines[1]["order_address_id"] == lines[0]["order_address_id"]


@pytest.mark.parametrize(
    ("products", "status", "expected"),
    [
        ([{"id": 999, "quantity": 1}], 422, "The order product with id 999"),
        ([{"id": "LINE", "quantity": -1}], 400, "'products[0].quantity' is invalid: must be 0 or greater"),
        ([{"id": "LINE", "price_ex_tax": 1}], 400, "'products[0].price_inc_tax' is required"),
        ([{"id": "LINE", "name": "A", "name_customer": "B"}], 400, "must hold the same value"),
        ([{"id": "LINE", "name": ""}], 400, "an empty name is not allowed"),
        ([{"id": "LINE", "product_id": 5}], 400, "cannot change the product of a line"),
        ([{"id": "LINE", "variant_id": 5}], 400, "The field 'products[0].variant_id' is not supported"),
    ],
)
async def test_invalid_line_edits(
    api: httpx.AsyncClient, products: list[dict[str, object]], status: int, expected: str
) -> None:
    order = await create_order(api)
    line_id = (await api.get(f"/v2/orders/{order['id']}/products")).json()[0]["id"]
    edits = [{**entry, "id": line_id} if entry.get("id") == "LINE" else entry for entry in products]
    response = await api.put(f"/v2/orders/{order['id']}", json={"products": edits})
    assert response.status_code == status
    assert expected in message(response)


async def test_a_rejected_put_changes_nothing(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    order = await create_order(api)
    events = record_events(sandbox)
    body = {"status_id": 11, "staff_notes": "changed", "products": [{"id": 999, "quantity": 1}]}
    assert (await api.put(f"/v2/orders/{order['id']}", json=body)).status_code == 422
    assert (await api.get(f"/v2/orders/{order['id']}")).json() == order
    assert events == []


async def test_put_billing_and_shipping_addresses(api: httpx.AsyncClient) -> None:
    order = await create_order(api, order_body(shipping_addresses=[SHIPPING]))
    address_id = (await api.get(f"/v2/orders/{order['id']}/shipping_addresses")).json()[0]["id"]
    body = {
        "billing_address": {"street_1": "1 New Street", "form_fields": [{"name": "VAT", "value": "GB1"}]},
        "shipping_addresses": [{"id": address_id, "city": "Dallas"}, {**SHIPPING, "first_name": "Extra"}],
    }
    response = await api.put(f"/v2/orders/{order['id']}", json=body)
    assert response.status_code == 200
    billing = response.json()["billing_address"]
    assert (billing["street_1"], billing["first_name"], billing["zip"]) == ("1 New Street", "Jane", "78751")
    assert billing["form_fields"] == [{"name": "VAT", "value": "GB1"}]
    addresses = (await api.get(f"/v2/orders/{order['id']}/shipping_addresses")).json()
    assert [(address["first_name"], address["city"]) for address in addresses] == [
        ("Trish", "Dallas"),
        ("Extra", "Austin"),
    ]
    short_zip = await api.put(f"/v2/orders/{order['id']}", json={"billing_address": {"zip": "1"}})
    assert short_zip.status_code == 400
    unknown = await api.put(f"/v2/orders/{order['id']}", json={"shipping_addresses": [{"id": 999, "city": "X"}]})
    assert unknown.status_code == 422


async def test_external_merchant_id_is_write_once(api: httpx.AsyncClient) -> None:
    order = await create_order(api)
    first = await api.put(f"/v2/orders/{order['id']}", json={"external_merchant_id": "fb-1"})
    assert first.json()["external_merchant_id"] == "fb-1"
    second = await api.put(f"/v2/orders/{order['id']}", json={"external_merchant_id": "fb-2"})
    assert second.status_code == 400
    assert "'external_merchant_id' cannot be written to" in message(second)
    external = await api.put(f"/v2/orders/{order['id']}", json={"external_order_id": "new-ext"})
    assert external.json()["external_order_id"] == "new-ext"


async def test_setting_one_ip_address_clears_the_other(api: httpx.AsyncClient) -> None:
    order = await create_order(api, order_body(ip_address="203.0.113.7"))
    updated = (await api.put(f"/v2/orders/{order['id']}", json={"ip_address_v6": "2001:db8::1"})).json()
    assert (updated["ip_address"], updated["ip_address_v6"]) == ("", "2001:db8::1")


async def test_put_unknown_order_is_404(api: httpx.AsyncClient) -> None:
    response = await api.put("/v2/orders/999", json={"status_id": 2})
    assert response.status_code == 404


# -- archive ----------------------------------------------------------------------------------
async def test_delete_archives_the_order(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    kept = await create_order(api)
    archived = await create_order(api)
    events = record_events(sandbox)
    response = await api.delete(f"/v2/orders/{archived['id']}")
    assert response.status_code == 204
    conforms(response)
    assert events == [("store/order/archived", {"type": "order", "id": archived["id"]})]
    assert [order["id"] for order in (await api.get("/v2/orders")).json()] == [kept["id"]]
    deleted = await api.get("/v2/orders?is_deleted=true")
    assert [(order["id"], order["is_deleted"]) for order in deleted.json()] == [(archived["id"], True)]
    assert (await api.get(f"/v2/orders/{archived['id']}")).json()["is_deleted"] is True
    assert (await api.delete("/v2/orders/999")).status_code == 404


async def test_put_is_deleted_archives_and_restores(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    order = await create_order(api)
    events = record_events(sandbox)
    archived = await api.put(f"/v2/orders/{order['id']}", json={"is_deleted": True})
    assert archived.json()["is_deleted"] is True
    assert (await api.get("/v2/orders")).status_code == 204
    restored = await api.put(f"/v2/orders/{order['id']}", json={"is_deleted": False})
    assert restored.json()["is_deleted"] is False
    assert [scope for scope, _ in events] == ["store/order/archived", "store/order/updated"]
    assert (await api.put(f"/v2/orders/{order['id']}", json={"is_deleted": "yes"})).status_code == 400


async def test_delete_all_archives_every_order(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    for _ in range(3):
        await create_order(api)
    events = record_events(sandbox)
    response = await api.delete("/v2/orders")
    assert response.status_code == 204
    conforms(response)
    assert [scope for scope, _ in events] == ["store/order/archived"] * 3
    assert (await api.get("/v2/orders")).status_code == 204
    assert len((await api.get("/v2/orders?is_deleted=true")).json()) == 3


# -- line items and shipping addresses --------------------------------------------------------
async def test_order_products_list_and_get_conform(api: httpx.AsyncClient) -> None:
    order = await create_order(api, order_body(custom_line("Mug", 2, 10, 12), custom_line("Cap", 1, 5, 5)))
    response = await api.get(f"/v2/orders/{order['id']}/products")
    assert response.status_code == 200
    conforms(response)
    mug, cap = response.json()
    assert (mug["product_id"], mug["variant_id"], mug["type"]) == (0, 0, "physical")
    assert (mug["price_tax"], mug["total_ex_tax"], mug["total_inc_tax"], mug["total_tax"]) == (
        "2.0000",
        "20.0000",
        "24.0000",
        "4.0000",
    )
    assert (mug["base_price"], mug["base_total"], mug["quantity_shipped"]) == ("10.0000", "20.0000", 0)
    one = await api.get(f"/v2/orders/{order['id']}/products/{cap['id']}")
    assert one.status_code == 200
    conforms(one)
    assert one.json() == cap
    assert (await api.get(f"/v2/orders/{order['id']}/products/{cap['id'] + 100}")).status_code == 404
    assert (await api.get("/v2/orders/999/products")).status_code == 404
    paged = await api.get(f"/v2/orders/{order['id']}/products?limit=1&page=2")
    assert [line["id"] for line in paged.json()] == [cap["id"]]
    assert (await api.get(f"/v2/orders/{order['id']}/products?limit=1&page=3")).status_code == 204


async def test_shipping_address_get_and_put(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    order = await create_order(api, order_body(shipping_addresses=[SHIPPING]))
    address = (await api.get(f"/v2/orders/{order['id']}/shipping_addresses")).json()[0]
    path = f"/v2/orders/{order['id']}/shipping_addresses/{address['id']}"
    one = await api.get(path)
    assert one.status_code == 200
    conforms(one)
    assert one.json() == address
    events = record_events(sandbox)
    body = {
        "street_1": "1 Elm St",
        "phone": "468444123",
        "shipping_method": "Express",
        "form_fields": [{"name": "Gate", "value": 4}],
    }
    updated = await api.put(path, json=body)
    assert updated.status_code == 200
    conforms(updated)
    assert (updated.json()["street_1"], updated.json()["shipping_method"], updated.json()["city"]) == (
        "1 Elm St",
        "Express",
        "Austin",
    )
    assert updated.json()["form_fields"] == [{"name": "Gate", "value": 4}]
    assert events == [("store/order/updated", {"type": "order", "id": order["id"]})]
    read_only = await api.put(path, json={"items_total": 3})
    assert read_only.status_code == 400
    conforms(read_only)
    assert message(read_only).startswith("The field 'items_total' cannot be written to.")
    missing = await api.put(f"/v2/orders/{order['id']}/shipping_addresses/999", json={"city": "X"})
    assert missing.status_code == 404
    conforms(missing)
    assert (await api.get(f"/v2/orders/{order['id']}/shipping_addresses/999")).status_code == 404


async def test_quotes_and_coupons_are_empty_for_api_orders(api: httpx.AsyncClient) -> None:
    order = await create_order(api)
    address_id = (await api.get(f"/v2/orders/{order['id']}/shipping_addresses")).json()[0]["id"]
    quotes = await api.get(f"/v2/orders/{order['id']}/shipping_addresses/{address_id}/shipping_quotes")
    assert quotes.status_code == 204 and quotes.content == b""
    consignment_quotes = await api.get(f"/v2/orders/{order['id']}/consignments/shipping/{address_id}/shipping_quotes")
    assert consignment_quotes.status_code == 204
    coupons = await api.get(f"/v2/orders/{order['id']}/coupons")
    assert coupons.status_code == 204 and coupons.content == b""
    assert (await api.get("/v2/orders/999/coupons")).status_code == 404


# -- statuses ---------------------------------------------------------------------------------
async def test_order_statuses(api: httpx.AsyncClient) -> None:
    response = await api.get("/v2/order_statuses")
    assert response.status_code == 200
    conforms(response)
    statuses = response.json()
    assert [status["id"] for status in statuses] == list(range(15))
    names = {status["id"]: status["name"] for status in statuses}
    assert names == {
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
    assert sorted(status["order"] for status in statuses) == list(range(15))
    one = await api.get("/v2/order_statuses/11")
    assert one.status_code == 200
    conforms(one)
    assert one.json() == statuses[11]
    assert (await api.get("/v2/order_statuses/15")).status_code == 404


# -- access and persistence -------------------------------------------------------------------
async def test_read_only_scope_reads_but_cannot_write(sandbox: Sandbox, store: Store) -> None:
    account = store.add_account("store_v2_orders_read_only")
    async with api_client(sandbox, store) as client:
        order = await create_order(client)
        client.headers["X-Auth-Token"] = account.access_token
        assert (await client.get(f"/v2/orders/{order['id']}")).status_code == 200
        assert (await client.put(f"/v2/orders/{order['id']}", json={"status_id": 2})).status_code == 403
        assert (await client.post("/v2/orders", json=order_body())).status_code == 403


async def test_orders_survive_save_and_load(api: httpx.AsyncClient, sandbox: Sandbox, tmp_path: Path) -> None:
    order = await create_order(api, order_body(fees=[{"display_name_customer": "F", "cost_ex_tax": 1, "cost_tax": 0}]))
    sandbox.save(tmp_path / "state.pickle")
    await api.put(f"/v2/orders/{order['id']}", json={"status_id": 5})
    sandbox.load(tmp_path / "state.pickle")
    restored = await api.get(f"/v2/orders/{order['id']}")
    assert restored.json() == order
    assert (await create_order(api))["id"] == order["id"] + 1
