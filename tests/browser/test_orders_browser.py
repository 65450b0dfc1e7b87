"""Orders in headless Chromium: find an imported order, Route it, watch the job, see vendor orders and tracking."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import serving, shoot
from tests.browser.support import PASSWORD, USERNAME
from tests.sync.test_orders_helpers import BUSINESS, MERCHANT, VENDORS, World, world

__all__ = ["world"]
T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a hub coroutine to its end; Playwright's sync API already runs an event loop in this thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture
def live_world(world: World) -> Iterator[tuple[str, World]]:
    with serving(world.hub) as url:
        yield url, world


def test_route_an_order_and_see_its_tracking(live_world: tuple[str, World], page: Page) -> None:
    url, world = live_world
    hub = world.hub
    run(hub.orders.change_settings(MERCHANT, {"import_statuses": "11", **BUSINESS}))
    number = world.place((world.own_skus()[0], 1), (world.vendor_skus(0)[0], 2), (world.vendor_skus(1)[0], 1))
    run(hub.orders.get(MERCHANT))

    page.goto(url + "/console/orders")
    page.fill("#username", USERNAME)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.select_option("select[name=state]", "pending")
    page.click("button:has-text('Filter')")
    page.click(f"text=#{number}")
    expect(page.locator("h1")).to_contain_text(f"Order #{number}")
    expect(page.get_by_text("Not routed yet.")).to_be_visible()
    shoot(page, "11-order-pending")

    page.click("button:has-text('Route')")
    expect(page.locator("h1 .badge")).to_have_text("succeeded", timeout=10_000)
    page.go_back()
    page.reload()
    expect(page.locator("h1 .badge")).to_have_text("routed")
    expect(page.locator("text=placed")).to_have_count(2)

    # the vendor ships with tracking; the hub brings it back to the merchant's order
    detail = hub.orders.show(MERCHANT, number)
    north = next(
        item for item in detail.vendor_orders if detail.connection_names[item.vendor_connection_id] == VENDORS[0]
    )
    shipped = world.vendor(0).orders.get(north.vendor_order_id or 0)
    world.vendor(0).orders.ship_order(
        shipped.id,
        {
            "tracking_number": "1ZNORTH1",
            "tracking_carrier": "ups",
            "shipping_provider": "ups",
            "items": [{"order_product_id": shipped.lines[0].id, "quantity": shipped.lines[0].quantity}],
        },
    )
    run(hub.orders.sync_shipments(MERCHANT))
    page.reload()
    expect(page.locator("text=1ZNORTH1")).to_be_visible()
    shoot(page, "12-order-routed-with-tracking")
