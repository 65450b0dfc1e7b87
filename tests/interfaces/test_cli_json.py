"""``--json`` on every read command: present (checked on the whole command tree) and valid JSON only.

The second half runs each read command with ``--json`` on a hub holding what the demo leaves
behind (three connections, a catalog, routed and shipped orders) plus a user, a token, a job, a
schedule and a webhook event, and parses stdout with ``json.loads``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import pytest
import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup
from typer.testing import CliRunner, Result

from bchub.app import Hub
from bchub.demo import MERCHANT, VENDORS, Demo, DemoResult, play
from bchub.interfaces.cli.common import CliState
from bchub.interfaces.cli.main import app
from bcsandbox import Sandbox, SandboxSettings
from bcsandbox.seed import seed_demo
from bcsandbox.testing import LiveServer, transport_for
from tests.support.hub import make_settings
from tests.support.secrets_guard import SecretsGuard

# Commands that read (list, show, search, explain); each must take --json.
READ_VERBS = {
    "list",
    "list-remote",
    "show",
    "items",
    "matches",
    "events",
    "operations",
    "schedules",
    "settings",
    "explain",
    "stock-rule",
}
# Commands without --json, and why. A new command must take --json or be listed here.
NO_JSON = {
    "serve": "runs a server",
    "worker": "runs a Celery worker",
    "scheduler": "runs Celery beat",
    "migrate": "changes the schema and says the revision",
    "secrets rotate-key": "prints a count; re-encrypting is not a read",
    "secrets generate-key": "prints one key for a variable",
    "catalog export-csv": "its output is CSV, the format import-csv reads",
}


def leaf_commands(group: TyperGroup, prefix: str = "") -> Iterator[tuple[str, TyperCommand]]:
    """Every command under ``group`` as ("catalog import", command), through Typer's own click."""
    context = typer.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        path = f"{prefix} {name}".strip()
        if isinstance(command, TyperGroup):
            yield from leaf_commands(command, path)
        else:
            assert isinstance(command, TyperCommand), path
            yield path, command


def takes_json(command: TyperCommand) -> bool:
    return any("--json" in getattr(parameter, "opts", ()) for parameter in command.params)


COMMANDS = dict(leaf_commands(cast(TyperGroup, typer.main.get_command(app))))


def test_the_walk_finds_every_group() -> None:
    groups = {path.split()[0] for path in COMMANDS if " " in path}
    assert groups == {"connections", "secrets", "users", "tokens", "jobs", "webhooks", "catalog", "orders", "shipments"}
    assert len(COMMANDS) > 50


def test_every_read_command_takes_json() -> None:
    reads = {path for path in COMMANDS if path.split()[-1] in READ_VERBS}
    assert len(reads) >= 17
    assert [path for path in sorted(reads) if not takes_json(COMMANDS[path])] == []


def test_every_other_command_takes_json_unless_listed_with_a_reason() -> None:
    missing = sorted(path for path, command in COMMANDS.items() if not takes_json(command) and path not in NO_JSON)
    assert missing == [], "add --json to these commands, or list them in NO_JSON with the reason"
    assert set(NO_JSON) <= set(COMMANDS), "NO_JSON names a command that no longer exists"


# -- every read command's JSON, on demo data --------------------------------------------------------


@dataclass
class DemoHub:
    sandbox: Sandbox
    make_state: Callable[[], CliState]
    orders: list[int]
    sku: str
    job_id: int
    event_id: int
    guard: SecretsGuard


@pytest.fixture(scope="module")
def demo_hub(tmp_path_factory: pytest.TempPathFactory) -> DemoHub:
    folder = tmp_path_factory.mktemp("demo-json")
    sandbox = Sandbox(SandboxSettings(window_ms=30_000))
    seed_demo(sandbox, products=4, orders=0)
    settings = make_settings(folder)

    def open_hub() -> Hub:
        return Hub(settings, transport=transport_for(sandbox))

    with open_hub() as hub:
        # the demo's story without its served sandbox: the hub reaches the stores in-process
        result = play(Demo(sandbox, cast(LiveServer, None), hub, DemoResult(folder)), orders=2)
        assert result.succeeded, [(step.name, step.detail) for step in result.steps]
        hub.users.add("ops", "a long enough password")
        hub.tokens.create("ci")
        job = hub.jobs.run("test_connection", MERCHANT, {}, source="cli").job
        hub.jobs.set_schedule(MERCHANT, "get_orders", enabled=True, interval_s=900)
        vendor_hash = next(iter(VENDORS))
        received = hub.webhooks.receive(
            {"scope": "store/product/updated", "hash": "h-1", "producer": f"stores/{vendor_hash}",
             "data": {"type": "product", "id": 1}, "created_at": 1_700_000_000, "store_id": "1"}
        )  # fmt: skip
        assert received.event is not None and received.event.id is not None and job.id is not None
        sku = hub.catalog.items(limit=1, offset=0)[0][0].sku

    guard = SecretsGuard()
    for store in sandbox.stores.values():
        for account in store.accounts.values():
            guard.add(account.access_token, account.client_secret, label=f"a secret of store {store.hash}")

    def make_state() -> CliState:
        return CliState(
            open_hub=open_hub,
            out=Console(width=200, highlight=False, soft_wrap=True),
            err=Console(width=200, stderr=True, highlight=False, soft_wrap=True, force_terminal=True),
        )

    return DemoHub(sandbox, make_state, result.merchant_orders, sku, job.id, received.event.id, guard)


