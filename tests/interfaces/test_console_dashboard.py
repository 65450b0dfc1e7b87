"""The dashboard through httpx, on real runs: last sync, lag, API requests today, the activity chart."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from bchub.app import Hub
from bchub.domain.runs import RunStatus, Trigger
from bchub.interfaces.console.dashboard import READ_OPERATIONS, SYNC_OPERATIONS, chart, duration
from bchub.jobs.operations import default_registry
from bchub.storage.dashboard_repository import DayActivity
from bchub.storage.runs import RunRepository
from bchub.sync.orders.shipments import WRITE_OPERATION
from bcsandbox import Store
from tests.browser.support import cheap_passwords, logged_in
from tests.interfaces.test_console_connections import add_directly
from tests.sync.test_orders_helpers import BUSINESS, MERCHANT, VENDORS, World, world

pytestmark = pytest.mark.anyio
__all__ = ["world"]


def _row(page: str, connection_id: int) -> str:
    """The stores table's row of one connection."""
    found = re.search(rf'<tr id="store-{connection_id}">(.*?)</tr>', page, re.DOTALL)
    assert found is not None, f"no row for connection {connection_id}"
    return found.group(1)


def _cell(row: str, css: str) -> str:
    found = re.search(rf'<td class="{css}">(.*?)</td>', row, re.DOTALL)
    assert found is not None, f"no {css} cell"
    return " ".join(found.group(1).split())


def _requests_today(hub: Hub, connection_id: int) -> int:
    with hub.sessions() as session:
        return sum(run.requests for run in RunRepository(session).recent(connection_id=connection_id, limit=1000))


async def _a_routed_and_shipped_order(world: World) -> None:
    """A shopper order split over both vendors: got, routed, and shipped by the first vendor."""
    await world.hub.orders.change_settings(MERCHANT, {"import_statuses": "11", **BUSINESS})
    number = world.place((world.own_skus()[0], 1), (world.vendor_skus(0)[0], 2), (world.vendor_skus(1)[0], 1))
    await world.hub.orders.get(MERCHANT)
    await world.hub.orders.route(MERCHANT)
    detail = world.hub.orders.show(MERCHANT, number)
    north = next(item for item in detail.vendor_orders if detail.connection_names[item.vendor_connection_id] == "north")
    placed = world.vendor(0).orders.get(north.vendor_order_id or 0)
    shipment = {"tracking_number": "1ZNORTH1", "tracking_carrier": "ups", "shipping_provider": "ups"}
    items = [{"order_product_id": placed.lines[0].id, "quantity": 2}]
    world.vendor(0).orders.ship_order(placed.id, {**shipment, "items": items})
    shipped = await world.hub.orders.sync_shipments(MERCHANT)
    assert shipped.status is RunStatus.SUCCEEDED, shipped.error


async def test_each_store_shows_its_last_sync_lag_and_requests_today(world: World) -> None:
    cheap_passwords(world.hub)
    await _a_routed_and_shipped_order(world)
    merchant = world.hub.orders.connection_id(MERCHANT)
    north = world.hub.connections.get(VENDORS[0]).id
    assert north is not None
    async with logged_in(world.hub) as client:
        page = (await client.get("/console/")).text

    shop = _row(page, merchant)
    assert "sync_shipments" in _cell(shop, "last-sync") and '<span class="badge ok">succeeded</span>' in shop
    assert _cell(shop, "lag") == '<span class="badge ok" title="behind the store by at most this">under 1 min</span>'
    used = _requests_today(world.hub, merchant)
    assert used > 0  # get, route and shipments each asked the store something
    # the seeded stores are on the Standard plan: 150 requests per 30 s, 432,000 a day
    share = f"{100 * used / 432_000:.1f}%" if used >= 432 else "&lt;0.1%"
    assert _cell(shop, "quota").startswith(f'<span class="figure">{used:,}</span> requests')
    assert f"{share} of 432,000 a day" in _cell(shop, "quota")

    vendor = _row(page, north)  # the vendors' catalogs were imported when the world was made
    assert "import_listings" in _cell(vendor, "last-sync") and "under 1 min" in _cell(vendor, "lag")
    # its own runs' requests, and what the merchant's routing and shipment runs sent to its store
    # (the sandbox's log starts after the catalog imports)
    to_north = _requests_today(world.hub, north) + len(world.sandbox.requests(world.vendor(0).hash))
    assert len(world.sandbox.requests(world.vendor(0).hash)) > 0
    assert _cell(vendor, "quota").startswith(f'<span class="figure">{to_north:,}</span> requests')
    assert "each vendor's row counts what was sent to that store" in page
    assert "Lag</abbr>" in page and "the time since the newest finished read of the store began" in page


