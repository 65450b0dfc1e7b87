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
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from typing import Any

from celery import Celery, signals

from bchub.app import Hub, open_hub
from bchub.jobs.dispatch import RUN_JOB_TASK, TICK_TASK
from bchub.settings import load_settings

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


def worker_name() -> str:
    return f"celery@{socket.gethostname()}:{os.getpid()}"


def run_job(job_id: int) -> None:
    jobs = hub().jobs
    delay = _event_loop().run_until_complete(jobs.runner(worker_name()).run(job_id))
    if delay is not None:
        jobs.dispatcher.dispatch(job_id, delay)


def tick() -> None:
    report = hub().jobs.tick()
    for note in report.skipped:
        log.info("scheduler: %s", note)


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
signals.worker_process_shutdown.connect(close_hub, weak=False)  # prefork children
signals.worker_shutdown.connect(close_hub, weak=False)  # the solo pool