def read_commands(demo: DemoHub) -> dict[str, list[str]]:
    """Every read command with arguments that find something, keyed by its path."""
    vendor = VENDORS[next(iter(VENDORS))]
    order = str(demo.orders[0])
    return {
        "connections list": [],
        "connections show": [MERCHANT],
        "users list": [],
        "tokens list": [],
        "jobs list": [],
        "jobs show": [str(demo.job_id), "--items", "all"],
        "jobs operations": [],
        "jobs schedules": [],
        "webhooks events": [],
        "webhooks show": [str(demo.event_id)],
        "catalog list-remote": [vendor],
        "catalog items": [],
        "catalog show": [demo.sku],
        "catalog matches": [],
        "catalog stock-rule": [vendor],
        "orders settings": [MERCHANT],
        "orders list": [MERCHANT],
        "orders list-remote": [MERCHANT, "--status", "2", "--status", "3"],  # the demo ships its orders
        "orders show": [MERCHANT, order],
        "orders explain": [MERCHANT, order],
    }


def shape(data: Any) -> Any:
    """The top level of a JSON document: an object's keys, or a list's first element's keys."""
    if isinstance(data, dict):
        return sorted(data)
    if isinstance(data, list):
        return ["list", sorted(data[0]) if data and isinstance(data[0], dict) else None]
    return type(data).__name__


def test_the_read_command_list_covers_every_read_command(demo_hub: DemoHub) -> None:
    reads = {path for path in COMMANDS if path.split()[-1] in READ_VERBS}
    assert reads == set(read_commands(demo_hub))


def test_every_read_command_prints_json_only(demo_hub: DemoHub) -> None:
    runner = CliRunner()
    problems: dict[str, str] = {}
    for path, arguments in read_commands(demo_hub).items():
        result: Result = runner.invoke(app, [*path.split(), *arguments, "--json"], obj=demo_hub.make_state())
        if result.exit_code != 0:
            problems[path] = f"exit {result.exit_code}: {result.output}"
            continue
        try:
            data = json.loads(result.stdout)
        except json.JSONDecodeError as error:
            problems[path] = f"not JSON ({error}): {result.stdout[:200]!r}"
            continue
        if not data:
            problems[path] = "empty: the demo data should give every read command something to show"
        if result.stderr:  # a terminal on stderr, yet no bar or spinner with --json
            problems[path] = f"wrote to stderr: {result.stderr[:200]!r}"
        if "\x1b[" in result.stdout:
            problems[path] = "terminal control codes in the JSON"
        demo_hub.guard.check(result.stdout, path)
    assert problems == {}


def test_every_read_command_prints_for_people_too(demo_hub: DemoHub) -> None:
    runner = CliRunner()
    failed = {}
    for path, arguments in read_commands(demo_hub).items():
        result = runner.invoke(app, [*path.split(), *arguments], obj=demo_hub.make_state())
        if result.exit_code != 0 or not result.stdout.strip():
            failed[path] = result.output
        demo_hub.guard.check(result.output, path)
    assert failed == {}


def test_events_filter_by_connection_or_store(demo_hub: DemoHub) -> None:
    runner = CliRunner()
    vendor_hash, vendor = next(iter(VENDORS.items()))

    def events(*args: str) -> list[int]:
        result = runner.invoke(app, ["webhooks", "events", *args, "--json"], obj=demo_hub.make_state())
        assert result.exit_code == 0, result.output
        return [event["id"] for event in json.loads(result.stdout)]

    assert events("--connection", vendor) == events("--store", vendor_hash) == [demo_hub.event_id]
    assert events("--connection", MERCHANT) == []


def test_json_shapes_are_stable(demo_hub: DemoHub) -> None:
    """Scripts rely on these keys; a change here is a change to a public interface."""
    runner = CliRunner()

    def keys(path: str) -> Any:
        arguments = read_commands(demo_hub)[path]
        result = runner.invoke(app, [*path.split(), *arguments, "--json"], obj=demo_hub.make_state())
        return shape(json.loads(result.stdout))

    assert keys("connections list")[1] == sorted(
        ["id", "name", "role", "store_hash", "store_name", "store_url", "auth_type", "paused", "access_token", "client_id",
         "client_secret", "enabled", "health", "operations", "scopes", "settings", "created_at", "updated_at",
         "plan", "quota"]
    )  # fmt: skip
    assert keys("catalog items") == ["items", "total"]
    assert keys("orders list") == ["orders", "total"]
    assert keys("jobs operations") == ["list", ["default_interval_s", "name", "title"]]
    assert "payload" in keys("webhooks show")
    assert keys("catalog stock-rule") == ["buffer", "cap", "zero_when_discontinued"]


def test_secrets_in_json_are_masked(demo_hub: DemoHub) -> None:
    result = CliRunner().invoke(app, ["connections", "show", MERCHANT, "--json"], obj=demo_hub.make_state())
    shown = json.loads(result.stdout)
    token = next(iter(demo_hub.sandbox.stores[shown["store_hash"]].accounts))
    assert shown["access_token"] and shown["access_token"] != token and shown["access_token"].endswith(token[-4:])
