"""A database bchub cannot reach ends the command with a clear error, not a traceback, and hides the password."""

from __future__ import annotations

import socket
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from bchub.app import Hub
from bchub.interfaces.cli.common import CliState
from bchub.interfaces.cli.main import app
from tests.support.hub import make_settings


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_an_unreachable_database_is_named_with_its_password_hidden(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://bchub:hunter2-secret@127.0.0.1:{_closed_port()}/bchub"
    settings = make_settings(tmp_path, database_url=url)
    err = Console(width=400, stderr=True, highlight=False, soft_wrap=True)
    state = CliState(open_hub=lambda: Hub(settings), err=err)
    result = CliRunner().invoke(app, ["connections", "list"], obj=state)
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    output = result.output
    assert "error: cannot use the database at postgresql+psycopg://bchub:***@127.0.0.1:" in output
    assert "Connection refused" in output or "connection failed" in output
    assert "BCHUB_DATABASE_URL" in output
    assert "hunter2-secret" not in output
    assert "Traceback" not in output


def test_without_auto_migrate_the_first_query_names_the_database_too(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://bchub:hunter2-secret@127.0.0.1:{_closed_port()}/bchub"
    settings = make_settings(tmp_path, database_url=url, auto_migrate=False)
    err = Console(width=400, stderr=True, highlight=False, soft_wrap=True)
    state = CliState(open_hub=lambda: Hub(settings), err=err)
    result = CliRunner().invoke(app, ["connections", "list"], obj=state)
    assert result.exit_code == 1
    assert "error: cannot use the database at postgresql+psycopg://bchub:***@127.0.0.1:" in result.output
    assert "hunter2-secret" not in result.output
