"""``bchub users add|list|passwd|remove``: the people who log in to the web console."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from bchub.domain.users import PASSWORD_MIN, User
from bchub.errors import InputError
from bchub.interfaces.cli.common import EXIT_FAILED, hub_session, print_json, state_of

app = typer.Typer(help="Console users: who may log in to the web console.", no_args_is_help=True)

Username = Annotated[str, typer.Argument(help="The username (letters, digits and . _ @ + -; an email works).")]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of stdin instead of prompting (for scripts).",
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def user_view(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "created_at": _iso(user.created_at),
        "last_login_at": _iso(user.last_login_at),
    }


def _read_password(from_stdin: bool) -> str:
    """From stdin's first line (only its line ending removed: spaces count), or a hidden prompt asked twice."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError("--password-stdin: expected the password on the first line of stdin, got nothing")
        return password
    prompted: str = typer.prompt(
        f"Password (at least {PASSWORD_MIN} characters)", hide_input=True, confirmation_prompt=True
    )
    return prompted


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else "never"


@app.command("add")
def add(ctx: typer.Context, username: Username, password_stdin: PasswordStdin = False, as_json: Json = False) -> None:
    """Add a console user; the password is asked for twice (or read from stdin)."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        user = hub.users.add(username, _read_password(password_stdin))
    if as_json:
        print_json(user_view(user))
    else:
        state.out.print(f"Added user {user.username!r}. Log in at the console: bchub serve, then open /", markup=False)


@app.command("list")
def list_users(ctx: typer.Context, as_json: Json = False) -> None:
    """Every console user and when they last logged in."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        users = hub.users.all()
    if as_json:
        print_json([user_view(user) for user in users])
        return
    if not users:
        state.out.print("No users yet. Add one with: bchub users add <username>", markup=False)
        return
    table = Table(title="Console users")
    for column in ("id", "username", "created", "last login"):
        table.add_column(column, overflow="fold")
    for user in users:
        table.add_row(str(user.id), user.username, _when(user.created_at), _when(user.last_login_at))
    state.out.print(table)


@app.command("passwd")
def passwd(
    ctx: typer.Context, username: Username, password_stdin: PasswordStdin = False, as_json: Json = False
) -> None:
    """Set a new password; the user's open console sessions end."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        user = hub.users.set_password(username, _read_password(password_stdin))
    if as_json:
        print_json(user_view(user))
    else:
        state.out.print(f"Changed the password of {user.username!r}; their console sessions have ended.", markup=False)


@app.command("remove")
def remove(
    ctx: typer.Context,
    username: Username,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_json: Json = False,
) -> None:
    """Delete a console user; their open sessions end."""
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        if not yes and not typer.confirm(f"Remove user {username!r}?"):
            raise typer.Exit(EXIT_FAILED)
        user = hub.users.remove(username)
    if as_json:
        print_json({"removed": user_view(user)})
    else:
        state.out.print(f"Removed user {user.username!r}.", markup=False)
