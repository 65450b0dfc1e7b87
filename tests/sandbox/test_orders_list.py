"""``GET /v2/orders`` and ``/v2/orders/count``: filters, sorting, paging, includes; property tests."""

from __future__ import annotations

import asyncio
import math
import time
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bcsandbox import Sandbox, SandboxSettings, Store
from bcsandbox.backends.orders import Order
from bcsandbox.testing import api_client
from tests.sandbox.test_orders_support import (
    BILLING,
    conforms,
    create_order,
    custom_line,
    message,
    order_body,
)

pytestmark = pytest.mark.anyio

BASE_DAY = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)
SORTABLE = ("id", "customer_id", "date_created", "date_modified", "status_id", "channel_id", "external_id")


async def ids(api: httpx.AsyncClient, query: str) -> list[int]:
    response = await api.get(f"/v2/orders?{query}")
    if response.status_code == 204:
        return []
    assert response.status_code == 200, response.text
    return [order["id"] for order in response.json()]


# -- filters, one by one ----------------------------------------------------------------------
async def test_list_conforms_and_defaults_to_id_order(api: httpx.AsyncClient) -> None:
    created = [await create_order(api) for _ in range(3)]
    response = await api.get("/v2/orders")
    assert response.status_code == 200
    conforms(response)
    assert response.json() == created


async def test_empty_store_lists_204_with_no_body(api: httpx.AsyncClient) -> None:
    response = await api.get("/v2/orders")
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers.get("content-type") is None


async def test_id_total_customer_email_status_payment_channel_and_external_filters(api: httpx.AsyncClient) -> None:
    cheap = await create_order(api, order_body(custom_line(ex=5, inc=5), customer_id=3, status_id=11))
    dear = await create_order(
        api,
        order_body(
            custom_line(ex=100, inc=110),
            billing_address={**BILLING, "email": "Big.Spender@Example.com"},
            payment_method="Cash",
            external_order_id="amz-1",
        ),
    )
    middle = await create_order(api, order_body(custom_line(ex=50, inc=55), customer_id=3, status_id=2))
    assert await ids(api, f"min_id={dear['id']}") == [dear["id"], middle["id"]]
    assert await ids(api, f"max_id={dear['id']}") == [cheap["id"], dear["id"]]
    assert await ids(api, "min_total=55") == [dear["id"], middle["id"]]
    assert await ids(api, "max_total=55.00") == [cheap["id"], middle["id"]]
    assert await ids(api, "min_total=6&max_total=109.99") == [middle["id"]]
    assert await ids(api, "customer_id=3") == [cheap["id"], middle["id"]]
    assert await ids(api, "customer_id=0") == [dear["id"]]
    assert await ids(api, "email=big.spender@example.com") == [dear["id"]]
    assert await ids(api, "status_id=11") == [cheap["id"]]
    assert await ids(api, "status_id=5") == []
    assert await ids(api, "payment_method=cash") == [dear["id"]]
    assert await ids(api, "channel_id=1") == [cheap["id"], dear["id"], middle["id"]]
    assert await ids(api, "channel_id=2") == []
    assert await ids(api, "external_order_id=amz-1") == [dear["id"]]
    assert await ids(api, "external_order_id=amz-2") == []
    assert await ids(api, "cart_id=none-such") == []
    assert await ids(api, "customer_id=3&status_id=2") == [middle["id"]]


async def test_date_filters_take_rfc2822_and_iso8601(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    old = await create_order(api, order_body(date_created="Thu, 20 Apr 2017 11:32:00 -0400"))
    new = await create_order(api, order_body(date_created="Fri, 21 Apr 2017 00:00:00 +0000"))
    assert await ids(api, "min_date_created=Thu, 20 Apr 2017 11:32:00 -0400") == [old["id"], new["id"]]
    assert await ids(api, "min_date_created=Thu, 20 Apr 2017 11:32:01 -0400") == [new["id"]]
    assert await ids(api, "max_date_created=2017-04-20T11:32:00.000-04:00") == [old["id"]]
    assert await ids(api, "max_date_created=2017-04-20T15:31:59Z") == []
    sandbox.clock.advance(7200)
    await api.put(f"/v2/orders/{old['id']}", json={"staff_notes": "touched"})
    touched_after = format_datetime(sandbox.clock.now() - timedelta(seconds=60))
    assert await ids(api, f"min_date_modified={touched_after}") == [old["id"]]
    assert await ids(api, f"max_date_modified={touched_after}") == [new["id"]]
    response = await api.get("/v2/orders?min_date_created=last tuesday")
    assert response.status_code == 400
    assert "The field 'min_date_created' is invalid" in message(response)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status_id=eleven", "The query parameter 'status_id' must be an integer"),
        ("min_total=lots", "The field 'min_total' is invalid"),
        ("sort=total", "The field 'sort' is invalid: 'total' is not one of id, customer_id"),
        ("sort=id:up", "The field 'sort' is invalid"),
        ("is_deleted=maybe", "The field 'is_deleted' is invalid"),
        ("include=coupons", "The field 'include' is invalid"),
    ],
)
async def test_bad_list_parameters_are_400(api: httpx.AsyncClient, query: str, expected: str) -> None:
    await create_order(api)
    response = await api.get(f"/v2/orders?{query}")
    assert response.status_code == 400
    assert expected in message(response)


