"""Orders V2 routes: ``/v2/orders`` and its sub-resources, ``/v2/order_statuses``.

Handlers parse the query and body, call ``store.orders`` and render the V2 representation.
``POST /v2/orders`` answers 200, the only success status ``orders.v2.oas2.yml`` lists for it;
``POST .../shipments`` answers 201 as listed. Empty collections answer 204 with no body.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from bcsandbox import scopes
from bcsandbox.backends import orders as model
from bcsandbox.backends.orders import OrderQuery, invalid_field, parse_sort
from bcsandbox.dates import parse_date
from bcsandbox.errors import not_found
from bcsandbox.routes.registry import Call, Reply, RouteTable, no_content, v2, v2_page

table = RouteTable()

ORDER = "/v2/orders/{order_id:int}"
INCLUDES = frozenset({"consignments", "consignments.line_items", "fees"})


# -- query parsing ----------------------------------------------------------------------------
def _date_param(call: Call, name: str) -> datetime | None:
    raw = call.query.get(name)
    if not raw:
        return None
    try:
        return parse_date(raw, now=call.store.now())
    except ValueError:
        raise invalid_field(
            name, f"'{raw}' is not an RFC-2822 (Thu, 20 Apr 2017 11:32:00 -0400) or ISO-8601 date"
        ) from None


def _money_param(call: Call, name: str) -> Decimal | None:
    raw = call.query.get(name)
    if not raw:
        return None
    return model.money(raw, name)


def _text_param(call: Call, name: str) -> str | None:
    raw = call.query.get(name)
    return raw if raw else None


def _bool_param(call: Call, name: str) -> bool:
    raw = (call.query.get(name) or "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise invalid_field(name, "expected true or false")
    return raw in ("true", "1")


def order_query(call: Call) -> OrderQuery:
    """The list/count filters of ``GET /v2/orders`` from the query string."""
    sort, descending = parse_sort(call.query.get("sort") or "id")
    return OrderQuery(
        min_id=call.int_param("min_id"),
        max_id=call.int_param("max_id"),
        min_total=_money_param(call, "min_total"),
        max_total=_money_param(call, "max_total"),
        customer_id=call.int_param("customer_id"),
        email=_text_param(call, "email"),
        status_id=call.int_param("status_id"),
        cart_id=_text_param(call, "cart_id"),
        payment_method=_text_param(call, "payment_method"),
        channel_id=call.int_param("channel_id"),
        external_order_id=_text_param(call, "external_order_id"),
        min_date_created=_date_param(call, "min_date_created"),
        max_date_created=_date_param(call, "max_date_created"),
        min_date_modified=_date_param(call, "min_date_modified"),
        max_date_modified=_date_param(call, "max_date_modified"),
        is_deleted=_bool_param(call, "is_deleted"),
        sort=sort,
        descending=descending,
    )


def _includes(call: Call) -> tuple[str | None, bool]:
    """``(consignments, fees)`` for ``render_order`` from ``include=``."""
    wanted = call.includes()
    unknown = wanted - INCLUDES
    if unknown:
        raise invalid_field("include", f"'{sorted(unknown)[0]}' is not one of {', '.join(sorted(INCLUDES))}")
    consignments = None
    if "consignments.line_items" in wanted:
        consignments = "items"
    elif "consignments" in wanted:
        consignments = "links"
    return consignments, "fees" in wanted


def _render_order(call: Call, order: model.Order) -> dict[str, object]:
    consignments, fees = _includes(call)
    return model.render_order(order, call.link, consignments=consignments, fees=fees)


# -- orders -----------------------------------------------------------------------------------
@table.route("GET", "/v2/orders", scope=scopes.ORDERS)
def list_orders(call: Call) -> Reply:
    orders = call.store.orders.find(order_query(call))
    consignments, fees = _includes(call)
    return v2_page(
        call,
        orders,
        render=lambda order: model.render_order(order, call.link, consignments=consignments, fees=fees),
    )


@table.route("GET", "/v2/orders/count", scope=scopes.ORDERS)
def count_orders(call: Call) -> Reply:
    return v2(call.store.orders.count(order_query(call)))


@table.route("POST", "/v2/orders", scope=scopes.ORDERS)
def create_order(call: Call) -> Reply:
    order = call.store.orders.create(call.json_object())
    return v2(_render_order(call, order))


@table.route("DELETE", "/v2/orders", scope=scopes.ORDERS)
def archive_orders(call: Call) -> Reply:
    call.store.orders.archive_all()
    return no_content()


@table.route("GET", ORDER, scope=scopes.ORDERS)
def get_order(call: Call) -> Reply:
    return v2(_render_order(call, call.store.orders.get(call.params["order_id"])))


@table.route("PUT", ORDER, scope=scopes.ORDERS)
def update_order(call: Call) -> Reply:
    order = call.store.orders.update(call.params["order_id"], call.json_object())
    return v2(_render_order(call, order))


@table.route("DELETE", ORDER, scope=scopes.ORDERS)
def archive_order(call: Call) -> Reply:
    call.store.orders.archive(call.params["order_id"])
    return no_content()


# -- line items -------------------------------------------------------------------------------
@table.route("GET", ORDER + "/products", scope=scopes.ORDERS)
def list_order_products(call: Call) -> Reply:
    order = call.store.orders.get(call.params["order_id"])
    return v2_page(call, order.lines, render=lambda line: model.render_line(order, line))


@table.route("GET", ORDER + "/products/{line_id:int}", scope=scopes.ORDERS)
def get_order_product(call: Call) -> Reply:
    order = call.store.orders.get(call.params["order_id"])
    line = call.store.orders.line(order.id, call.params["line_id"])
    return v2(model.render_line(order, line))


# -- shipping addresses -----------------------------------------------------------------------
@table.route("GET", ORDER + "/shipping_addresses", scope=scopes.ORDERS)
def list_shipping_addresses(call: Call) -> Reply:
    order = call.store.orders.get(call.params["order_id"])
    return v2_page(
        call, order.addresses, render=lambda address: model.render_shipping_address(order, address, call.link)
    )


@table.route("GET", ORDER + "/shipping_addresses/{address_id:int}", scope=scopes.ORDERS)
def get_shipping_address(call: Call) -> Reply:
    order = call.store.orders.get(call.params["order_id"])
    address = call.store.orders.shipping_address(order.id, call.params["address_id"])
    return v2(model.render_shipping_address(order, address, call.link))


@table.route("PUT", ORDER + "/shipping_addresses/{address_id:int}", scope=scopes.ORDERS)
def update_shipping_address(call: Call) -> Reply:
    orders = call.store.orders
    address = orders.update_shipping_address(call.params["order_id"], call.params["address_id"], call.json_object())
    return v2(model.render_shipping_address(orders.get(call.params["order_id"]), address, call.link))


@table.route("GET", ORDER + "/shipping_addresses/{address_id:int}/shipping_quotes", scope=scopes.ORDERS)
def get_shipping_quotes(call: Call) -> Reply:
    # quotes exist only for storefront checkouts with live rates; API and sandbox orders have none (204)
    call.store.orders.shipping_address(call.params["order_id"], call.params["address_id"])
    return no_content()


# -- consignments, fees, coupons --------------------------------------------------------------
@table.route("GET", ORDER + "/consignments", scope=scopes.ORDERS)
def get_consignments(call: Call) -> Reply:
    order = call.store.orders.get(call.params["order_id"])
    wanted = call.includes()
    if wanted - {"consignments.line_items"}:
        raise invalid_field("include", "the only include here is 'consignments.line_items'")
    inline = "consignments.line_items" in wanted
    return v2(model.render_consignments(order, call.link, inline_items=inline))


@table.route("GET", ORDER + "/consignments/shipping/{address_id:int}/shipping_quotes", scope=scopes.ORDERS)
def get_consignment_shipping_quotes(call: Call) -> Reply:
    call.store.orders.shipping_address(call.params["order_id"], call.params["address_id"])
    return no_content()


@table.route("GET", ORDER + "/fees", scope=scopes.ORDERS)
def get_fees(call: Call) -> Reply:
    # the spec's example wraps the list as {"fees": [...]}; its schema names a single fee object
    order = call.store.orders.get(call.params["order_id"])
    return v2({"fees": [model.render_fee(fee) for fee in order.fees]})


@table.route("GET", ORDER + "/coupons", scope=scopes.ORDERS)
def list_coupons(call: Call) -> Reply:
    # coupons can't be applied through the API, so a sandbox order never has any
    call.store.orders.get(call.params["order_id"])
    return no_content()


# -- shipments --------------------------------------------------------------------------------
@table.route("GET", ORDER + "/shipments", scope=scopes.ORDERS)
def list_shipments(call: Call) -> Reply:
    order = call.store.orders.get(call.params["order_id"])
    return v2_page(call, order.shipments, render=lambda shipment: model.render_shipment(order, shipment))


@table.route("GET", ORDER + "/shipments/count", scope=scopes.ORDERS)
def count_shipments(call: Call) -> Reply:
    return v2({"count": len(call.store.orders.get(call.params["order_id"]).shipments)})


@table.route("POST", ORDER + "/shipments", scope=scopes.ORDERS)
def create_shipment(call: Call) -> Reply:
    orders = call.store.orders
    shipment = orders.create_shipment(call.params["order_id"], call.json_object())
    return v2(model.render_shipment(orders.get(call.params["order_id"]), shipment), 201)


@table.route("DELETE", ORDER + "/shipments", scope=scopes.ORDERS)
def delete_shipments(call: Call) -> Reply:
    call.store.orders.delete_shipments(call.params["order_id"])
    return no_content()


@table.route("GET", ORDER + "/shipments/{shipment_id:int}", scope=scopes.ORDERS)
def get_shipment(call: Call) -> Reply:
    order = call.store.orders.get(call.params["order_id"])
    shipment = call.store.orders.shipment(order.id, call.params["shipment_id"])
    return v2(model.render_shipment(order, shipment))


@table.route("PUT", ORDER + "/shipments/{shipment_id:int}", scope=scopes.ORDERS)
def update_shipment(call: Call) -> Reply:
    orders = call.store.orders
    shipment = orders.update_shipment(call.params["order_id"], call.params["shipment_id"], call.json_object())
    return v2(model.render_shipment(orders.get(call.params["order_id"]), shipment))


@table.route("DELETE", ORDER + "/shipments/{shipment_id:int}", scope=scopes.ORDERS)
def delete_shipment(call: Call) -> Reply:
    call.store.orders.delete_shipment(call.params["order_id"], call.params["shipment_id"])
    return no_content()


# -- statuses ---------------------------------------------------------------------------------
@table.route("GET", "/v2/order_statuses", scope=scopes.ORDERS)
def list_statuses(call: Call) -> Reply:
    return v2([model.render_status(status) for status in model.STATUSES])


@table.route("GET", "/v2/order_statuses/{status_id:int}", scope=scopes.ORDERS)
def get_status(call: Call) -> Reply:
    status = model.STATUS_BY_ID.get(call.params["status_id"])
    if status is None:
        raise not_found()
    return v2(model.render_status(status))
