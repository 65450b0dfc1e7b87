"""Helpers the benchmark scenarios share: results files, tables, timing and peak memory."""

from __future__ import annotations

import json
import math
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bcsandbox import Sandbox
from bcsandbox.testing import transport_for

T = TypeVar("T")

RESULTS = Path(__file__).resolve().parent / "results"
RESULTS_ENV = "BCHUB_BENCH_RESULTS"  # another results folder (``make bench-quick`` keeps its own)
CONDITIONS_ENV = "BCHUB_BENCH_CONDITIONS"  # a note on how the machine was used, kept with the figures
# the machine's load when this scenario's process started, before its own work adds to it
LOAD_AT_START = os.getloadavg()[0] if hasattr(os, "getloadavg") else None


QUICK_RESULTS = RESULTS / "quick"


def results_dir() -> Path:
    """Where results are written: ``$BCHUB_BENCH_RESULTS`` if set; else ``benchmarks/results/quick``
    for a ``--quick`` run, so small sizes never replace the committed full-size figures; else
    ``benchmarks/results``."""
    override = os.environ.get(RESULTS_ENV)
    if override:
        return Path(override).resolve()
    return QUICK_RESULTS if "--quick" in sys.argv[1:] else RESULTS


def write_result(name: str, data: dict[str, Any]) -> Path:
    """Write ``<results>/<name>.json``, stamped with when and on what machine it was measured."""
    folder = results_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    stamped = {**data, "measured_at": data.get("measured_at") or now_utc(), "machine": machine()}
    if os.environ.get(CONDITIONS_ENV):
        stamped["conditions"] = os.environ[CONDITIONS_ENV]
    path.write_text(json.dumps(stamped, indent=2, sort_keys=False) + "\n")
    return path


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def machine() -> dict[str, Any]:
    """What the figures were measured on, and how busy it was (others' load makes wall times noisy)."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_average_1m_at_start": None if LOAD_AT_START is None else round(LOAD_AT_START, 2),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def own_peak_rss_mb() -> float:
    """This process's peak resident set so far (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def process_peak_rss_mb(pid: int) -> float | None:
    """Another live process's high-water resident memory (Linux ``VmHWM``); None where unavailable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table with right-aligned numbers."""
    cells = [[str(header) for header in headers], *[[_cell(value) for value in row] for row in rows]]
    widths = [max(len(row[index]) for row in cells) for index in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(
            value.rjust(width) if index else value.ljust(width)
            for index, (value, width) in enumerate(zip(row, widths, strict=True))
        )

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


@dataclass(frozen=True)
class Timed:
    seconds: float
    peak_bytes: int | None = None


async def timed(run: Callable[[], Awaitable[T]]) -> tuple[T, Timed]:
    """``run()`` and its wall time."""
    started = time.perf_counter()
    result = await run()
    return result, Timed(time.perf_counter() - started)


async def traced(run: Callable[[], Awaitable[T]]) -> tuple[T, Timed]:
    """``run()`` under tracemalloc: its wall time (slowed by tracing) and peak traced memory above the start."""
    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        started = time.perf_counter()
        result = await run()
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, Timed(seconds, max(0, peak - baseline))


def megabytes(count: int | None) -> float | None:
    return None if count is None else round(count / 1_000_000, 2)


# -- where a benchmark's sandbox store is served -------------------------------------------------


class InProcessSandbox:
    """The sandbox served through the ASGI transport in this process."""

    def __init__(self, sandbox: Sandbox, store_hash: str) -> None:
        self.sandbox = sandbox
        self.store_hash = store_hash
        self.base_url = "http://sandbox.bench"
        self.transport: httpx.AsyncBaseTransport | None = transport_for(sandbox)

    def clear(self) -> None:
        self.sandbox.clear_requests()

    def statuses(self, path: str | None = None) -> list[int]:
        return [entry.status for entry in self.sandbox.requests(self.store_hash, path_prefix=path)]

    def close(self) -> None:
        return None


class SandboxServer:
    """The sandbox in a child process pinned to core 0, while this process moves to core 1.

    The child is ``python -m <module> --serve PORT <child_args>``; the module seeds its store and
    calls ``serve_app``. The request log is read through the control plane.
    """

    def __init__(self, module: str, store_hash: str, child_args: list[str]) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        pin = ["taskset", "-c", "0"] if (os.cpu_count() or 1) > 1 and shutil.which("taskset") else []
        self.process = subprocess.Popen([*pin, sys.executable, "-m", module, "--serve", str(port), *child_args])
        if pin:
            os.sched_setaffinity(0, {1})
        self.store_hash = store_hash
        self.base_url = f"http://127.0.0.1:{port}"
        self.transport: httpx.AsyncBaseTransport | None = None
        self.control = httpx.Client(base_url=self.base_url, timeout=60)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                if self.control.get("/_sandbox").json()["stores"]:
                    return
            except (httpx.HTTPError, ValueError, KeyError):
                pass
            if self.process.poll() is not None:
                raise RuntimeError("the sandbox server exited while starting")
            time.sleep(0.5)
        raise RuntimeError("the sandbox server did not come up")

    def clear(self) -> None:
        self.control.post("/_sandbox/requests/clear").raise_for_status()

    def statuses(self, path: str | None = None) -> list[int]:
        params = {"store_hash": self.store_hash, **({"path": path} if path else {})}
        log = self.control.get("/_sandbox/requests", params=params).json()
        return [entry["status"] for entry in log["requests"]]

    def close(self) -> None:
        self.control.close()
        self.process.terminate()
        self.process.wait(timeout=30)
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))


