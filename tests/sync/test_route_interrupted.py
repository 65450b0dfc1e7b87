"""Routing interrupted: a crash between creates, the hub's database gone mid-run, and each vendor's request count.

A crash is the routing task cancelled after a few vendor orders were placed (what a SIGKILL
leaves: creates in flight, the rest not sent). The database outage is every statement of the
hub's engine failing as a stopped server makes it fail, from the moment the vendor store holds
a given number of orders.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from bchub.domain.orders import VendorOrderState
from bchub.domain.runs import RunStatus, vendor_requests_key
from bchub.storage.dashboard_repository import DashboardRepository
from bchub.storage.order_tables import VendorOrderRow
from bchub.sync.orders.common import WRITE_CONCURRENCY
from bchub.sync.orders.route import SENDING_BATCH
from bcsandbox.seed import VENDOR_HASHES
from tests.sync.test_orders_helpers import BUSINESS, MERCHANT, VENDORS, World, world

pytestmark = pytest.mark.anyio
__all__ = ["world"]

ORDERS = 24  # all to the first vendor, one line each


async def _orders_for_one_vendor(world: World, count: int = ORDERS) -> None:
    await world.hub.orders.change_settings(MERCHANT, {"import_statuses": "11", **BUSINESS})
    skus = world.vendor_skus(0)
    for number in range(count):
        world.place((skus[number % len(skus)], 1))
    got = await world.hub.orders.get(MERCHANT)
    assert got.run.status is RunStatus.SUCCEEDED
    world.sandbox.clear_requests()


class CancelAfter:
    """Progress that cancels the routing task once ``done`` vendor orders are through: the worker dies there."""

    def __init__(self, done: int) -> None:
        self.done = done
        self.seen = 0
        self.task: asyncio.Task[Any] | None = None

    def start(self, task: str, total: int | None = None) -> None:
        return None

    def advance(self, task: str, amount: int = 1) -> None:
        self.seen += amount
        if task == "vendor orders" and self.seen == self.done and self.task is not None:
            self.task.cancel()


def _hub_states(world: World) -> dict[str, VendorOrderState]:
    with world.hub.sessions() as session:
        rows = session.query(VendorOrderRow.external_order_id, VendorOrderRow.state).all()
    return {external: VendorOrderState(state) for external, state in rows}


def _in_store(world: World, vendor: int = 0) -> list[str]:
    return [order.external_order_id for order in world.vendor(vendor).orders.orders.values()]


def _lookups(world: World) -> int:
    return world.requests(world.vendor(0), "GET", "/v2/orders")


def _posts(world: World) -> int:
    return world.requests(world.vendor(0), "POST", "/v2/orders")


async def test_after_a_crash_only_the_orders_in_flight_or_marked_just_ahead_are_looked_up(world: World) -> None:
    await _orders_for_one_vendor(world)
    crash = CancelAfter(6)
    crash.task = asyncio.ensure_future(world.hub.orders.route(MERCHANT, progress=crash))
    with pytest.raises(asyncio.CancelledError):
        await crash.task
    placed = _in_store(world)
    assert 6 <= len(placed) < ORDERS
    # write-ahead: every order that reached the store is recorded as sending (or placed) in the hub
    states = _hub_states(world)
    assert all(states[external] in (VendorOrderState.SENDING, VendorOrderState.PLACED) for external in placed)
    sending = [external for external, state in states.items() if state is VendorOrderState.SENDING]
    assert len(sending) <= SENDING_BATCH + WRITE_CONCURRENCY - 1, sending

    world.sandbox.clear_requests()
    again = await world.hub.orders.route(MERCHANT)
    assert again.status is RunStatus.SUCCEEDED, again.error
    assert _lookups(world) == len(sending)  # the crash cost one look-up per order marked, not per order left
    assert _posts(world) == ORDERS - len(placed)
    assert sorted(_in_store(world)) == sorted(set(_in_store(world))) and len(_in_store(world)) == ORDERS


@contextmanager
def database_down_when(world: World, condition: Callable[[], bool]) -> Iterator[None]:
    """Every statement on the hub's engine fails as an unreachable database does, once ``condition()`` holds."""

    def refuse(*_: Any) -> None:
        if condition():
            raise sqlite3.OperationalError("unable to open database file")

    event.listen(world.hub.engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(world.hub.engine, "before_cursor_execute", refuse)


async def test_a_database_outage_stops_the_creates_and_the_next_run_sends_each_order_once(world: World) -> None:
    await _orders_for_one_vendor(world)
    down_at = 5
    with database_down_when(world, lambda: len(_in_store(world)) >= down_at), pytest.raises(OperationalError):
        await world.hub.orders.route(MERCHANT)
    # only the creates already in flight when it went down went out; the rest waited
    sent = _posts(world)
    assert down_at <= sent <= down_at + WRITE_CONCURRENCY - 1, sent
    states = _hub_states(world)
    assert all(states[external] in (VendorOrderState.SENDING, VendorOrderState.PLACED) for external in _in_store(world))

    again = await world.hub.orders.route(MERCHANT)
    assert again.status is RunStatus.SUCCEEDED, again.error
    assert len(_in_store(world)) == len(set(_in_store(world))) == ORDERS
    assert all(state is VendorOrderState.PLACED for state in _hub_states(world).values())


async def test_vendor_requests_are_counted_per_vendor_and_on_the_vendors_dashboard_row(world: World) -> None:
    await world.hub.orders.change_settings(MERCHANT, {"import_statuses": "11", **BUSINESS})
    north, harbor = world.vendor_skus(0), world.vendor_skus(1)
    for number in range(5):
        world.place((north[number % len(north)], 1), (harbor[number % len(harbor)], 1))
    world.place((north[0], 1))
    await world.hub.orders.get(MERCHANT)
    world.sandbox.clear_requests()
    routed = await world.hub.orders.route(MERCHANT)
    for vendor_order in world.vendor(0).orders.orders.values():
        world.vendor(0).orders.ship_order(
            vendor_order.id,
            {
                "tracking_number": f"1Z{vendor_order.id}",
                "items": [{"order_product_id": line.id, "quantity": line.quantity} for line in vendor_order.lines],
            },
        )
    synced = await world.hub.orders.sync_shipments(MERCHANT)
    assert routed.status is RunStatus.SUCCEEDED and synced.status is RunStatus.SUCCEEDED, (routed.error, synced.error)

    ids = {name: world.hub.orders.connection_id(name) for name in (MERCHANT, *VENDORS)}
    for run in (routed, synced):
        shares = {name: run.counts.get(vendor_requests_key(ids[name]), 0) for name in VENDORS}
        assert sum(shares.values()) == run.counts["vendor_requests"]
    logged = {name: len(world.sandbox.requests(VENDOR_HASHES[index])) for index, name in enumerate(VENDORS)}
    counted = {
        name: sum(run.counts.get(vendor_requests_key(ids[name]), 0) for run in (routed, synced)) for name in VENDORS
    }
    assert counted == logged and logged[VENDORS[0]] > logged[VENDORS[1]] > 0  # north also had its shipments read

    # the dashboard's "requests today": each store's row counts what was sent to it
    with world.hub.sessions() as session:
        spent = DashboardRepository(session).requests_since(routed.started_at)
    assert spent[ids[MERCHANT]] == routed.requests + synced.requests == len(world.sandbox.requests(world.merchant.hash))
    assert {name: spent[ids[name]] for name in VENDORS} == logged
