"""What every CLI command shares: how it gets a ``Hub``, prints, and turns errors into exit codes."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichBar
from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError

from bchub.app import Hub, open_hub
from bchub.bigcommerce.errors import BigCommerceError
from bchub.domain.connections import Connection, Role
from bchub.domain.runs import Run
from bchub.errors import HubError, InputError
from bchub.interfaces.cli.hints import error_next_step, run_next_step
from bchub.settings import Settings, load_settings
from bchub.storage import migrate
from bchub.storage.db import database_unavailable, describe_unavailable
from bchub.sync.progress import NoProgress, Progress

EXIT_FAILED = 1  # an error, or a connection test that did not pass


@dataclass
class CliState:
    """``ctx.obj``: how commands open the hub. Tests and embedders pass their own ``open_hub``."""

    open_hub: Callable[[], Hub] | None = None
    config_file: Path | None = None
    # soft_wrap: long messages stay on one line (tables still fit the terminal)
    out: Console = field(default_factory=lambda: Console(highlight=False, soft_wrap=True))
    err: Console = field(default_factory=lambda: Console(stderr=True, highlight=False, soft_wrap=True))

    def hub_factory(self) -> Callable[[], Hub]:
        if self.open_hub is not None:
            return self.open_hub
        config_file = self.config_file
        return lambda: open_hub(load_settings(config_file=config_file))


def configure_logging(verbosity: int) -> None:
    """Warnings and errors by default (test reports carry the details); ``-v`` info, ``-vv`` debug.

    Left alone when the root logger already has handlers (an embedding program, or pytest).
    """
    root = logging.getLogger()
    if root.handlers:
        return
    level = logging.ERROR if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)


def state_of(ctx: typer.Context) -> CliState:
    state = ctx.find_root().obj
    if not isinstance(state, CliState):
        state = CliState()
        ctx.find_root().obj = state
    return state


@contextmanager
def hub_session(ctx: typer.Context) -> Iterator[Hub]:
    """The hub for one command; every bchub error ends the command with its message and exit 1."""
    state = state_of(ctx)
    hub: Hub | None = None
    try:
        hub = state.hub_factory()()
        yield hub
    except (HubError, BigCommerceError) as error:
        fail(state, str(error), error_next_step(error, hub, ctx.params))
    except DBAPIError as error:
        behind = _schema_behind(hub)
        if behind is not None:
            fail(state, behind, "bchub migrate")
        if hub is None or not database_unavailable(error):
            raise
        fail(state, describe_unavailable(hub.settings.database_url, error))
    finally:
        if hub is not None:
            hub.close()


def fail(state: CliState, message: str, next_step: str | None = None) -> NoReturn:
    """End the command: the error, the command to run next when one is known, exit 1."""
    state.err.print(f"[bold red]error:[/] {escape(message)}", markup=True, highlight=False)
    print_next_step(state, next_step)
    raise typer.Exit(EXIT_FAILED)


def print_next_step(state: CliState, next_step: str | None) -> None:
    """``Try: bchub …`` on stderr, so it never mixes with JSON on stdout."""
    if next_step:
        state.err.print(f"Try: {next_step}", markup=False, highlight=False)


def print_run_next_step(ctx: typer.Context, hub: Hub, *runs: Run | None) -> None:
    """Under runs that did not succeed: the commands that get them going (a paused connection, a setting)."""
    steps = (run_next_step(hub, run) for run in runs if run is not None)
    for step in dict.fromkeys(step for step in steps if step):
        print_next_step(state_of(ctx), step)


def _schema_behind(hub: Hub | None) -> str | None:
    """Why a database error happened when the schema is older than this bchub (``auto_migrate`` off)."""
    if hub is None:
        return None
    try:
        current = migrate.current_revision(hub.engine)
    except DBAPIError:
        return None
    head = migrate.head_revision()
    if current == head:
        return None
    return f"the database is not migrated (schema at {current or 'nothing'}, this bchub needs {head})"


def print_json(data: Any) -> None:
    """JSON on stdout for scripts: plain ``print``, so no wrapping or markup gets in."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n")


def read_text_argument(value: str, what: str) -> str:
    """A value given as ``-`` is read from stdin (so secrets stay out of shell history and ``ps``)."""
    if value != "-":
        return value
    text = sys.stdin.readline().strip()
    if not text:
        raise InputError(f"{what}: expected a value on stdin (after '-'), got nothing")
    return text