async def test_the_chart_counts_orders_vendor_orders_and_shipments_per_day(world: World) -> None:
    cheap_passwords(world.hub)
    await _a_routed_and_shipped_order(world)
    today = datetime.now(UTC).strftime("%b %d")
    north = world.hub.connections.get(VENDORS[0]).id
    harbor = world.hub.connections.get(VENDORS[1]).id
    async with logged_in(world.hub) as client:
        everything = (await client.get("/console/")).text
        for_north = (await client.get(f"/console/?store={north}")).text
        for_harbor = (await client.get(f"/console/?store={harbor}")).text
        unknown = await client.get("/console/?store=999")
        wrong = await client.get("/console/?store=north")

    assert 'role="img" aria-labelledby="activity-title activity-desc"' in everything
    for series in ("merchant orders got", "vendor orders routed", "shipments brought back"):
        assert '<span class="swatch' in everything and f"</span>{series}</li>" in everything
    assert f"<title>{today}, merchant orders got: 1</title>" in everything
    assert f"<title>{today}, vendor orders routed: 2</title>" in everything
    assert f"<title>{today}, shipments brought back: 1</title>" in everything
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%b %d")
    assert f"<title>{yesterday}, merchant orders got: 0</title>" in everything
    assert everything.count("<rect ") == 14 * 3
    assert "In all: merchant orders got 1, vendor orders routed 2, shipments brought back 1." in everything

    # one vendor: the order routed to it, its vendor order, and its shipment
    assert f"<title>{today}, vendor orders routed: 1</title>" in for_north
    assert f"<title>{today}, shipments brought back: 1</title>" in for_north and "for north. In all" in for_north
    assert f"<title>{today}, shipments brought back: 0</title>" in for_harbor
    assert f'<option value="{north}" selected>north</option>' in for_north
    assert unknown.status_code == 404 and wrong.status_code == 422


async def test_a_store_never_synced_and_a_stale_one(hub: Hub, store: Store) -> None:
    cheap_passwords(hub)
    connection_id = add_directly(hub, store)
    async with logged_in(hub) as client:
        fresh = _row((await client.get("/console/")).text, connection_id)
    assert "never" in _cell(fresh, "last-sync") and "never synced" in _cell(fresh, "lag")
    assert _cell(fresh, "quota").startswith('<span class="figure">0</span> requests')
    assert "daily allowance not known yet" in _cell(fresh, "quota")  # no response from the store seen yet

    three_hours_ago = datetime.now(UTC) - timedelta(hours=3, minutes=5)
    with hub.sessions.begin() as session:  # an import that read the store three hours ago, then a publish
        runs = RunRepository(session, now=lambda: three_hours_ago)
        imported = runs.start("import_listings", connection_id, Trigger.SCHEDULE)
        runs.finish(imported.id, RunStatus.PARTIAL, counts={"failed": 1}, requests=7)
        failed = RunRepository(session).start("get_orders", connection_id, Trigger.SCHEDULE)
        RunRepository(session).finish(failed.id, RunStatus.FAILED, counts={}, requests=2, error="boom")
        published = RunRepository(session).start("publish_listings", connection_id, Trigger.USER)
        RunRepository(session).finish(published.id, RunStatus.SUCCEEDED, counts={}, requests=3)
    async with logged_in(hub) as client:
        stale = _row((await client.get("/console/")).text, connection_id)
    # the publish is the last sync; the lag counts from the partial import (the failed read does not count)
    assert "publish_listings" in _cell(stale, "last-sync")
    assert (
        _cell(stale, "lag") == '<span class="badge unknown" title="behind the store by at most this">3 h 5 min</span>'
    )
    spent = 12 if three_hours_ago.date() == datetime.now(UTC).date() else 5  # yesterday's run is not today's
    assert _cell(stale, "quota").startswith(f'<span class="figure">{spent}</span> requests')


def test_durations_read_as_people_say_them() -> None:
    assert [duration(timedelta(seconds=s)) for s in (0, 59, 60, 3599, 3600, 3660, 86400, 90000, 180000)] == [
        "under 1 min",
        "under 1 min",
        "1 min",
        "59 min",
        "1 h",
        "1 h 1 min",
        "1 d",
        "1 d 1 h",
        "2 d 2 h",
    ]


def test_the_chart_scales_to_a_round_top_with_whole_ticks() -> None:
    today = date(2026, 11, 23)
    quiet = chart([DayActivity(today - timedelta(days=n), 0, 0, 0) for n in range(13, -1, -1)])
    assert quiet.empty and [tick.label for tick in quiet.ticks] == ["0", "1"]
    busy = chart([DayActivity(today - timedelta(days=1), 3, 7, 2), DayActivity(today, 1, 0, 0)])
    assert [tick.label for tick in busy.ticks] == ["0", "5", "10"] and busy.totals == {
        "orders": 4,
        "vendor_orders": 7,
        "shipments": 2,
    }
    tallest = max(busy.bars, key=lambda bar: bar.height)
    assert tallest.title == "Nov 22, vendor orders routed: 7" and tallest.height == pytest.approx(0.7 * 190)
    assert [label.label for label in busy.labels] == ["23 Nov"]  # every other day, counting back from today


def test_the_sync_operations_are_operations_runs_record() -> None:
    """The names the dashboard looks for are the names runs are recorded under (a rename shows here)."""
    recorded = set(default_registry().names()) | {WRITE_OPERATION}  # shipments are written by a run of their own
    assert READ_OPERATIONS <= SYNC_OPERATIONS <= recorded
    assert not {"test_connection", "keep_webhooks", "purge_pii"} & SYNC_OPERATIONS