async def test_sort_by_each_field(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    specs = [
        (3, 11, "Mon, 03 Jun 2024 00:00:00 +0000"),
        (1, 2, "Sat, 01 Jun 2024 00:00:00 +0000"),
        (2, 11, "Sun, 02 Jun 2024 00:00:00 +0000"),
    ]
    created = []
    for customer, status, date in specs:
        created.append(await create_order(api, order_body(customer_id=customer, status_id=status, date_created=date)))
        sandbox.clock.advance(10)
    first, second, third = (order["id"] for order in created)
    assert await ids(api, "sort=id:desc") == [third, second, first]
    assert await ids(api, "sort=customer_id") == [second, third, first]
    assert await ids(api, "sort=customer_id:desc") == [first, third, second]
    assert await ids(api, "sort=date_created:asc") == [second, third, first]
    assert await ids(api, "sort=date_modified:desc") == [third, second, first]
    assert await ids(api, "sort=status_id") == [second, first, third]  # ties keep id order
    assert await ids(api, "sort=channel_id:asc") == [first, second, third]
    assert await ids(api, "sort=external_id") == [first, second, third]


async def test_paging_defaults_and_limits(api: httpx.AsyncClient, store: Store) -> None:
    for _ in range(55):
        store.orders.create(order_body())
    assert len(await ids(api, "")) == 50  # default limit
    assert len(await ids(api, "page=2")) == 5
    assert await ids(api, "page=3") == []
    assert len(await ids(api, "limit=250")) == 55
    too_many = await api.get("/v2/orders?limit=251")
    assert too_many.status_code == 413
    assert (await api.get("/v2/orders?page=-1")).status_code == 400


async def test_archived_orders_need_is_deleted(api: httpx.AsyncClient) -> None:
    live = await create_order(api)
    gone = await create_order(api)
    await api.delete(f"/v2/orders/{gone['id']}")
    assert await ids(api, "") == [live["id"]]
    assert await ids(api, "is_deleted=false") == [live["id"]]
    assert await ids(api, "is_deleted=true") == [gone["id"]]
    count = (await api.get("/v2/orders/count")).json()
    assert count["count"] == 1


async def test_includes_apply_to_every_listed_order(api: httpx.AsyncClient) -> None:
    for _ in range(3):
        await create_order(
            api,
            order_body(
                custom_line("A", 1),
                custom_line("B", 2),
                fees=[{"display_name_customer": "F", "cost_ex_tax": 1, "cost_tax": 0}],
            ),
        )
    response = await api.get("/v2/orders?include=consignments.line_items,fees&consignment_structure=object")
    assert response.status_code == 200
    conforms(response)
    for order in response.json():
        (shipping,) = order["consignments"]["shipping"]
        assert [line["name"] for line in shipping["line_items"]] == ["A", "B"]
        assert [fee["display_name_customer"] for fee in order["fees"]] == ["F"]
    linked = await api.get("/v2/orders?include=consignments")
    conforms(linked)
    assert all("resource" in order["consignments"]["shipping"][0]["line_items"][0] for order in linked.json())


async def test_listing_250_orders_with_inline_consignments_is_cheap(api: httpx.AsyncClient, store: Store) -> None:
    for _ in range(250):
        store.orders.create(order_body(custom_line("A", 1), custom_line("B", 2), custom_line("C", 3)))
    query = "/v2/orders?limit=250&include=consignments.line_items,fees&consignment_structure=object"
    await api.get(query)
    started = time.perf_counter()
    response = await api.get(query)
    elapsed = time.perf_counter() - started
    assert len(response.json()) == 250
    assert elapsed < 1.0, f"listing 250 orders with inline line items took {elapsed:.3f} s"


# -- count ------------------------------------------------------------------------------------
async def test_count_by_status_conforms(api: httpx.AsyncClient) -> None:
    for status in (11, 11, 2, 0):
        await create_order(api, order_body(status_id=status, customer_id=1 if status == 2 else 0))
    response = await api.get("/v2/orders/count")
    assert response.status_code == 200
    conforms(response)
    body = response.json()
    assert body["count"] == 4
    by_id = {status["id"]: status for status in body["statuses"]}
    assert (by_id[11]["count"], by_id[2]["count"], by_id[0]["count"], by_id[5]["count"]) == (2, 1, 1, 0)
    assert [status["sort_order"] for status in body["statuses"]] == list(range(15))
    assert by_id[11]["name"] == "Awaiting Fulfillment"
    filtered = (await api.get("/v2/orders/count?customer_id=1")).json()
    assert filtered["count"] == 1
    assert {status["id"]: status["count"] for status in filtered["statuses"] if status["count"]} == {2: 1}
    empty = await api.get("/v2/orders/count?status_id=7")
    assert empty.status_code == 200
    assert empty.json()["count"] == 0


# -- properties -------------------------------------------------------------------------------
ORDER_SPECS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=14),  # status_id
        st.integers(min_value=0, max_value=3),  # customer_id
        st.integers(min_value=0, max_value=20 * 86400),  # date_created offset, seconds
        st.integers(min_value=0, max_value=5000),  # clock advance before creating, seconds
    ),
    max_size=12,
)
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=-4)), timezone(timedelta(hours=5, minutes=30))])
# A bound is a free date, or one of the orders' own dates moved by -1, 0 or +1 second (the edges).
BOUNDS = (
    st.none()
    | st.tuples(
        st.just("free"),
        st.datetimes(min_value=datetime(2024, 2, 25), max_value=datetime(2024, 3, 25), timezones=ZONES),
    )
    | st.tuples(st.just("edge"), st.integers(0, 11), st.integers(-1, 1), ZONES)
)


