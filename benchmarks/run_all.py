"""Run every benchmark scenario, then write the report (``REPORT.md`` and charts) from their results.

    python -m benchmarks.run_all [--quick]

Each scenario is a module in this folder with a ``main()`` that accepts ``--quick`` and writes
``<results>/<scenario>.json`` through ``benchmarks.common.write_result``. This runner calls them
one after another in fresh processes (so one scenario's memory does not count against the next),
then ``benchmarks.report``. Full sizes write to ``benchmarks/results/`` (the committed figures);
``--quick`` writes to ``benchmarks/results/quick/`` so a quick run never replaces them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import QUICK_RESULTS, RESULTS, RESULTS_ENV
from benchmarks.report import build_report

HERE = Path(__file__).resolve().parent
SCENARIOS = (
    "sandbox_throughput",
    "client_read",
    "workers_quota",
    "import_listings",
    "orders",
    "sync_listings",
    "faults",
    "faults_webhooks",
)
# scenarios run more than once, with these arguments each time (each run writes its own JSON)
RUNS: dict[str, tuple[tuple[str, ...], ...]] = {
    "workers_quota": ((), ("--workload", "orders")),
}
LEGACY_SUMMARY = "SUMMARY.md"  # the flattened tables the report replaced


def commands(quick: bool) -> list[list[str]]:
    """The scenario processes to run, in order; a scenario whose module does not exist is left out."""
    flag = ["--quick"] if quick else []
    return [
        [sys.executable, "-m", f"benchmarks.{scenario}", *flag, *extra]
        for scenario in SCENARIOS
        if (HERE / f"{scenario}.py").exists()
        for extra in RUNS.get(scenario, ((),))
    ]


def run_scenarios(quick: bool, results: Path) -> list[str]:
    """Run each scenario writing into ``results``; returns the ones that failed."""
    environment = {**os.environ, RESULTS_ENV: str(results)}
    failed = []
    for command in commands(quick):
        name = " ".join(command[2:])
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        code = subprocess.run(command, check=False, env=environment).returncode
        print(f"== {name}: {'ok' if code == 0 else f'FAILED (exit {code})'} in {time.perf_counter() - started:.0f} s")
        if code != 0:
            failed.append(name)
    return failed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes in all, into results/quick/")
    args = parser.parse_args(argv)
    results = QUICK_RESULTS if args.quick else RESULTS
    results.mkdir(parents=True, exist_ok=True)
    failed = run_scenarios(args.quick, results)
    (results / LEGACY_SUMMARY).unlink(missing_ok=True)
    title = "Benchmark report (quick sizes)" if args.quick else "Benchmark report"
    print(f"wrote {build_report(results, title)}")
    if failed:
        sys.exit(f"failed scenarios: {', '.join(failed)}")


if __name__ == "__main__":
    main()
