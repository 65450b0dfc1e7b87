"""``bcsandbox serve``: run the emulator on loopback, optionally seeded and persisted."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from bcsandbox import seed as seeding
from bcsandbox.server import create_app
from bcsandbox.state import Sandbox, SandboxSettings
from bcsandbox.testing import install_log_filter
from bcsandbox.tls import write_self_signed

cli = typer.Typer(help="bcsandbox: a local emulator of the BigCommerce REST API.", no_args_is_help=True)
console = Console()


@cli.callback()
def _root() -> None:
    """bcsandbox: a local emulator of the BigCommerce REST API."""


def _print_stores(sandbox: Sandbox, base_url: str) -> None:
    table = Table(title="bcsandbox stores")
    for column in ("store", "hash", "plan", "API path", "X-Auth-Token", "scopes"):
        table.add_column(column, overflow="fold")
    for store in sandbox.stores.values():
        for account in store.accounts.values():
            table.add_row(
                store.name,
                store.hash,
                store.plan,
                f"{base_url}/stores/{store.hash}/v3/",
                account.access_token,
                " ".join(sorted(account.scopes)),
            )
    console.print(table)
    console.print(f"Control plane: {base_url}/_sandbox  ·  OAuth token endpoint: {base_url}/oauth2/token")
    console.print(f"Try: curl -H 'X-Auth-Token: <token>' {base_url}/stores/<hash>/v2/store")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8765,
    seed: Annotated[str | None, typer.Option(help="Seed preset to load at start: 'demo'.")] = None,
    seed_value: Annotated[int, typer.Option("--seed-value", help="Random seed for the preset.")] = 0,
    state: Annotated[Path | None, typer.Option(help="Keep state in this file across restarts.")] = None,
    window_ms: Annotated[int, typer.Option(help="Rate-limit window in milliseconds.")] = 30_000,
    webhook_retry_scale: Annotated[float, typer.Option(help="Scale of the webhook retry schedule.")] = 1.0,
    autosave_seconds: Annotated[float, typer.Option(help="With --state, save this often.")] = 5.0,
    tls: Annotated[
        bool, typer.Option(help="Serve HTTPS with a self-signed certificate (written to --tls-dir).")
    ] = False,
    tls_dir: Annotated[Path, typer.Option(help="Where --tls writes cert.pem and key.pem.")] = Path(".bcsandbox-tls"),
) -> None:
    """Serve the emulator until interrupted."""
    sandbox = Sandbox(SandboxSettings(window_ms=window_ms, webhook_retry_scale=webhook_retry_scale))
    if state is not None and state.exists():
        sandbox.load(state)
        console.print(f"Loaded {len(sandbox.stores)} store(s) from {state}")
    elif seed is not None:
        if seed != "demo":
            raise typer.BadParameter(f"unknown seed preset {seed!r}; available: demo", param_hint="--seed")
        seeding.seed_demo(sandbox, seed=seed_value)
    cert_path: Path | None = None
    key_path: Path | None = None
    if tls:
        cert_path, key_path = write_self_signed(tls_dir)
    base_url = f"{'https' if tls else 'http'}://{host}:{port}"
    _print_stores(sandbox, base_url)
    if cert_path is not None:
        console.print(f"TLS certificate: {cert_path} (trust it, e.g. REQUESTS_CA_BUNDLE={cert_path})")

    stop_saving = threading.Event()
    if state is not None:

        def autosave() -> None:
            while not stop_saving.wait(autosave_seconds):
                sandbox.save(state)

        threading.Thread(target=autosave, name="bcsandbox-autosave", daemon=True).start()

    install_log_filter()
    config = uvicorn.Config(
        create_app(sandbox),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        http="httptools",
        loop="uvloop",
        lifespan="on",
        ssl_certfile=str(cert_path) if cert_path else None,
        ssl_keyfile=str(key_path) if key_path else None,
    )
    server = uvicorn.Server(config)
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "should_exit", True))
    try:
        server.run()
    finally:
        stop_saving.set()
        if state is not None:
            sandbox.save(state)
            console.print(f"Saved state to {state}")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
