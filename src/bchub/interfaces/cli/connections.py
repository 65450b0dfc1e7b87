"""``bchub connections add|list|show|test|edit|remove``."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bchub.app import Hub
from bchub.domain.connections import Connection, HealthStatus, Role
from bchub.domain.scopes import OPERATION_KEYS
from bchub.errors import InputError
from bchub.interfaces.cli.common import (
    EXIT_FAILED,
    connection_argument,
    hub_session,
    print_json,
    print_next_step,
    read_file_argument,
    read_text_argument,
    state_of,
)
from bchub.interfaces.cli.hints import connection_next_step
from bchub.interfaces.views import connection_view, report_view
from bchub.sync.connections import ConnectionChanges, CredentialInput, NewConnection, TestReport

app = typer.Typer(help="Connect BigCommerce stores and test their credentials.", no_args_is_help=True)

StoreHash = Annotated[
    str | None, typer.Option("--store-hash", help="The store hash, e.g. abc123 (an API path or store URL works too).")
]
ApiPath = Annotated[
    str | None, typer.Option("--api-path", help="The API path, https://api.bigcommerce.com/stores/<hash>/v3/.")
]
StoreUrl = Annotated[
    str | None,
    typer.Option(
        "--store-url", help="The storefront or control-panel URL, e.g. https://store-<hash>.mybigcommerce.com."
    ),
]
CredentialsFile = Annotated[
    str | None,
    typer.Option(
        "--credentials-file",
        help="The .txt file BigCommerce downloads when an API account is created ('-' reads stdin).",
    ),
]
Key = Annotated[str | None, typer.Option("--key", help="A ClientID:AccessToken key ('-' reads it from stdin).")]
AccessToken = Annotated[str | None, typer.Option("--access-token", help="The access token ('-' reads it from stdin).")]
ClientId = Annotated[str | None, typer.Option("--client-id", help="The API account's client ID.")]
ClientSecret = Annotated[
    str | None, typer.Option("--client-secret", help="The API account's client secret ('-' reads it from stdin).")
]
Operations = Annotated[
    list[str] | None,
    typer.Option("--operation", help=f"Enable only these operations (repeatable): {', '.join(OPERATION_KEYS)}."),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")]
Reference = Annotated[str, connection_argument()]


def _credentials(
    *,
    store_hash: str | None,
    api_path: str | None,
    store_url: str | None,
    credentials_file: str | None,
    key: str | None,
    access_token: str | None,
    client_id: str | None,
    client_secret: str | None,
) -> CredentialInput:
    file_text, file_name = (None, None)
    if credentials_file is not None:
        file_text, file_name = read_file_argument(credentials_file, "--credentials-file")
    return CredentialInput(
        store_hash=store_hash,
        api_path=api_path,
        store_url=store_url,
        credentials_file=file_text,
        credentials_file_name=file_name,
        key=read_text_argument(key, "--key") if key is not None else None,
        access_token=read_text_argument(access_token, "--access-token") if access_token is not None else None,
        client_id=client_id,
        client_secret=read_text_argument(client_secret, "--client-secret") if client_secret is not None else None,
    )


def _role(value: str | None) -> Role | None:
    if value is None:
        return None
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise InputError(f"--role must be merchant, vendor or both; got {value!r}") from None


def _health_text(connection: Connection) -> str:
    health = connection.health
    if not connection.enabled:
        return "[dim]disabled[/]"
    if health.status is HealthStatus.OK:
        return "[green]ok[/]"
    if health.status is HealthStatus.NEEDS_ATTENTION:
        return "[red]needs attention[/]"
    return "[yellow]not tested[/]"


def _when(connection: Connection) -> str:
    checked = connection.health.checked_at
    return checked.strftime("%Y-%m-%d %H:%M UTC") if checked else "never"


def _print_list(console: Console, connections: list[Connection]) -> None:
    if not connections:
        console.print(
            "No connections yet. Add one with: bchub connections add <name> --role merchant --credentials-file <file>"
        )
        return
    table = Table(title="BigCommerce connections")
    for column in ("id", "name", "role", "store", "auth", "health", "checked"):
        table.add_column(column, overflow="fold")
    for connection in connections:
        store = (
            connection.store_hash if not connection.store_name else f"{connection.store_name} ({connection.store_hash})"
        )
        table.add_row(
            str(connection.id),
            connection.name,
            connection.role.value,
            store,
            connection.auth_type.value,
            _health_text(connection),
            _when(connection),
        )
    console.print(table)


def _quota_text(connection: Connection) -> str:
    quota = connection.quota
    if quota is None:
        return "(known after a test)"
    seen = f" (as of {quota.seen_at:%Y-%m-%d %H:%M} UTC)" if quota.seen_at else ""
    return quota.describe() + seen


def _print_connection(console: Console, connection: Connection) -> None:
    view = connection_view(connection)
    table = Table(show_header=False, title=f"Connection {connection.name!r}", title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    rows: list[tuple[str, str]] = [
        ("id", str(view["id"])),
        ("role", view["role"]),
        ("store hash", view["store_hash"]),
        ("store name", view["store_name"] or "(known after a test)"),
        ("plan", view["plan"] or "(known after a test)"),
        ("API quota", _quota_text(connection)),
        ("store URL", view["store_url"] or "-"),
        ("auth type", view["auth_type"]),
        ("access token", view["access_token"] or "(none)"),
        ("client ID", view["client_id"] or "-"),
        ("client secret", view["client_secret"] or "-"),
        ("enabled", "yes" if connection.enabled else "no"),
        ("health", _health_text(connection)),
        ("last checked", _when(connection)),
        ("operations", ", ".join(view["operations"])),
    ]
    if connection.health.reason:
        rows.insert(13, ("reason", connection.health.reason))
    if view["scopes"] is not None:
        rows.append(("granted scopes", " ".join(view["scopes"])))
    extra = {key: value for key, value in connection.settings.items() if key != "operations"}
    if extra:
        rows.append(("settings", ", ".join(f"{key}={value}" for key, value in sorted(extra.items()))))
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)


def _print_report(console: Console, report: TestReport) -> None:
    style = "bold green" if report.passed else "bold red"
    console.print(report.headline(), style=style, markup=False)
    for position, problem in enumerate(report.problems):
        if position:  # the first one is the headline
            console.print(f"  also: {problem.message}", markup=False)
        console.print(f"  what to do: {problem.fix}", markup=False)
    if report.gaps:
        table = Table(title="Missing scopes")
        table.add_column("scope", overflow="fold")
        table.add_column("control panel", overflow="fold")
        table.add_column("blocks", overflow="fold")
        for gap in report.gaps:
            table.add_row(str(gap.need), gap.need.label, ", ".join(gap.blocks) or "the connection test")
        console.print(table)
        console.print(f"What to do: {report.scope_fix}", markup=False)


def _test_and_print(
    hub: Hub, console: Console, reference: str | int, as_json: bool, extra: dict[str, Any] | None = None
) -> None:
    """Run a test and print it; exit 1 unless it passed."""
    report = asyncio.run(hub.connections.test(reference))
    if as_json:
        print_json({**(extra or {}), "test": report_view(report)})
    else:
        _print_report(console, report)
    if not report.passed:
        raise typer.Exit(EXIT_FAILED)


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(help="A name for the connection (default: from the credentials file, else store-<hash>)."),
    ] = None,
    role: Annotated[str, typer.Option("--role", help="merchant, vendor or both.")] = "merchant",
    store_hash: StoreHash = None,
    api_path: ApiPath = None,
    store_url: StoreUrl = None,
    credentials_file: CredentialsFile = None,
    key: Key = None,
    access_token: AccessToken = None,
    client_id: ClientId = None,
    client_secret: ClientSecret = None,
    operation: Operations = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Add it disabled (no jobs run).")] = False,
    test: Annotated[bool, typer.Option("--test/--no-test", help="Test the connection right after adding it.")] = True,
    as_json: Json = False,
) -> None:
    """Add a store from any form of its credentials; conflicting forms are an error showing both values."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        credentials = _credentials(
            store_hash=store_hash,
            api_path=api_path,
            store_url=store_url,
            credentials_file=credentials_file,
            key=key,
            access_token=access_token,
            client_id=client_id,
            client_secret=client_secret,
        )
        chosen_role = _role(role)
        assert chosen_role is not None
        connection = hub.connections.add(
            NewConnection(chosen_role, credentials, name=name, enabled=not disabled, operations=operation)
        )
        if not test:
            if as_json:
                print_json({"connection": connection_view(connection)})
            else:
                state.out.print(f"Added connection {connection.name!r} (store {connection.store_hash}).", markup=False)
            return
        if not as_json:
            state.out.print(
                f"Added connection {connection.name!r} (store {connection.store_hash}); testing it…", markup=False
            )
        assert connection.id is not None
        extra = {"connection": connection_view(connection)} if as_json else None
        _test_and_print(hub, state.out, connection.id, as_json, extra)


