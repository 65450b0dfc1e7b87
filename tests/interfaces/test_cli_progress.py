"""Progress on long operations: bars (or a spinner) on stderr at a terminal; none with --json or when redirected.

One story on the demo stores, each long command run at a "terminal" (a Rich console forced to
be one) and then again with ``--json`` or into a pipe.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from bchub.app import Hub
from bchub.demo import MERCHANT, VENDORS, Demo, DemoResult, Step, connect, place_orders, vendors_ship
from bchub.interfaces.cli.common import CliState
from bchub.interfaces.cli.main import app
from bchub.settings import Settings
from bcsandbox import Sandbox
from bcsandbox.seed import seed_demo
from bcsandbox.testing import LiveServer, transport_for

NORTH, HARBOR = VENDORS.values()
BAR = "━"  # Rich draws bars with it


def cli(runner: CliRunner, sandbox: Sandbox, settings: Settings, *, terminal: bool) -> Callable[..., Result]:
    def invoke(*args: str) -> Result:
        state = CliState(
            open_hub=lambda: Hub(settings, transport=transport_for(sandbox)),
            out=Console(width=200, highlight=False, soft_wrap=True),
            err=Console(width=200, stderr=True, highlight=False, soft_wrap=True, force_terminal=terminal),
        )
        return runner.invoke(app, list(args), obj=state)

    return invoke


@pytest.fixture
def demo(sandbox: Sandbox, hub: Hub, tmp_path: Path) -> Demo:
    seed_demo(sandbox, products=3, orders=0)
    # the demo's steps reach the sandbox through the hub's in-process transport: no server is served
    running = Demo(sandbox, cast(LiveServer, None), hub, DemoResult(tmp_path))
    connect(running, Step("connect"))
    return running


def with_bar(result: Result, *texts: str) -> None:
    assert result.exit_code == 0, result.output
    assert all(text in result.stderr for text in texts), result.stderr
    assert "{" not in result.stdout[:1]  # a table or a summary for people, not JSON


def quiet_json(result: Result) -> None:
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    json.loads(result.stdout)


def test_long_operations_show_progress_only_at_a_terminal(
    runner: CliRunner, sandbox: Sandbox, hub_settings: Settings, demo: Demo
) -> None:
    tty = cli(runner, sandbox, hub_settings, terminal=True)
    piped = cli(runner, sandbox, hub_settings, terminal=False)

    with_bar(tty("catalog", "import", NORTH), "products", BAR)
    quiet_json(tty("catalog", "import", HARBOR, "--json"))
    imported = piped("catalog", "import", MERCHANT)
    assert imported.exit_code == 0 and "import: succeeded" in imported.stdout and imported.stderr == ""

    with_bar(tty("catalog", "publish", MERCHANT, "--supplier", NORTH), "publishing")
    quiet_json(tty("catalog", "publish", MERCHANT, "--supplier", HARBOR, "--json"))
    with_bar(tty("catalog", "sync", MERCHANT), "syncing")
    quiet_json(tty("catalog", "sync", MERCHANT, "--json"))
    with_bar(tty("catalog", "sync-inventory", NORTH), f"syncing {NORTH}'s stock")
    quiet_json(tty("catalog", "sync-inventory", HARBOR, "--json"))
    with_bar(tty("catalog", "hide", MERCHANT, "--supplier", NORTH), f"hide: {MERCHANT}")
    quiet_json(tty("catalog", "unhide", MERCHANT, "--supplier", NORTH, "--json"))

    place_orders(demo, Step("order"), 2)
    statuses = tty("orders", "settings", MERCHANT, "--set", "import_statuses=11", "--set", "route_on_import=false")
    assert statuses.exit_code == 0, statuses.output
    business = [part for key, value in BUSINESS.items() for part in ("--set", f"{key}={value}")]
    assert tty("orders", "settings", MERCHANT, *business).exit_code == 0
    with_bar(tty("orders", "get", MERCHANT), "orders", BAR)
    quiet_json(tty("orders", "get", MERCHANT, "--full", "--json"))
    with_bar(tty("orders", "route", MERCHANT), "vendor orders", BAR)
    quiet_json(tty("orders", "route", MERCHANT, "--json"))

    vendors_ship(demo, Step("ship"))
    with_bar(tty("shipments", "sync", MERCHANT), "shipments to merchant orders", BAR)
    quiet_json(tty("shipments", "sync", MERCHANT, "--json"))
    shipped = piped("shipments", "sync", MERCHANT)
    assert shipped.exit_code == 0 and shipped.stderr == ""

    with_bar(tty("jobs", "run", NORTH, "import_listings", "--wait"), "import_listings")
    quiet_json(tty("jobs", "run", HARBOR, "import_listings", "--wait", "--json"))


BUSINESS = {
    "business_address.first_name": "Corner",
    "business_address.last_name": "Store",
    "business_address.street_1": "1 Main St",
    "business_address.city": "Austin",
    "business_address.state": "Texas",
    "business_address.zip": "78701",
    "business_address.country": "United States",
    "business_address.country_iso2": "US",
    "business_address.email": "orders@corner.example",
}


def test_the_demo_spins_at_a_terminal_and_is_quiet_with_json(
    runner: CliRunner, sandbox: Sandbox, hub_settings: Settings, tmp_path: Path
) -> None:
    tty = cli(runner, sandbox, hub_settings, terminal=True)
    shown = tty("demo", "--folder", str(tmp_path / "shown"), "--products", "2", "--orders", "1")
    with_bar(shown, "connect, import, publish")
    assert "Sync stock" in shown.stdout
    quiet_json(tty("demo", "--folder", str(tmp_path / "quiet"), "--products", "2", "--orders", "1", "--json"))
