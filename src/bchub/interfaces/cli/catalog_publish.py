"""``bchub catalog publish|sync|hide|unhide|delist|pause|unpause|sync-inventory|stock-rule``.

Extra commands on the catalog app (``catalog.app``): importing this module registers them.
Every command acts on one listing (``--skus SKU``), a list of SKUs, or a filter (``--search``,
``--supplier``, ``--all``); ``--dry-run`` prints the per-field changes and sends nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console

from bchub.app import Hub
from bchub.domain.connections import Role
from bchub.domain.publishing import AttributePolicy, PublishOptions, VendorStockRule
from bchub.domain.runs import Run, RunStatus
from bchub.interfaces.catalog_views import run_view
from bchub.interfaces.cli.catalog import app
from bchub.interfaces.cli.common import (
    EXIT_FAILED,
    activity,
    connection_argument,
    connection_option,
    counting_progress,
    hub_session,
    print_json,
    print_run_next_step,
    state_of,
)
from bchub.interfaces.cli.run_output import print_run
from bchub.storage.runs import RunRepository
from bchub.sync.catalog.inventory import set_vendor_rule, sync_inventory, vendor_rule
from bchub.sync.catalog.publish import Selection, publish_listings
from bchub.sync.catalog.sync_listings import sync_listings
from bchub.sync.catalog.visibility import change_visibility, describe_visibility, set_paused
from bchub.sync.catalog.writes import PublishDeps

Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")]
Reference = Annotated[str, connection_argument("The merchant connection's name (or id).", Role.MERCHANT)]
Vendor = Annotated[str, connection_argument("The vendor connection's name (or id).", Role.VENDOR)]
Skus = Annotated[list[str] | None, typer.Option("--skus", help="These SKUs (comma-separated or repeated).")]
Search = Annotated[str | None, typer.Option("--search", help="Items whose SKU or name contains this text.")]
Supplier = Annotated[
    str | None, connection_option("--supplier", "Items supplied by this vendor connection.", Role.VENDOR)
]
Everything = Annotated[bool, typer.Option("--all", help="Every item in the hub catalog.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Print what would change; send nothing.")]
QUIET_ACTIONS = frozenset({"skip", "keep", "unchanged"})  # dry-run rows that change nothing


def deps_of(hub: Hub) -> PublishDeps:
    return PublishDeps(hub.sessions, hub.connections, hub.clients)


def _selection(
    hub: Hub, skus: list[str] | None, search: str | None, supplier: str | None, everything: bool
) -> Selection:
    wanted = tuple(part.strip() for value in skus or () for part in value.split(",") if part.strip())
    supplier_id = hub.connections.get(supplier).id if supplier else None
    return Selection(skus=wanted, text=search, supplier_id=supplier_id, everything=everything)


def _item_ids(hub: Hub, selection: Selection) -> list[int]:
    with hub.sessions() as session:
        return [item.id for item in selection.items(session)]


def _print_changes(console: Console, changes: list[dict[str, Any]]) -> None:
    if not changes:
        console.print("dry run: nothing would change", markup=False)
        return
    changing = sum(1 for change in changes if change.get("action") not in QUIET_ACTIONS)
    console.print(f"dry run: {changing} would change; nothing was sent", markup=False)
    for change in changes:
        action = change.get("action", "update")
        console.print(f"{change['sku']}: {action}" + (f" — {change['reason']}" if change.get("reason") else ""),
                      markup=False)  # fmt: skip
        for name, (before, after) in change["changes"].items():
            console.print(f"  {name}: {_shown(before)} → {_shown(after)}", markup=False)


def _shown(value: Any) -> str:
    text = "—" if value is None else str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _jsonable(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**change, "changes": {k: {"before": _plain(b), "after": _plain(a)} for k, (b, a) in change["changes"].items()}}
        for change in changes
    ]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


def _finish(ctx: typer.Context, hub: Hub, run: Run | None, changes: list[dict[str, Any]], as_json: bool) -> None:
    state = state_of(ctx)
    if run is None:
        print_json({"dry_run": True, "changes": _jsonable(changes)}) if as_json else _print_changes(state.out, changes)
        return
    if as_json:
        with hub.sessions() as session:
            print_json(run_view(run, RunRepository(session).items(run.id)))
    else:
        print_run(state.out, hub, run, run.operation.replace("_", " "))
    print_run_next_step(ctx, hub, run)
    if run.status is RunStatus.FAILED:
        raise typer.Exit(EXIT_FAILED)


@app.command("publish")
def publish_command(
    ctx: typer.Context,
    reference: Reference,
    skus: Skus = None,
    search: Search = None,
    supplier: Supplier = None,
    everything: Everything = False,
    override_names: Annotated[
        bool,
        typer.Option("--override-names/--keep-names", help="The hub's name replaces the store's on later publishes."),
    ] = True,
    attributes: Annotated[
        AttributePolicy,
        typer.Option("--attributes", help="Custom fields over 250 characters: truncate, skip the field, or fail."),
    ] = AttributePolicy.TRUNCATE,
    dry_run: DryRun = False,
    as_json: Json = False,
) -> None:
    """Publish hub items to a merchant store (create, or update the ones already there)."""
    with hub_session(ctx) as hub:
        selection = _selection(hub, skus, search, supplier, everything)
        options = PublishOptions(override_names=override_names, attribute_policy=attributes, dry_run=dry_run)
        with counting_progress(ctx, as_json or dry_run, "publishing") as progress:
            run, changes = asyncio.run(publish_listings(deps_of(hub), reference, selection, options, progress=progress))
        _finish(ctx, hub, run, changes, as_json)


@app.command("sync")
def sync_command(
    ctx: typer.Context,
    reference: Reference,
    skus: Skus = None,
    relist: Annotated[bool, typer.Option("--relist", help="Publish delisted listings again first.")] = False,
    dry_run: DryRun = False,
    as_json: Json = False,
) -> None:
    """Push changed price and stock to a merchant store's listings (nothing changed: no request)."""
    with hub_session(ctx) as hub:
        item_ids = _item_ids(hub, _selection(hub, skus, None, None, False)) if skus else None
        with counting_progress(ctx, as_json or dry_run, "syncing") as progress:
            run, changes = asyncio.run(
                sync_listings(
                    deps_of(hub), reference, item_ids=item_ids, dry_run=dry_run, relist=relist, progress=progress
                )
            )
        _finish(ctx, hub, run, changes, as_json)


