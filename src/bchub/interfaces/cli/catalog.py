"""``bchub catalog import|list-remote|items|show|matches|import-csv|export-csv``."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bchub.domain.catalog import DEFAULT_LOOKBACK, ImportMode, ImportOptions, MasterSkuSource, MatchStatus, Overwrite
from bchub.domain.connections import Role
from bchub.domain.runs import RunStatus
from bchub.errors import InputError
from bchub.interfaces.catalog_views import (
    csv_report_view,
    detail_view,
    item_view,
    match_view,
    money,
    remote_view,
    run_view,
)
from bchub.interfaces.cli.common import (
    EXIT_FAILED,
    connection_argument,
    connection_option,
    hub_session,
    print_json,
    print_run_next_step,
    progress_for,
    read_file_argument,
    state_of,
)
from bchub.interfaces.cli.run_output import PROBLEMS_SHOWN, print_run, run_items
from bchub.storage.catalog_repository import ListingState

app = typer.Typer(
    help="The hub catalog: import listings from stores (all, changed, or chosen ones), browse items, CSV in and out.",
    no_args_is_help=True,
)

Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")]
Reference = Annotated[str, connection_argument()]


def _split(values: list[str] | None) -> list[str]:
    """Values given repeated and/or comma-separated."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _ids(values: list[str] | None) -> tuple[int, ...]:
    found = []
    for part in _split(values):
        if not part.isdigit():
            raise InputError(f"--ids takes product ids (numbers); got {part!r}")
        found.append(int(part))
    return tuple(found)


@app.command("import")
def import_command(
    ctx: typer.Context,
    reference: Reference,
    master_sku: Annotated[
        MasterSkuSource, typer.Option("--master-sku", help="Which store field is the item's master SKU.")
    ] = MasterSkuSource.SKU,
    mode: Annotated[
        ImportMode,
        typer.Option(
            help="create_only: link existing items by master SKU, create the rest; create_and_overwrite: also overwrite matched items."
        ),
    ] = ImportMode.CREATE_ONLY,
    overwrite: Annotated[
        Overwrite, typer.Option(help="With create_and_overwrite: all product data, or only prices and stock.")
    ] = Overwrite.PRODUCT_DATA,
    paused: Annotated[
        bool, typer.Option("--paused/--not-paused", help="New listings start paused: no price or stock is pushed.")
    ] = False,
    incremental: Annotated[
        bool, typer.Option("--incremental", help="Only products modified since the last import (minus the lookback).")
    ] = False,
    lookback: Annotated[
        int, typer.Option(help="Seconds an incremental import re-reads before its cursor.", min=0)
    ] = int(DEFAULT_LOOKBACK.total_seconds()),
    ids: Annotated[
        list[str] | None, typer.Option("--ids", help="Only these product ids (comma-separated or repeated).")
    ] = None,
    skus: Annotated[
        list[str] | None, typer.Option("--skus", help="Only these SKUs (comma-separated or repeated).")
    ] = None,
    as_json: Json = False,
) -> None:
    """Import a store's products into the hub catalog (all, changed since last time, or chosen ones)."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        options = ImportOptions(
            master_sku=master_sku,
            mode=mode,
            overwrite=overwrite,
            paused=paused,
            incremental=incremental,
            lookback=timedelta(seconds=lookback),
            product_ids=_ids(ids),
            skus=tuple(_split(skus)),
        )
        with progress_for(ctx, as_json) as progress:
            run = asyncio.run(hub.catalog.import_listings(reference, options, progress=progress))
        if as_json:
            print_json(run_view(run, run_items(hub, run)))
        else:
            print_run(state.out, hub, run, "import")
        print_run_next_step(ctx, hub, run)
    if run.status is RunStatus.FAILED:
        raise typer.Exit(EXIT_FAILED)


@app.command("list-remote")
def list_remote(
    ctx: typer.Context,
    reference: Reference,
    search: Annotated[str | None, typer.Option(help="Keyword (name, SKU, description) to search for.")] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    limit: Annotated[int, typer.Option(min=1, max=250)] = 50,
    as_json: Json = False,
) -> None:
    """List or search a store's products to choose which to import (then `catalog import --ids/--skus`)."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        found = asyncio.run(hub.catalog.list_remote(reference, search=search, page=page, limit=limit))
    if as_json:
        print_json(remote_view(found))
        return
    table = Table(title=f"Products, page {found.page} of {found.total_pages or 1} ({found.total or 0} in all)")
    for column in ("id", "name", "sku", "variants", "price", "imported"):
        table.add_column(column, overflow="fold")
    for product in found.products:
        variants = ", ".join(variant.sku or f"#{variant.id}" for variant in product.variants if variant.options)
        imported = sum(variant.imported for variant in product.variants)
        table.add_row(
            str(product.id),
            product.name,
            product.sku or "",
            variants or "-",
            "" if product.price is None else f"{product.price:.2f}",
            f"{imported}/{len(product.variants)}",
        )
    state.out.print(table)


