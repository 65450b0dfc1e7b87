"""Shell completion: Typer's scripts, and connection names completed from the hub's database."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import shellingham
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner, Result

from bchub.domain.connections import Role
from bchub.interfaces.cli.common import CliState, complete_connections
from bchub.interfaces.cli.main import app
from bchub.settings import Settings
from bcsandbox import Sandbox, Store


@pytest.fixture
def two_connections(sandbox: Sandbox, store: Store, runner: CliRunner, cli_state: Callable[[], CliState]) -> None:
    supplier = sandbox.create_store("vnd001", name="Supplier", plan="enterprise")
    for name, role, shop in (("shop", "merchant", store), ("supplier", "vendor", supplier)):
        token = next(iter(shop.accounts))
        args = ["connections", "add", name, "--role", role, "--store-hash", shop.hash, "--access-token", token]
        added = runner.invoke(app, [*args, "--no-test"], obj=cli_state())
        assert added.exit_code == 0, added.output


def complete(runner: CliRunner, state: CliState | None, line: str, shell: str = "bash") -> Result:
    """What the shell script asks bchub for when Tab is pressed after ``line``."""
    words = line.split(" ")
    env = {"_BCHUB_COMPLETE": f"complete_{shell}", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}
    if shell == "zsh":
        env = {"_BCHUB_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": line}
    return runner.invoke(app, [], prog_name="bchub", env=env, obj=state)


def in_shell(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Typer prints the script of the shell it detects (shellingham reads the process tree)."""
    monkeypatch.setattr(shellingham, "detect_shell", lambda: (name, f"/bin/{name}"))


def test_show_completion_prints_the_bash_script(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    in_shell(monkeypatch, "bash")
    result = runner.invoke(app, ["--show-completion", "bash"], prog_name="bchub")
    assert result.exit_code == 0, result.output
    assert "complete -o default -F _bchub_completion bchub" in result.stdout
    assert "_BCHUB_COMPLETE=complete_bash" in result.stdout


def test_install_and_show_completion_are_offered(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    help_text = runner.invoke(app, ["--help"], prog_name="bchub").stdout
    assert "--install-completion" in help_text and "--show-completion" in help_text
    in_shell(monkeypatch, "zsh")
    zsh = runner.invoke(app, ["--show-completion"], prog_name="bchub")
    assert zsh.exit_code == 0 and "compdef _bchub_completion bchub" in zsh.stdout


def test_commands_complete(runner: CliRunner) -> None:
    assert complete(runner, None, "bchub conn").stdout.split() == ["connections"]
    assert set(complete(runner, None, "bchub orders list").stdout.split()) == {"list", "list-remote"}


@pytest.mark.usefixtures("two_connections")
def test_connection_names_complete_from_the_hub(runner: CliRunner, cli_state: Callable[[], CliState]) -> None:
    assert complete(runner, cli_state(), "bchub connections show ").stdout.split() == ["shop", "supplier"]
    assert complete(runner, cli_state(), "bchub connections test su").stdout.split() == ["supplier"]
    assert complete(runner, cli_state(), "bchub jobs list --connection ").stdout.split() == ["shop", "supplier"]
    assert complete(runner, cli_state(), "bchub catalog import ").stdout.split() == ["shop", "supplier"]


@pytest.mark.usefixtures("two_connections")
def test_commands_for_one_role_complete_its_connections(runner: CliRunner, cli_state: Callable[[], CliState]) -> None:
    assert complete(runner, cli_state(), "bchub catalog publish ").stdout.split() == ["shop"]
    assert complete(runner, cli_state(), "bchub orders get ").stdout.split() == ["shop"]
    assert complete(runner, cli_state(), "bchub catalog sync-inventory ").stdout.split() == ["supplier"]
    assert complete(runner, cli_state(), "bchub catalog items --supplier ").stdout.split() == ["supplier"]


@pytest.mark.usefixtures("two_connections")
def test_zsh_shows_what_each_connection_is(runner: CliRunner, cli_state: Callable[[], CliState]) -> None:
    result = complete(runner, cli_state(), "bchub connections show s", shell="zsh")
    assert '"shop":"merchant store abc123"' in result.stdout
    assert '"supplier":"vendor store vnd001"' in result.stdout


@pytest.mark.usefixtures("two_connections")
def test_the_callback_returns_names_and_roles(cli_state: Callable[[], CliState]) -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    context = typer.Context(group, obj=cli_state())
    assert complete_connections()(context, "") == [
        ("shop", "merchant store abc123"),
        ("supplier", "vendor store vnd001"),
    ]
    assert complete_connections(Role.VENDOR)(context, "s") == [("supplier", "vendor store vnd001")]
    assert complete_connections(Role.MERCHANT)(context, "x") == []


@pytest.mark.usefixtures("two_connections")
def test_completion_reads_the_config_file_given_before_the_command(
    runner: CliRunner, hub_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in [name for name in os.environ if name.startswith("BCHUB_")]:
        monkeypatch.delenv(variable)
    config = tmp_path / "bchub.toml"
    config.write_text(f'data_dir = "{hub_settings.data_dir}"\n')
    result = complete(runner, None, f"bchub --config {config} connections show ")
    assert result.stdout.split() == ["shop", "supplier"]


def test_completion_without_a_database_offers_nothing_and_creates_nothing(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "bchub.toml"
    config.write_text(f'data_dir = "{tmp_path / "fresh"}"\n')
    result = complete(runner, None, f"bchub --config {config} connections show ")
    assert result.exit_code == 0 and result.stdout.split() == []
    assert not (tmp_path / "fresh").exists()
    broken = tmp_path / "broken.toml"
    broken.write_text("data_dir = \n")
    failed = complete(runner, None, f"bchub --config {broken} connections show ")
    assert failed.exit_code == 0 and failed.stdout.split() == [] and "Traceback" not in failed.output
