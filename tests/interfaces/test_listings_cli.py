"""``bchub catalog publish|sync|hide|unhide|delist|pause|unpause|stock-rule`` through Typer's CliRunner."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from typer.testing import CliRunner, Result

from bchub.app import Hub
from bchub.domain.connections import Role
from bchub.interfaces.cli.common import CliState
from bchub.interfaces.cli.main import app
from bcsandbox import Sandbox, Store
from tests.sync.publishing_helpers import add_items, connect, item, product, set_stock, variant, vendor_store


@pytest.fixture
def bchub(runner: CliRunner, cli_state: Callable[[], CliState]) -> Callable[..., Result]:
    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), obj=cli_state(), input=input)

    return invoke


def test_publish_dry_run_then_publish_sync_and_visibility(
    bchub: Callable[..., Result], hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    connect(hub, store)
    ids = add_items(hub, [item("PEN", name="Pen"), item("INK", name="Ink")], stock={"PEN": 3, "INK": 4})
    dry = bchub("catalog", "publish", "shop", "--skus", "PEN,INK", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "dry run: 2 would change" in dry.stdout and "name: — → Pen" in dry.stdout
    assert sandbox.requests(store.hash) == []
    done = bchub("catalog", "publish", "shop", "--all", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["counts"]["created"] == 2
    set_stock(hub, ids["PEN"], "csv", 30)
    synced = bchub("catalog", "sync", "shop")
    assert synced.exit_code == 0, synced.output
    assert "sync listings: succeeded — updated 1, unchanged 1" in synced.stdout
    assert variant(store, "PEN")["inventory_level"] == 30
    assert bchub("catalog", "hide", "shop", "--skus", "PEN").exit_code == 0
    assert product(store, "PEN")["availability"] == "disabled"
    unhid = bchub("catalog", "unhide", "shop", "--skus", "PEN,INK", "--json")
    assert {i["key"]: i["outcome"] for i in json.loads(unhid.stdout)["items"]} == {"PEN": "updated", "INK": "skipped"}
    assert "paused 1 listings" in bchub("catalog", "pause", "shop", "--skus", "INK").stdout
    declined = bchub("catalog", "delist", "shop", "--search", "pen", input="n\n")
    assert declined.exit_code == 1 and "Delist 1 listing(s)" in declined.output and "Aborted" in declined.output
    assert sorted(r.fields["sku"] for r in store.catalog.products.values()) == ["INK", "PEN"]
    assert bchub("catalog", "delist", "shop", "--search", "pen", "--yes").exit_code == 0
    assert [r.fields["sku"] for r in store.catalog.products.values()] == ["INK"]
    relisted = bchub("catalog", "sync", "shop", "--relist")
    assert relisted.exit_code == 0 and "created 1" in relisted.stdout
    assert sorted(r.fields["sku"] for r in store.catalog.products.values()) == ["INK", "PEN"]


def test_stock_rule_and_vendor_guard(bchub: Callable[..., Result], hub: Hub, sandbox: Sandbox) -> None:
    connect(hub, vendor_store(sandbox), Role.VENDOR, name="acme")
    add_items(hub, [item("BOLT")])
    shown = bchub("catalog", "stock-rule", "acme", "--buffer", "2", "--cap", "50", "--zero-discontinued", "--json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout) == {"buffer": 2, "cap": 50, "zero_when_discontinued": True}
    refused = bchub("catalog", "publish", "acme", "--skus", "BOLT")
    assert refused.exit_code == 1 and "never writes to a vendor" in refused.output


def test_visibility_and_pause_dry_runs_print_the_flags_and_send_nothing(
    bchub: Callable[..., Result], hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    connect(hub, store)
    add_items(hub, [item("PEN", name="Pen"), item("INK", name="Ink")])
    assert bchub("catalog", "publish", "shop", "--skus", "PEN").exit_code == 0
    sandbox.clear_requests()
    hide = bchub("catalog", "hide", "shop", "--skus", "PEN,INK", "--dry-run")
    assert hide.exit_code == 0, hide.output
    assert "dry run: 1 would change" in hide.stdout and "hidden: False → True" in hide.stdout
    assert "INK: skip — not listed in this store" in hide.stdout
    delist = bchub("catalog", "delist", "shop", "--all", "--dry-run", "--json")
    assert json.loads(delist.stdout)["changes"][-1] == {
        "sku": "PEN",
        "action": "delist",
        "changes": {"delisted": {"before": False, "after": True}},
    }
    pause = bchub("catalog", "pause", "shop", "--skus", "PEN", "--dry-run")
    assert pause.exit_code == 0 and "paused: False → True" in pause.stdout
    assert "nothing would change" in bchub("catalog", "unpause", "shop", "--skus", "PEN", "--dry-run").stdout
    assert sandbox.requests(store.hash) == [] and product(store, "PEN")["availability"] == "available"
    assert "paused 1 listings" in bchub("catalog", "pause", "shop", "--skus", "PEN").stdout