def _change_visibility(
    ctx: typer.Context, reference: str, selection: Selection, action: str, dry_run: bool, as_json: bool
) -> None:
    with hub_session(ctx) as hub:
        if dry_run:
            _finish(ctx, hub, None, describe_visibility(deps_of(hub), reference, selection, action), as_json)
            return
        with activity(ctx, as_json, f"{action}: {reference}"):
            run = asyncio.run(change_visibility(deps_of(hub), reference, selection, action))
        _finish(ctx, hub, run, [], as_json)


def _visibility(action: str) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        reference: Reference,
        skus: Skus = None,
        search: Search = None,
        supplier: Supplier = None,
        everything: Everything = False,
        dry_run: DryRun = False,
        as_json: Json = False,
    ) -> None:
        with hub_session(ctx) as hub:
            selection = _selection(hub, skus, search, supplier, everything)
        _change_visibility(ctx, reference, selection, action, dry_run, as_json)

    command.__doc__ = {
        "hide": "Hide listings: the whole product becomes unavailable (shown as out of stock).",
        "unhide": "Unhide hidden listings (others are skipped).",
    }[action]
    return command


@app.command("delist")
def delist_command(
    ctx: typer.Context,
    reference: Reference,
    skus: Skus = None,
    search: Search = None,
    supplier: Supplier = None,
    everything: Everything = False,
    dry_run: DryRun = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_json: Json = False,
) -> None:
    """Delete the listings' products from the store; publish brings them back (asks first unless --yes)."""
    with hub_session(ctx) as hub:
        selection = _selection(hub, skus, search, supplier, everything)
        if not dry_run and not yes:
            changes = describe_visibility(deps_of(hub), reference, selection, "delist")
            listings = sum(1 for change in changes if change["action"] == "delist")
            if not listings:
                state_of(ctx).out.print("Nothing to delist: no listed product matches.", markup=False)
                return
            question = (
                f"Delist {listings} listing(s): their products are deleted from {reference}'s store "
                "(`bchub catalog publish` brings them back). Continue?"
            )
            if not typer.confirm(question):
                raise typer.Abort()
    _change_visibility(ctx, reference, selection, "delist", dry_run, as_json)