@app.command("list")
def list_connections(ctx: typer.Context, as_json: Json = False) -> None:
    """Every connection with its role, store and health."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        connections = hub.connections.all()
    if as_json:
        print_json([connection_view(connection) for connection in connections])
        return
    _print_list(state.out, connections)
    for connection in connections:
        if connection.enabled:  # a connection someone disabled needs no reminder
            print_next_step(state, connection_next_step(connection))


@app.command("show")
def show(ctx: typer.Context, reference: Reference, as_json: Json = False) -> None:
    """One connection in full (secrets shown as their last four characters)."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        connection = hub.connections.get(reference)
    if as_json:
        print_json(connection_view(connection))
    else:
        _print_connection(state.out, connection)


@app.command("test")
def test(ctx: typer.Context, reference: Reference, as_json: Json = False) -> None:
    """Check the credentials and scopes against the store; exit 1 unless the test passes."""
    with hub_session(ctx) as hub:
        _test_and_print(hub, state_of(ctx).out, reference, as_json)


def _settings_changes(set_values: list[str] | None, unset: list[str] | None) -> dict[str, Any] | None:
    changes: dict[str, Any] = {}
    for item in set_values or []:
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise InputError(f"--set expects KEY=VALUE; got {item!r}")
        changes[key.strip()] = value
    for key in unset or []:
        changes[key.strip()] = None
    return changes or None


