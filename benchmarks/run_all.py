"""Run every benchmark scenario and write ``benchmarks/results/SUMMARY.md``.

    python -m benchmarks.run_all [--quick]

Each scenario is a module in this folder with a ``main()`` that accepts ``--quick`` and writes
``results/<scenario>.json``; this runner calls them one after another in fresh processes (so one
scenario's memory does not count against the next) and tabulates what they wrote.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SCENARIOS = (
    "sandbox_throughput",
    "client_read",
    "workers_quota",
    "import_listings",
    "orders",
    "sync_listings",
    "faults",
)


def _flatten(prefix: str, value: object, rows: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, rows)
    else:
        rows.append((prefix, json.dumps(value)))


def summarize() -> str:
    lines = ["# Benchmark results", ""]
    for path in sorted(RESULTS.glob("*.json")):
        data = json.loads(path.read_text())
        lines += [f"## {path.stem}", "", "| measure | value |", "|---|---|"]
        rows: list[tuple[str, str]] = []
        _flatten("", data, rows)
        lines += [f"| {key} | {value} |" for key, value in rows]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes in all")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    failed = []
    for scenario in SCENARIOS:
        if not (HERE / f"{scenario}.py").exists():
            continue
        command = [sys.executable, "-m", f"benchmarks.{scenario}", *(["--quick"] if args.quick else [])]
        print(f"== {scenario}", flush=True)
        if subprocess.run(command, check=False).returncode != 0:
            failed.append(scenario)
    (RESULTS / "SUMMARY.md").write_text(summarize())
    print(f"wrote {RESULTS / 'SUMMARY.md'}")
    if failed:
        sys.exit(f"failed scenarios: {', '.join(failed)}")


if __name__ == "__main__":
    main()