@app.command("items")
def items(
    ctx: typer.Context,
    search: Annotated[str | None, typer.Option(help="Part of a master SKU or a name.")] = None,
    connection: Annotated[str | None, connection_option("--connection", "Only items listed in this store.")] = None,
    supplier: Annotated[
        str | None, connection_option("--supplier", "Only items drop-shipped from this vendor.", Role.VENDOR)
    ] = None,
    listing_state: Annotated[
        ListingState | None,
        typer.Option(
            "--state", help="Only items with a listing in this state (in --connection's store when given, else any)."
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: Json = False,
) -> None:
    """Browse the hub catalog."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        found, total = hub.catalog.items(
            search=search,
            connection=connection,
            supplier=supplier,
            state=listing_state,
            limit=limit,
            offset=offset,
        )
    if as_json:
        print_json({"total": total, "items": [item_view(item) for item in found]})
        return
    if not total and not (search or connection or supplier or listing_state):
        state.out.print(
            "The hub catalog is empty. Import a store's products with: bchub catalog import <connection>", markup=False
        )
        return
    table = Table(title=f"Items {offset + 1 if found else 0}–{offset + len(found)} of {total}", title_justify="left")
    for column in ("sku", "name", "options", "price", "cost", "stock", "origin"):
        table.add_column(column, overflow="fold")
    for item in found:
        table.add_row(
            item.sku,
            item.name,
            ", ".join(f"{option.name} {option.value}" for option in item.data.options),
            money(item.data.price) or "",
            money(item.data.cost_price) or "",
            str(sum(item.stock.values())) if item.stock else "",
            item.origin.value,
        )
    state.out.print(table)


@app.command("show")
def show(
    ctx: typer.Context, sku: Annotated[str, typer.Argument(help="The item's master SKU.")], as_json: Json = False
) -> None:
    """One item with its listing in every store."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        detail = hub.catalog.item(sku)
    view = detail_view(detail)
    if as_json:
        print_json(view)
        return
    table = Table(show_header=False, title=f"Item {sku}", title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in view.items():
        if key == "listings" or value in (None, [], {}, ""):
            continue
        table.add_row(key, str(value))
    state.out.print(table)
    listings = Table(title="Listings", title_justify="left")
    for column in ("store", "product", "variant", "store sku", "price", "stock", "state", "match"):
        listings.add_column(column, overflow="fold")
    for listing in view["listings"]:
        flags = [name for name in ("paused", "hidden", "delisted") if listing[name]]
        if listing["deleted_at"]:
            flags.append("deleted from store")
        listings.add_row(
            listing["connection"],
            str(listing["product_id"]),
            str(listing["variant_id"]),
            listing["sku"] or "",
            listing["price"] or "",
            "" if listing["inventory_level"] is None else str(listing["inventory_level"]),
            ", ".join(flags) or "live",
            listing["match_status"] or "",
        )
    state.out.print(listings)


@app.command("matches")
def matches(
    ctx: typer.Context,
    status: Annotated[MatchStatus | None, typer.Option(help="Only matched, unmatched or conflict.")] = None,
    connection: Annotated[
        str | None, connection_option("--connection", "Only this merchant store.", Role.MERCHANT)
    ] = None,
    as_json: Json = False,
) -> None:
    """How merchant listings matched vendor listings by master SKU (conflicts and unmatched SKUs included)."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        rows = hub.catalog.matches(status=status, connection=connection)
    if as_json:
        print_json([match_view(row) for row in rows])
        return
    table = Table(title=f"Matches ({len(rows)})", title_justify="left")
    for column in ("merchant", "sku", "status", "vendor", "note"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row.connection, row.sku, row.status.value, row.vendor or "", row.note or "")
    state.out.print(table)


@app.command("import-csv")
def import_csv(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="CSV file (header: sku, name, price, … ; '-' reads stdin).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row and report; write nothing.")] = False,
    as_json: Json = False,
) -> None:
    """Create or update hub items from a CSV (items from no store: your own system, a supplier's sheet)."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        text, _ = read_file_argument(file, "import-csv")
        report = hub.catalog.import_csv(text, dry_run=dry_run)
    if as_json:
        print_json(csv_report_view(report))
    else:
        counts = ", ".join(f"{key} {value}" for key, value in sorted(report.counts().items())) or "no rows"
        prefix = "dry run (nothing written): " if dry_run else ""
        state.out.print(f"{prefix}{counts}", markup=False)
        if report.failed:
            table = Table(title="Rows not imported", title_justify="left")
            for column in ("line", "sku", "why"):
                table.add_column(column, overflow="fold")
            for row in report.failed[:PROBLEMS_SHOWN]:
                table.add_row(str(row.line), row.sku, row.reason or "")
            state.out.print(table)
    if report.failed:
        raise typer.Exit(EXIT_FAILED)


@app.command("export-csv")
def export_csv(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="Where to write ('-' for stdout).")] = "-",
    connection: Annotated[str | None, connection_option("--connection", "Only items listed in this store.")] = None,
    supplier: Annotated[
        str | None, connection_option("--supplier", "Only items drop-shipped from this vendor.", Role.VENDOR)
    ] = None,
) -> None:
    """Write the hub catalog as CSV, in the format `import-csv` reads."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        lines = hub.catalog.export_csv(connection=connection, supplier=supplier)
        if file == "-":
            for line in lines:
                sys.stdout.write(line)
            return
        path = Path(file).expanduser()
        count = -1
        with path.open("w", encoding="utf-8", newline="") as out:
            for line in lines:
                out.write(line)
                count += 1
    state.err.print(f"wrote {max(count, 0)} items to {path}", markup=False)
