"""The benchmark report: tables and charts from results JSONs, and the row shape every scenario writes."""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.common import (
    CONDITIONS_ENV,
    RESULTS,
    RESULTS_ENV,
    ROW_KEYS,
    quota_bound_seconds,
    report_row,
    results_dir,
    write_result,
)
from benchmarks.report import build_report
from benchmarks.run_all import HERE, commands

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHART_FILES = ("requests_vs_bound.png", "wall_vs_quota_bound.png", "items_per_second.png", "peak_memory.png")
MACHINE = {"cpu": "Test CPU", "cores": 2, "memory_gb": 8.0, "system": "Linux 6", "python": "3.11.7"}


def _write(folder: Path, name: str, data: dict[str, Any]) -> None:
    (folder / f"{name}.json").write_text(json.dumps(data))


def _synthetic_results(folder: Path) -> None:
    """One scenario with report rows, one in an older shape without them, one with no bound at all."""
    _write(
        folder,
        "alpha",
        {
            "scenario": "alpha",
            "measures": "routing orders to vendors",
            "measured_at": "2026-01-02T03:04:05+00:00",
            "machine": {**MACHINE, "load_average_1m_at_start": 3.5},
            "conditions": "shared with a test run",
            "peak_memory": "the process's peak resident set",
            "targets": {"zero_429s": True, "route_at_bound": False},
            "report": [
                report_row(
                    "route",
                    requests=1_600,
                    lower_bound=1_500,
                    rate_limited=3,
                    seconds=36.0,
                    quota_bound=quota_bound_seconds(1_500, 150, 3.0),
                    items=1_500,
                    peak_memory_mb=210.25,
                ),
                report_row(
                    "get",
                    requests=22,
                    lower_bound=20,
                    rate_limited=0,
                    seconds=4.0,
                    quota_bound=quota_bound_seconds(20, 150, 3.0),
                    items=5_000,
                    peak_memory_mb=150.0,
                ),
            ],
        },
    )
    _write(
        folder,
        "beta",
        {
            "scenario": "beta",
            "measured_at": "2026-01-02T04:00:00+00:00",
            "machine": {**MACHINE, "load_average_1m_at_start": 0.2},
            "scenarios": {
                "route": {
                    "name": "route under faults",
                    "figures": {"orders": 300, "requests": 600, "rate_limited": 2, "seconds": 10.0},
                    "lower_bound": 500,
                    "quota_bound_s": 4.0,
                },
                "token_revoked": {"name": "no figures here", "seconds": 3.0},
            },
            "peak_rss_mb": 99.0,
        },
    )
    _write(
        folder,
        "gamma",
        {
            "scenario": "gamma",
            "measures": "the server alone",
            "report": [
                report_row(
                    "GET /v2/time",
                    requests=10_000,
                    lower_bound=None,
                    rate_limited=0,
                    seconds=1.0,
                    quota_bound=None,
                    items=10_000,
                )
            ],
        },
    )


