"""``bchub orders settings|get|list|list-remote|show|route|explain|purge-pii``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bchub.domain.connections import Role
from bchub.domain.orders import OrderSettings, RouteState, status_label
from bchub.domain.runs import ItemOutcome, Outcome, Run, RunStatus
from bchub.errors import InputError
from bchub.interfaces.cli.common import (
    EXIT_FAILED,
    connection_argument,
    hub_session,
    print_json,
    print_run_next_step,
    progress_for,
    state_of,
)
from bchub.interfaces.cli.run_output import print_run, run_items
from bchub.interfaces.order_views import (
    detail_view,
    explanation_view,
    order_view,
    remote_view,
    run_view,
    settings_view,
)
from bchub.storage.order_repository import OrderFilter
from bchub.sync.orders.get import GetRequest
from bchub.sync.orders.route import RouteRequest

app = typer.Typer(
    help="Get orders, route dropship lines to vendors, and see why an order is missing.", no_args_is_help=True
)

Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")]
Reference = Annotated[str, connection_argument("The merchant connection's name (or id).", Role.MERCHANT)]
OrderIds = Annotated[
    list[int] | None, typer.Option("--id", help="Only this store order number (repeatable): the manual pick.")
]


def _needs_a_look(item: ItemOutcome) -> bool:
    return item.outcome in (Outcome.FAILED, Outcome.SKIPPED) or bool(item.reason and "unmatched" in item.reason)


def exit_for(*runs: Run | None) -> None:
    if any(run is not None and run.status is RunStatus.FAILED for run in runs):
        raise typer.Exit(EXIT_FAILED)


def _settings_changes(set_values: list[str] | None, unset: list[str] | None) -> dict[str, str | None]:
    changes: dict[str, str | None] = {}
    for item in set_values or []:
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise InputError(f"--set expects KEY=VALUE; got {item!r}")
        changes[key.strip()] = value
    for key in unset or []:
        changes[key.strip()] = None
    return changes


def _print_settings(console: Console, name: str, settings: OrderSettings) -> None:
    table = Table(show_header=False, title=f"Order settings of {name!r}", title_justify="left")
    table.add_column("setting", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in settings_view(settings).items():
        if key in ("import_statuses",):
            text = ", ".join(status_label(status) for status in value) or "(none: set them to import orders)"
        elif key in ("acknowledge_status", "vendor_status_id") and value is not None:
            text = status_label(value)
        elif isinstance(value, dict):
            text = ", ".join(f"{inner}={item}" for inner, item in value.items() if item)
        elif isinstance(value, list):
            text = ", ".join(str(item) for item in value)
        else:
            text = "-" if value is None else str(value)
        table.add_row(key, text)
    console.print(table)


# -- commands -------------------------------------------------------------------------------------


@app.command("settings")
def settings(
    ctx: typer.Context,
    reference: Reference,
    set_values: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="KEY=VALUE (repeatable), e.g. import_statuses=11,9 or business_address.zip=78701; an empty value resets it.",
        ),
    ] = None,
    unset: Annotated[
        list[str] | None, typer.Option("--unset", help="Reset a setting to its default (repeatable).")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check/--no-check", help="Check status ids against the store's /v2/order_statuses.")
    ] = True,
    as_json: Json = False,
) -> None:
    """Show or change a connection's order settings (validated; statuses checked against the store)."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        changes = _settings_changes(set_values, unset)
        if changes:
            current = asyncio.run(hub.orders.change_settings(reference, changes, check_statuses=check))
        else:
            current = hub.orders.settings(reference)
        name = hub.connections.get(reference).name
    if as_json:
        print_json(settings_view(current))
    else:
        _print_settings(state.out, name, current)


