"""Getting orders against the sandbox: status and age filters, acknowledgement, re-reads, unmatched lines, explain."""

from __future__ import annotations

import pytest

from bchub.domain.orders import RouteState
from bchub.domain.runs import Outcome, RunStatus
from bchub.storage.order_repository import OrderFilter
from bchub.sync.orders.get import GetRequest
from tests.sync.test_orders_helpers import MERCHANT, World, world

pytestmark = pytest.mark.anyio
__all__ = ["world"]


async def _settings(world: World, **values: str) -> None:
    await world.hub.orders.change_settings(MERCHANT, values)


def _store_ids(world: World) -> list[int]:
    found, _ = world.hub.orders.search(OrderFilter(), limit=250)
    return sorted(order.store_order_id for order in found)


async def test_statuses_and_age_select_what_is_imported_and_explain_says_why(world: World) -> None:
    await _settings(world, import_statuses="11,9", created_within_days="30")
    own = world.own_skus()
    wanted = [world.place((own[0], 1)), world.place((own[1], 2), status_id=9)]
    shipped = world.place((own[0], 1), status_id=2)
    old = world.place_old(own[2], days=40)
    result = await world.hub.orders.get(MERCHANT)
    assert result.run.status is RunStatus.SUCCEEDED
    assert _store_ids(world) == sorted(wanted)
    assert result.run.counts["created"] == 2
    # one listing per status to import, lines inline: no per-order calls
    assert result.run.requests == 2

    not_in_status = await world.hub.orders.explain(MERCHANT, shipped)
    assert not not_in_status.in_hub and [reason.code for reason in not_in_status.reasons] == ["status"]
    assert "Shipped (2), not among the statuses to import" in not_in_status.reasons[0].message
    too_old = await world.hub.orders.explain(MERCHANT, old)
    assert [reason.code for reason in too_old.reasons] == ["too_old"]
    assert (await world.hub.orders.explain(MERCHANT, wanted[0])).in_hub
    assert [reason.code for reason in (await world.hub.orders.explain(MERCHANT, 99_999)).reasons] == ["not_found"]


async def test_re_reading_updates_orders_never_duplicates_them(world: World) -> None:
    await _settings(world, import_statuses="11")
    own = world.own_skus()
    first, second = world.place((own[0], 1)), world.place((own[1], 1))
    await world.hub.orders.get(MERCHANT)
    again = await world.hub.orders.get(MERCHANT)
    assert again.run.counts.get("created", 0) == 0 and again.run.counts["unchanged"] == 2
    assert again.run.requests == 1  # one listing of the orders modified since the last run

    world.merchant.orders.update(first, {"status_id": 2})  # shipped in the control panel
    changed = await world.hub.orders.get(MERCHANT)
    assert changed.run.counts["updated"] == 1
    detail = world.hub.orders.show(MERCHANT, first)
    assert (detail.order.status_id, detail.order.status) == (2, "Shipped")
    assert _store_ids(world) == [first, second]
    full = await world.hub.orders.get(MERCHANT, GetRequest(full=True))
    assert full.run.counts.get("created", 0) == 0 and _store_ids(world) == [first, second]


async def test_acknowledgement_moves_imported_orders_on_once(world: World) -> None:
    await _settings(world, import_statuses="11", acknowledge_status="9")
    own = world.own_skus()
    orders = [world.place((own[0], 1)), world.place((own[1], 1))]
    result = await world.hub.orders.get(MERCHANT)
    assert result.run.counts["acknowledged"] == 2
    assert [world.merchant.orders.get(number).status_id for number in orders] == [9, 9]
    detail = world.hub.orders.show(MERCHANT, orders[0])
    assert detail.order.status_id == 9 and detail.order.acknowledged_at is not None
    before = world.requests(world.merchant, "PUT")
    again = await world.hub.orders.get(MERCHANT)
    assert world.requests(world.merchant, "PUT") == before  # acknowledged once
    assert again.run.counts.get("created", 0) == 0 and _store_ids(world) == orders


async def test_unmatched_lines_are_kept_and_flagged_without_blocking_the_order(world: World) -> None:
    await _settings(world, import_statuses="11")
    own = world.own_skus()
    vendor_sku = world.vendor_skus(0)[0]
    number = world.place((own[0], 1), (vendor_sku, 1))
    fine = world.place((own[1], 1))
    world.merchant.catalog.create_product(
        {"name": "Gift wrap", "type": "physical", "sku": "WRAP", "price": 2, "weight": 0}
    )
    wrapped = world.place(("WRAP", 1))
    result = await world.hub.orders.get(MERCHANT)
    assert result.run.status is RunStatus.SUCCEEDED and result.run.counts["created"] == 3
    detail = world.hub.orders.show(MERCHANT, wrapped)
    (line,) = detail.order.lines
    assert line.unmatched_reason == "no hub item has the SKU 'WRAP'" and line.quantity == 1
    assert detail.order.route_state is RouteState.PENDING  # held when routed, never dropped
    items = {item.key: item for item in world.items(result.run)}
    assert items[f"#{wrapped}"].outcome is Outcome.CREATED and "WRAP" in (items[f"#{wrapped}"].reason or "")
    assert items[f"#{fine}"].reason is None
    routed = world.hub.orders.show(MERCHANT, number).order
    assert [line.vendor_connection_id is not None for line in routed.lines] == [False, True]


async def test_manual_pick_imports_chosen_orders_whatever_their_status(world: World) -> None:
    await _settings(world, import_statuses="11")
    own = world.own_skus()
    completed = world.place((own[0], 1), status_id=10)
    listed = await world.hub.orders.remote(MERCHANT, statuses=[10])
    assert [(order.store_order_id, order.in_hub) for order in listed] == [(completed, False)]
    result = await world.hub.orders.get(MERCHANT, GetRequest(store_order_ids=[completed, 77_777]))
    assert result.run.status is RunStatus.PARTIAL  # the unknown one fails alone
    assert _store_ids(world) == [completed]
    assert [
        (order.store_order_id, order.in_hub) for order in await world.hub.orders.remote(MERCHANT, statuses=[10])
    ] == [(completed, True)]


async def test_no_statuses_to_import_is_a_clear_failure(world: World) -> None:
    result = await world.hub.orders.get(MERCHANT)
    assert result.run.status is RunStatus.FAILED
    assert "no statuses to import" in (result.run.error or "") and "import_statuses=11" in (result.run.error or "")
    assert result.run.requests == 0


async def test_explain_orders_modified_after_the_last_run_and_a_paused_connection(world: World) -> None:
    await _settings(world, import_statuses="11")
    own = world.own_skus()
    await world.hub.orders.get(MERCHANT)
    world.sandbox.clock.advance(120)
    late = world.place((own[0], 1))
    explanation = await world.hub.orders.explain(MERCHANT, late)
    assert [reason.code for reason in explanation.reasons] == ["after_last_run"]
    world.merchant.revoke(next(iter(world.merchant.accounts)))
    paused = await world.hub.orders.explain(MERCHANT, late)
    assert paused.reasons[0].code == "needs_attention" and "401" in paused.reasons[0].message
