"""Orders V2 shipments: create, list, count, update, delete, their effects on the order, ``ship_order``."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from bcsandbox import Sandbox, Store
from bcsandbox.errors import ApiError
from bcsandbox.testing import transport_for
from tests.sandbox.test_orders_support import (
    SHIPPING,
    conforms,
    create_order,
    custom_line,
    message,
    order_body,
    record_events,
)

pytestmark = pytest.mark.anyio


async def two_line_order(api: httpx.AsyncClient, **extra: Any) -> tuple[int, int, list[dict[str, Any]]]:
    """An order with a mug (quantity 2) and a cap (quantity 1): ``(order_id, address_id, lines)``."""
    body = order_body(
        custom_line("Mug", 2, 10, 10), custom_line("Cap", 1, 5, 5), shipping_addresses=[SHIPPING], **extra
    )
    order = await create_order(api, body)
    address_id = (await api.get(f"/v2/orders/{order['id']}/shipping_addresses")).json()[0]["id"]
    lines = (await api.get(f"/v2/orders/{order['id']}/products")).json()
    return order["id"], address_id, lines


def items(*pairs: tuple[int, int]) -> list[dict[str, int]]:
    return [{"order_product_id": line_id, "quantity": quantity} for line_id, quantity in pairs]


async def test_shipments_list_is_204_until_one_exists(api: httpx.AsyncClient) -> None:
    order_id, _, _ = await two_line_order(api)
    response = await api.get(f"/v2/orders/{order_id}/shipments")
    assert response.status_code == 204
    conforms(response)
    count = await api.get(f"/v2/orders/{order_id}/shipments/count")
    assert count.status_code == 200
    conforms(count)
    assert count.json() == {"count": 0}
    assert (await api.get("/v2/orders/999/shipments")).status_code == 404


async def test_partial_then_full_shipment_moves_the_order_to_shipped(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    order_id, address_id, (mug, cap) = await two_line_order(api, status_id=11)
    events = record_events(sandbox)
    body = {
        "order_address_id": address_id,
        "tracking_number": "EJ958083578US",
        "shipping_provider": "usps",
        "shipping_method": "Ground",
        "comments": "Ready to go...",
        "items": items((mug["id"], 1)),
    }
    response = await api.post(f"/v2/orders/{order_id}/shipments", json=body)
    assert response.status_code == 201
    conforms(response)
    first = response.json()
    assert (first["order_id"], first["order_address_id"], first["customer_id"]) == (order_id, address_id, 0)
    assert first["items"] == [{"order_product_id": mug["id"], "product_id": 0, "quantity": 1}]
    assert (first["tracking_number"], first["shipping_method"], first["comments"]) == (
        "EJ958083578US",
        "Ground",
        "Ready to go...",
    )
    assert first["shipping_provider_display_name"] == "USPS"
    assert first["generated_tracking_link"] == "https://tools.usps.com/go/TrackConfirmAction?tLabels=EJ958083578US"
    assert first["tracking_link"] == ""
    assert first["shipping_address"]["street_1"] == SHIPPING["street_1"]
    assert first["billing_address"]["zip"] == "78751"
    assert parsedate_to_datetime(first["date_created"]).tzinfo is not None

    order = (await api.get(f"/v2/orders/{order_id}")).json()
    assert (order["status_id"], order["status"], order["items_shipped"], order["date_shipped"]) == (
        3,
        "Partially Shipped",
        1,
        "",
    )
    address = (await api.get(f"/v2/orders/{order_id}/shipping_addresses/{address_id}")).json()
    assert (address["items_total"], address["items_shipped"]) == (3, 1)
    assert (await api.get(f"/v2/orders/{order_id}/products/{mug['id']}")).json()["quantity_shipped"] == 1
    assert events == [
        ("store/shipment/created", {"type": "shipment", "id": first["id"], "orderId": order_id}),
        ("store/order/updated", {"type": "order", "id": order_id}),
        (
            "store/order/statusUpdated",
            {"type": "order", "id": order_id, "status": {"previous_status_id": 11, "new_status_id": 3}},
        ),
    ]

    events.clear()
    rest = {"order_address_id": str(address_id), "items": items((mug["id"], 1), (cap["id"], 1))}
    second = await api.post(f"/v2/orders/{order_id}/shipments", json=rest)
    assert second.status_code == 201
    order = (await api.get(f"/v2/orders/{order_id}")).json()
    assert (order["status_id"], order["items_shipped"]) == (2, 3)
    assert order["date_shipped"] == second.json()["date_created"]
    assert [scope for scope, _ in events] == [
        "store/shipment/created",
        "store/order/updated",
        "store/order/statusUpdated",
    ]
    assert events[-1][1]["status"] == {"previous_status_id": 3, "new_status_id": 2}

    listed = await api.get(f"/v2/orders/{order_id}/shipments")
    assert listed.status_code == 200
    conforms(listed)
    assert [shipment["id"] for shipment in listed.json()] == [first["id"], second.json()["id"]]
    count = await api.get(f"/v2/orders/{order_id}/shipments/count")
    assert count.json() == {"count": 2}
    one = await api.get(f"/v2/orders/{order_id}/shipments/{first['id']}")
    assert one.status_code == 200
    conforms(one)
    assert one.json() == first
    assert (await api.get(f"/v2/orders/{order_id}/shipments/{first['id'] + 50}")).status_code == 404
    paged = await api.get(f"/v2/orders/{order_id}/shipments?limit=1&page=2")
    assert [shipment["id"] for shipment in paged.json()] == [second.json()["id"]]


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"items": "ITEMS"}, 400, "The required field 'order_address_id' was not supplied."),
        ({"order_address_id": "ADDRESS"}, 400, "The required field 'items' was not supplied."),
        ({"order_address_id": "ADDRESS", "items": []}, 400, "The field 'items' is invalid: at least one item"),
        ({"order_address_id": "ADDRESS", "items": [{"quantity": 1}]}, 400, "'items[0].order_product_id' was not"),
        ({"order_address_id": "ADDRESS", "items": [{"order_product_id": "MUG"}]}, 400, "'items[0].quantity' was not"),
        (
            {"order_address_id": "ADDRESS", "items": [{"order_product_id": "MUG", "quantity": 0}]},
            400,
            "must be 1 or greater",
        ),
        (
            {"order_address_id": "x", "items": "ITEMS"},
            400,
            "The field 'order_address_id' is invalid: expected an integer",
        ),
        ({"order_address_id": 999, "items": "ITEMS"}, 422, "The shipping address with id 999"),
        (
            {"order_address_id": "ADDRESS", "items": [{"order_product_id": 999, "quantity": 1}]},
            422,
            "The order product with id 999",
        ),
        (
            {"order_address_id": "ADDRESS", "items": [{"order_product_id": "MUG", "quantity": 3}]},
            422,
            "Cannot ship 3 of order product",
        ),
        (
            {
                "order_address_id": "ADDRESS",
                "items": [{"order_product_id": "MUG", "quantity": 1}, {"order_product_id": "MUG", "quantity": 2}],
            },
            422,
            "2 of 2 remain to be shipped",
        ),
        (
            {"order_address_id": "ADDRESS", "items": "ITEMS", "tracking_number": "1" * 51},
            400,
            "'tracking_number' is invalid: must be at most 50",
        ),
        (
            {"order_address_id": "ADDRESS", "items": "ITEMS", "tracking_link": "h" * 501},
            400,
            "'tracking_link' is invalid: must be at most 500",
        ),
        (
            {"order_address_id": "ADDRESS", "items": "ITEMS", "shipping_provider": "dhl"},
            400,
            "The field 'shipping_provider' is invalid: 'dhl'",
        ),
        ({"order_address_id": "ADDRESS", "items": "ITEMS", "merchant_shipping_cost": "-1"}, 400, "can't be negative"),
        (
            {"order_address_id": "ADDRESS", "items": "ITEMS", "date_created": "x"},
            400,
            "The field 'date_created' cannot be written to.",
        ),
        (
            {"order_address_id": "ADDRESS", "items": "ITEMS", "carrier": "ups"},
            400,
            "The field 'carrier' is not supported",
        ),
    ],
)
async def test_invalid_shipments_are_rejected(
    api: httpx.AsyncClient, body: dict[str, Any], status: int, expected: str
) -> None:
    order_id, address_id, (mug, _) = await two_line_order(api)
    filled = {key: value for key, value in body.items()}
    if filled.get("order_address_id") == "ADDRESS":
        filled["order_address_id"] = address_id
    if filled.get("items") == "ITEMS":
        filled["items"] = items((mug["id"], 1))
    elif isinstance(filled.get("items"), list):
        filled["items"] = [
            {**item, "order_product_id": mug["id"]} if item.get("order_product_id") == "MUG" else item
            for item in filled["items"]
        ]
    response = await api.post(f"/v2/orders/{order_id}/shipments", json=filled)
    assert response.status_code == status, response.text
    assert expected in message(response)
    assert (await api.get(f"/v2/orders/{order_id}/shipments")).status_code == 204
    assert (await api.get(f"/v2/orders/{order_id}")).json()["items_shipped"] == 0


async def test_items_must_ship_to_the_shipment_address(api: httpx.AsyncClient) -> None:
    order = await create_order(api, order_body(shipping_addresses=[SHIPPING, {**SHIPPING, "first_name": "Other"}]))
    first, second = (await api.get(f"/v2/orders/{order['id']}/shipping_addresses")).json()
    line = (await api.get(f"/v2/orders/{order['id']}/products")).json()[0]
    response = await api.post(
        f"/v2/orders/{order['id']}/shipments", json={"order_address_id": second["id"], "items": items((line["id"], 1))}
    )
    assert response.status_code == 422
    assert message(response) == f"Order product {line['id']} does not ship to shipping address {second['id']}."
    assert first["items_total"] == 1


@pytest.mark.parametrize(
    ("fields", "display_name", "generated"),
    [
        ({"shipping_provider": "ups", "tracking_number": "1Z999"}, "UPS", "https://www.ups.com/track?tracknum=1Z999"),
        (
            {"shipping_provider": "fedex", "tracking_number": "7489"},
            "FedEx",
            "https://www.fedex.com/fedextrack/?trknbr=7489",
        ),
        (
            {"shipping_provider": "", "tracking_carrier": "dhl", "tracking_number": "JD01"},
            "",
            "https://track.aftership.com/dhl/JD01",
        ),
        ({"shipping_provider": "carrier_42", "tracking_number": "C1"}, "42", "https://track.aftership.com/C1"),
        (
            {"shipping_provider": "usps", "tracking_number": "9400", "tracking_link": "https://t.example/9400"},
            "USPS",
            "",
        ),
        ({"shipping_provider": "royalmail"}, "Royal Mail", ""),
    ],
)
async def test_tracking_links(
    api: httpx.AsyncClient, fields: dict[str, str], display_name: str, generated: str
) -> None:
    order_id, address_id, (mug, _) = await two_line_order(api)
    body = {"order_address_id": address_id, "items": items((mug["id"], 1)), **fields}
    shipment = (await api.post(f"/v2/orders/{order_id}/shipments", json=body)).json()
    assert shipment["shipping_provider_display_name"] == display_name
    assert shipment["generated_tracking_link"] == generated
    assert shipment["tracking_link"] == fields.get("tracking_link", "")


async def test_update_shipment(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    order_id, address_id, (mug, _) = await two_line_order(api)
    created = await api.post(
        f"/v2/orders/{order_id}/shipments", json={"order_address_id": address_id, "items": items((mug["id"], 2))}
    )
    shipment = created.json()
    events = record_events(sandbox)
    path = f"/v2/orders/{order_id}/shipments/{shipment['id']}"
    body = {
        "tracking_number": "EJ958083578US",
        "merchant_shipping_cost": "1.0000",
        "order_address_id": address_id,
        "shipping_provider": "fedex",
    }
    response = await api.put(path, json=body)
    assert response.status_code == 200
    conforms(response)
    updated = response.json()
    assert (updated["tracking_number"], updated["merchant_shipping_cost"], updated["shipping_provider"]) == (
        "EJ958083578US",
        "1.0000",
        "fedex",
    )
    assert updated["items"] == shipment["items"]
    assert updated["date_created"] == shipment["date_created"]
    assert events == [("store/shipment/updated", {"type": "shipment", "id": shipment["id"], "orderId": order_id})]
    assert (await api.put(path, json={"items": []})).status_code == 400
    bad = await api.put(path, json={"tracking_number": "T", "shipping_provider": "nope"})
    assert bad.status_code == 400
    assert (await api.get(path)).json()["tracking_number"] == "EJ958083578US"  # nothing of the bad request applied
    assert (await api.put(path, json={"order_address_id": 999})).status_code == 422
    assert (await api.put(f"/v2/orders/{order_id}/shipments/999", json={"comments": "x"})).status_code == 404


async def test_moving_a_shipment_to_an_address_its_items_do_not_ship_to_is_422(api: httpx.AsyncClient) -> None:
    order = await create_order(api, order_body(shipping_addresses=[SHIPPING, {**SHIPPING, "first_name": "Other"}]))
    first, second = (await api.get(f"/v2/orders/{order['id']}/shipping_addresses")).json()
    line = (await api.get(f"/v2/orders/{order['id']}/products")).json()[0]
    shipment = (
        await api.post(
            f"/v2/orders/{order['id']}/shipments",
            json={"order_address_id": first["id"], "items": items((line["id"], 1))},
        )
    ).json()
    response = await api.put(
        f"/v2/orders/{order['id']}/shipments/{shipment['id']}", json={"order_address_id": second["id"]}
    )
    assert response.status_code == 422
    assert "does not ship to shipping address" in message(response)


async def test_deleting_a_shipment_returns_its_items_but_keeps_the_status(
    api: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    order_id, address_id, (mug, cap) = await two_line_order(api)
    shipment = (
        await api.post(
            f"/v2/orders/{order_id}/shipments",
            json={"order_address_id": address_id, "items": items((mug["id"], 2), (cap["id"], 1))},
        )
    ).json()
    events = record_events(sandbox)
    response = await api.delete(f"/v2/orders/{order_id}/shipments/{shipment['id']}")
    assert response.status_code == 204
    conforms(response)
    order = (await api.get(f"/v2/orders/{order_id}")).json()
    assert (order["status_id"], order["items_shipped"]) == (2, 0)
    assert order["date_shipped"] != ""
    assert (await api.get(f"/v2/orders/{order_id}/products/{mug['id']}")).json()["quantity_shipped"] == 0
    assert events == [
        ("store/shipment/deleted", {"type": "shipment", "id": shipment["id"], "orderId": order_id}),
        ("store/order/updated", {"type": "order", "id": order_id}),
    ]
    assert (await api.get(f"/v2/orders/{order_id}/shipments")).status_code == 204
    assert (await api.delete(f"/v2/orders/{order_id}/shipments/{shipment['id']}")).status_code == 404
    again = await api.post(
        f"/v2/orders/{order_id}/shipments", json={"order_address_id": address_id, "items": items((mug["id"], 2))}
    )
    assert again.status_code == 201  # the items can ship again


async def test_delete_all_shipments(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    order_id, address_id, (mug, cap) = await two_line_order(api)
    for line in (mug, cap):
        await api.post(
            f"/v2/orders/{order_id}/shipments", json={"order_address_id": address_id, "items": items((line["id"], 1))}
        )
    events = record_events(sandbox)
    response = await api.delete(f"/v2/orders/{order_id}/shipments")
    assert response.status_code == 204
    conforms(response)
    assert [scope for scope, _ in events] == ["store/shipment/deleted", "store/shipment/deleted", "store/order/updated"]
    assert (await api.get(f"/v2/orders/{order_id}/shipments/count")).json() == {"count": 0}
    assert (await api.get(f"/v2/orders/{order_id}")).json()["items_shipped"] == 0


async def test_a_line_cannot_drop_below_what_has_shipped(api: httpx.AsyncClient) -> None:
    order_id, address_id, (mug, _) = await two_line_order(api)
    await api.post(
        f"/v2/orders/{order_id}/shipments", json={"order_address_id": address_id, "items": items((mug["id"], 2))}
    )
    response = await api.put(f"/v2/orders/{order_id}", json={"products": [{"id": mug["id"], "quantity": 1}]})
    assert response.status_code == 422
    assert "has 2 item(s) shipped" in message(response)
    raised = await api.put(f"/v2/orders/{order_id}", json={"products": [{"id": mug["id"], "quantity": 5}]})
    assert raised.json()["items_total"] == 6


async def test_consignments_show_shipped_items(api: httpx.AsyncClient) -> None:
    order_id, address_id, (mug, _) = await two_line_order(api)
    await api.post(
        f"/v2/orders/{order_id}/shipments", json={"order_address_id": address_id, "items": items((mug["id"], 2))}
    )
    response = await api.get(f"/v2/orders/{order_id}?include=consignments.line_items&consignment_structure=object")
    conforms(response)
    shipping = response.json()["consignments"]["shipping"][0]
    assert (shipping["items_total"], shipping["items_shipped"]) == (3, 2)
    assert [line["quantity_shipped"] for line in shipping["line_items"]] == [2, 0]


# -- ship_order (control plane) ---------------------------------------------------------------
async def test_ship_order_ships_everything_left_by_default(
    api: httpx.AsyncClient, store: Store, sandbox: Sandbox
) -> None:
    order_id, address_id, (mug, cap) = await two_line_order(api)
    await api.post(
        f"/v2/orders/{order_id}/shipments", json={"order_address_id": address_id, "items": items((mug["id"], 1))}
    )
    events = record_events(sandbox)
    shipment = store.orders.ship_order(
        order_id,
        {"tracking_number": "1Z1", "shipping_provider": "ups", "tracking_carrier": "ups", "shipping_method": "Ground"},
    )
    assert shipment["items"] == [
        {"order_product_id": mug["id"], "product_id": 0, "quantity": 1},
        {"order_product_id": cap["id"], "product_id": 0, "quantity": 1},
    ]
    assert (shipment["order_address_id"], shipment["tracking_number"], shipment["shipping_method"]) == (
        address_id,
        "1Z1",
        "Ground",
    )
    assert (await api.get(f"/v2/orders/{order_id}")).json()["status_id"] == 2
    assert events[0] == ("store/shipment/created", {"type": "shipment", "id": shipment["id"], "orderId": order_id})
    with pytest.raises(ApiError) as nothing_left:
        store.orders.ship_order(order_id, {})
    assert nothing_left.value.status == 422
    assert "nothing left to ship" in nothing_left.value.title


async def test_ship_order_with_items_and_through_the_control_plane(
    api: httpx.AsyncClient, store: Store, sandbox: Sandbox
) -> None:
    order_id, address_id, (mug, cap) = await two_line_order(api)
    partial = store.orders.ship_order(order_id, {"items": items((cap["id"], 1)), "tracking_number": "A"})
    assert (partial["order_address_id"], partial["items"][0]["order_product_id"]) == (address_id, cap["id"])
    control = httpx.AsyncClient(transport=transport_for(sandbox), base_url="http://sandbox.test")
    async with control:
        response = await control.post(
            f"/_sandbox/stores/{store.hash}/orders/{order_id}/ship",
            json={"tracking_number": "B", "shipping_provider": "usps"},
        )
        assert response.status_code == 201
        assert response.json()["items"] == [{"order_product_id": mug["id"], "product_id": 0, "quantity": 2}]
        missing = await control.post(f"/_sandbox/stores/{store.hash}/orders/999/ship", json={})
        assert missing.status_code == 404
    assert (await api.get(f"/v2/orders/{order_id}")).json()["status"] == "Shipped"
    with pytest.raises(ApiError) as bad:
        store.orders.ship_order(order_id, {"weight": 3})
    assert bad.value.status == 400