SandboxHandle = InProcessSandbox | SandboxServer


def serve_app(sandbox: Sandbox, port: int) -> None:
    """In the child process: serve ``sandbox`` on loopback until terminated."""
    import uvicorn

    from bcsandbox.server import create_app

    uvicorn.run(
        create_app(sandbox), host="127.0.0.1", port=port, log_level="warning", access_log=False,
        http="httptools", loop="uvloop",
    )  # fmt: skip


def quota_bound_seconds(requests: int, quota_per_window: int, window_seconds: float) -> float:
    """The least wall time ``requests`` can take on a plan that allows ``quota_per_window`` per window.

    BigCommerce's window is fixed: it opens with the first request, so ``requests`` need
    ``ceil(requests / quota)`` windows and the last of them cannot open before ``(windows - 1) ×
    window`` has passed. Work that fits in one window is not bound by the quota at all (0 s).
    """
    if quota_per_window <= 0 or requests <= 0:
        return 0.0
    windows = math.ceil(requests / quota_per_window)
    return round((windows - 1) * window_seconds, 3)


ROW_KEYS = (
    "phase",
    "requests",
    "lower_bound",
    "requests_over_bound",
    "rate_limited",
    "seconds",
    "quota_bound_seconds",
    "wall_over_quota_bound",
    "items",
    "items_per_second",
    "peak_memory_mb",
)


def report_row(
    phase: str,
    *,
    requests: int,
    lower_bound: int | None,
    rate_limited: int,
    seconds: float,
    quota_bound: float | None,
    items: int | None = None,
    peak_memory_mb: float | None = None,
) -> dict[str, Any]:
    """One row of the benchmark report, the same keys in every scenario's ``report`` list.

    ``lower_bound`` is the fewest requests the API allows for the work; ``quota_bound`` the least wall time
    the store's rate limit allows for that many requests (None where the scenario runs without a limit).
    """
    return {
        "phase": phase,
        "requests": requests,
        "lower_bound": lower_bound,
        "requests_over_bound": round(requests / lower_bound, 3) if lower_bound else None,
        "rate_limited": rate_limited,
        "seconds": round(seconds, 3),
        "quota_bound_seconds": quota_bound,
        "wall_over_quota_bound": round(seconds / quota_bound, 3) if quota_bound else None,
        "items": items,
        "items_per_second": round(items / seconds, 1) if items and seconds > 0 else None,
        "peak_memory_mb": peak_memory_mb,
    }