@app.command("get")
def get(
    ctx: typer.Context,
    reference: Reference,
    order_id: OrderIds = None,
    full: Annotated[
        bool, typer.Option("--full", help="Ignore the last run's position: read every selected order again.")
    ] = False,
    as_json: Json = False,
) -> None:
    """Import orders in the statuses to import (new and changed since the last run), or the chosen --id orders."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        request = GetRequest(store_order_ids=order_id or None, full=full)
        with progress_for(ctx, as_json) as progress:
            result = asyncio.run(hub.orders.get(reference, request, progress=progress))
        if as_json:
            routed = result.route_run
            print_json(
                {
                    "run": run_view(result.run, run_items(hub, result.run)),
                    "route_run": run_view(routed, run_items(hub, routed)) if routed else None,
                }
            )
        else:
            print_run(state.out, hub, result.run, "get orders", needs_a_look=_needs_a_look)
            if result.route_run is not None:
                print_run(state.out, hub, result.route_run, "route orders", needs_a_look=_needs_a_look)
        print_run_next_step(ctx, hub, result.run, result.route_run)
    exit_for(result.run, result.route_run)


def _route_state(value: str | None) -> RouteState | None:
    if value is None:
        return None
    try:
        return RouteState(value.strip().lower().replace(" ", "_"))
    except ValueError:
        raise InputError(
            f"--state must be one of {', '.join(state.value for state in RouteState)}; got {value!r}"
        ) from None


Statuses = Annotated[list[int] | None, typer.Option("--status", help="Only this status id (repeatable).")]
Limit = Annotated[int, typer.Option("--limit", min=1, max=250)]


@app.command("list")
def list_orders(
    ctx: typer.Context,
    reference: Annotated[
        str | None, connection_argument("A merchant connection (default: all).", Role.MERCHANT)
    ] = None,
    remote: Annotated[
        bool, typer.Option("--remote", hidden=True, help="The same as `bchub orders list-remote`.")
    ] = False,
    status: Statuses = None,
    route_state: Annotated[
        str | None, typer.Option("--state", help="Only orders in this routing state, e.g. held.")
    ] = None,
    unmatched: Annotated[bool, typer.Option("--unmatched", help="Only orders with unmatched lines.")] = False,
    since: Annotated[
        datetime | None, typer.Option("--since", hidden=True, help="With --remote.", formats=["%Y-%m-%d"])
    ] = None,
    limit: Limit = 50,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    as_json: Json = False,
) -> None:
    """The hub's orders, newest first (the store's own orders: `bchub orders list-remote`)."""
    if remote:  # kept for scripts written before list-remote, like `bchub catalog list-remote`
        if reference is None:
            raise typer.BadParameter("--remote needs a connection: bchub orders list-remote <connection>")
        list_remote(ctx, reference, status, since, limit, as_json)
        return
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        connection_id = hub.orders.connection_id(reference) if reference is not None else None
        where = OrderFilter(
            connection_id=connection_id,
            route_state=_route_state(route_state),
            status_ids=status or None,
            unmatched=True if unmatched else None,
        )
        found, total = hub.orders.search(where, limit=limit, offset=offset)
    if as_json:
        print_json({"total": total, "orders": [order_view(order, lines=False) for order in found]})
        return
    if not found:
        state.out.print("No orders in the hub match. Import some with: bchub orders get <connection>", markup=False)
        return
    table = Table(title=f"Orders ({len(found)} of {total})")
    for column in ("order", "created", "status", "customer", "total", "lines", "routing", "note"):
        table.add_column(column, overflow="fold")
    for order in found:
        note = order.hold_reason or (f"{len(order.unmatched_lines)} unmatched" if order.unmatched_lines else "")
        table.add_row(
            f"#{order.store_order_id}",
            f"{order.date_created:%Y-%m-%d}" if order.date_created else "-",
            status_label(order.status_id),
            order.billing.name or ("(purged)" if order.pii_purged_at else ""),
            f"{order.total_inc_tax} {order.currency_code}" if order.total_inc_tax is not None else "-",
            str(len(order.lines)),
            order.route_state.value.replace("_", " "),
            note,
        )
    state.out.print(table)


@app.command("list-remote")
def list_remote(
    ctx: typer.Context,
    reference: Reference,
    status: Statuses = None,
    since: Annotated[
        datetime | None, typer.Option("--since", help="Created on or after this date.", formats=["%Y-%m-%d"])
    ] = None,
    limit: Limit = 50,
    as_json: Json = False,
) -> None:
    """The store's orders (not the hub's), each marked with whether it is imported: pick some for `get --id`."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        created = since.replace(tzinfo=UTC) if since is not None else None
        orders = asyncio.run(hub.orders.remote(reference, statuses=status, created_since=created, limit=limit))
    if as_json:
        print_json([remote_view(order) for order in orders])
    else:
        _print_remote(state.out, orders)


