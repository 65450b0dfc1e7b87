"""``bchub tokens create|list|revoke``: bearer tokens for the REST API (``/api/v1``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from bchub.domain.users import ApiToken, TokenState
from bchub.interfaces.cli.common import hub_session, print_json, state_of
from bchub.storage.repositories import utc_now

app = typer.Typer(help="API tokens for the REST API: shown once, stored hashed.", no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")]
_STATE_STYLE = {TokenState.ACTIVE: "green", TokenState.REVOKED: "red", TokenState.EXPIRED: "yellow"}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def token_view(token: ApiToken, now: datetime) -> dict[str, Any]:
    """A token as lists show it: its first characters, never its value."""
    return {
        "id": token.id,
        "name": token.name,
        "token": f"{token.shown}…",
        "state": token.state(now).value,
        "created_at": _iso(token.created_at),
        "expires_at": _iso(token.expires_at),
        "last_used_at": _iso(token.last_used_at),
        "revoked_at": _iso(token.revoked_at),
    }


def _when(moment: datetime | None, empty: str) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else empty


@app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Who or what uses the token, e.g. 'ci' or 'erp-sync'.")],
    expires_days: Annotated[
        int | None, typer.Option("--expires-days", help="Stop working after this many days (default: never).")
    ] = None,
    as_json: Json = False,
) -> None:
    """Create a token and print it once: the hub keeps only its hash."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        created = hub.tokens.create(name, expires_in_days=expires_days)
    if as_json:
        print_json({**token_view(created.token, utc_now()), "value": created.value})
        return
    state.out.print(f"Created API token {created.token.name!r}. Copy it now; it will not be shown again:", markup=False)
    state.out.print(created.value, markup=False)
    state.out.print(
        "Use it as: curl -H 'Authorization: Bearer <token>' http://127.0.0.1:8000/api/v1/connections", markup=False
    )


@app.command("list")
def list_tokens(ctx: typer.Context, as_json: Json = False) -> None:
    """Every token (active, revoked, expired) with its first characters and when it was last used."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        tokens = hub.tokens.all()
    now = utc_now()
    if as_json:
        print_json([token_view(token, now) for token in tokens])
        return
    if not tokens:
        state.out.print("No API tokens yet. Create one with: bchub tokens create <name>", markup=False)
        return
    table = Table(title="API tokens")
    for column in ("id", "name", "token", "state", "created", "expires", "last used"):
        table.add_column(column, overflow="fold")
    for token in tokens:
        status = token.state(now)
        table.add_row(
            str(token.id),
            token.name,
            f"{token.shown}…",
            f"[{_STATE_STYLE[status]}]{status.value}[/]",
            _when(token.created_at, "-"),
            _when(token.expires_at, "never"),
            _when(token.last_used_at, "never"),
        )
    state.out.print(table)


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    reference: Annotated[str, typer.Argument(help="The token's name (or id).")],
    as_json: Json = False,
) -> None:
    """Stop a token from working, at once; it stays listed as revoked."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        token = hub.tokens.revoke(reference)
    if as_json:
        print_json({"revoked": token_view(token, utc_now())})
    else:
        state.out.print(f"Revoked API token {token.name!r} ({token.shown}…).", markup=False)
