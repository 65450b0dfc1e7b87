"""``bchub catalog …`` through Typer's CliRunner, against the demo sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from bchub.app import Hub
from bchub.interfaces.cli.common import CliState
from bchub.interfaces.cli.main import app
from bchub.settings import Settings
from bcsandbox import Sandbox
from bcsandbox.seed import seed_demo
from bcsandbox.testing import transport_for
from tests.sync.test_catalog_helpers import MERCHANT, NORTH, add_connections


@pytest.fixture
def bchub(sandbox: Sandbox, hub_settings: Settings, runner: CliRunner) -> Iterator[Callable[..., Result]]:
    seed_demo(sandbox, products=6, orders=0)
    with Hub(hub_settings) as hub:
        add_connections(hub, sandbox)

    def invoke(*args: str, input: str | None = None) -> Result:
        state = CliState(
            open_hub=lambda: Hub(hub_settings, transport=transport_for(sandbox)),
            out=Console(width=200, highlight=False, soft_wrap=True),
            err=Console(width=200, stderr=True, highlight=False, soft_wrap=True),
        )
        return runner.invoke(app, list(args), obj=state, input=input)

    yield invoke


def test_import_browse_show_and_match(bchub: Callable[..., Result]) -> None:
    vendor = bchub("catalog", "import", NORTH, "--paused")
    assert vendor.exit_code == 0, vendor.output
    assert "import: succeeded — created 18" in vendor.stdout and vendor.stderr == ""  # no terminal, no bar
    merchant = bchub(
        "catalog", "import", MERCHANT, "--mode", "create_and_overwrite", "--overwrite", "price_stock", "--json"
    )
    assert merchant.exit_code == 0, merchant.output
    run = json.loads(merchant.stdout)
    assert run["params"]["mode"] == "create_and_overwrite" and run["params"]["overwrite"] == "price_stock"
    assert run["counts"]["linked"] == 6 and run["counts"]["matched"] == 6 and len(run["items"]) == 16

    listed = bchub("catalog", "items", "--search", "nwa-0001", "--json")
    items = json.loads(listed.stdout)
    assert items["total"] == 3 and {item["sku"] for item in items["items"]} == {
        "NWA-0001-S",
        "NWA-0001-L",
        "NWA-0001-XL",
    }
    table = bchub("catalog", "items", "--supplier", NORTH, "--limit", "5")
    assert "Items 1–5 of 18" in table.stdout and "Size" in table.stdout

    shown = json.loads(bchub("catalog", "show", "NWA-0001-S", "--json").stdout)
    assert shown["supplier"] == NORTH and {listing["connection"] for listing in shown["listings"]} == {NORTH, MERCHANT}
    assert next(listing for listing in shown["listings"] if listing["connection"] == NORTH)["paused"] is True
    assert "Listings" in bchub("catalog", "show", "NWA-0001-S").stdout

    matches = json.loads(bchub("catalog", "matches", "--status", "unmatched", "--json").stdout)
    # the merchant's own 4 products and its 6 copies of Harbor's (not imported) have no vendor listing
    assert len(matches) == 10 and {row["sku"][:4] for row in matches} == {"MRC-", "HHG-"}
    missing = bchub("catalog", "show", "NOPE")
    assert missing.exit_code == 1 and "no item with master SKU 'NOPE'" in missing.output


def test_pick_products_from_the_store_then_import_them(bchub: Callable[..., Result]) -> None:
    remote = bchub("catalog", "list-remote", NORTH, "--search", "Hoodie", "--json")
    assert remote.exit_code == 0, remote.output
    [product] = json.loads(remote.stdout)["products"]
    assert product["imported"] is False
    picked = bchub("catalog", "import", NORTH, "--ids", str(product["id"]), "--skus", "NWA-0001-S,NO-SUCH")
    assert picked.exit_code == 0, picked.output
    assert "created 4" in picked.stdout and "NO-SUCH" in picked.stdout and "no such SKU in the store" in picked.stdout
    again = bchub("catalog", "list-remote", NORTH, "--search", "Hoodie")
    assert "3/3" in again.stdout
    wrong = bchub("catalog", "import", NORTH, "--ids", "one")
    assert wrong.exit_code == 1 and "--ids takes product ids" in wrong.output
    both = bchub("catalog", "import", NORTH, "--ids", "1", "--incremental")
    assert both.exit_code == 1 and "either incremental or of chosen products" in both.output


def test_csv_in_and_out(bchub: Callable[..., Result], tmp_path: Path) -> None:
    sheet = tmp_path / "items.csv"
    sheet.write_text("sku,name,price\nOWN-1,Gift card,25\nOWN-2,,3\n")
    dry = bchub("catalog", "import-csv", str(sheet), "--dry-run")
    assert dry.exit_code == 1 and "dry run (nothing written): created 1, failed 1" in dry.stdout
    assert "the name is empty" in dry.stdout
    assert json.loads(bchub("catalog", "items", "--json").stdout)["total"] == 0
    done = bchub("catalog", "import-csv", "-", "--json", input="sku,name,price\nOWN-1,Gift card,25\n")
    assert done.exit_code == 0 and json.loads(done.stdout)["counts"] == {"created": 1}
    out = tmp_path / "export.csv"
    exported = bchub("catalog", "export-csv", str(out))
    assert exported.exit_code == 0 and "wrote 1 items" in exported.stderr
    assert out.read_text().splitlines()[1].startswith("OWN-1,Gift card,,,25,")


def test_items_filter_by_listing_state(bchub: Callable[..., Result]) -> None:
    assert bchub("catalog", "import", NORTH, "--paused").exit_code == 0
    assert bchub("catalog", "import", MERCHANT).exit_code == 0
    paused = json.loads(bchub("catalog", "items", "--state", "paused", "--json").stdout)
    in_vendor = json.loads(bchub("catalog", "items", "--state", "paused", "--connection", NORTH, "--json").stdout)
    in_merchant = json.loads(bchub("catalog", "items", "--state", "paused", "--connection", MERCHANT, "--json").stdout)
    assert paused["total"] == in_vendor["total"] == 18 and in_merchant["total"] == 0
    unmatched = json.loads(bchub("catalog", "items", "--state", "unmatched", "--connection", MERCHANT, "--json").stdout)
    assert unmatched["total"] == 10
    table = bchub("catalog", "items", "--state", "hidden")
    assert table.exit_code == 0 and "Items 0–0 of 0" in table.stdout
    wrong = bchub("catalog", "items", "--state", "asleep")
    assert wrong.exit_code != 0 and "asleep" in wrong.output
