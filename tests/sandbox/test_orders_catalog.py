"""Orders V2 lines from the catalog, stock taken by orders, and shopper orders placed by the control plane."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from bcsandbox import Sandbox, Store
from bcsandbox.errors import ApiError
from bcsandbox.seed import MERCHANT_HASH, seed_demo
from bcsandbox.testing import transport_for
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


def mug(store: Store, **extra: Any) -> dict[str, Any]:
    """A simple product tracked by product: 10 in stock."""
    body = {
        "name": "Stoneware Mug",
        "type": "physical",
        "sku": "MUG-1",
        "price": 12.5,
        "cost_price": 4,
        "weight": 0.8,
        "width": 9,
        "height": 10,
        "depth": 9,
        "brand_name": "Harbor",
        "upc": "012345678905",
        "inventory_tracking": "product",
        "inventory_level": 10,
        **extra,
    }
    return store.catalog.create_product(body)


def tee(store: Store) -> dict[str, Any]:
    """A product with Size variants S (own price 21) and M (inherits 20), 5 of each, tracked by variant."""
    return store.catalog.create_product(
        {
            "name": "Merino Tee",
            "type": "physical",
            "sku": "TEE",
            "price": 20,
            "weight": 1,
            "inventory_tracking": "variant",
            "variants": [
                {
                    "sku": "TEE-S",
                    "price": 21,
                    "inventory_level": 5,
                    "option_values": [{"option_display_name": "Size", "label": "S"}],
                },
                {
                    "sku": "TEE-M",
                    "inventory_level": 5,
                    "option_values": [{"option_display_name": "Size", "label": "M"}],
                },
            ],
        }
    )


def stock(store: Store, product_id: int, variant_id: int | None = None) -> int:
    product = store.catalog.get_product(product_id)
    assert product is not None
    if variant_id is None:
        return int(product["inventory_level"])
    return int(next(variant for variant in product["variants"] if variant["id"] == variant_id)["inventory_level"])


async def lines_of(api: httpx.AsyncClient, order_id: int) -> list[dict[str, Any]]:
    response = await api.get(f"/v2/orders/{order_id}/products")
    conforms(response)
    lines: list[dict[str, Any]] = response.json()
    return lines


# -- catalog lines ----------------------------------------------------------------------------
async def test_a_catalog_line_copies_the_product_and_takes_stock(api: httpx.AsyncClient, store: Store) -> None:
    product = mug(store)
    order = await create_order(api, order_body({"product_id": product["id"], "quantity": 2}))
    assert order["subtotal_ex_tax"] == "25.0000"
    (line,) = await lines_of(api, order["id"])
    assert (line["product_id"], line["variant_id"]) == (product["id"], product["base_variant_id"])
    assert (line["name"], line["name_merchant"], line["sku"], line["upc"]) == (
        "Stoneware Mug",
        "Stoneware Mug",
        "MUG-1",
        "012345678905",
    )
    assert (line["base_price"], line["price_ex_tax"], line["price_inc_tax"]) == ("12.5000", "12.5000", "12.5000")
    assert (line["weight"], line["width"], line["height"], line["depth"]) == ("0.8000", "9.0000", "10.0000", "9.0000")
    assert (line["base_cost_price"], line["brand"], line["type"]) == ("4.0000", "Harbor", "physical")
    assert line["product_options"] == []
    assert stock(store, product["id"]) == 8
    refreshed = store.catalog.get_product(product["id"])
    assert refreshed is not None and refreshed["total_sold"] == 2


async def test_a_variant_is_chosen_by_variant_id(api: httpx.AsyncClient, store: Store, sandbox: Sandbox) -> None:
    product = tee(store)
    small, medium = product["variants"]
    events = record_events(sandbox)
    order = await create_order(
        api,
        order_body(
            {"product_id": product["id"], "variant_id": small["id"], "quantity": 2},
            {"product_id": product["id"], "variant_id": medium["id"], "quantity": 1},
        ),
    )
    first, second = await lines_of(api, order["id"])
    assert (first["sku"], first["price_ex_tax"], first["variant_id"]) == ("TEE-S", "21.0000", small["id"])
    assert (second["sku"], second["price_ex_tax"]) == ("TEE-M", "20.0000")  # the variant inherits the product price
    (option,) = first["product_options"]
    size = product["options"][0]
    assert (option["display_name"], option["display_value"], option["value"]) == (
        "Size",
        "S",
        str(small["option_values"][0]["id"]),
    )
    assert (option["product_option_id"], option["option_id"], option["order_product_id"]) == (
        size["id"],
        size["id"],
        first["id"],
    )
    assert (option["type"], option["display_style"]) == ("Multiple choice", "Rectangle")
    assert (stock(store, product["id"], small["id"]), stock(store, product["id"], medium["id"])) == (3, 4)
    scopes = [scope for scope, _ in events]
    assert scopes.count("store/sku/inventory/order/updated") == 2
    assert scopes[-1] == "store/order/created"


async def test_a_variant_is_chosen_by_product_options(api: httpx.AsyncClient, store: Store) -> None:
    product = tee(store)
    medium = product["variants"][1]
    option_id = product["options"][0]["id"]
    value_id = medium["option_values"][0]["id"]
    order = await create_order(
        api,
        order_body(
            {"product_id": product["id"], "quantity": 1, "product_options": [{"id": option_id, "value": str(value_id)}]}
        ),
    )
    (line,) = await lines_of(api, order["id"])
    assert (line["variant_id"], line["sku"]) == (medium["id"], "TEE-M")


@pytest.mark.parametrize(
    ("line", "status", "expected"),
    [
        ({"product_id": 999, "quantity": 1}, 422, "The product with id 999 (products[0].product_id) does not exist"),
        ({"product_id": "TEE", "quantity": 1}, 400, "Product TEE_ID has variants: send 'products[0].variant_id'"),
        (
            {"product_id": "TEE", "variant_id": 999, "quantity": 1},
            422,
            "The variant with id 999 does not belong to product",
        ),
        ({"product_id": "TEE", "variant_id": "MUG_VARIANT", "quantity": 1}, 422, "does not belong to product"),
        (
            {"product_id": "TEE", "product_options": [{"id": 1, "value": "999"}], "quantity": 1},
            422,
            "No variant of product",
        ),
        (
            {"product_id": "TEE", "product_options": [{"id": 1}], "quantity": 1},
            400,
            "'products[0].product_options[0].value' was not",
        ),
        (
            {"product_id": "TEE", "variant_id": "S", "quantity": 1, "price_ex_tax": 3},
            400,
            "'products[0].price_inc_tax' is required",
        ),
        ({"product_id": "TEE", "variant_id": "S"}, 400, "The required field 'products[0].quantity' was not supplied."),
        (
            {"product_id": "TEE", "variant_id": "S", "quantity": 1, "type": "digital"},
            400,
            "'products[0].type' cannot be written to",
        ),
    ],
)
async def test_invalid_catalog_lines(
    api: httpx.AsyncClient, store: Store, line: dict[str, Any], status: int, expected: str
) -> None:
    product = tee(store)
    other = mug(store)
    names = {"TEE": product["id"], "S": product["variants"][0]["id"], "MUG_VARIANT": other["base_variant_id"]}
    filled = {key: names.get(value, value) if isinstance(value, str) else value for key, value in line.items()}
    response = await api.post("/v2/orders", json=order_body(filled))
    assert response.status_code == status, response.text
    assert expected.replace("TEE_ID", str(product["id"])) in message(response)
    assert stock(store, product["id"], product["variants"][0]["id"]) == 5  # nothing sold


async def test_price_and_name_overrides(api: httpx.AsyncClient, store: Store) -> None:
    product = mug(store)
    line = {
        "product_id": product["id"],
        "quantity": 1,
        "price_ex_tax": 10,
        "price_inc_tax": "11.5",
        "name": "Mug (gift)",
        "name_merchant": "MUG gift",
    }
    order = await create_order(api, order_body(line))
    (rendered,) = await lines_of(api, order["id"])
    assert (rendered["base_price"], rendered["price_ex_tax"], rendered["price_inc_tax"]) == (
        "12.5000",
        "10.0000",
        "11.5000",
    )
    assert (rendered["name"], rendered["name_customer"], rendered["name_merchant"]) == (
        "Mug (gift)",
        "Mug (gift)",
        "MUG gift",
    )
    assert order["total_inc_tax"] == "11.5000"


async def test_put_adds_and_changes_catalog_lines_without_touching_stock(api: httpx.AsyncClient, store: Store) -> None:
    product = tee(store)
    small, medium = product["variants"]
    order = await create_order(api, order_body({"product_id": product["id"], "variant_id": small["id"], "quantity": 1}))
    (line,) = await lines_of(api, order["id"])
    body = {
        "products": [
            {"id": line["id"], "variant_id": medium["id"]},
            {"product_id": mug(store)["id"], "quantity": 2},
        ]
    }
    response = await api.put(f"/v2/orders/{order['id']}", json=body)
    assert response.status_code == 200
    changed, added = await lines_of(api, order["id"])
    assert (changed["variant_id"], changed["sku"], changed["price_ex_tax"]) == (medium["id"], "TEE-M", "20.0000")
    assert (added["name"], added["quantity"], added["order_address_id"]) == (
        "Stoneware Mug",
        2,
        changed["order_address_id"],
    )
    assert response.json()["subtotal_ex_tax"] == "45.0000"
    # the docs: a manually edited order does not move stock
    assert (stock(store, product["id"], small["id"]), stock(store, product["id"], medium["id"])) == (4, 5)
    assert stock(store, added["product_id"]) == 10


async def test_digital_lines_ship_nowhere_and_appear_as_downloads(api: httpx.AsyncClient, store: Store) -> None:
    ebook = store.catalog.create_product({"name": "E-book", "type": "digital", "sku": "EBOOK", "price": 9, "weight": 0})
    order = await create_order(api, order_body({"product_id": ebook["id"], "quantity": 1}))
    assert order["order_is_digital"] is True
    assert order["shipping_address_count"] == 0
    (line,) = await lines_of(api, order["id"])
    assert (line["type"], line["order_address_id"]) == ("digital", 0)
    response = await api.get(f"/v2/orders/{order['id']}/consignments")
    conforms(response)
    assert response.json()["downloads"] == [
        {
            "recipient_email": BILLING["email"],
            "line_items": [
                {
                    "url": f"http://sandbox.test/stores/abc123/v2/orders/{order['id']}/products/{line['id']}",
                    "resource": f"/orders/{order['id']}/products/{line['id']}",
                }
            ],
        }
    ]
    mixed = await create_order(api, order_body({"product_id": ebook["id"], "quantity": 1}, custom_line()))
    assert mixed["order_is_digital"] is False
    address_id = (await api.get(f"/v2/orders/{mixed['id']}/shipping_addresses")).json()[0]["id"]
    ebook_line = (await lines_of(api, mixed["id"]))[0]
    shipment = await api.post(
        f"/v2/orders/{mixed['id']}/shipments",
        json={"order_address_id": address_id, "items": [{"order_product_id": ebook_line["id"], "quantity": 1}]},
    )
    assert shipment.status_code == 422


async def test_shipment_items_carry_the_catalog_product_id(api: httpx.AsyncClient, store: Store) -> None:
    product = mug(store)
    order = await create_order(
        api, order_body({"product_id": product["id"], "quantity": 1}, shipping_addresses=[SHIPPING])
    )
    shipment = store.orders.ship_order(order["id"], {"tracking_number": "T1"})
    assert shipment["items"][0]["product_id"] == product["id"]


# -- shopper orders ---------------------------------------------------------------------------
async def test_place_shopper_order_resolves_skus_and_fills_a_checkout(
    api: httpx.AsyncClient, store: Store, sandbox: Sandbox
) -> None:
    product = tee(store)
    simple = mug(store)
    events = record_events(sandbox)
    order = store.orders.place_shopper_order(
        {"lines": [{"sku": "tee-s", "quantity": 2}, {"sku": "MUG-1", "quantity": 1}]}
    )
    assert (order["status_id"], order["status"]) == (11, "Awaiting Fulfillment")
    assert (order["order_source"], order["payment_status"], order["payment_method"]) == (
        "www",
        "captured",
        "Credit Card",
    )
    assert order["customer_id"] == 0
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", order["cart_id"])
    assert order["billing_address"]["zip"] and order["billing_address"]["email"]
    assert order["subtotal_ex_tax"] == "54.5000"  # 2 * 21 + 12.5
    assert order["products"]["resource"] == f"/orders/{order['id']}/products"
    assert order["products"]["url"] == f"/stores/abc123/v2/orders/{order['id']}/products"
    served = await api.get(f"/v2/orders/{order['id']}")
    conforms(served)
    assert served.json()["cart_id"] == order["cart_id"]
    lines = await lines_of(api, order["id"])
    assert [(line["sku"], line["quantity"]) for line in lines] == [("TEE-S", 2), ("MUG-1", 1)]
    assert (stock(store, product["id"], product["variants"][0]["id"]), stock(store, simple["id"])) == (3, 9)
    order_events = [(scope, data) for scope, data in events if scope.startswith("store/order/")]
    assert order_events == [
        ("store/order/created", {"type": "order", "id": order["id"]}),
        (
            "store/order/statusUpdated",
            {"type": "order", "id": order["id"], "status": {"previous_status_id": 0, "new_status_id": 11}},
        ),
    ]
    assert [found["id"] for found in (await api.get(f"/v2/orders?cart_id={order['cart_id']}")).json()] == [order["id"]]


async def test_shopper_order_with_customer_address_and_status(api: httpx.AsyncClient, store: Store) -> None:
    mug(store)
    order = store.orders.place_shopper_order(
        {
            "lines": [{"sku": "MUG-1"}],
            "customer": {"id": 42, "first_name": "Ava", "last_name": "Nguyen", "email": "ava@example.com"},
            "shipping_address": {
                "first_name": "Gift",
                "last_name": "Receiver",
                "city": "Portland",
                "state": "Oregon",
                "zip": "97205",
            },
            "status_id": 9,
            "shipping_cost": 5,
            "customer_message": "Gift wrap please",
        }
    )
    assert (order["customer_id"], order["status_id"], order["customer_message"]) == (42, 9, "Gift wrap please")
    billing = order["billing_address"]
    assert (billing["first_name"], billing["email"]) == ("Ava", "ava@example.com")
    assert billing["street_1"] and billing["zip"]  # the rest of a partial customer comes from defaults
    assert order["total_inc_tax"] == "17.5000"
    (address,) = (await api.get(f"/v2/orders/{order['id']}/shipping_addresses")).json()
    assert (address["first_name"], address["city"], address["zip"], address["street_1"]) == (
        "Gift",
        "Portland",
        "97205",
        billing["street_1"],
    )
    assert address["cost_inc_tax"] == "5.0000"


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({}, 400, "The required field 'lines' was not supplied."),
        ({"lines": []}, 400, "at least one line is required"),
        ({"lines": [{"sku": "NOPE"}]}, 422, "No product or variant in the catalog has the SKU 'NOPE'"),
        ({"lines": [{"sku": "TEE"}]}, 400, "has variants"),
        ({"lines": [{"quantity": 1}]}, 400, "The required field 'lines[0].sku' was not supplied."),
        ({"lines": [{"sku": "MUG-1"}], "status_id": 99}, 400, "The field 'status_id' is invalid"),
        ({"lines": [{"sku": "MUG-1"}], "coupon": "X"}, 400, "The field 'coupon' is not supported"),
    ],
)
async def test_invalid_shopper_orders(store: Store, body: dict[str, Any], status: int, expected: str) -> None:
    tee(store)
    mug(store)
    with pytest.raises(ApiError) as raised:
        store.orders.place_shopper_order(body)
    assert raised.value.status == status
    assert expected in raised.value.title
    assert store.orders.orders == {}


async def test_shopper_orders_through_the_control_plane(store: Store, sandbox: Sandbox) -> None:
    product = mug(store)
    async with httpx.AsyncClient(transport=transport_for(sandbox), base_url="http://sandbox.test") as control:
        placed = await control.post(
            f"/_sandbox/stores/{store.hash}/shopper-orders",
            json={"lines": [{"product_id": product["id"], "quantity": 3}]},
        )
        assert placed.status_code == 201
        order = placed.json()
        assert (order["items_total"], order["order_source"]) == (3, "www")
        unknown = await control.post(f"/_sandbox/stores/{store.hash}/shopper-orders", json={"lines": [{"sku": "NOPE"}]})
        assert unknown.status_code == 422
        assert "NOPE" in unknown.json()["title"]
        shipped = await control.post(
            f"/_sandbox/stores/{store.hash}/orders/{order['id']}/ship", json={"tracking_number": "1Z"}
        )
        assert shipped.status_code == 201
        assert shipped.json()["items"] == [
            {
                "order_product_id": shipped.json()["items"][0]["order_product_id"],
                "product_id": product["id"],
                "quantity": 3,
            }
        ]
    assert store.orders.get(order["id"]).status_id == 2


async def test_demo_seed_places_shopper_orders(sandbox: Sandbox) -> None:
    seed_demo(sandbox, products=4, orders=7)
    merchant = sandbox.store(MERCHANT_HASH)
    orders = list(merchant.orders.orders.values())
    assert len(orders) == 7
    assert {order.status_id for order in orders} == {11, 9, 1, 10, 2}
    assert all(order.order_source == "www" and order.lines for order in orders)
    assert all(line.product_id for order in orders for line in order.lines)
