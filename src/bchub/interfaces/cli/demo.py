"""``bchub demo``: the whole dropship story on a sandbox, with a summary table (what ``make demo`` runs)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.table import Table

from bchub.app import Hub
from bchub.demo import DEFAULT_FOLDER, DemoResult, describe, open_demo, play, summary_rows
from bchub.interfaces.api.app import create_api, install_access_log_redaction
from bchub.interfaces.cli import worker
from bchub.interfaces.cli.common import EXIT_FAILED, activity, print_json, state_of
from bchub.interfaces.console import MOUNT as CONSOLE

DEMO_USER = "demo"


def _table(result: DemoResult) -> Table:
    table = Table(title=f"bchub demo — {result.folder}", title_justify="left")
    table.add_column("step")
    table.add_column("what happened", overflow="fold")
    table.add_column("API requests", justify="right")
    table.add_column("status")
    for name, detail, requests, status in summary_rows(result):
        style = "green" if status == "ok" else "bold red"
        table.add_row(name, detail, requests, f"[{style}]{status}[/]")
    return table


def console_login(hub: Hub, port: int) -> tuple[str, str]:
    """A console user for the demo data, with a fresh password: (login URL, password)."""
    password = secrets.token_urlsafe(12)
    hub.users.add(DEMO_USER, password)
    return f"http://127.0.0.1:{port}{CONSOLE}/login", password


def demo(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Option(help="The demo folder (wiped at start).")] = DEFAULT_FOLDER,
    products: Annotated[int, typer.Option(help="Products per vendor store.", min=2, max=500)] = 12,
    orders: Annotated[int, typer.Option(help="Shopper orders to place.", min=1, max=200)] = 6,
    serve: Annotated[bool, typer.Option("--serve", help="Then serve the console on the demo data.")] = False,
    port: Annotated[int, typer.Option(help="Console port with --serve.")] = 8000,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")] = False,
) -> None:
    """Sandbox stores (a merchant, two vendors): connect, import, publish, order, route, ship, track, sync stock."""
    out = state_of(ctx).out
    with open_demo(folder, products=products) as running:
        with activity(ctx, as_json, "connect, import, publish, order, route, ship, track, sync stock…"):
            result = play(running, orders=orders)
        if as_json:
            print_json(describe(result))
        else:
            out.print(_table(result))
        if not result.succeeded:
            raise typer.Exit(EXIT_FAILED)
        if not serve:
            if not as_json:
                out.print("See it in the console: bchub demo --serve", markup=False)
            return
        url, password = console_login(running.hub, port)
        # after --json the login goes to stderr, so stdout stays one JSON document
        login = state_of(ctx).err if as_json else out
        login.print(f"Console: {url}  user {DEMO_USER}  password {password}  (Ctrl-C stops)", markup=False)
        with worker.embedded_jobs(running.hub, None):
            install_access_log_redaction()
            uvicorn.run(create_api(running.hub), host="127.0.0.1", port=port, log_level="warning")
