""" "My orders are not importing": say whether one order is in the hub and, if not, exactly why.

One request at most (``GET /v2/orders/{id}``, no line items), and none when the order is in
the hub. The answer names every reason that applies (its status, its age, modified after the
last run, the connection needing attention), most fundamental first, each with what to do.

Also here: listing a store's orders for the manual pick (the Salesorder way), marked with
whether each is in the hub already.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from bchub.bigcommerce.errors import BigCommerceError, NotFound
from bchub.bigcommerce.models.orders import Order as ApiOrder
from bchub.domain.connections import Connection, HealthStatus
from bchub.domain.orders import (
    Order,
    Reason,
    RemoteFacts,
    RouteState,
    created_after,
    explain_absence,
    require_import_statuses,
    status_label,
)
from bchub.domain.runs import RunStatus
from bchub.errors import PermanentError
from bchub.storage.cursors import CursorStore
from bchub.storage.order_repository import OrderRepository
from bchub.storage.runs import RunRepository
from bchub.sync.orders.common import OrderDeps, credential_problem, orders_stream, settings_of
from bchub.sync.orders.get import OPERATION as GET_OPERATION

REMOTE_PAGE_MAX = 250


@dataclass(frozen=True)
class Explanation:
    connection: str
    store_order_id: int
    in_hub: bool
    summary: str
    reasons: list[Reason] = field(default_factory=list)


def _paused_reason(connection: Connection) -> str | None:
    if not connection.enabled:
        return "it is disabled"
    if connection.access_token is None:
        return "it has no access token (reinstall the app or edit the connection)"
    if connection.health.status is HealthStatus.NEEDS_ATTENTION:
        return connection.health.reason or "its last test failed"
    return None


def _in_hub_summary(order: Order) -> tuple[str, list[Reason]]:
    imported = f"{order.imported_at:%Y-%m-%d %H:%M} UTC" if order.imported_at else "earlier"
    summary = (
        f"order #{order.store_order_id} is in the hub (imported {imported}; status {status_label(order.status_id)}; "
        f"routing: {order.route_state.value.replace('_', ' ')})"
    )
    notes = []
    if order.route_state is RouteState.HELD and order.hold_reason:
        notes.append(Reason("held", f"held for review: {order.hold_reason}", "fix it, or route it anyway with --force"))
    for line in order.unmatched_lines:
        notes.append(
            Reason(
                "unmatched_line",
                f"line {line.order_product_id} ({line.sku or 'no SKU'}): {line.unmatched_reason}",
                "import or fix the item in the hub catalog, then route the order again",
            )
        )
    return summary, notes


async def explain_order(deps: OrderDeps, reference: str | int, store_order_id: int) -> Explanation:
    connection = deps.connections.get(reference)
    assert connection.id is not None
    settings = settings_of(connection)
    with deps.sessions() as session:
        order = OrderRepository(session).find(connection.id, store_order_id)
        cursor = CursorStore(session).get(connection.id, orders_stream(settings))
        recent = RunRepository(session).recent(operation=GET_OPERATION, connection_id=connection.id, limit=1)
    if order is not None:
        summary, notes = _in_hub_summary(order)
        return Explanation(connection.name, store_order_id, True, summary, notes)
    paused = _paused_reason(connection)
    facts: RemoteFacts | None = None
    looked_up = False
    if connection.enabled and connection.access_token is not None:
        async with deps.clients(connection.store_hash, connection.access_token.reveal()) as client:
            try:
                remote = await client.orders.get(store_order_id, line_items=False)
                facts = RemoteFacts(
                    remote.id,
                    remote.status_id or 0,
                    remote.status or "",
                    remote.date_created,
                    remote.date_modified,
                    bool(remote.is_deleted),
                )
                looked_up = True
            except NotFound:
                looked_up = True
            except BigCommerceError as error:
                if not credential_problem(error):
                    raise
                deps.connections.record_api_error(connection, error)
                paused = f"the store refused bchub: {error}"
    last_error = recent[0].error if recent and recent[0].status is RunStatus.FAILED else None
    if not looked_up:
        reasons = [
            Reason(
                "needs_attention",
                f"the connection {connection.name!r} is paused: {paused}",
                f"fix it, then `bchub connections test {connection.name}`",
            )
        ]
    else:
        reasons = explain_absence(
            facts,
            settings,
            connection_name=connection.name,
            now=deps.now(),
            cursor=cursor,
            paused_reason=paused,
            last_run_error=last_error,
        )
    summary = f"order #{store_order_id} is not in the hub: " + "; ".join(reason.message for reason in reasons)
    return Explanation(connection.name, store_order_id, False, summary, reasons)


# -- the manual pick ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteOrder:
    store_order_id: int
    status_id: int
    status: str
    date_created: datetime | None
    customer: str
    total_inc_tax: Decimal | None
    currency_code: str
    items_total: int
    in_hub: bool


async def list_remote(
    deps: OrderDeps,
    reference: str | int,
    *,
    statuses: Sequence[int] | None = None,
    created_since: datetime | None = None,
    limit: int = 50,
) -> list[RemoteOrder]:
    """The newest orders of the store in the given statuses (default: the statuses to import), one page each."""
    connection = deps.connections.get(reference)
    assert connection.id is not None
    settings = settings_of(connection)
    wanted = list(statuses) if statuses else require_import_statuses(settings, connection.name)
    since = created_since or created_after(settings, deps.now())
    if connection.access_token is None:
        raise PermanentError(
            f"connection {connection.name!r} has no access token; reinstall the app or edit the connection"
        )
    limit = max(1, min(limit, REMOTE_PAGE_MAX))
    found: list[ApiOrder] = []
    async with deps.clients(connection.store_hash, connection.access_token.reveal()) as client:
        for status in wanted:
            params: dict[str, str | int | datetime] = {"status_id": status, "sort": "date_created:desc", "limit": limit}
            if since is not None:
                params["min_date_created"] = since
            response = await client.request("GET", "/v2/orders", params=params)
            body = response.json() if response.status != 204 else []
            found.extend(ApiOrder.model_validate(item) for item in body or [])
    found.sort(key=lambda order: order.id, reverse=True)  # store order ids grow with time
    found = found[:limit]
    with deps.sessions() as session:
        known = OrderRepository(session).by_store_ids(connection.id, [order.id for order in found])
    return [
        RemoteOrder(
            store_order_id=order.id,
            status_id=order.status_id or 0,
            status=order.status or "",
            date_created=order.date_created,
            customer=_customer(order),
            total_inc_tax=order.total_inc_tax,
            currency_code=order.currency_code or "",
            items_total=order.items_total or 0,
            in_hub=order.id in known,
        )
        for order in found
    ]


def _customer(order: ApiOrder) -> str:
    billing = order.billing_address
    if billing is None:
        return ""
    return " ".join(part for part in (billing.first_name, billing.last_name) if part)