def read_file_argument(value: str, what: str) -> tuple[str, str]:
    """``(text, name)`` of a file argument; ``-`` reads stdin to its end."""
    if value == "-":
        return sys.stdin.read(), "from stdin"
    path = Path(value).expanduser()
    try:
        return path.read_text(encoding="utf-8-sig"), str(path)
    except FileNotFoundError:
        raise InputError(f"{what}: no such file {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{what}: cannot read {path}: {exc}") from None


class BarProgress:
    """Progress bars on stderr, one per task an operation reports."""

    def __init__(self, console: Console) -> None:
        self.bars = RichBar(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        )
        self.tasks: dict[str, TaskID] = {}

    def start(self, task: str, total: int | None = None) -> None:
        if task in self.tasks:
            self.bars.update(self.tasks[task], total=total)
        else:
            self.tasks[task] = self.bars.add_task(task, total=total)

    def advance(self, task: str, amount: int = 1) -> None:
        if task not in self.tasks:
            self.start(task)
        self.bars.advance(self.tasks[task], amount)


def shows_progress(ctx: typer.Context, as_json: bool) -> bool:
    """Bars and spinners only for a person at a terminal: not for JSON, pipes, files or CI logs."""
    return not as_json and state_of(ctx).err.is_terminal


@contextmanager
def progress_for(ctx: typer.Context, as_json: bool) -> Iterator[Progress]:
    """Bars on stderr for people at a terminal; nothing for scripts (``--json``) or redirected output."""
    if not shows_progress(ctx, as_json):
        yield NoProgress()
        return
    bar = BarProgress(state_of(ctx).err)
    with bar.bars:
        yield bar


@contextmanager
def counting_progress(ctx: typer.Context, as_json: bool, task: str) -> Iterator[Callable[[int], None]]:
    """For operations that report only "n more done" (publish, sync): one bar named ``task``."""
    with progress_for(ctx, as_json) as progress:
        progress.start(task)
        yield lambda done: progress.advance(task, done)


@contextmanager
def activity(ctx: typer.Context, as_json: bool, what: str) -> Iterator[None]:
    """A spinner on stderr while an operation that reports no progress runs (at a terminal only)."""
    if not shows_progress(ctx, as_json):
        yield
        return
    with state_of(ctx).err.status(what):
        yield


def complete_connections(role: Role | None = None) -> Callable[[typer.Context, str], list[tuple[str, str]]]:
    """Shell completion of connection names (of ``role``, or any) read from the hub's database."""

    def complete(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
        roles = {role, Role.BOTH} if role is not None else set(Role)
        return [
            (connection.name, f"{connection.role.value} store {connection.store_hash}")
            for connection in _completion_connections(ctx)
            if connection.name.startswith(incomplete) and connection.role in roles
        ]

    return complete


def _completion_connections(ctx: typer.Context) -> list[Connection]:
    root = ctx.find_root()
    state = root.obj if isinstance(root.obj, CliState) else CliState()
    config = root.params.get("config")  # the root callback does not run while completing
    if state.config_file is None and isinstance(config, Path):
        state.config_file = config
    try:
        if state.open_hub is None and not _database_exists(load_settings(config_file=state.config_file)):
            return []  # pressing Tab must not create a database
        hub = state.hub_factory()()
    except Exception:  # completion must never break the shell: no hub, no suggestions
        return []
    try:
        return hub.connections.all()
    except Exception:  # same: a broken database offers nothing rather than a traceback
        return []
    finally:
        hub.close()


def _database_exists(settings: Settings) -> bool:
    url = make_url(settings.database_url)
    return url.get_backend_name() != "sqlite" or not url.database or Path(url.database).exists()


def connection_argument(help: str = "The connection's name (or id).", role: Role | None = None) -> Any:
    """A positional connection name with shell completion."""
    return typer.Argument(
        help=help, metavar="CONNECTION", autocompletion=complete_connections(role), show_default=False
    )


def connection_option(name: str, help: str, role: Role | None = None) -> Any:
    """A ``--connection``-like option with shell completion."""
    return typer.Option(name, help=help, autocompletion=complete_connections(role))
