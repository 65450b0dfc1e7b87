"""The store's plan and API quota: saved on the connection by a connection test, shown by
``bchub connections show`` (text and ``--json``), the connection page and the dashboard, which
keeps the day's allowance after the limiter's short-lived budget is gone."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from rich.console import Console
from typer.testing import CliRunner

from bchub.app import Hub
from bchub.domain.connections import ApiQuota
from bchub.domain.runs import RunStatus
from bchub.interfaces.cli.common import CliState
from bchub.interfaces.cli.main import app as cli
from bchub.settings import Settings
from bchub.sync.runner import OperationRun, execute
from bcsandbox import Sandbox, Store
from bcsandbox.testing import transport_for
from tests.browser.support import cheap_passwords, logged_in
from tests.jobs.helpers import add_connection
from tests.support import hub as hub_fixtures

pytestmark = pytest.mark.anyio

hub = hub_fixtures.hub
hub_settings = hub_fixtures.hub_settings
__all__ = ["hub", "hub_settings"]

STANDARD = "150 requests per 30 s (432,000 a day)"


def cli_show(settings: Settings, sandbox: Sandbox, *args: str) -> str:
    state = CliState(
        open_hub=lambda: Hub(settings, transport=transport_for(sandbox)),
        out=Console(width=300, highlight=False, soft_wrap=True),
        err=Console(width=300, stderr=True, highlight=False, soft_wrap=True),
    )
    result = CliRunner().invoke(cli, ["connections", "show", "shop", *args], obj=state)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_quota_reads_as_people_say_it() -> None:
    assert ApiQuota(150, 30_000).describe() == STANDARD
    assert ApiQuota(450, 30_000).per_day == 1_296_000
    assert ApiQuota(60, 60_000).describe() == "60 requests per 1 min (86,400 a day)"
    assert ApiQuota(20, 1_500).describe() == "20 requests per 1.5 s (1,152,000 a day)"
    # an "unlimited" Enterprise plan states a huge figure: no daily total is worth showing
    unlimited = ApiQuota(10_000_000, 30_000)
    assert unlimited.unlimited and unlimited.per_day is None
    assert unlimited.describe() == "no fixed limit"
    assert not ApiQuota(999_999, 30_000).unlimited
    with pytest.raises(ValueError, match="positive"):
        ApiQuota(0, 30_000)


async def test_a_passing_test_saves_the_plan_and_quota_the_cli_shows(
    hub: Hub, hub_settings: Settings, sandbox: Sandbox
) -> None:
    store = sandbox.create_store("std1", name="Standard Shop", plan="standard")
    add_connection(hub, store)
    assert (hub.connections.get("shop").plan, hub.connections.get("shop").quota) == (None, None)
    before = datetime.now(UTC)

    assert (await hub.connections.test("shop")).passed

    saved = hub.connections.get("shop")
    assert saved.plan == "Standard"
    assert saved.quota is not None and (saved.quota.requests, saved.quota.window_ms) == (150, 30_000)
    assert saved.quota.seen_at is not None and saved.quota.seen_at >= before
    text = cli_show(hub_settings, sandbox)
    assert re.search(r"│ plan\s+│ Standard\s+│", text), text
    assert re.search(rf"│ API quota\s+│ {re.escape(STANDARD)} \(as of \d{{4}}-\d\d-\d\d \d\d:\d\d UTC\)", text), text
    view = json.loads(cli_show(hub_settings, sandbox, "--json"))
    assert view["plan"] == "Standard"
    assert {key: value for key, value in view["quota"].items() if key != "seen_at"} == {
        "requests": 150,
        "window_ms": 30_000,
        "per_day": 432_000,
        "unlimited": False,
        "text": STANDARD,
    }
    assert datetime.fromisoformat(view["quota"]["seen_at"]) == saved.quota.seen_at


async def test_an_untested_connection_says_its_plan_is_not_known_yet(
    hub: Hub, hub_settings: Settings, sandbox: Sandbox, store: Store
) -> None:
    add_connection(hub, store)
    text = cli_show(hub_settings, sandbox)
    assert re.search(r"│ plan\s+│ \(known after a test\)", text) and re.search(r"│ API quota\s+│ \(known after", text)
    view = json.loads(cli_show(hub_settings, sandbox, "--json"))
    assert (view["plan"], view["quota"]) == (None, None)


async def test_a_test_that_fails_on_a_scope_still_records_the_plan_and_quota(hub: Hub, sandbox: Sandbox) -> None:
    store = sandbox.create_store("pro1", name="Pro Shop", plan="pro", scopes="store_v2_information_read_only")
    add_connection(hub, store)
    report = await hub.connections.test("shop")
    assert not report.passed and report.gaps
    saved = hub.connections.get("shop")
    assert saved.plan == "Pro" and saved.quota is not None
    assert saved.quota.describe() == "450 requests per 30 s (1,296,000 a day)"


async def test_the_dashboard_keeps_the_allowance_after_the_limiters_budget_is_gone(
    hub: Hub, hub_settings: Settings, sandbox: Sandbox
) -> None:
    standard = sandbox.create_store("std2", name="Standard Shop", plan="standard")
    add_connection(hub, standard)
    unlimited = sandbox.create_store("ent2", name="Enterprise Shop", plan="enterprise")
    add_connection(hub, unlimited, name="big")
    assert (await hub.connections.test("shop")).passed and (await hub.connections.test("big")).passed

    # a fresh process: its limiter has seen no headers (Redis budgets expire after 120 s)
    with Hub(hub_settings, transport=transport_for(sandbox)) as restarted:
        cheap_passwords(restarted)
        async with logged_in(restarted) as client:
            page = (await client.get("/console/")).text
            detail = (await client.get(f"/console/connections/{restarted.connections.get('big').id}")).text
    cells = re.findall(r'<td class="quota">(.*?)</td>', page, re.DOTALL)
    texts = [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]
    assert sorted(texts) == ["0 requests 0.0% of 432,000 a day", "0 requests no fixed limit"]
    assert "28,800,000,000" not in page
    assert '<dd class="plan">Enterprise</dd>' in detail
    assert re.search(r'<dd class="quota">no fixed limit <span class="reason"[^>]*>as of ', detail)


async def test_the_dashboard_prefers_the_limiters_live_reading(hub: Hub, sandbox: Sandbox) -> None:
    store = sandbox.create_store("std3", name="Standard Shop", plan="standard")
    add_connection(hub, store)
    assert (await hub.connections.test("shop")).passed
    store.set_plan("pro")  # upgraded since the test: the next response states the new quota
    async with hub.clients(store.hash, next(iter(store.accounts))) as client:
        await client.store.time()
    cheap_passwords(hub)
    async with logged_in(hub) as client:
        page = (await client.get("/console/")).text
    assert "of 1,296,000 a day" in page


async def test_a_run_refreshes_the_stored_quota_only_when_it_changed_or_is_old(hub: Hub, sandbox: Sandbox) -> None:
    store = sandbox.create_store("std4", name="Standard Shop", plan="standard")
    connection = add_connection(hub, store)
    token = next(iter(store.accounts))
    async with hub.clients(store.hash, token) as client:
        unseen = await hub.connections.remember_quota(connection, client)  # no response yet: nothing to save
        assert unseen.quota is None and hub.connections.get("shop").quota is None
        await client.store.time()
        first = await hub.connections.remember_quota(connection, client)
    assert first.quota is not None and first.quota.describe() == STANDARD
    assert hub.connections.get("shop").quota == first.quota

    async with hub.clients(store.hash, token) as client:
        await client.store.time()
        same = await hub.connections.remember_quota(first, client)
    assert same is first  # unchanged and recent: no write

    store.set_plan("pro")
    async with hub.clients(store.hash, token) as client:
        await client.store.time()
        upgraded = await hub.connections.remember_quota(first, client)
    assert upgraded.quota is not None and upgraded.quota.requests == 450
    assert hub.connections.get("shop").quota == upgraded.quota

    old = upgraded.replace(quota=ApiQuota(450, 30_000, datetime(2026, 1, 1, tzinfo=UTC)))
    async with hub.clients(store.hash, token) as client:
        await client.store.time()
        refreshed = await hub.connections.remember_quota(old, client)
    assert refreshed.quota is not None and refreshed.quota.seen_at is not None
    assert refreshed.quota.seen_at > datetime(2026, 1, 1, tzinfo=UTC)


async def test_any_run_keeps_the_quota_without_a_connection_test(hub: Hub, sandbox: Sandbox) -> None:
    """A store connected before quotas were saved learns its quota from its next run's response headers."""
    store = sandbox.create_store("std2", name="Standard Shop", plan="standard")
    add_connection(hub, store)

    async def read_the_time(run: OperationRun) -> None:
        await run.client.store.time()

    finished = await execute(
        "probe", "shop", read_the_time, sessions=hub.sessions, connections=hub.connections, clients=hub.clients
    )
    assert finished.status is RunStatus.SUCCEEDED
    quota = hub.connections.get("shop").quota
    assert quota is not None and (quota.requests, quota.window_ms) == (150, 30_000)
