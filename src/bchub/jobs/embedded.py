"""Embedded mode: job workers and the scheduler as threads of the ``bchub serve`` process.

Each worker thread has its own event loop and takes due jobs from the database (woken at once
by a submit in this process, and looking again every second for jobs submitted elsewhere,
e.g. by the CLI). The scheduler thread calls ``JobService.tick`` every ``tick_s`` seconds.
Stopping lets running jobs finish for ``grace_s`` seconds, then cancels them: each is queued
again for the next start. A process that is killed instead leaves its jobs ``running``: the
scheduler of the next start (or of another process on this machine) sees their worker's process
is gone and queues them again (``JobService.recover``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from types import TracebackType

from bchub.jobs.dispatch import WakeUp
from bchub.jobs.model import Job
from bchub.jobs.service import JobService
from bchub.jobs.workers import worker_name
from bchub.storage.db import database_unavailable

log = logging.getLogger(__name__)

IDLE_POLL_S = 1.0


class EmbeddedRuntime:
    def __init__(self, jobs: JobService, *, workers: int = 2, tick_s: float = 5.0, grace_s: float = 10.0) -> None:
        if not isinstance(jobs.dispatcher, WakeUp):
            raise ValueError("the embedded runtime needs the in-process dispatcher (BCHUB_BROKER_URL must be empty)")
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.jobs = jobs
        self.wake: WakeUp = jobs.dispatcher
        self.workers = workers
        self.tick_s = tick_s
        self.grace_s = grace_s
        self.name = worker_name("embedded")
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._running: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Task[float | None]]] = {}
        self._lock = threading.Lock()

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> EmbeddedRuntime:
        if self._threads:
            return self
        self._stopping.clear()
        for index in range(self.workers):
            self._spawn(f"bchub-worker-{index + 1}", self._work, index)
        self._spawn("bchub-scheduler", self._schedule)
        log.info("embedded jobs: %d workers, scheduler every %.1f s", self.workers, self.tick_s)
        return self

    def _spawn(self, name: str, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stopping.set()
        self.wake.dispatch(0)
        for thread in self._threads:
            thread.join(self.grace_s)
        with self._lock:
            still = list(self._running.values())
        for loop, task in still:
            loop.call_soon_threadsafe(task.cancel)  # the runner queues the job again
        for thread in self._threads:
            thread.join(5.0)
        self._threads = []

    def __enter__(self) -> EmbeddedRuntime:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # -- threads --------------------------------------------------------------------------------
    def _work(self, index: int) -> None:
        loop = asyncio.new_event_loop()
        runner = self.jobs.runner(worker=worker_name("embedded", f"worker-{index + 1}"))
        seen = self.wake.generation
        try:
            while not self._stopping.is_set():
                ran = False
                for job in self._due(index):
                    if self._stopping.is_set():
                        break
                    task = loop.create_task(runner.run(job.id))
                    with self._lock:
                        self._running[index] = (loop, task)
                    try:
                        loop.run_until_complete(task)
                    except asyncio.CancelledError:
                        return
                    except Exception:
                        log.exception("embedded worker %d: job %s", index + 1, job.id)
                    finally:
                        with self._lock:
                            self._running.pop(index, None)
                    ran = True
                if not ran:
                    seen = self.wake.wait(self._idle_wait(), seen)
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def _due(self, index: int) -> list[Job]:
        try:
            return self.jobs.store.due(limit=self.workers + 1)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            log.warning("embedded worker %d: the database is unavailable; looking again shortly", index + 1)
            return []

    def _idle_wait(self) -> float:
        try:
            upcoming = self.jobs.store.next_run_after()
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            return IDLE_POLL_S
        if upcoming is None:
            return IDLE_POLL_S
        return min(IDLE_POLL_S, max(0.01, (upcoming - self.jobs.store.now()).total_seconds()))

    def _schedule(self) -> None:
        while not self._stopping.is_set():
            try:
                report = self.jobs.tick()
                for note in report.skipped:
                    log.info("scheduler: %s", note)
            except Exception:
                log.exception("scheduler tick failed")
            self._stopping.wait(self.tick_s)