def _table_row(page: str, phase: str) -> list[str]:
    line = next(line for line in page.splitlines() if line.startswith(f"| {phase} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR" and data[-8:-4] == b"IEND"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("results")
    _synthetic_results(folder)
    page = build_report(folder, "Test report").read_text()
    return folder, page


def test_the_table_shows_each_row_with_its_ratios(built: tuple[Path, str]) -> None:
    _, page = built
    # requests, bound, requests/bound, 429s, wall s, quota-bound s (ceil(1500/150) - 1 = 9 windows of 3 s),
    # wall/bound, items/s, peak MB
    assert _table_row(page, "route") == [
        "route", "1,600", "1,500", "1.07", "3", "36.00", "27.00", "1.33", "41.7", "210.2",
    ]  # fmt: skip
    # 20 requests fit in one window: no quota wait, so no wall/bound
    assert _table_row(page, "get") == ["get", "22", "20", "1.10", "0", "4.00", "0.00", "—", "1,250", "150.0"]
    # the sandbox alone: no lower bound and no quota
    assert _table_row(page, "GET /v2/time") == [
        "GET /v2/time", "10,000", "—", "—", "0", "1.00", "—", "—", "10,000", "—",
    ]  # fmt: skip


def test_a_result_without_report_rows_is_read_from_its_own_keys(built: tuple[Path, str]) -> None:
    _, page = built
    assert _table_row(page, "route under faults") == [
        "route under faults", "600", "500", "1.20", "2", "10.00", "4.00", "2.50", "30.0", "99.0",
    ]  # fmt: skip
    assert "no figures here" not in page
    assert "*This JSON has no `report` list: the rows are read from its own keys.*" in page


def test_the_page_says_where_when_and_what(built: tuple[Path, str]) -> None:
    _, page = built
    assert page.startswith("# Test report\n")
    assert "Measured on Test CPU, 2 cores, 8.0 GB RAM, Linux 6, Python 3.11.7." in page
    assert "Machine not recorded for: gamma." in page
    assert "Measured between 2026-01-02 03:04 UTC and 2026-01-02 04:00 UTC." in page
    assert "**The machine was busy** when alpha started (1-minute load average up to 3.50" in page
    assert "**Conditions** (alpha): Shared with a test run." in page
    assert "Routing orders to vendors." in page
    assert "targets: missed route_at_bound" in page
    assert "- peak memory: the process's peak resident set" in page
    for name in ("alpha", "beta", "gamma"):
        assert f"## {name}\n" in page and f"[{name}.json]({name}.json)" in page


def test_four_charts_are_written_as_pngs_and_embedded(built: tuple[Path, str]) -> None:
    folder, page = built
    for name in CHART_FILES:
        width, height = _png_size(folder / "charts" / name)
        assert width >= 600 and height >= 150
        assert f"](charts/{name})" in page


def test_the_same_results_give_the_same_files(built: tuple[Path, str]) -> None:
    folder, page = built
    charts = {name: (folder / "charts" / name).read_bytes() for name in CHART_FILES}
    assert build_report(folder, "Test report").read_text() == page
    assert {name: (folder / "charts" / name).read_bytes() for name in CHART_FILES} == charts
    assert all(b"Software" not in data and b"tIME" not in data for data in charts.values())


def test_no_results_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="run `make bench` first"):
        build_report(tmp_path)


def test_the_quota_bound_counts_whole_fixed_windows() -> None:
    assert quota_bound_seconds(0, 150, 3.0) == 0.0
    assert quota_bound_seconds(150, 150, 3.0) == 0.0
    assert quota_bound_seconds(151, 150, 3.0) == 3.0
    assert quota_bound_seconds(2_000, 150, 30.0) == 390.0


def test_results_go_where_the_environment_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path / "quick"))
    monkeypatch.setenv(CONDITIONS_ENV, "a busy machine")
    path = write_result("probe", {"scenario": "probe"})
    assert path == tmp_path / "quick" / "probe.json"
    written = json.loads(path.read_text())
    assert written["machine"]["cores"] and written["measured_at"].endswith("+00:00")
    assert written["conditions"] == "a busy machine"


def test_a_quick_run_never_writes_over_the_full_size_results(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RESULTS_ENV, raising=False)
    monkeypatch.setattr(sys, "argv", ["benchmarks.orders", "--quick"])
    assert results_dir() == RESULTS / "quick"
    monkeypatch.setattr(sys, "argv", ["benchmarks.orders", "--orders", "100"])
    assert results_dir() == RESULTS


def test_quick_runs_every_existing_scenario_with_quick() -> None:
    runs = commands(quick=True)
    modules = [command[2] for command in runs]
    assert all(command[0] == sys.executable and "--quick" in command for command in runs)
    assert modules.count("benchmarks.workers_quota") == 2
    assert {"benchmarks.client_read", "benchmarks.orders", "benchmarks.sandbox_throughput"} <= set(modules)
    assert all((HERE / f"{module.split('.')[1]}.py").exists() for module in modules)


COMMITTED = sorted(RESULTS.glob("*.json"))


@pytest.mark.parametrize("path", COMMITTED, ids=[path.stem for path in COMMITTED])
def test_every_committed_result_has_report_rows(path: Path) -> None:
    rows = json.loads(path.read_text()).get("report")
    assert isinstance(rows, list) and rows, f"{path.name} has no report rows"
    for row in rows:
        assert tuple(row) == ROW_KEYS, f"{path.name}: {row.get('phase')} has keys {sorted(row)}"
