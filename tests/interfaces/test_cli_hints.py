"""Errors name the problem and the next command (``Try: bchub …`` on stderr), through CliRunner on a real hub."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import uvicorn
from rich.console import Console
from typer.testing import CliRunner, Result

from bchub.app import Hub
from bchub.errors import NotFoundError, RetryableError
from bchub.interfaces.cli.common import CliState
from bchub.interfaces.cli.hints import error_next_step
from bchub.interfaces.cli.main import app
from bchub.settings import Settings
from bcsandbox import Sandbox, Store
from bcsandbox.testing import transport_for
from tests.support.hub import make_settings

Bchub = Callable[..., Result]


def invoker(runner: CliRunner, sandbox: Sandbox, settings: Settings) -> Bchub:
    def invoke(*args: str, input: str | None = None) -> Result:
        state = CliState(
            open_hub=lambda: Hub(settings, transport=transport_for(sandbox)),
            out=Console(width=200, highlight=False, soft_wrap=True),
            err=Console(width=200, stderr=True, highlight=False, soft_wrap=True),
        )
        return runner.invoke(app, list(args), obj=state, input=input)

    return invoke


@pytest.fixture
def bchub(runner: CliRunner, sandbox: Sandbox, hub_settings: Settings) -> Bchub:
    return invoker(runner, sandbox, hub_settings)


@pytest.fixture
def shop(bchub: Bchub, store: Store) -> str:
    token = next(iter(store.accounts))
    added = bchub("connections", "add", "shop", "--store-hash", store.hash, "--access-token", token)
    assert added.exit_code == 0, added.output
    return token


def failed_with(result: Result, problem: str, next_step: str) -> None:
    assert result.exit_code == 1, result.output
    assert problem in result.stderr, result.stderr
    assert f"Try: {next_step}" in result.stderr.splitlines(), result.stderr


def test_no_connections_yet_suggests_adding_one(bchub: Bchub) -> None:
    result = bchub("connections", "show", "shop")
    failed_with(
        result,
        "error: no connection named 'shop'",
        "bchub connections add NAME --role merchant --credentials-file FILE",
    )


def test_an_unknown_connection_suggests_the_list(bchub: Bchub, shop: str) -> None:
    failed_with(bchub("orders", "settings", "shpo"), "no connection named 'shpo'", "bchub connections list")
    failed_with(bchub("catalog", "import", "7"), "no connection with id 7", "bchub connections list")


def test_a_disabled_connection_suggests_enabling_it(bchub: Bchub, shop: str) -> None:
    assert bchub("connections", "edit", "shop", "--disable").exit_code == 0
    result = bchub("catalog", "import", "shop")
    assert "cannot run: it is disabled" in result.stdout
    failed_with(result, "", "bchub connections edit shop --enable")


def test_a_paused_connection_explains_why_its_job_did_not_run(bchub: Bchub, shop: str) -> None:
    assert bchub("connections", "edit", "shop", "--disable").exit_code == 0
    result = bchub("jobs", "run", "shop", "import_listings", "--wait")
    assert "connection 'shop' cannot run: it is disabled" in result.stdout
    failed_with(result, "", "bchub connections edit shop --enable")
    shown = bchub("jobs", "show", "1")
    assert shown.exit_code == 0 and "Try: bchub connections edit shop --enable" in shown.stderr
    listed = bchub("connections", "list")
    assert listed.exit_code == 0 and listed.stderr == ""  # disabled on purpose: no reminder


def test_a_failed_job_names_the_fix_its_run_names(bchub: Bchub, shop: str) -> None:
    result = bchub("jobs", "run", "shop", "get_orders", "--wait")
    failed_with(result, "", "bchub orders settings shop --set import_statuses=11")


def test_revoked_credentials_suggest_testing_the_connection(bchub: Bchub, shop: str, store: Store) -> None:
    store.revoke(shop)
    failed_with(bchub("catalog", "list-remote", "shop"), "401", "bchub connections test shop")
    imported = bchub("catalog", "import", "shop")  # in a run: the connection now needs attention
    failed_with(imported, "", "bchub connections test shop")
    listed = bchub("connections", "list")
    assert "needs attention" in listed.stdout and "Try: bchub connections test shop" in listed.stderr.splitlines()


def test_a_setting_named_in_the_error_becomes_the_next_step(bchub: Bchub, shop: str) -> None:
    result = bchub("orders", "get", "shop")
    assert "get orders: failed" in result.stdout and "no statuses to import" in result.stdout
    failed_with(result, "", "bchub orders settings shop --set import_statuses=11")


def test_an_order_not_in_the_hub_suggests_explain(bchub: Bchub, shop: str) -> None:
    failed_with(bchub("orders", "show", "shop", "123"), "is not in the hub", "bchub orders explain shop 123")


def test_an_unknown_item_suggests_a_search(bchub: Bchub) -> None:
    failed_with(
        bchub("catalog", "show", "MUG-9"), "no item with master SKU 'MUG-9'", "bchub catalog items --search MUG-9"
    )


def test_unknown_jobs_events_and_tokens_suggest_their_lists(bchub: Bchub) -> None:
    failed_with(bchub("jobs", "show", "99"), "no job with id 99", "bchub jobs list")
    failed_with(bchub("jobs", "retry", "99"), "no job with id 99", "bchub jobs list")
    failed_with(bchub("webhooks", "show", "5"), "no webhook event with id 5", "bchub webhooks events")
    failed_with(bchub("webhooks", "replay", "5"), "no webhook event with id 5", "bchub webhooks events")
    failed_with(bchub("tokens", "revoke", "ci"), "no API token named 'ci'", "bchub tokens list")


def test_no_users_yet_suggests_adding_one_then_the_list(bchub: Bchub) -> None:
    failed_with(bchub("users", "remove", "ana", "--yes"), "no user named 'ana'", "bchub users add USERNAME")
    added = bchub("users", "add", "bob", "--password-stdin", input="a long enough password\n")
    assert added.exit_code == 0, added.output
    failed_with(bchub("users", "remove", "ana", "--yes"), "no user named 'ana'", "bchub users list")


def test_serve_without_users_says_how_to_add_one(bchub: Bchub, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda api, **options: served.append(api))  # no real server in a test
    lonely = bchub("serve", "--workers", "0")
    assert lonely.exit_code == 0 and len(served) == 1
    assert "No console users yet" in lonely.stderr and "Try: bchub users add USERNAME" in lonely.stderr.splitlines()
    assert bchub("users", "add", "bob", "--password-stdin", input="a long enough password\n").exit_code == 0
    assert bchub("serve", "--workers", "0").stderr == ""


def test_a_database_not_migrated_suggests_migrate(runner: CliRunner, sandbox: Sandbox, tmp_path: Path) -> None:
    bchub = invoker(runner, sandbox, make_settings(tmp_path, auto_migrate=False))
    failed_with(bchub("connections", "list"), "error: the database is not migrated", "bchub migrate")
    assert bchub("migrate").exit_code == 0
    listed = bchub("connections", "list", "--json")
    assert listed.exit_code == 0 and json.loads(listed.stdout) == []


def test_with_json_the_hint_stays_off_stdout(bchub: Bchub) -> None:
    result = bchub("jobs", "show", "99", "--json")
    assert result.exit_code == 1 and result.stdout == ""
    assert "Try: bchub jobs list" in result.stderr


def test_an_error_that_carries_its_next_step_wins() -> None:
    error = NotFoundError("no job with id 3", next_step="bchub jobs list --status failed")
    assert error_next_step(error, None, {}) == "bchub jobs list --status failed"
    assert error_next_step(RetryableError("busy", delay=1, next_step="bchub jobs list"), None, {}) == "bchub jobs list"
    assert error_next_step(NotFoundError("no shipment with hub id 4"), None, {}) is None  # nothing known: no guess
