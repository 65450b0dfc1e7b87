"""Distributed mode: the Celery application (``celery -A bchub.jobs.celery_app worker|beat``).

``bchub worker`` and ``bchub scheduler`` start the same thing with bchub's settings. Settings
come from ``BCHUB_*`` variables (and ``BCHUB_CONFIG``), read when this module is imported; the
broker is ``BCHUB_BROKER_URL`` (Redis). Two tasks:

- ``bchub.run_job(job_id)``: one attempt of a job (see ``bchub.jobs.runner``); a retry or a
  busy lock sends the job again with a countdown.
- ``bchub.tick()``: sent by beat every ``scheduler_tick`` seconds; fires due schedules,
  recovers jobs of dead workers, re-sends lost messages.

Each worker process opens one ``Hub`` (after the fork) and keeps one event loop, so database
pools and the Redis client of the shared rate-limit budget are reused across tasks.

A worker that starts asks for a tick at once, so jobs a killed worker of this machine left
``running`` are queued again without waiting for beat. While the database is unavailable (a
PostgreSQL restart) a job's message is sent again with a countdown instead of being lost.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from celery import Celery, signals

from bchub.app import Hub, open_hub
from bchub.jobs.dispatch import RUN_JOB_TASK, TICK_TASK
from bchub.jobs.workers import worker_name as named
from bchub.settings import load_settings
from bchub.storage.db import database_unavailable

log = logging.getLogger(__name__)

settings = load_settings()

app = Celery("bchub", broker=settings.broker_url or None, set_as_current=True)
app.conf.update(
    task_ignore_result=True,
    worker_prefetch_multiplier=1,  # a long job must not sit on messages other workers could take
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    beat_schedule={"bchub-tick": {"task": TICK_TASK, "schedule": settings.scheduler_tick}},
    # the redis transport re-delivers unacknowledged messages after this; jobs dedupe themselves anyway
    broker_transport_options={"visibility_timeout": 3600},
)

_state_lock = threading.Lock()
_hub: Hub | None = None
_loop: asyncio.AbstractEventLoop | None = None


def hub() -> Hub:
    """This worker process's hub, opened on first use (after the fork)."""
    global _hub
    with _state_lock:
        if _hub is None:
            _hub = open_hub(settings)
        return _hub


def _event_loop() -> asyncio.AbstractEventLoop:
    global _loop
    if _loop is None or _loop.is_closed():
        _loop = asyncio.new_event_loop()
    return _loop


DATABASE_WAIT_S = 2.0  # the database is unavailable: the job's message comes back after this


def worker_name() -> str:
    return named("celery")


def run_job(job_id: int) -> None:
    try:
        delay = _event_loop().run_until_complete(hub().jobs.runner(worker_name()).run(job_id))
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        log.warning("job %s: the database is unavailable; sending it again in %.0f s", job_id, DATABASE_WAIT_S)
        delay = DATABASE_WAIT_S
    if delay is not None:
        app.send_task(RUN_JOB_TASK, args=[job_id], countdown=delay if delay > 0 else None)


def tick() -> None:
    try:
        report = hub().jobs.tick()
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        log.warning("scheduler tick skipped: the database is unavailable")  # beat sends the next one soon
        return
    for note in report.skipped:
        log.info("scheduler: %s", note)


def tick_on_start(**_: Any) -> None:
    """Recover what a worker killed on this machine left running, now rather than at beat's next tick."""
    app.send_task(TICK_TASK)


def close_hub(**_: Any) -> None:
    global _hub, _loop
    with _state_lock:
        if _hub is not None:
            _hub.close()
            _hub = None
    if _loop is not None and not _loop.is_closed():
        _loop.close()
        _loop = None


app.task(name=RUN_JOB_TASK)(run_job)
app.task(name=TICK_TASK)(tick)
signals.worker_ready.connect(tick_on_start, weak=False)
signals.worker_process_shutdown.connect(close_hub, weak=False)  # prefork children
signals.worker_shutdown.connect(close_hub, weak=False)  # the solo pool
