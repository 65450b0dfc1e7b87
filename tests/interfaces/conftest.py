from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from bchub.app import Hub
from bchub.interfaces.cli.common import CliState
from bchub.settings import Settings
from bcsandbox import Sandbox, Store
from bcsandbox.testing import transport_for
from tests.support import hub as hub_fixtures
from tests.support import secrets_guard as guard_fixtures

hub = hub_fixtures.hub
hub_settings = hub_fixtures.hub_settings
secrets_guard = guard_fixtures.secrets_guard


def credentials_file(store: Store, directory: Path) -> Path:
    """The .txt file the control panel downloads for the store's first API account."""
    account = next(iter(store.accounts.values()))
    path = directory / "credentials.txt"
    path.write_text(
        f"ACCESS TOKEN: {account.access_token}\n"
        f"CLIENT NAME: {store.name} API\n"
        f"CLIENT ID: {account.client_id}\n"
        f"CLIENT SECRET: {account.client_secret}\n"
        f"NAME: {store.name} API\n"
        f"API PATH: https://api.bigcommerce.com/stores/{store.hash}/v3/\n"
    )
    return path


@pytest.fixture
def cli_state(sandbox: Sandbox, hub_settings: Settings) -> Callable[[], CliState]:
    def make() -> CliState:
        return CliState(
            open_hub=lambda: Hub(hub_settings, transport=transport_for(sandbox)),
            out=Console(width=160, highlight=False, soft_wrap=True),
            err=Console(width=160, stderr=True, highlight=False, soft_wrap=True),
        )

    return make


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
