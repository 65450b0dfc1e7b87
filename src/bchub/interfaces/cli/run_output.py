"""How a finished run reads on a terminal: one status line, its error, and the items that need a look."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from bchub.app import Hub
from bchub.domain.runs import ItemOutcome, Outcome, Run, counts_text
from bchub.storage.runs import RunRepository

PROBLEMS_SHOWN = 50
_STYLE = {"succeeded": "green", "partial": "yellow"}


def run_items(hub: Hub, run: Run) -> list[ItemOutcome]:
    with hub.sessions() as session:
        return RunRepository(session).items(run.id)


def _failed_or_skipped(item: ItemOutcome) -> bool:
    return item.outcome in (Outcome.FAILED, Outcome.SKIPPED)


def print_run(
    console: Console,
    hub: Hub,
    run: Run,
    title: str,
    *,
    needs_a_look: Callable[[ItemOutcome], bool] = _failed_or_skipped,
) -> None:
    """``title: status — counts (N requests, run ID)``, the run's error, then up to ``PROBLEMS_SHOWN`` items."""
    style = _STYLE.get(run.status.value, "red")
    counts = counts_text(run.counts, hub.connections.names(), "nothing to do")
    console.print(
        f"[bold {style}]{title}: {run.status.value}[/] — {counts} ({run.requests} requests, run {run.id})",
        markup=True,
        highlight=False,
    )
    if run.error:
        console.print(f"  error: {run.error}", markup=False)
    problems = [item for item in run_items(hub, run) if needs_a_look(item)]
    if not problems:
        return
    table = Table(title="Needs a look", title_justify="left")
    for column in ("what", "outcome", "why"):
        table.add_column(column, overflow="fold")
    for item in problems[:PROBLEMS_SHOWN]:
        table.add_row(f"{item.kind} {item.key}", item.outcome.value, item.reason or "")
    console.print(table)
    if len(problems) > PROBLEMS_SHOWN:
        console.print(f"… and {len(problems) - PROBLEMS_SHOWN} more (see --json)", markup=False)
