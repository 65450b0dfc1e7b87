"""How fast bcsandbox serves, so it is never the bottleneck of bchub's benchmarks.

Runs the sandbox as a real server (uvicorn, httptools, uvloop) pinned to one core, and a load
generator pinned to the other, over loopback. Scenarios: ``GET /v2/time`` and pages of 250
products with 3 variants each (``include=variants``). Targets: 1,500 req/s and 100 pages/s.

    python -m benchmarks.sandbox_throughput [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from typing import Any

import httpx

from benchmarks.common import process_peak_rss_mb, report_row, write_result
from benchmarks.loadgen import LoadResult, run_load

TOKEN = "bench-token"
STORE = "bench1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pin(core: int) -> list[str]:
    return ["taskset", "-c", str(core)] if os.cpu_count() and os.cpu_count() > 1 else []  # type: ignore[operator]


def serve_seeded(port: int, products: int) -> None:
    """Child process: an unlimited-plan store with ``products`` products × 3 variants, then serve."""
    import uvicorn

    from bcsandbox import Sandbox
    from bcsandbox.server import create_app

    sandbox = Sandbox()
    store = sandbox.create_store(STORE, plan="enterprise", access_token=TOKEN)
    for number in range(products):
        store.catalog.create_product(
            {
                "name": f"Benchmark product {number}",
                "type": "physical",
                "sku": f"BP-{number}",
                "price": 10 + number % 90,
                "weight": 1,
                "inventory_tracking": "variant",
                "variants": [
                    {
                        "sku": f"BP-{number}-{size}",
                        "price": 10,
                        "inventory_level": 5,
                        "option_values": [{"option_display_name": "Size", "label": size}],
                    }
                    for size in ("S", "M", "L")
                ],
            }
        )
    uvicorn.run(
        create_app(sandbox),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        http="httptools",
        loop="uvloop",
    )


def _wait_ready(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, headers={"X-Auth-Token": TOKEN}, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("sandbox server did not come up")


def _row(phase: str, load: LoadResult, items_per_request: int, server_mb: float | None) -> dict[str, Any]:
    # the sandbox itself: no API lower bound and no quota (an unlimited plan), so both are None
    return report_row(
        phase,
        requests=load.requests + load.errors,
        lower_bound=None,
        rate_limited=0,
        seconds=load.seconds,
        quota_bound=None,
        items=load.requests * items_per_request,
        peak_memory_mb=server_mb,
    )


def measure(products: int, seconds: float) -> dict[str, object]:
    port = _free_port()
    server = subprocess.Popen(
        [
            *_pin(0),
            sys.executable,
            "-m",
            "benchmarks.sandbox_throughput",
            "--serve",
            str(port),
            "--products",
            str(products),
        ]
    )
    try:
        _wait_ready(f"http://127.0.0.1:{port}/stores/{STORE}/v2/time")
        if _pin(1):
            os.sched_setaffinity(0, {1})
        headers = {"X-Auth-Token": TOKEN, "Accept": "application/json"}
        time_result = asyncio.run(
            run_load("127.0.0.1", port, f"/stores/{STORE}/v2/time", headers, seconds=seconds, connections=16)
        )
        page_path = f"/stores/{STORE}/v3/catalog/products?include=variants&limit=250&page=2"
        page_result = asyncio.run(run_load("127.0.0.1", port, page_path, headers, seconds=seconds, connections=4))
        sample = httpx.get(f"http://127.0.0.1:{port}{page_path}", headers=headers).json()
        server_mb = process_peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert len(sample["data"]) == 250 and all(len(p["variants"]) == 3 for p in sample["data"])
    return {
        "scenario": "sandbox_throughput",
        "measures": "how fast bcsandbox serves on one core, so it is never the bottleneck of the hub's benchmarks",
        "items": "responses for GET /v2/time; products (250 a page, 3 variants each) for the pages",
        "peak_memory": "the sandbox server's peak resident set",
        "products": products,
        "seconds_per_scenario": seconds,
        "v2_time_per_second": round(time_result.per_second, 1),
        "v2_time_errors": time_result.errors,
        "product_pages_per_second": round(page_result.per_second, 1),
        "product_page_errors": page_result.errors,
        "product_page_bytes": page_result.bytes_read // max(1, page_result.requests),
        "targets": {"v2_time_per_second": 1500, "product_pages_per_second": 100},
        "server_cores": 1,
        "server_peak_rss_mb": server_mb,
        "report": [
            _row("GET /v2/time", time_result, 1, server_mb),
            _row("product pages of 250", page_result, 250, server_mb),
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--products", type=int, default=1000)
    args = parser.parse_args()
    if args.serve:
        serve_seeded(args.serve, args.products)
        return
    result = measure(args.products, 3.0 if args.quick else 10.0)
    path = write_result("sandbox_throughput", result)
    print(json.dumps(result, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
