"""``bchub orders …`` and ``bchub shipments …`` through Typer's CliRunner, against the demo sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bchub.interfaces.cli.common import CliState
from bchub.interfaces.cli.main import app
from tests.sync.test_orders_helpers import BUSINESS, MERCHANT, World, world

__all__ = ["world"]


@pytest.fixture
def bchub(runner: CliRunner, cli_state: Callable[[], CliState], world: World) -> Callable[..., Result]:
    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args), obj=cli_state())

    return invoke


def _set(*pairs: str) -> list[str]:
    return [part for pair in pairs for part in ("--set", pair)]


def test_settings_are_validated_against_the_store(bchub: Callable[..., Result]) -> None:
    wrong = bchub("orders", "settings", MERCHANT, *_set("import_statuses=11,99"))
    assert (
        wrong.exit_code == 1
        and "the store has no order status 99" in wrong.output
        and "11 Awaiting Fulfillment" in wrong.output
    )
    typo = bchub("orders", "settings", MERCHANT, *_set("import_status=11"))
    assert typo.exit_code == 1 and "unknown order setting 'import_status'" in typo.output
    done = bchub("orders", "settings", MERCHANT, *_set("import_statuses=11,9", "acknowledge_status=9"), "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["import_statuses"] == [11, 9]
    shown = bchub("orders", "settings", MERCHANT)
    assert "Awaiting Fulfillment (11), Awaiting Shipment (9)" in shown.stdout


def test_get_list_show_route_explain_and_ship(bchub: Callable[..., Result], world: World, tmp_path: Path) -> None:
    assert (
        bchub(
            "orders", "settings", MERCHANT, *_set("import_statuses=11", *(f"{k}={v}" for k, v in BUSINESS.items()))
        ).exit_code
        == 0
    )
    own, north = world.own_skus()[0], world.vendor_skus(0)[0]
    number = world.place((own, 1), (north, 1))
    shipped = world.place((own, 1), status_id=2)

    got = bchub("orders", "get", MERCHANT)
    assert got.exit_code == 0, got.output
    assert "get orders: succeeded — created 1" in got.stdout
    listed = json.loads(bchub("orders", "list", MERCHANT, "--json").stdout)
    assert listed["total"] == 1 and listed["orders"][0]["store_order_id"] == number
    remote = json.loads(bchub("orders", "list-remote", MERCHANT, "--status", "2", "--json").stdout)
    assert [(order["store_order_id"], order["in_hub"]) for order in remote] == [(shipped, False)]
    older = bchub("orders", "list", MERCHANT, "--remote", "--status", "2", "--json")  # the spelling before list-remote
    assert json.loads(older.stdout) == remote

    routed = bchub("orders", "route", MERCHANT, "--json")
    assert routed.exit_code == 0, routed.output
    assert json.loads(routed.stdout)["counts"]["created"] == 1
    detail = json.loads(bchub("orders", "show", MERCHANT, str(number), "--json").stdout)
    assert detail["route_state"] == "routed" and detail["vendor_orders"][0]["vendor"] == "north"
    assert "Vendor orders" in bchub("orders", "show", MERCHANT, str(number)).stdout

    why = bchub("orders", "explain", MERCHANT, str(shipped))
    assert why.exit_code == 0 and "Shipped (2), not among the statuses to import" in why.stdout
    assert "bchub orders get shop --id" in why.stdout

    vendor_order = detail["vendor_orders"][0]["vendor_order_id"]
    world.vendor(0).orders.ship_order(vendor_order, {"tracking_number": "1ZCLI", "tracking_carrier": "ups"})
    synced = bchub("shipments", "sync", MERCHANT)
    assert synced.exit_code == 0 and "sync shipments: succeeded — created 1" in synced.stdout

    added = bchub(
        "shipments", "add", MERCHANT, str(number), "--item", f"{own}=1", "--tracking", "3PL-9", "--carrier", "fedex"
    )
    assert added.exit_code == 0, added.output
    csv_file = tmp_path / "ship.csv"
    csv_file.write_text(f"order,sku,quantity,tracking,carrier\n{number},{own},1,3PL-10,fedex\n")
    imported = bchub("shipments", "import-csv", MERCHANT, str(csv_file), "--json")
    result = json.loads(imported.stdout)
    assert imported.exit_code == 0 and result["report"]["errors"][0]["row"] == 2
    assert "only 0 left unshipped" in result["report"]["errors"][0]["message"]
    assert sorted(shipment.tracking_number for shipment in world.merchant.orders.get(number).shipments) == [
        "1ZCLI",
        "3PL-9",
    ]


def test_failures_exit_1_with_the_reason(bchub: Callable[..., Result]) -> None:
    failed = bchub("orders", "get", MERCHANT)
    assert failed.exit_code == 1 and "no statuses to import" in failed.stdout
    missing = bchub("orders", "show", MERCHANT, "4242")
    assert missing.exit_code == 1 and "bchub orders explain shop 4242" in missing.output
    bad_item = bchub("shipments", "add", MERCHANT, "100", "--item", "SKU")
    assert bad_item.exit_code == 1 and "--item expects SKU=QUANTITY" in bad_item.output


def test_purge_pii_reports_per_connection(bchub: Callable[..., Result], world: World) -> None:
    assert bchub("orders", "purge-pii").stdout.startswith("No connection keeps customer details")
    assert bchub("orders", "settings", MERCHANT, *_set("import_statuses=11", "pii_retention_days=30")).exit_code == 0
    world.place_old(world.own_skus()[0], days=45)
    assert bchub("orders", "get", MERCHANT).exit_code == 0
    purged = bchub("orders", "purge-pii", MERCHANT)
    assert (
        purged.exit_code == 0 and "shop: customer details erased from 1 order(s) (retention 30 days)" in purged.stdout
    )