def _pausing(paused: bool) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        reference: Reference,
        skus: Skus = None,
        search: Search = None,
        supplier: Supplier = None,
        everything: Everything = False,
        dry_run: DryRun = False,
        as_json: Json = False,
    ) -> None:
        with hub_session(ctx) as hub:
            selection = _selection(hub, skus, search, supplier, everything)
            if dry_run:
                action = "pause" if paused else "unpause"
                _finish(ctx, hub, None, describe_visibility(deps_of(hub), reference, selection, action), as_json)
                return
            changed = set_paused(deps_of(hub), reference, selection, paused)
            word = "paused" if paused else "unpaused"
            print_json({word: changed}) if as_json else state_of(ctx).out.print(f"{word} {changed} listings")

    command.__doc__ = (
        "Pause listings: no price or stock is pushed to them." if paused else "Unpause listings: syncs resume."
    )
    return command


for _action in ("hide", "unhide"):
    app.command(_action)(_visibility(_action))
app.command("pause")(_pausing(True))
app.command("unpause")(_pausing(False))


@app.command("sync-inventory")
def sync_inventory_command(
    ctx: typer.Context,
    vendor: Vendor,
    push: Annotated[bool, typer.Option("--push/--no-push", help="Then sync the merchants listing its items.")] = True,
    as_json: Json = False,
) -> None:
    """Read a vendor's stock levels into the hub (list calls), then push them to merchants."""
    with hub_session(ctx) as hub:
        with activity(ctx, as_json, f"syncing {vendor}'s stock"):
            run, pushed = asyncio.run(sync_inventory(deps_of(hub), vendor, push=push))
        if as_json:
            print_json({"inventory": run_view(run), "merchants": [run_view(r) for r in pushed]})
        else:
            for each in (run, *pushed):
                print_run(state_of(ctx).out, hub, each, each.operation.replace("_", " "))
        print_run_next_step(ctx, hub, run, *pushed)
        if run.status is RunStatus.FAILED:
            raise typer.Exit(EXIT_FAILED)


@app.command("stock-rule")
def stock_rule_command(
    ctx: typer.Context,
    vendor: Vendor,
    buffer: Annotated[int | None, typer.Option(help="Publish the vendor's stock minus this many.", min=0)] = None,
    cap: Annotated[int | None, typer.Option(help="Publish at most this many (-1: no cap).", min=-1)] = None,
    zero_discontinued: Annotated[
        bool | None,
        typer.Option("--zero-discontinued/--keep-discontinued", help="Publish 0 for items the vendor stopped selling."),
    ] = None,
    as_json: Json = False,
) -> None:
    """Show or set a vendor's stock rule (buffer, cap, zero when discontinued)."""
    with hub_session(ctx) as hub:
        rule = vendor_rule(deps_of(hub), vendor)
        if buffer is not None or cap is not None or zero_discontinued is not None:
            rule = VendorStockRule(
                buffer=rule.buffer if buffer is None else buffer,
                cap=rule.cap if cap is None else (None if cap < 0 else cap),
                zero_when_discontinued=rule.zero_when_discontinued if zero_discontinued is None else zero_discontinued,
            )
            set_vendor_rule(deps_of(hub), vendor, rule)
        view = {"buffer": rule.buffer, "cap": rule.cap, "zero_when_discontinued": rule.zero_when_discontinued}
        if as_json:
            print_json(view)
        else:
            state_of(ctx).out.print(
                f"buffer {rule.buffer}, cap {rule.cap if rule.cap is not None else 'none'}, "
                f"zero when discontinued: {'yes' if rule.zero_when_discontinued else 'no'}"
            )
