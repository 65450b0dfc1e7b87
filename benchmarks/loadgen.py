"""A minimal HTTP/1.1 keep-alive load generator on raw asyncio streams.

Written by hand because the measurement needs a client that is cheaper than the server it
measures: httpx spends more CPU per request than the sandbox does, and wrk is not a Python
package. It only speaks what it sends: GETs with keep-alive, responses with Content-Length.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    bytes_read: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def _worker(host: str, port: int, request: bytes, deadline: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length) if length else b""
            counts[2] += len(body)
            if status_line.split(b" ", 2)[1:2] == [b"200"]:
                counts[0] += 1
            else:
                counts[1] += 1
    finally:
        writer.close()


async def run_load(
    host: str, port: int, path: str, headers: dict[str, str], *, seconds: float, connections: int
) -> LoadResult:
    """GET ``path`` over ``connections`` keep-alive connections for ``seconds``."""
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    request = "\r\n".join(lines).encode()
    counts = [0, 0, 0]
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_worker(host, port, request, deadline, counts) for _ in range(connections)))
    return LoadResult(counts[0], counts[1], time.perf_counter() - started, counts[2])