@app.command("edit")
def edit(
    ctx: typer.Context,
    reference: Reference,
    name: Annotated[str | None, typer.Option("--name", help="Rename the connection.")] = None,
    role: Annotated[str | None, typer.Option("--role", help="merchant, vendor or both.")] = None,
    store_hash: StoreHash = None,
    api_path: ApiPath = None,
    store_url: StoreUrl = None,
    credentials_file: CredentialsFile = None,
    key: Key = None,
    access_token: AccessToken = None,
    client_id: ClientId = None,
    client_secret: ClientSecret = None,
    operation: Operations = None,
    all_operations: Annotated[
        bool, typer.Option("--all-operations", help="Enable every operation of the role again.")
    ] = False,
    enabled: Annotated[
        bool | None, typer.Option("--enable/--disable", help="Enable or disable the connection.")
    ] = None,
    set_values: Annotated[
        list[str] | None, typer.Option("--set", help="Set a setting, KEY=VALUE (repeatable).")
    ] = None,
    unset: Annotated[list[str] | None, typer.Option("--unset", help="Remove a setting (repeatable).")] = None,
    test: Annotated[bool, typer.Option("--test/--no-test", help="Test the connection after the change.")] = False,
    as_json: Json = False,
) -> None:
    """Change a connection; new credentials must be tested again before paused jobs resume."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        if operation and all_operations:
            raise InputError("give --operation or --all-operations, not both")
        credentials = _credentials(
            store_hash=store_hash,
            api_path=api_path,
            store_url=store_url,
            credentials_file=credentials_file,
            key=key,
            access_token=access_token,
            client_id=client_id,
            client_secret=client_secret,
        )
        changes = ConnectionChanges(
            name=name,
            role=_role(role),
            credentials=credentials,
            enabled=enabled,
            operations=[] if all_operations else operation,
            settings=_settings_changes(set_values, unset),
        )
        connection = hub.connections.update(reference, changes)
        if not test:
            if as_json:
                print_json({"connection": connection_view(connection)})
            else:
                state.out.print(f"Updated connection {connection.name!r}.", markup=False)
            return
        assert connection.id is not None
        extra = {"connection": connection_view(connection)} if as_json else None
        _test_and_print(hub, state.out, connection.id, as_json, extra)


@app.command("remove")
def remove(
    ctx: typer.Context,
    reference: Reference,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_json: Json = False,
) -> None:
    """Delete a connection and its stored secrets."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        connection = hub.connections.get(reference)
        if not yes and not typer.confirm(f"Remove connection {connection.name!r} (store {connection.store_hash})?"):
            raise typer.Exit(EXIT_FAILED)
        assert connection.id is not None
        removed = hub.connections.remove(connection.id)
    if as_json:
        print_json({"removed": connection_view(removed)})
    else:
        state.out.print(f"Removed connection {removed.name!r}.", markup=False)
