"""How a queued job reaches a worker: a wake-up call in-process, or a Celery message.

The jobs table is the record in both modes (identity keys, locks, statuses, retries); the
dispatcher only says "look at job N in S seconds". Sending a job twice is harmless: a worker
claims a job with a conditional update, so the second delivery finds it taken and does nothing.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

RUN_JOB_TASK = "bchub.run_job"
TICK_TASK = "bchub.tick"


class Dispatcher(Protocol):
    def dispatch(self, job_id: int, delay_s: float = 0.0) -> None: ...

    @property
    def uses_broker(self) -> bool:
        """Whether jobs travel as broker messages (which can be lost, so the scheduler re-sends old ones)."""
        ...


class WakeUp:
    """Embedded mode: wakes the worker threads, which look for due jobs in the database."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._generation = 0

    @property
    def uses_broker(self) -> bool:
        return False

    def dispatch(self, job_id: int, delay_s: float = 0.0) -> None:
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    def wait(self, timeout: float, seen: int) -> int:
        """Sleep until a dispatch after generation ``seen`` or ``timeout``; returns the generation now."""
        deadline = time.monotonic() + max(0.0, timeout)
        with self._cond:
            while self._generation == seen:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return self._generation

    @property
    def generation(self) -> int:
        with self._cond:
            return self._generation


class CeleryDispatcher:
    """Distributed mode: one ``bchub.run_job`` message per job, with a countdown for delays."""

    def __init__(self, broker_url: str) -> None:
        from celery import Celery  # imported here: embedded mode never needs it

        self._app: Any = Celery("bchub-dispatch", broker=broker_url, set_as_current=False)
        self._app.conf.broker_connection_retry_on_startup = True

    @property
    def uses_broker(self) -> bool:
        return True

    def dispatch(self, job_id: int, delay_s: float = 0.0) -> None:
        countdown = delay_s if delay_s > 0 else None
        self._app.send_task(RUN_JOB_TASK, args=[job_id], countdown=countdown)

    def close(self) -> None:
        self._app.close()