def _print_remote(console: Console, orders: list[Any]) -> None:
    if not orders:
        console.print("The store has no orders in those statuses.", markup=False)
        return
    table = Table(title="Store orders (import chosen ones with: bchub orders get <connection> --id N)")
    for column in ("order", "created", "status", "customer", "total", "items", "in hub"):
        table.add_column(column, overflow="fold")
    for order in orders:
        table.add_row(
            f"#{order.store_order_id}",
            f"{order.date_created:%Y-%m-%d %H:%M}" if order.date_created else "-",
            status_label(order.status_id),
            order.customer,
            f"{order.total_inc_tax} {order.currency_code}",
            str(order.items_total),
            "yes" if order.in_hub else "no",
        )
    console.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    reference: Reference,
    store_order_id: Annotated[int, typer.Argument(help="The store's order number.")],
    as_json: Json = False,
) -> None:
    """One order with its lines, vendor orders and shipments."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        detail = hub.orders.show(reference, store_order_id)
    if as_json:
        print_json(detail_view(detail))
        return
    order = detail.order
    console = state.out
    console.print(
        f"Order #{order.store_order_id} — {status_label(order.status_id)}, {order.import_as.value.replace('_', ' ')}, "
        f"routing: {order.route_state.value.replace('_', ' ')}"
        + (f" ({order.hold_reason})" if order.hold_reason else ""),
        markup=False,
    )
    customer = order.billing.name or ("customer details purged" if order.pii_purged_at else "")
    console.print(f"Customer: {customer}; total {order.total_inc_tax} {order.currency_code}", markup=False)
    lines = Table(title="Lines", title_justify="left")
    for column in ("line", "sku", "name", "qty", "shipped", "supplier", "match"):
        lines.add_column(column, overflow="fold")
    for line in order.lines:
        supplier = (
            detail.connection_names.get(line.vendor_connection_id or 0, "merchant")
            if line.vendor_connection_id
            else "merchant"
        )
        lines.add_row(
            str(line.order_product_id),
            line.sku,
            line.name,
            str(line.quantity),
            str(line.quantity_shipped),
            supplier,
            line.unmatched_reason or ("item " + str(line.item_id) if line.item_id else ""),
        )
    console.print(lines)
    if detail.vendor_orders:
        vendors = Table(title="Vendor orders", title_justify="left")
        for column in ("vendor", "external_order_id", "state", "vendor order", "shipped", "note"):
            vendors.add_column(column, overflow="fold")
        for item in detail.vendor_orders:
            note = item.error or ("merchant cancelled: tell the vendor" if item.cancel_reported_at else "")
            vendors.add_row(
                detail.connection_names.get(item.vendor_connection_id, str(item.vendor_connection_id)),
                item.external_order_id,
                item.state.value,
                f"#{item.vendor_order_id}" if item.vendor_order_id else "-",
                str(item.items_shipped),
                note,
            )
        console.print(vendors)
    if detail.shipments:
        shipments = Table(title="Shipments", title_justify="left")
        for column in ("source", "tracking", "carrier", "items", "state", "merchant shipment"):
            shipments.add_column(column, overflow="fold")
        for shipment in detail.shipments:
            shipments.add_row(
                shipment.source.value,
                shipment.details.tracking_number or "(untracked)",
                shipment.details.tracking_carrier or shipment.details.shipping_provider,
                ", ".join(f"{line.order_product_id}×{line.quantity}" for line in shipment.lines),
                shipment.state.value + (f": {shipment.error}" if shipment.error else ""),
                f"#{shipment.merchant_shipment_id}" if shipment.merchant_shipment_id else "-",
            )
        console.print(shipments)


@app.command("route")
def route(
    ctx: typer.Context,
    reference: Reference,
    order_id: Annotated[
        list[int] | None, typer.Option("--id", help="Only this store order number (repeatable).")
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Route held orders too (after review): unmatched lines stay with the merchant."),
    ] = False,
    as_json: Json = False,
) -> None:
    """Send each vendor its lines of the orders waiting to be routed; safe to run again at any time."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        with progress_for(ctx, as_json) as progress:
            run = asyncio.run(hub.orders.route(reference, RouteRequest(order_id or None, force), progress=progress))
        if as_json:
            print_json(run_view(run, run_items(hub, run)))
        else:
            print_run(state.out, hub, run, "route orders", needs_a_look=_needs_a_look)
        print_run_next_step(ctx, hub, run)
    exit_for(run)


@app.command("explain")
def explain(
    ctx: typer.Context,
    reference: Reference,
    store_order_id: Annotated[int, typer.Argument(help="The store's order number.")],
    as_json: Json = False,
) -> None:
    """Is this order in the hub? If not, exactly why ("my orders are not importing")."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        explanation = asyncio.run(hub.orders.explain(reference, store_order_id))
    if as_json:
        print_json(explanation_view(explanation))
        return
    style = "green" if explanation.in_hub else "yellow"
    headline = explanation.summary.split(": ", 1)[0] if not explanation.in_hub else explanation.summary
    state.out.print(f"[bold {style}]{headline[:1].upper() + headline[1:]}[/]", markup=True, highlight=False)
    for reason in explanation.reasons:
        state.out.print(f"  • {reason.message}", markup=False)
        state.out.print(f"    what to do: {reason.fix}", markup=False)


@app.command("purge-pii")
def purge_pii(
    ctx: typer.Context,
    reference: Annotated[
        str | None,
        connection_argument("A merchant connection (default: every one with pii_retention_days set).", Role.MERCHANT),
    ] = None,
    as_json: Json = False,
) -> None:
    """Erase customer names, emails, phones and street addresses from orders older than the retention period."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        runs = hub.orders.purge_pii(reference)
        names = hub.connections.names()
    if as_json:
        print_json([run_view(run) for run in runs])
        return
    if not runs:
        state.out.print(
            "No connection keeps customer details for a limited time; set one with "
            "`bchub orders settings <connection> --set pii_retention_days=90`.",
            markup=False,
        )
    for run in runs:
        state.out.print(
            f"{names.get(run.connection_id or 0, str(run.connection_id))}: customer details erased from "
            f"{run.counts.get('purged', 0)} order(s) (retention {run.params.get('retention_days')} days).",
            markup=False,
        )
