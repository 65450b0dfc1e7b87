"""The nightly reconcile: what a merchant store has against what the hub has, for the last days.

Webhooks are hints and can be lost; polling has a cursor that can be moved. Once a night (by
default) this compares, for orders created in the last ``days`` days in the statuses the
connection imports:

- orders: the store's order ids against the hub's. Missing ones are backfilled by a follow-up
  ``get_orders`` job for exactly those ids (a full import when more than a page's worth are missing).
- shipments: for routed orders, the items the store shows shipped against the items of the
  hub's shipments written to it, and whether the store still waits for items. Any gap is
  closed by a follow-up ``sync_shipments`` job (it reads the vendors and writes what is missing).

The comparison reads only order lists (no line items): about one request per 250 orders and
status. It changes nothing itself, so its run's items say what it found.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bchub.domain.connections import Role
from bchub.domain.orders import RouteState, ShipmentState, require_import_statuses
from bchub.domain.runs import ItemOutcome, Outcome
from bchub.errors import InputError
from bchub.jobs.registry import JobContext
from bchub.storage.order_repository import OrderRepository
from bchub.storage.repositories import utc_now
from bchub.sync.orders.common import require_role, settings_of
from bchub.sync.runner import OperationBody, OperationRun

DEFAULT_DAYS = 3
PICK_LIMIT = 250  # missing orders backfilled by id; more than this: a full import
MAX_DAYS = 90


def _days(params: dict[str, Any]) -> int:
    value = params.get("days", DEFAULT_DAYS)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_DAYS:
        raise InputError(f"reconcile: 'days' must be a whole number from 1 to {MAX_DAYS}; got {value!r}")
    return value


def reconcile_body(ctx: JobContext) -> OperationBody:
    days = _days(ctx.params)

    async def body(run: OperationRun) -> None:
        connection = run.connection
        require_role(connection, Role.MERCHANT, "reconciling orders")
        assert connection.id is not None
        settings = settings_of(connection)
        since = utc_now() - timedelta(days=days)
        store_orders: dict[int, tuple[int, int]] = {}  # id → (items shipped, items total)
        for status in require_import_statuses(settings, connection.name):
            async for order in run.client.orders.list(status_id=status, min_date_created=since, line_items=False):
                store_orders[order.id] = (order.items_shipped or 0, order.items_total or 0)
        with run.sessions() as session:
            repository = OrderRepository(session)
            known = repository.by_store_ids(connection.id, store_orders)
            hub_ids = [order.id for order in known.values() if order.id is not None]
            shipments = repository.shipments_of(hub_ids)
        missing = sorted(set(store_orders) - set(known))
        gaps = []
        for store_id, hub_order in known.items():
            if hub_order.route_state is not RouteState.ROUTED or hub_order.id is None:
                continue
            shipped, total = store_orders[store_id]
            ours = shipments.get(hub_order.id, [])
            written = sum(item.quantity for item in ours if item.state is ShipmentState.WRITTEN)
            unwritten = any(item.state is not ShipmentState.WRITTEN for item in ours)
            if shipped < total or shipped != written or unwritten:
                gaps.append(store_id)
        _report(run, days, len(store_orders), len(known), missing, gaps)
        if missing:
            # a few orders are read one by one; past a page's worth a full import costs fewer requests
            params: dict[str, Any] = {"store_order_ids": missing} if len(missing) <= PICK_LIMIT else {"full": True}
            ctx.follow("get_orders", params)
        if gaps:
            ctx.follow("sync_shipments")
        run.summary.update(
            store_orders=len(store_orders), hub_orders=len(known), missing=len(missing), shipment_gaps=len(gaps)
        )

    return body


def _report(run: OperationRun, days: int, in_store: int, in_hub: int, missing: list[int], gaps: list[int]) -> None:
    window = f"last {days} days"
    with run.sessions.begin() as session:
        if missing:
            shown = ", ".join(map(str, missing[:20])) + ("…" if len(missing) > 20 else "")
            reason = f"store {in_store}, hub {in_hub}: {len(missing)} missing ({shown}); backfilling"
            run.record(session, ItemOutcome("orders", window, Outcome.UPDATED, reason))
        else:
            run.record(session, ItemOutcome("orders", window, Outcome.UNCHANGED, f"store {in_store}, hub {in_hub}"))
        if gaps:
            reason = f"{len(gaps)} routed orders not fully shipped on the store; syncing shipments"
            run.record(session, ItemOutcome("shipments", window, Outcome.UPDATED, reason))
        else:
            run.record(session, ItemOutcome("shipments", window, Outcome.UNCHANGED, None))