def resolve_bound(bound: Any, dates: list[datetime]) -> datetime | None:
    """A drawn bound as a whole-second aware datetime (``None``: no filter)."""
    if bound is None:
        return None
    if bound[0] == "free":
        value: datetime = bound[1]
        return value.replace(microsecond=0)
    _, index, shift, zone = bound
    if not dates:
        return None
    return (dates[index % len(dates)] + timedelta(seconds=shift)).astimezone(zone)


def date_text(value: datetime, style: str) -> str:
    """``value`` as the API documents filters: RFC-2822 or ISO-8601 (with milliseconds, or ``Z``)."""
    if style == "rfc2822":
        return format_datetime(value)
    if style == "iso_z":
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat(timespec="milliseconds")


def build_store(specs: list[tuple[int, int, int, int]]) -> tuple[Sandbox, Store]:
    sandbox = Sandbox(SandboxSettings())
    store = sandbox.create_store("prop123", plan="enterprise")
    for status_id, customer_id, created_offset, advance in specs:
        sandbox.clock.advance(advance)
        created = BASE_DAY + timedelta(seconds=created_offset)
        store.orders.create(
            order_body(status_id=status_id, customer_id=customer_id, date_created=format_datetime(created))
        )
    return sandbox, store


def list_ids(sandbox: Sandbox, store: Store, params: dict[str, str]) -> list[int]:
    async def run() -> list[int]:
        async with api_client(sandbox, store) as client:
            response = await client.get("/v2/orders", params={**params, "limit": "250"})
        if response.status_code == 204:
            assert response.content == b""
            return []
        assert response.status_code == 200, response.text
        return [order["id"] for order in response.json()]

    return asyncio.run(run())


