"""``bchub jobs list|show|run|retry|cancel|operations|schedules|schedule`` and ``bchub webhooks ...``."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bchub.app import Hub
from bchub.domain.runs import Outcome, counts_text
from bchub.errors import InputError
from bchub.interfaces.cli.common import (
    EXIT_FAILED,
    activity,
    connection_argument,
    connection_option,
    hub_session,
    print_json,
    print_next_step,
    state_of,
)
from bchub.interfaces.cli.hints import connection_next_step, run_next_step
from bchub.jobs.model import Job, JobStatus, Schedule, WebhookEvent
from bchub.jobs.setup import distributed
from bchub.jobs.views import event_view, job_view, run_view, schedule_view

app = typer.Typer(
    help="Run operations as jobs, look at their runs, retry or cancel them; schedules.", no_args_is_help=True
)
webhooks_app = typer.Typer(help="Webhook subscriptions and the events BigCommerce sent.", no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")]
JobId = Annotated[int, typer.Argument(help="The job's id.")]
ConnectionRef = Annotated[str, connection_argument()]
Params = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="KEY=VALUE (repeatable); VALUE is read as JSON when it parses, e.g. days=3."),
]

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_STATUS_STYLE = {
    JobStatus.QUEUED: "yellow",
    JobStatus.RUNNING: "cyan",
    JobStatus.SUCCEEDED: "green",
    JobStatus.PARTIAL: "magenta",
    JobStatus.FAILED: "red",
    JobStatus.CANCELLED: "dim",
}


def parse_params(items: list[str] | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items or []:
        key, equals, raw = item.partition("=")
        if not equals or not key.strip():
            raise InputError(f"--param expects KEY=VALUE; got {item!r}")
        try:
            params[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            params[key.strip()] = raw
    return params


def parse_duration(text: str) -> int:
    """``90``, ``90s``, ``15m``, ``1h``, ``1d`` → seconds."""
    match = _DURATION.match(text)
    if not match:
        raise InputError(f"--every expects a duration such as 90s, 15m, 1h or 1d; got {text!r}")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else "-"


def _status(job: Job) -> str:
    return f"[{_STATUS_STYLE[job.status]}]{job.status.value}[/]"


def _names(hub: Hub) -> dict[int, str]:
    return hub.connections.names()


def _print_jobs(console: Console, jobs: list[Job], names: dict[int, str]) -> None:
    if not jobs:
        console.print("No jobs yet. Queue one with: bchub jobs run <connection> <operation>")
        return
    table = Table(title="Jobs")
    for column in ("id", "operation", "connection", "status", "trigger", "attempts", "created", "error"):
        table.add_column(column, overflow="fold")
    for job in jobs:
        table.add_row(
            str(job.id),
            job.operation,
            names.get(job.connection_id or -1, str(job.connection_id)),
            _status(job),
            job.source or job.trigger.value,
            f"{job.attempts}/{job.max_attempts}",
            _when(job.created_at),
            job.error or "",
        )
    console.print(table)


def _print_job(console: Console, hub: Hub, job: Job, items: str) -> None:
    names = _names(hub)
    table = Table(show_header=False, title=f"Job {job.id}", title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    rows = [
        ("operation", job.operation),
        ("connection", names.get(job.connection_id or -1, str(job.connection_id))),
        ("status", _status(job)),
        ("started by", f"{job.trigger.value}" + (f" ({job.source})" if job.source else "")),
        ("params", json.dumps(job.params) if job.params else "-"),
        ("attempts", f"{job.attempts} of {job.max_attempts}"),
        ("queued", _when(job.created_at)),
        (
            "next attempt" if job.status is JobStatus.QUEUED else "started",
            _when(job.run_after if job.status is JobStatus.QUEUED else job.started_at),
        ),
        ("finished", _when(job.finished_at)),
        ("worker", job.worker or "-"),
    ]
    if job.error:
        rows.append(("error", job.error))
    if job.then:
        rows.append(("then", ", ".join(follow.operation for follow in job.then)))
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)
    for run in hub.jobs.runs(job):
        counts = counts_text(run.counts, names, empty="no items")
        console.print(
            f"run {run.id}: {run.status.value}, {counts}, {run.requests} API requests"
            + (f" — {run.error}" if run.error else ""),
            markup=False,
        )
        if items == "none":
            continue
        outcomes = hub.jobs.items(run.id, None if items == "all" else Outcome.FAILED)
        if outcomes:
            detail = Table(show_edge=False)
            for column in ("kind", "key", "outcome", "reason"):
                detail.add_column(column, overflow="fold")
            for item in outcomes:
                detail.add_row(item.kind, item.key, item.outcome.value, item.reason or "")
            console.print(detail)


def _print_submitted(console: Console, job: Job, created: bool) -> None:
    if created:
        console.print(f"Queued job {job.id}: {job.operation}.", markup=False)
    else:
        console.print(f"An identical job is already waiting: job {job.id} ({job.status.value}).", markup=False)


@app.command("list")
def list_jobs(
    ctx: typer.Context,
    status: Annotated[JobStatus | None, typer.Option("--status", help="Only jobs in this status.")] = None,
    operation: Annotated[str | None, typer.Option("--operation", help="Only this operation.")] = None,
    connection: Annotated[str | None, connection_option("--connection", "Only this connection.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many, newest first.")] = 50,
    as_json: Json = False,
) -> None:
    """Recent jobs, newest first."""
    with hub_session(ctx) as hub:
        jobs = hub.jobs.recent(status=status, operation=operation, connection=connection, limit=limit)
        if as_json:
            print_json([job_view(job) for job in jobs])
        else:
            _print_jobs(state_of(ctx).out, jobs, _names(hub))


@app.command("show")
def show(
    ctx: typer.Context,
    job_id: JobId,
    items: Annotated[str, typer.Option("--items", help="Item outcomes to show: failed, all or none.")] = "failed",
    as_json: Json = False,
) -> None:
    """A job with its runs, counts, API requests and (failed) item outcomes."""
    if items not in ("failed", "all", "none"):
        raise typer.BadParameter("--items must be failed, all or none")
    with hub_session(ctx) as hub:
        job = hub.jobs.get(job_id)
        if as_json:
            wanted = None if items == "all" else Outcome.FAILED
            runs = [
                run_view(run, None if items == "none" else hub.jobs.items(run.id, wanted)) for run in hub.jobs.runs(job)
            ]
            print_json(job_view(job, runs))
        else:
            _print_job(state_of(ctx).out, hub, job, items)
            print_next_step(state_of(ctx), _job_next_step(hub, job))


def _finish(ctx: typer.Context, hub: Hub, job: Job, wait: bool, as_json: bool, created: bool) -> None:
    state = state_of(ctx)
    if not wait:
        if as_json:
            print_json({"created": created, "job": job_view(job)})
        else:
            _print_submitted(state.out, job, created)
        return

    def waiting(current: Job, seconds: float) -> None:
        if not as_json:
            state.err.print(f"job {current.id}: waiting {seconds:.1f} s ({current.error or 'lock busy'})", markup=False)

    with activity(ctx, as_json, f"job {job.id}: {job.operation}"):
        finished = asyncio.run(hub.jobs.wait(job.id, run_here=not distributed(hub.settings), on_wait=waiting))
    if as_json:
        runs = [run_view(run, hub.jobs.items(run.id, Outcome.FAILED)) for run in hub.jobs.runs(finished)]
        print_json({"created": created, "job": job_view(finished, runs)})
    else:
        _print_job(state.out, hub, finished, "failed")
    if finished.status is not JobStatus.SUCCEEDED:
        print_next_step(state, _job_next_step(hub, finished))
        raise typer.Exit(EXIT_FAILED)


def _job_next_step(hub: Hub, job: Job) -> str | None:
    """What gets a failed job going: resume its paused connection, else (after a look at why) a retry."""
    if job.status not in (JobStatus.FAILED, JobStatus.PARTIAL, JobStatus.CANCELLED):
        return None
    if job.connection_id is not None:
        paused = connection_next_step(hub.connections.get(job.connection_id))
        if paused:
            return paused
    named = [step for step in (run_next_step(hub, run) for run in hub.jobs.runs(job)) if step]
    if named:  # the last run's error names a command, e.g. a setting to fix
        return named[-1]
    return f"bchub jobs retry {job.id}" if job.status is not JobStatus.CANCELLED else None


@app.command("run")
def run(
    ctx: typer.Context,
    connection: ConnectionRef,
    operation: Annotated[str, typer.Argument(help="The operation, see `bchub jobs operations`.")],
    param: Params = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait", help="Wait until it finishes (embedded mode runs it in this process); exit 1 unless it succeeded."
        ),
    ] = False,
    as_json: Json = False,
) -> None:
    """Queue an operation for a connection as a job: `bchub jobs run shop get_orders`.

    Connection first, as in every other command; the older OPERATION CONNECTION order still works.
    """
    with hub_session(ctx) as hub:
        if connection in hub.jobs.registry and operation not in hub.jobs.registry:
            connection, operation = operation, connection
        submitted = hub.jobs.run(operation, connection, parse_params(param), source="cli")
        _finish(ctx, hub, submitted.job, wait, as_json, submitted.created)


@app.command("retry")
def retry(
    ctx: typer.Context,
    job_id: JobId,
    wait: Annotated[bool, typer.Option("--wait", help="Wait until the new job finishes.")] = False,
    as_json: Json = False,
) -> None:
    """Queue a finished job again, as a new job."""
    with hub_session(ctx) as hub:
        submitted = hub.jobs.retry(job_id)
        _finish(ctx, hub, submitted.job, wait, as_json, submitted.created)


@app.command("cancel")
def cancel(ctx: typer.Context, job_id: JobId, as_json: Json = False) -> None:
    """Cancel a queued job, or ask a running one to stop."""
    with hub_session(ctx) as hub:
        job = hub.jobs.cancel(job_id)
    if as_json:
        print_json(job_view(job))
    elif job.status is JobStatus.CANCELLED:
        state_of(ctx).out.print(f"Job {job.id} cancelled.", markup=False)
    else:
        state_of(ctx).out.print(f"Job {job.id} is running; asked it to stop.", markup=False)


@app.command("operations")
def operations(ctx: typer.Context, as_json: Json = False) -> None:
    """The operations jobs can run."""
    with hub_session(ctx) as hub:
        specs = list(hub.jobs.registry)
    if as_json:
        print_json([{"name": spec.name, "title": spec.title, "default_interval_s": spec.interval_s} for spec in specs])
        return
    table = Table(title="Operations")
    for column in ("name", "what it does", "for", "default interval"):
        table.add_column(column)
    for spec in specs:
        roles = ", ".join(sorted(role.value for role in spec.roles))
        table.add_row(spec.name, spec.title, roles, f"{spec.interval_s} s")
    state_of(ctx).out.print(table)


def _print_schedules(console: Console, schedules: list[Schedule], names: dict[int, str]) -> None:
    if not schedules:
        console.print("No schedules. Switch one on with: bchub jobs schedule <connection> <operation> --on --every 15m")
        return
    table = Table(title="Schedules")
    for column in ("connection", "operation", "auto-sync", "every", "next run", "last run", "last job"):
        table.add_column(column, overflow="fold")
    for schedule in schedules:
        table.add_row(
            names.get(schedule.connection_id, str(schedule.connection_id)),
            schedule.operation,
            "[green]running[/]" if schedule.enabled else "[dim]stopped[/]",
            f"{schedule.interval_s} s",
            _when(schedule.next_run_at) if schedule.enabled else "-",
            _when(schedule.last_run_at),
            str(schedule.last_job_id or "-"),
        )
    console.print(table)


@app.command("schedules")
def schedules(
    ctx: typer.Context,
    connection: Annotated[str | None, connection_argument("Only this connection.")] = None,
    as_json: Json = False,
) -> None:
    """Every schedule, on or off."""
    with hub_session(ctx) as hub:
        found = hub.jobs.list_schedules(connection)
        if as_json:
            print_json([schedule_view(schedule) for schedule in found])
        else:
            _print_schedules(state_of(ctx).out, found, _names(hub))


@app.command("schedule")
def schedule(
    ctx: typer.Context,
    connection: ConnectionRef,
    operation: Annotated[str, typer.Argument(help="The operation to run on a schedule.")],
    enabled: Annotated[bool | None, typer.Option("--on/--off", help="Start or stop the auto-sync.")] = None,
    every: Annotated[str | None, typer.Option("--every", help="Interval: 90s, 15m, 1h, 1d.")] = None,
    param: Params = None,
    as_json: Json = False,
) -> None:
    """Create or change the schedule of an operation for a connection (schedules start stopped)."""
    with hub_session(ctx) as hub:
        saved = hub.jobs.set_schedule(
            connection,
            operation,
            enabled=enabled,
            interval_s=parse_duration(every) if every is not None else None,
            params=parse_params(param) if param else None,
        )
        if as_json:
            print_json(schedule_view(saved))
        else:
            _print_schedules(state_of(ctx).out, [saved], _names(hub))


# -- webhooks ----------------------------------------------------------------------------------------


def _print_events(console: Console, events: list[WebhookEvent]) -> None:
    if not events:
        console.print("No webhook events received yet.")
        return
    table = Table(title="Webhook events")
    for column in ("id", "received", "store", "scope", "status", "jobs", "replays", "detail"):
        table.add_column(column, overflow="fold")
    for event in events:
        table.add_row(
            str(event.id),
            _when(event.received_at),
            event.store_hash,
            event.scope,
            event.status,
            ", ".join(str(job_id) for job_id in event.job_ids) or "-",
            str(event.replays),
            event.detail or "",
        )
    console.print(table)


@webhooks_app.command("events")
def events(
    ctx: typer.Context,
    store_hash: Annotated[str | None, typer.Option("--store", help="Only this store hash.")] = None,
    connection: Annotated[
        str | None, connection_option("--connection", "Only events from this connection's store.")
    ] = None,
    scope: Annotated[str | None, typer.Option("--scope", help="Only this scope, e.g. store/order/created.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many, newest first.")] = 50,
    as_json: Json = False,
) -> None:
    """Events received, newest first, with the jobs they became."""
    with hub_session(ctx) as hub:
        if connection is not None:
            if store_hash is not None:
                raise InputError("give --store or --connection, not both")
            store_hash = hub.connections.get(connection).store_hash
        found = hub.jobs.events.recent(store_hash=store_hash, scope=scope, limit=limit)
    if as_json:
        print_json([event_view(event) for event in found])
    else:
        _print_events(state_of(ctx).out, found)


@webhooks_app.command("show")
def show_event(
    ctx: typer.Context, event_id: Annotated[int, typer.Argument(help="The event's id.")], as_json: Json = False
) -> None:
    """One event with its raw payload."""
    with hub_session(ctx) as hub:
        event = hub.jobs.events.get(event_id)
    view = event_view(event, payload=True)
    if as_json:
        print_json(view)
        return
    console = state_of(ctx).out
    _print_events(console, [event])
    console.print("payload:", markup=False)
    console.print_json(data=view.get("payload"))


@webhooks_app.command("replay")
def replay(
    ctx: typer.Context, event_id: Annotated[int, typer.Argument(help="The event's id.")], as_json: Json = False
) -> None:
    """Turn a stored event into jobs again."""
    with hub_session(ctx) as hub:
        event = hub.webhooks.replay(event_id)
    if as_json:
        print_json(event_view(event))
    else:
        _print_events(state_of(ctx).out, [event])


def _switch(ctx: typer.Context, connection: str, on: bool, every: str | None, wait: bool, as_json: bool) -> None:
    with hub_session(ctx) as hub:
        interval = parse_duration(every) if every is not None else None
        hub.jobs.set_schedule(connection, "keep_webhooks", enabled=on, interval_s=interval)
        submitted = hub.jobs.run("keep_webhooks", connection, {} if on else {"remove": True}, source="cli")
        if not wait and not as_json:
            what = "kept in place" if on else "being removed"
            state_of(ctx).out.print(
                f"Webhook subscriptions for {connection!r} are {what} (job {submitted.job.id}).", markup=False
            )
            return
        _finish(ctx, hub, submitted.job, wait, as_json, submitted.created)


Every = Annotated[str | None, typer.Option("--every", help="How often to check them: 15m, 1h (default 1h).")]
Wait = Annotated[bool, typer.Option("--wait", help="Wait until the subscriptions are in place.")]


@webhooks_app.command("enable")
def enable(
    ctx: typer.Context, connection: ConnectionRef, every: Every = None, wait: Wait = False, as_json: Json = False
) -> None:
    """Subscribe the connection's store to the events bchub acts on, and keep the subscriptions in place."""
    _switch(ctx, connection, True, every, wait, as_json)


@webhooks_app.command("disable")
def disable(ctx: typer.Context, connection: ConnectionRef, wait: Wait = False, as_json: Json = False) -> None:
    """Remove bchub's subscriptions from the connection's store (polling schedules go on)."""
    _switch(ctx, connection, False, None, wait, as_json)
