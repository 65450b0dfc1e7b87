"""``bchub secrets rotate-key|generate-key``."""

from __future__ import annotations

import typer

from bchub.interfaces.cli.common import hub_session, state_of
from bchub.storage.secrets import KEY_ENV, generate_key

app = typer.Typer(help="The key that encrypts stored tokens and client secrets.", no_args_is_help=True)


@app.command("rotate-key")
def rotate_key(ctx: typer.Context) -> None:
    """Re-encrypt every stored secret with a new key.

    With the key file (the default), a new key is generated, everything is re-encrypted, and the
    old key is dropped. With BCHUB_SECRET_KEY, put the new key first and the current one after it
    ('NEW,OLD'), run this, then keep only NEW.
    """
    state = state_of(ctx)
    with hub_session(ctx) as hub:
        result = hub.rotate_secret_key()
    state.out.print(
        f"Re-encrypted {result.reencrypted} stored secret(s) with the new key ({result.source}).", markup=False
    )
    if result.source == KEY_ENV:
        state.out.print(f"Now set {KEY_ENV} to the new key alone.", markup=False)


@app.command("generate-key")
def generate(ctx: typer.Context) -> None:
    """Print a new key for BCHUB_SECRET_KEY (it is not stored anywhere)."""
    state_of(ctx).out.print(generate_key(), markup=False, highlight=False)
