"""``bchub``: the command-line entry point (``pyproject.toml`` points the console script here)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import uvicorn

import bchub.interfaces.cli.catalog_publish  # noqa: F401  (registers catalog publish, sync, hide, …)
from bchub.interfaces.api.app import create_api, install_access_log_redaction
from bchub.interfaces.cli import catalog, connections, jobs, orders, secrets, shipments, tokens, users, worker
from bchub.interfaces.cli.common import configure_logging, hub_session, print_next_step, state_of
from bchub.interfaces.cli.demo import demo
from bchub.storage import migrate

app = typer.Typer(
    help="bchub: a self-hosted BigCommerce integration hub.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold tokens
)
app.add_typer(connections.app, name="connections")
app.add_typer(secrets.app, name="secrets")
app.add_typer(users.app, name="users")
app.add_typer(tokens.app, name="tokens")
app.add_typer(jobs.app, name="jobs")
app.add_typer(jobs.webhooks_app, name="webhooks")
app.add_typer(catalog.app, name="catalog")
app.add_typer(orders.app, name="orders")
app.add_typer(shipments.app, name="shipments")
app.command("worker")(worker.worker)
app.command("scheduler")(worker.scheduler)
app.command("demo")(demo)


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Settings file (TOML); default $BCHUB_CONFIG or ~/.config/bchub/config.toml."),
    ] = None,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="Log more (-v info, -vv debug).")] = 0,
) -> None:
    """Settings come from BCHUB_* variables and an optional TOML file."""
    configure_logging(verbose)
    state = state_of(ctx)
    if config is not None:
        state.config_file = config


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int | None, typer.Option(help="Embedded job workers (default BCHUB_WORKERS); 0 runs no jobs here.")
    ] = None,
) -> None:
    """Serve the REST API, the webhook receiver and the BigCommerce app callbacks; run jobs and schedules (embedded mode)."""
    with hub_session(ctx) as hub, worker.embedded_jobs(hub, workers):
        if not hub.users.all():
            state_of(ctx).err.print("No console users yet: nobody can log in to /console.", markup=False)
            print_next_step(state_of(ctx), "bchub users add USERNAME")
        install_access_log_redaction()
        uvicorn.run(create_api(hub), host=host, port=port, log_level="info")


@app.command("migrate")
def migrate_database(ctx: typer.Context) -> None:
    """Bring the database schema up to date (also done automatically when bchub starts)."""
    with hub_session(ctx) as hub:
        migrate.upgrade(hub.engine)
        state_of(ctx).out.print(f"Database at revision {migrate.current_revision(hub.engine)}.", markup=False)
