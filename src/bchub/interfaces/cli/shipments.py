"""``bchub shipments sync|add|import-csv``: tracking back to merchant orders."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.table import Table

from bchub.domain.connections import Role
from bchub.domain.orders import ShipmentDetails
from bchub.errors import InputError
from bchub.interfaces.cli.common import (
    connection_argument,
    hub_session,
    print_json,
    print_run_next_step,
    progress_for,
    read_file_argument,
    state_of,
)
from bchub.interfaces.cli.orders import exit_for
from bchub.interfaces.cli.run_output import print_run, run_items
from bchub.interfaces.order_views import report_view, run_view
from bchub.sync.orders.shipments import ImportReport, ManualShipment

app = typer.Typer(help="Bring shipments and tracking back to merchant orders.", no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")]
Reference = Annotated[str, connection_argument("The merchant connection's name (or id).", Role.MERCHANT)]


def _items(values: list[str]) -> list[tuple[str, int]]:
    items = []
    for value in values:
        sku, equals, quantity = value.rpartition("=")
        if not equals or not sku.strip() or not quantity.strip().isdigit():
            raise InputError(f"--item expects SKU=QUANTITY, e.g. NWA-0001-M=2; got {value!r}")
        items.append((sku.strip(), int(quantity)))
    return items


def _print_report(report: ImportReport, ctx: typer.Context) -> None:
    console = state_of(ctx).out
    console.print(
        f"{report.rows} row(s): {report.shipments} new shipment(s), {report.duplicates} already known, "
        f"{len(report.errors)} row(s) refused.",
        markup=False,
    )
    if report.errors:
        table = Table(title="Rows not imported", title_justify="left")
        table.add_column("row")
        table.add_column("why", overflow="fold")
        for error in report.errors:
            table.add_row(str(error.row), error.message)
        console.print(table)


@app.command("sync")
def sync(ctx: typer.Context, reference: Reference, as_json: Json = False) -> None:
    """Read new shipments from the vendors' stores and write them, with tracking, to the merchant's orders."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        with progress_for(ctx, as_json) as progress:
            run = asyncio.run(hub.orders.sync_shipments(reference, progress=progress))
        if as_json:
            print_json(run_view(run, run_items(hub, run)))
        else:
            print_run(state.out, hub, run, "sync shipments")
        print_run_next_step(ctx, hub, run)
    exit_for(run)


@app.command("add")
def add(
    ctx: typer.Context,
    reference: Reference,
    store_order_id: Annotated[int, typer.Argument(help="The store's order number.")],
    item: Annotated[list[str], typer.Option("--item", help="SKU=QUANTITY shipped (repeatable).")],
    tracking: Annotated[str, typer.Option("--tracking", help="The tracking number.")] = "",
    carrier: Annotated[str, typer.Option("--carrier", help="The carrier (an AfterShip slug, e.g. usps).")] = "",
    provider: Annotated[str, typer.Option("--provider", help="BigCommerce's shipping provider, e.g. ups.")] = "",
    method: Annotated[str, typer.Option("--method", help="The shipping method.")] = "",
    link: Annotated[str, typer.Option("--link", help="A tracking link.")] = "",
    comments: Annotated[str, typer.Option("--comments", help="Comments on the shipment.")] = "",
    as_json: Json = False,
) -> None:
    """Record a shipment made outside BigCommerce (a 3PL, a label printer) and write it to the order."""
    state = state_of(ctx)
    details = ShipmentDetails(tracking, carrier, provider, method, link, comments)
    with hub_session(ctx) as hub:
        request = ManualShipment(store_order_id, _items(item), details)
        with progress_for(ctx, as_json) as progress:
            run, report = asyncio.run(hub.orders.add_shipment(reference, request, progress=progress))
        if as_json:
            print_json({"run": run_view(run, run_items(hub, run)), "report": report_view(report)})
        else:
            print_run(state.out, hub, run, "add shipment")
        print_run_next_step(ctx, hub, run)
    exit_for(run)


@app.command("import-csv")
def import_csv(
    ctx: typer.Context,
    reference: Reference,
    file: Annotated[
        str, typer.Argument(help="CSV with a header: order, sku, quantity, tracking, carrier ('-' reads stdin).")
    ],
    as_json: Json = False,
) -> None:
    """Import shipments from CSV (one row per SKU; rows with the same order and tracking are one shipment)."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        text, name = read_file_argument(file, "CSV file")
        with progress_for(ctx, as_json) as progress:
            run, report = asyncio.run(hub.orders.import_csv(reference, text, name=name, progress=progress))
        if as_json:
            print_json({"run": run_view(run, run_items(hub, run)), "report": report_view(report)})
        else:
            _print_report(report, ctx)
            print_run(state.out, hub, run, "import shipments")
        print_run_next_step(ctx, hub, run)
    exit_for(run)
