"""``bchub worker`` and ``bchub scheduler`` (distributed mode), and the jobs ``bchub serve`` runs in-process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from bchub.app import Hub
from bchub.errors import ConfigurationError
from bchub.interfaces.cli.common import EXIT_FAILED, state_of
from bchub.jobs.embedded import EmbeddedRuntime
from bchub.jobs.setup import distributed
from bchub.settings import load_settings

LogLevel = Annotated[str, typer.Option("--loglevel", help="Celery's log level: debug, info, warning, error.")]


def _celery_app(ctx: typer.Context) -> object:
    """The Celery app, configured from the same settings file the CLI was given."""
    state = state_of(ctx)
    if state.config_file is not None:
        os.environ["BCHUB_CONFIG"] = str(state.config_file)  # read by bchub.jobs.celery_app on import
    settings = load_settings(config_file=state.config_file)
    if not distributed(settings):
        state.err.print(
            "[bold red]error:[/] workers need a broker: set BCHUB_BROKER_URL (e.g. redis://localhost:6379/0) and "
            "BCHUB_DATABASE_URL (PostgreSQL). Without them `bchub serve` runs jobs itself.",
            markup=True,
        )
        raise typer.Exit(EXIT_FAILED)
    from bchub.jobs.celery_app import app

    return app


def worker(
    ctx: typer.Context,
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", help="Jobs at a time in this worker.")] = 2,
    pool: Annotated[str, typer.Option("--pool", help="prefork (processes), threads or solo.")] = "prefork",
    hostname: Annotated[str | None, typer.Option("--hostname", "-n", help="Worker name, e.g. w1@%h.")] = None,
    loglevel: LogLevel = "info",
) -> None:
    """Run jobs from the broker (distributed mode). Start as many as you like, on any machines."""
    app = _celery_app(ctx)
    argv = [
        "worker",
        f"--concurrency={concurrency}",
        f"--pool={pool}",
        f"--loglevel={loglevel}",
        "--without-gossip",
        "--without-mingle",
    ]
    if hostname:
        argv.append(f"--hostname={hostname}")
    app.worker_main(argv)  # type: ignore[attr-defined]


def scheduler(ctx: typer.Context, loglevel: LogLevel = "info") -> None:
    """Run Celery beat, which makes the schedules fire (distributed mode; run exactly one)."""
    app = _celery_app(ctx)
    settings = load_settings(config_file=state_of(ctx).config_file)
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    schedule_file = settings.data_dir / "celerybeat-schedule"
    app.start(["beat", f"--loglevel={loglevel}", f"--schedule={schedule_file}"])  # type: ignore[attr-defined]


@contextmanager
def embedded_jobs(hub: Hub, workers: int | None) -> Iterator[EmbeddedRuntime | None]:
    """For ``bchub serve``: workers and scheduler in this process, unless jobs run on Celery (or ``workers`` is 0)."""
    count = hub.settings.workers if workers is None else workers
    if distributed(hub.settings) or count == 0:
        yield None
        return
    if count < 0:
        raise ConfigurationError(f"--workers must be 0 or more, got {count}")
    with EmbeddedRuntime(hub.jobs, workers=count, tick_s=hub.settings.scheduler_tick) as runtime:
        yield runtime
