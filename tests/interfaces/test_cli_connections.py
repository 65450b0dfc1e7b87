"""``bchub connections …`` and ``bchub secrets …`` through Typer's CliRunner, against the sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bchub.interfaces.cli.common import CliState
from bchub.interfaces.cli.main import app
from bcsandbox import Sandbox, Store
from tests.interfaces.conftest import credentials_file

PASSED = "TEST PASSED: connected to Test Store (abc123, Enterprise)"


@pytest.fixture
def bchub(runner: CliRunner, cli_state: Callable[[], CliState]) -> Callable[..., Result]:
    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), obj=cli_state(), input=input)

    return invoke


def token_of(store: Store) -> str:
    return next(iter(store.accounts))


def client_id_of(store: Store) -> str:
    return next(iter(store.accounts.values())).client_id


def test_add_from_the_credentials_file(bchub: Callable[..., Result], store: Store, tmp_path: Path) -> None:
    result = bchub("connections", "add", "--credentials-file", str(credentials_file(store, tmp_path)))
    assert result.exit_code == 0, result.output
    assert "Added connection 'Test Store API' (store abc123)" in result.stdout
    assert PASSED in result.stdout


@pytest.mark.parametrize(
    "form",
    [
        ["--api-path", "https://api.bigcommerce.com/stores/abc123/v3/", "--access-token", "{token}"],
        ["--store-url", "https://store-abc123.mybigcommerce.com/manage/dashboard", "--key", "{client_id}:{token}"],
        ["--store-hash", "abc123", "--key", "{client_id}:{token}"],
        ["--store-hash", "abc123", "--access-token", "{token}", "--client-id", "{client_id}"],
    ],
    ids=["api-path", "control-panel-url", "key", "fields"],
)
def test_add_from_other_forms(bchub: Callable[..., Result], store: Store, form: list[str]) -> None:
    args = [part.format(token=token_of(store), client_id=client_id_of(store)) for part in form]
    result = bchub("connections", "add", "main", "--role", "both", *args)
    assert result.exit_code == 0, result.output
    assert PASSED in result.stdout


def test_secrets_can_come_from_stdin(bchub: Callable[..., Result], store: Store) -> None:
    result = bchub(
        "connections", "add", "main", "--store-hash", "abc123", "--access-token", "-", input=token_of(store) + "\n"
    )
    assert result.exit_code == 0, result.output
    assert PASSED in result.stdout


def test_conflicting_inputs_show_both_values(bchub: Callable[..., Result], store: Store) -> None:
    result = bchub(
        "connections",
        "add",
        "main",
        "--store-hash",
        "abc123",
        "--api-path",
        "https://api.bigcommerce.com/stores/xyz789/v3/",
        "--access-token",
        token_of(store),
    )
    assert result.exit_code == 1
    assert "'abc123'" in result.stderr and "'xyz789'" in result.stderr
    assert bchub("connections", "list", "--json").stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--store-hash", "abc123"], "no access token given"),
        (["--access-token", "abcdefgh12345678"], "no store hash given"),
        (["--credentials-file", "/nonexistent/creds.txt"], "no such file"),
        (["--store-hash", "abc123", "--key", "justonevalue"], "ClientID:AccessToken"),
        (["--store-hash", "abc123", "--access-token", "x" * 10, "--role", "supplier"], "--role must be"),
    ],
)
def test_add_errors(bchub: Callable[..., Result], args: list[str], says: str) -> None:
    result = bchub("connections", "add", "main", *args)
    assert result.exit_code == 1
    assert says in result.stderr


def test_list_show_and_json(bchub: Callable[..., Result], store: Store, tmp_path: Path) -> None:
    assert bchub("connections", "list").stdout.startswith("No connections yet")
    bchub("connections", "add", "shop", "--credentials-file", str(credentials_file(store, tmp_path)))

    table = bchub("connections", "list").stdout
    assert "shop" in table and "Test Store (abc123)" in table and "ok" in table

    listed = json.loads(bchub("connections", "list", "--json").stdout)
    assert [(item["name"], item["health"]["status"], item["paused"]) for item in listed] == [("shop", "ok", False)]
    assert listed[0]["access_token"] == "****" + token_of(store)[-4:]

    shown = bchub("connections", "show", "shop").stdout
    assert "****" + token_of(store)[-4:] in shown and client_id_of(store) in shown
    assert json.loads(bchub("connections", "show", "1", "--json").stdout)["name"] == "shop"

    missing = bchub("connections", "show", "nope")
    assert missing.exit_code == 1 and "no connection named 'nope' (connections: shop)" in missing.stderr


def test_failing_test_exits_1_and_says_what_to_do(bchub: Callable[..., Result], store: Store) -> None:
    result = bchub("connections", "add", "main", "--store-hash", "abc123", "--access-token", "wrongtoken0123456789abcd")
    assert result.exit_code == 1
    assert "TEST FAILED: the access token ****abcd was refused (401" in result.stdout
    assert "Create a new API account" in result.stdout

    report = json.loads(bchub("connections", "test", "main", "--json").stdout)["test"]
    assert report["passed"] is False and report["problems"][0]["kind"] == "auth_failed"


def test_missing_scopes_are_listed_by_name(bchub: Callable[..., Result], sandbox: Sandbox) -> None:
    store = sandbox.create_store(
        "ro3",
        name="RO",
        scopes="store_v2_orders_read_only store_v2_products store_inventory store_locations store_v2_information",
    )
    result = bchub("connections", "add", "ro", "--store-hash", "ro3", "--access-token", token_of(store))
    assert result.exit_code == 1
    assert "but 1 scope missing: store_v2_orders modify" in result.stdout
    assert "Orders: modify" in result.stdout and "write shipments to orders" in result.stdout
    report = json.loads(bchub("connections", "test", "ro", "--json").stdout)["test"]
    assert report["missing_scopes"] == [
        {
            "scope": "store_v2_orders",
            "access": "modify",
            "label": "Orders: modify",
            "blocks": ["write shipments to orders"],
        }
    ]


def test_edit(bchub: Callable[..., Result], store: Store) -> None:
    bchub("connections", "add", "main", "--store-hash", "abc123", "--access-token", token_of(store), "--no-test")
    result = bchub(
        "connections",
        "edit",
        "main",
        "--name",
        "vendor-acme",
        "--role",
        "vendor",
        "--operation",
        "send_vendor_orders",
        "--set",
        "order_status_id=0",
        "--disable",
        "--json",
    )
    assert result.exit_code == 0, result.output
    edited = json.loads(result.stdout)["connection"]
    assert (edited["name"], edited["role"], edited["enabled"], edited["paused"]) == (
        "vendor-acme",
        "vendor",
        False,
        True,
    )
    assert edited["operations"] == ["send_vendor_orders"]
    assert edited["settings"] == {"order_status_id": "0", "operations": ["send_vendor_orders"]}

    again = json.loads(
        bchub(
            "connections", "edit", "vendor-acme", "--all-operations", "--unset", "order_status_id", "--enable", "--json"
        ).stdout
    )
    assert again["connection"]["settings"] == {} and again["connection"]["enabled"] is True
    assert len(again["connection"]["operations"]) == 3

    bad = bchub("connections", "edit", "vendor-acme", "--operation", "teleport")
    assert bad.exit_code == 1 and "unknown operation(s) teleport" in bad.stderr

    fixed = bchub("connections", "edit", "vendor-acme", "--access-token", token_of(store), "--test")
    assert fixed.exit_code == 0 and "TEST PASSED" in fixed.stdout


def test_remove(bchub: Callable[..., Result], store: Store) -> None:
    bchub("connections", "add", "main", "--store-hash", "abc123", "--access-token", token_of(store), "--no-test")
    declined = bchub("connections", "remove", "main", input="n\n")
    assert declined.exit_code == 1
    assert "main" in bchub("connections", "list").stdout
    removed = bchub("connections", "remove", "main", "--yes")
    assert removed.exit_code == 0 and "Removed connection 'main'" in removed.stdout
    assert bchub("connections", "list", "--json").stdout.strip() == "[]"


def test_secrets_commands(bchub: Callable[..., Result], store: Store) -> None:
    bchub("connections", "add", "main", "--store-hash", "abc123", "--access-token", token_of(store), "--no-test")
    rotated = bchub("secrets", "rotate-key")
    assert rotated.exit_code == 0 and "Re-encrypted 1 stored secret(s)" in rotated.stdout
    assert "TEST PASSED" in bchub("connections", "test", "main").stdout  # still readable
    key = bchub("secrets", "generate-key").stdout.strip()
    assert len(key) == 44