def sort_value(order: Order, field: str) -> Any:
    return "" if field == "external_id" else getattr(order, field)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=ORDER_SPECS,
    status_id=st.none() | st.integers(min_value=0, max_value=14),
    created=st.tuples(BOUNDS, BOUNDS),
    modified=st.tuples(BOUNDS, BOUNDS),
    id_bounds=st.tuples(st.none() | st.integers(98, 113), st.none() | st.integers(98, 113)),
    style=st.sampled_from(["rfc2822", "iso_millis", "iso_z"]),
    sort=st.sampled_from(SORTABLE),
    descending=st.booleans(),
)
def test_filters_and_sort_select_exactly_the_matching_orders(
    specs: list[tuple[int, int, int, int]],
    status_id: int | None,
    created: tuple[Any, Any],
    modified: tuple[Any, Any],
    id_bounds: tuple[int | None, int | None],
    style: str,
    sort: str,
    descending: bool,
) -> None:
    sandbox, store = build_store(specs)
    orders = list(store.orders.orders.values())
    min_created, max_created = (resolve_bound(bound, [order.date_created for order in orders]) for bound in created)
    min_modified, max_modified = (resolve_bound(bound, [order.date_modified for order in orders]) for bound in modified)
    min_id, max_id = id_bounds
    params = {"sort": f"{sort}:{'desc' if descending else 'asc'}"}
    if status_id is not None:
        params["status_id"] = str(status_id)
    for name, value in (
        ("min_date_created", min_created),
        ("max_date_created", max_created),
        ("min_date_modified", min_modified),
        ("max_date_modified", max_modified),
    ):
        if value is not None:
            params[name] = date_text(value, style)
    if min_id is not None:
        params["min_id"] = str(min_id)
    if max_id is not None:
        params["max_id"] = str(max_id)

    expected = [
        order
        for order in orders
        if (status_id is None or order.status_id == status_id)
        and (min_created is None or order.date_created >= min_created)
        and (max_created is None or order.date_created <= max_created)
        and (min_modified is None or order.date_modified >= min_modified)
        and (max_modified is None or order.date_modified <= max_modified)
        and (min_id is None or order.id >= min_id)
        and (max_id is None or order.id <= max_id)
    ]
    expected.sort(key=lambda order: (sort_value(order, sort), order.id), reverse=descending)
    assert list_ids(sandbox, store, params) == [order.id for order in expected]


EDGE_FILTERS = (
    "min_id",
    "max_id",
    "min_date_created",
    "max_date_created",
    "min_date_modified",
    "max_date_modified",
)


@settings(max_examples=150, deadline=None)
@given(
    specs=ORDER_SPECS.filter(bool),
    name=st.sampled_from(EDGE_FILTERS),
    index=st.integers(0, 11),
    shift=st.integers(-1, 1),
    zone=ZONES,
    style=st.sampled_from(["rfc2822", "iso_millis", "iso_z"]),
)
def test_each_bound_is_inclusive_at_its_edge(
    specs: list[tuple[int, int, int, int]], name: str, index: int, shift: int, zone: timezone, style: str
) -> None:
    """One filter alone, set at an order's own id or date (±1), so its edge decides the result."""
    sandbox, store = build_store(specs)
    orders = list(store.orders.orders.values())
    field = "id" if name.endswith("_id") else name.removeprefix("min_").removeprefix("max_")
    edge = getattr(orders[index % len(orders)], field)
    if field == "id":
        bound: Any = edge + shift
        text = str(bound)
    else:
        bound = (edge + timedelta(seconds=shift)).astimezone(zone)
        text = date_text(bound, style)
    keep = (lambda value: value >= bound) if name.startswith("min_") else (lambda value: value <= bound)
    expected = [order.id for order in orders if keep(getattr(order, field))]
    assert list_ids(sandbox, store, {name: text}) == expected


@settings(max_examples=40, deadline=None)
@given(total=st.integers(min_value=0, max_value=30), limit=st.integers(min_value=1, max_value=8))
@example(total=0, limit=5)
@example(total=10, limit=5)  # an exact multiple: the page after the last full one is the 204
@example(total=24, limit=8)
@example(total=7, limit=1)
def test_pages_return_each_order_once_then_204(total: int, limit: int) -> None:
    sandbox, store = build_store([(11, 0, number, 0) for number in range(total)])
    all_ids = [order.id for order in store.orders.orders.values()]

    async def walk() -> tuple[list[list[int]], int]:
        pages: list[list[int]] = []
        async with api_client(sandbox, store) as client:
            page = 1
            while True:
                response = await client.get("/v2/orders", params={"page": page, "limit": limit})
                if response.status_code == 204:
                    assert response.content == b""
                    return pages, page
                assert response.status_code == 200
                pages.append([order["id"] for order in response.json()])
                page += 1

    pages, empty_page = asyncio.run(walk())
    assert [order_id for page in pages for order_id in page] == all_ids
    assert empty_page == math.ceil(total / limit) + 1
    assert all(len(page) == limit for page in pages[:-1])
    assert all(0 < len(page) <= limit for page in pages)
