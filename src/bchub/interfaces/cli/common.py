"""What every CLI command shares: how it gets a ``Hub``, prints, and turns errors into exit codes."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichBar

from bchub.app import Hub, open_hub
from bchub.bigcommerce.errors import BigCommerceError
from bchub.errors import HubError, InputError
from bchub.settings import load_settings
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
        state.err.print(f"[bold red]error:[/] {error}", markup=True, highlight=False)
        raise typer.Exit(EXIT_FAILED) from None
    finally:
        if hub is not None:
            hub.close()


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


@contextmanager
def progress_for(ctx: typer.Context, as_json: bool) -> Iterator[Progress]:
    """Bars on stderr for people; nothing when the output is JSON for a script."""
    if as_json:
        yield NoProgress()
        return
    bar = BarProgress(state_of(ctx).err)
    with bar.bars:
        yield bar
