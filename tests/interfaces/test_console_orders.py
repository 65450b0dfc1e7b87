"""Console orders pages through httpx: filters, an order's lines, Route, vendor orders, tracking links."""

from __future__ import annotations

import re

import pytest

from bchub.domain.orders import RouteState
from bchub.jobs.model import JobStatus
from tests.browser.support import cheap_passwords, csrf_of, logged_in
from tests.sync.test_orders_helpers import BUSINESS, MERCHANT, VENDORS, World, world

pytestmark = pytest.mark.anyio
__all__ = ["world"]


async def _imported_split_order(world: World) -> int:
    cheap_passwords(world.hub)
    await world.hub.orders.change_settings(MERCHANT, {"import_statuses": "11", **BUSINESS})
    number = world.place((world.own_skus()[0], 1), (world.vendor_skus(0)[0], 2), (world.vendor_skus(1)[0], 1))
    await world.hub.orders.get(MERCHANT)
    return number


async def test_orders_are_listed_and_filtered(world: World) -> None:
    number = await _imported_split_order(world)
    merchant_id = world.hub.orders.connection_id(MERCHANT)
    async with logged_in(world.hub) as client:
        listing = await client.get("/console/orders")
        assert f'href="/console/orders/{merchant_id}/{number}">#{number}</a>' in listing.text
        assert '<span class="badge unknown">pending</span>' in listing.text
        pending = await client.get(f"/console/orders?connection={merchant_id}&state=pending&status=11")
        assert f"#{number}</a>" in pending.text
        routed = await client.get("/console/orders?state=routed")
        assert f"#{number}</a>" not in routed.text and "No orders match these filters" in routed.text
        unmatched = await client.get("/console/orders?unmatched=true")
        assert f"#{number}</a>" not in unmatched.text
        bad = await client.get("/console/orders?state=lost")
        assert bad.status_code == 422 and "no routing state &#39;lost&#39;" in bad.text


async def test_route_an_order_from_its_page_then_see_vendor_orders_and_tracking(world: World) -> None:
    number = await _imported_split_order(world)
    merchant_id = world.hub.orders.connection_id(MERCHANT)
    page_path = f"/console/orders/{merchant_id}/{number}"
    async with logged_in(world.hub) as client:
        page = await client.get(page_path)
        assert page.status_code == 200
        for name in VENDORS:  # each vendor line says who supplies it
            assert re.search(rf"<td>\s*{name}\s*</td>", page.text), name
        assert ">Route</button>" in page.text and "Not routed yet." in page.text

        queued = await client.post(f"{page_path}/route", data={"csrf_token": csrf_of(page.text)})
        assert queued.status_code == 303
        job_id = int(queued.headers["location"].rsplit("/", 1)[1])
        assert (await world.hub.jobs.wait(job_id, run_here=True)).status is JobStatus.SUCCEEDED
        assert world.hub.orders.show(MERCHANT, number).order.route_state is RouteState.ROUTED

        routed = await client.get(page_path)
        assert '<span class="badge ok">routed</span>' in routed.text and ">Route</button>" not in routed.text
        assert routed.text.count('<span class="badge ok">placed</span>') == 2

        detail = world.hub.orders.show(MERCHANT, number)
        north = next(
            item for item in detail.vendor_orders if detail.connection_names[item.vendor_connection_id] == "north"
        )
        vendor_order = world.vendor(0).orders.get(north.vendor_order_id or 0)
        world.vendor(0).orders.ship_order(
            vendor_order.id,
            {
                "tracking_number": "1ZNORTH1",
                "tracking_carrier": "ups",
                "shipping_provider": "ups",
                "items": [{"order_product_id": vendor_order.lines[0].id, "quantity": 2}],
            },
        )
        await world.hub.orders.sync_shipments(MERCHANT)
        shipped = await client.get(page_path)
        assert "1ZNORTH1" in shipped.text and "written (shipment #" in shipped.text
        missing = await client.get(f"/console/orders/{merchant_id}/99999")
        assert missing.status_code == 404 and "is not in the hub" in missing.text
