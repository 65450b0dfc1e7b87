"""``bchub demo`` end to end on small sizes: every step succeeds and tracking lands on the merchant's orders."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bchub.app import Hub
from bchub.demo import MERCHANT, open_demo, play
from bchub.interfaces.api.app import create_api
from bchub.interfaces.cli.demo import DEMO_USER, console_login
from bchub.interfaces.cli.main import app
from bcsandbox.seed import MERCHANT_HASH


def test_the_story_succeeds_and_tracking_reaches_the_merchant(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    (folder / "leftover").mkdir(parents=True)  # a previous run's folder is wiped
    with open_demo(folder, products=4) as demo:
        result = play(demo, orders=3)
        assert [step.name for step in result.steps] == [
            "Connect stores", "Import catalogs", "Publish to merchant", "Shoppers order",
            "Get and route orders", "Vendors ship", "Tracking back", "Sync stock",
        ]  # fmt: skip
        assert result.succeeded, [(step.name, step.detail) for step in result.steps if not step.ok]
        assert not (folder / "leftover").exists()
        assert (folder / "bchub.db").exists()
        # every shopper order came back with the vendors' tracking numbers, and is shipped
        merchant = demo.sandbox.stores[MERCHANT_HASH]
        assert len(result.merchant_orders) == 3
        for number in result.merchant_orders:
            order = merchant.orders.get(number)
            assert result.tracking[number]
            assert {shipment.tracking_number for shipment in order.shipments} == set(result.tracking[number])
            assert all(number.startswith("1ZDEMO") for number in result.tracking[number])
        # the hub recorded the merchant's orders as shipped from the vendors
        for number in result.merchant_orders:
            detail = demo.hub.orders.show(MERCHANT, number)
            assert detail.vendor_orders and all(item.vendor_order_id for item in detail.vendor_orders)
            assert detail.shipments
        # publishing listed the vendor items the merchant did not sell yet
        publish = next(step for step in result.steps if step.name == "Publish to merchant")
        assert "created" in publish.detail and publish.requests


def test_a_failed_step_is_reported_and_stops_the_story(tmp_path: Path) -> None:
    with open_demo(tmp_path / "demo", products=4) as demo:
        accounts = demo.sandbox.stores["vnd0002"].accounts
        for token, account in accounts.items():  # a vendor token without scopes: its connection test fails
            accounts[token] = replace(account, scopes=frozenset())
        result = play(demo, orders=2)
    assert not result.succeeded
    assert [(step.name, step.ok) for step in result.steps] == [("Connect stores", False)]
    assert "harbor-home" in result.steps[0].detail


@pytest.mark.parametrize("fail", [False, True])
def test_the_command_prints_the_summary_and_exits_by_outcome(tmp_path: Path, fail: bool) -> None:
    args = ["demo", "--folder", str(tmp_path / "demo"), "--products", "2", "--orders", "1", "--json"]
    if fail:
        args[args.index("--orders") + 1] = "0"  # refused by the option's range: a usage error
    result = CliRunner().invoke(app, args)
    if fail:
        assert result.exit_code == 2
        return
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["succeeded"] is True
    assert len(report["steps"]) == 8 and all(step["ok"] for step in report["steps"])


async def sign_in(hub: Hub, url: str, password: str) -> str:
    """Sign in on the console as a browser would; returns the orders page."""
    transport = httpx.ASGITransport(app=create_api(hub))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as browser:
        page = await browser.get(url)
        assert page.status_code == 200
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf is not None
        form = {"csrf_token": csrf.group(1), "next": "/console/", "username": DEMO_USER, "password": password}
        signed_in = await browser.post(url, data=form)
        assert signed_in.status_code == 303, signed_in.text
        orders = await browser.get("/console/orders")
        assert orders.status_code == 200
        return orders.text


def test_the_printed_console_login_signs_in_on_the_demo_data(tmp_path: Path) -> None:
    with open_demo(tmp_path / "demo", products=2) as demo:
        assert play(demo, orders=1).succeeded
        url, password = console_login(demo.hub, 8000)
        assert url == "http://127.0.0.1:8000/console/login"
        assert MERCHANT in asyncio.run(sign_in(demo.hub, url, password))
