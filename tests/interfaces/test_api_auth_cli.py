"""``bchub users …`` and ``bchub tokens …`` through Typer's CliRunner."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from typer.testing import CliRunner, Result

from bchub.app import Hub
from bchub.interfaces.cli.common import CliState
from bchub.interfaces.cli.main import app
from bchub.settings import Settings


@pytest.fixture
def bchub(runner: CliRunner, cli_state: Callable[[], CliState]) -> Callable[..., Result]:
    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), obj=cli_state(), input=input)

    return invoke


def test_users_add_list_passwd_remove(bchub: Callable[..., Result], hub_settings: Settings) -> None:
    added = bchub("users", "add", "Alice@Example.com", "--password-stdin", input="a long passphrase\n")
    assert added.exit_code == 0, added.output
    assert "Added user 'alice@example.com'" in added.stdout

    listed = bchub("users", "list", "--json")
    [user] = json.loads(listed.stdout)
    assert (user["username"], user["last_login_at"]) == ("alice@example.com", None)
    assert "alice@example.com" in bchub("users", "list").stdout

    with Hub(hub_settings) as hub:
        assert hub.users.authenticate("alice@example.com", "a long passphrase").user.username == "alice@example.com"

    changed = bchub("users", "passwd", "alice@example.com", "--password-stdin", input="another passphrase\n")
    assert changed.exit_code == 0 and "sessions have ended" in changed.stdout
    with Hub(hub_settings) as hub:
        assert hub.users.authenticate("alice@example.com", "another passphrase").user.id == user["id"]

    removed = bchub("users", "remove", "alice@example.com", "--yes")
    assert removed.exit_code == 0 and "Removed user 'alice@example.com'" in removed.stdout
    assert "No users yet. Add one with: bchub users add <username>" in bchub("users", "list").stdout


def test_the_password_prompt_asks_twice_and_hides_it(bchub: Callable[..., Result]) -> None:
    mismatch = bchub("users", "add", "bob", input="first password\nsecond password\nfirst password\nfirst password\n")
    assert mismatch.exit_code == 0, mismatch.output
    assert "do not match" in mismatch.output and "first password" not in mismatch.output


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["users", "add", "carol", "--password-stdin"], "short\n", "at least 8 characters"),
        (["users", "add", "carolines", "--password-stdin"], "Carolines\n", "the password cannot be the username"),
        (["users", "add", "carol", "--password-stdin"], "\n", "expected the password on the first line"),
        (["users", "add", "bad name", "--password-stdin"], "long enough pw\n", "a username uses letters"),
        (["users", "remove", "nobody", "--yes"], None, "no user named 'nobody'"),
    ],
)
def test_user_mistakes_are_explained(
    bchub: Callable[..., Result], args: list[str], stdin: str | None, message: str
) -> None:
    result = bchub(*args, input=stdin)
    assert result.exit_code == 1 and message in result.output


def test_a_username_is_taken_once(bchub: Callable[..., Result]) -> None:
    assert bchub("users", "add", "dave", "--password-stdin", input="long enough pw\n").exit_code == 0
    again = bchub("users", "add", "DAVE", "--password-stdin", input="long enough pw\n")
    assert again.exit_code == 1 and "a user named 'dave' already exists" in again.output


def test_tokens_create_list_revoke(bchub: Callable[..., Result], hub_settings: Settings) -> None:
    created = bchub("tokens", "create", "ci", "--expires-days", "30")
    assert created.exit_code == 0, created.output
    value = next(line for line in created.stdout.splitlines() if line.startswith("bchub_"))
    assert "it will not be shown again" in created.stdout
    with Hub(hub_settings) as hub:
        assert hub.tokens.authenticate(value) is not None

    listed = bchub("tokens", "list", "--json")
    [token] = json.loads(listed.stdout)
    assert (token["name"], token["token"], token["state"]) == ("ci", value[:10] + "…", "active")
    assert token["expires_at"] is not None
    table = bchub("tokens", "list").stdout
    assert value[:10] in table and value not in table

    revoked = bchub("tokens", "revoke", "ci")
    assert revoked.exit_code == 0 and f"Revoked API token 'ci' ({value[:10]}…)" in revoked.stdout
    assert json.loads(bchub("tokens", "list", "--json").stdout)[0]["state"] == "revoked"
    with Hub(hub_settings) as hub:
        assert hub.tokens.authenticate(value) is None


def test_tokens_create_json_gives_the_value_once(bchub: Callable[..., Result]) -> None:
    created = json.loads(bchub("tokens", "create", "erp", "--json").stdout)
    assert created["value"].startswith("bchub_") and created["token"] == created["value"][:10] + "…"
    assert "value" not in json.loads(bchub("tokens", "list", "--json").stdout)[0]
    missing = bchub("tokens", "revoke", "nope")
    assert missing.exit_code == 1 and "no API token named 'nope' (tokens: erp)" in missing.output
    assert "No API tokens yet" not in bchub("tokens", "list").stdout
