"""The benchmark report: every scenario's results JSON as one Markdown page with four charts.

    python -m benchmarks.report [--results DIR] [--title TEXT]

Reads ``DIR/*.json`` (default ``benchmarks/results``) and writes ``DIR/REPORT.md`` and
``DIR/charts/*.png``; it runs nothing, so it can be regenerated from committed results. Each
scenario's JSON carries a ``report`` list of rows (``benchmarks.common.report_row``); a JSON
without one is read through its own keys (any object with ``requests``, ``lower_bound`` and a
wall time becomes a row). The output depends only on the JSONs: no timestamps of its own, and
PNGs saved without metadata that would change from run to run.
"""

from __future__ import annotations

import argparse
import ast
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from benchmarks.common import RESULTS, report_row

HERE = Path(__file__).resolve().parent
REPORT = "REPORT.md"
CHARTS = "charts"
DASH = "—"
# a 1-minute load average at a scenario's start above this share of the cores means others were busy
BUSY_LOAD_PER_CORE = 0.5


@dataclass
class Scenario:
    """One results file, as the report shows it."""

    name: str  # the file's stem: workers_quota and workers_quota_orders are two sections
    measures: str
    rows: list[dict[str, Any]]
    derived: bool  # rows read from the scenario's own keys: it has no ``report`` list
    measured_at: str | None = None
    machine: dict[str, Any] | None = None
    conditions: str | None = None
    notes: list[str] = field(default_factory=list)
    targets_missed: list[str] = field(default_factory=list)
    targets_total: int = 0

    def label(self, row: dict[str, Any]) -> str:
        return f"{self.name}: {row.get('phase', '?')}"


# -- reading results ---------------------------------------------------------------------------------


def load_scenarios(results: Path) -> list[Scenario]:
    """Every ``*.json`` in ``results``, by file name."""
    return [load_scenario(path) for path in sorted(results.glob("*.json"))]


def load_scenario(path: Path) -> Scenario:
    data = json.loads(path.read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a results file holds one JSON object, not {type(data).__name__}")
    listed = data.get("report")
    derived = not isinstance(listed, list)
    rows = [row for row in listed if isinstance(row, dict)] if isinstance(listed, list) else derived_rows(data)
    targets = data["targets"] if isinstance(data.get("targets"), dict) else {}
    notes = [
        f"{label}: {data[key]}"
        for key, label in (("peak_memory", "peak memory"), ("wall_time", "wall time"), ("items", "items"))
        if isinstance(data.get(key), str)
    ]
    return Scenario(
        name=path.stem,
        measures=str(data.get("measures") or module_summary(str(data.get("scenario") or path.stem))),
        rows=rows,
        derived=derived,
        measured_at=data.get("measured_at") if isinstance(data.get("measured_at"), str) else None,
        machine=data.get("machine") if isinstance(data.get("machine"), dict) else None,
        conditions=data.get("conditions") if isinstance(data.get("conditions"), str) else None,
        notes=notes,
        targets_missed=sorted(name for name, met in targets.items() if met is False),
        targets_total=sum(isinstance(met, bool) for met in targets.values()),
    )


def module_summary(module: str) -> str:
    """The first line of ``benchmarks/<module>.py``'s docstring, read without importing it."""
    path = HERE / f"{module}.py"
    if not path.exists():
        return ""
    docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
    return docstring.strip().splitlines()[0] if docstring.strip() else ""


def derived_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows from a JSON without a ``report`` list: each object with requests, a lower bound and a time."""
    rows: list[dict[str, Any]] = []
    fallback_peak = _number(data.get("peak_rss_mb"))

    def visit(node: object, path: list[str]) -> None:
        if isinstance(node, list):
            for index, inner in enumerate(node):
                visit(inner, [*path, str(index)])
            return
        if not isinstance(node, dict):
            return
        figures = node.get("figures")
        merged = {**(figures if isinstance(figures, dict) else {}), **node}
        seconds = _number(merged.get("seconds", merged.get("wall_s")))
        requests = merged.get("requests")
        if isinstance(requests, int) and "lower_bound" in merged and seconds is not None:
            name = merged.get("name")
            rows.append(
                report_row(
                    name if isinstance(name, str) else ".".join(path[-2:]) or "all",
                    requests=requests,
                    lower_bound=_integer(merged.get("lower_bound")),
                    rate_limited=_integer(merged.get("rate_limited")) or 0,
                    seconds=seconds,
                    quota_bound=_number(merged.get("quota_bound_seconds", merged.get("quota_bound_s"))),
                    items=_integer(merged.get("items", merged.get("orders"))),
                    peak_memory_mb=_number(merged.get("peak_memory_mb", merged.get("peak_rss_mb"))) or fallback_peak,
                )
            )
            return
        for key, inner in node.items():
            visit(inner, [*path, str(key)])

    visit(data, [])
    return rows


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- the Markdown page -------------------------------------------------------------------------------


def fmt_int(value: object) -> str:
    number = _number(value)
    return DASH if number is None else f"{round(number):,}"


def fmt_ratio(value: object) -> str:
    number = _number(value)
    return DASH if number is None else f"{number:,.2f}"


def fmt_seconds(value: object) -> str:
    number = _number(value)
    return DASH if number is None else f"{number:,.2f}"


def fmt_rate(value: object) -> str:
    number = _number(value)
    if number is None:
        return DASH
    return f"{number:,.1f}" if number < 100 else f"{round(number):,}"


def fmt_mb(value: object) -> str:
    number = _number(value)
    return DASH if number is None else f"{number:,.1f}"


COLUMNS: tuple[tuple[str, str, Callable[[object], str]], ...] = (  # header, row key, format
    ("requests", "requests", fmt_int),
    ("lower bound", "lower_bound", fmt_int),
    ("requests / bound", "requests_over_bound", fmt_ratio),
    ("429s", "rate_limited", fmt_int),
    ("wall s", "seconds", fmt_seconds),
    ("quota-bound s", "quota_bound_seconds", fmt_seconds),
    ("wall / bound", "wall_over_quota_bound", fmt_ratio),
    ("items/s", "items_per_second", fmt_rate),
    ("peak MB", "peak_memory_mb", fmt_mb),
)

LEGEND = f"""\
Columns: **requests** the API requests sent (from the sandbox's request log or the run's count);
**lower bound** the fewest requests the API allows for the same work ({DASH} where there is none: the
sandbox's own throughput); **429s** responses refused by the rate limit; **wall s** the phase's wall
time; **quota-bound s** the least wall time the store's rate limit allows for the lower bound — the
window is fixed, so *b* requests need ⌈*b* / quota⌉ windows and the last cannot open before
(⌈*b* / quota⌉ − 1) × window: 0 when the work fits in one window, the busiest store where several
are involved, {DASH} on a plan without a limit; **wall / bound** their ratio ({DASH} when the bound is
0 or absent: nothing made the run wait for the quota); **items/s** the phase's items (products,
orders, variants, jobs: see each scenario) per wall second; **peak MB** peak memory as the scenario
measures it (see its notes). Several scenarios shorten the quota window (their `window_ms` setting)
to run ten times faster with the same quota per window; their bounds use the window they ran with.
"""


def markdown_table(rows: Sequence[dict[str, Any]]) -> list[str]:
    headers = ["phase", *(header for header, _, _ in COLUMNS)]
    lines = ["| " + " | ".join(headers) + " |", "|---" + "|---:" * len(COLUMNS) + "|"]
    for row in rows:
        phase = str(row.get("phase", "?")).replace("|", "\\|")
        cells = [format_value(row.get(key)) for _, key, format_value in COLUMNS]
        lines.append("| " + " | ".join([phase, *cells]) + " |")
    return lines


def when(stamp: str) -> str:
    """An ISO time to the minute, in UTC where the stamp says its zone (older results did not)."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M") + " (local time)"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:] + "." if text else ""


def describe_machine(machine: dict[str, Any]) -> str:
    parts = [
        str(machine.get("cpu") or "unknown CPU"),
        f"{machine['cores']} cores" if machine.get("cores") else "",
        f"{machine['memory_gb']} GB RAM" if machine.get("memory_gb") else "",
        str(machine.get("system") or ""),
        f"Python {machine['python']}" if machine.get("python") else "",
    ]
    return ", ".join(part for part in parts if part)


def busy_load(scenario: Scenario) -> float | None:
    """The load at the scenario's start, if others kept the machine busy then."""
    machine = scenario.machine or {}
    load, cores = _number(machine.get("load_average_1m_at_start")), _number(machine.get("cores"))
    if load is None or not cores:
        return None
    return load if load > cores * BUSY_LOAD_PER_CORE else None


def header_lines(scenarios: Sequence[Scenario], title: str) -> list[str]:
    lines = [f"# {title}", ""]
    lines += [
        "Generated by `python -m benchmarks.report` from the JSON files in this folder (`make bench` runs",
        "every scenario, then this). One table per scenario, one row per phase; the charts are at the end.",
        "",
    ]
    machines = sorted({describe_machine(s.machine) for s in scenarios if s.machine})
    if machines:
        lines.append("Measured on " + "; ".join(machines) + ".")
    unrecorded = [s.name for s in scenarios if not s.machine]
    if unrecorded:
        lines.append(f"Machine not recorded for: {', '.join(unrecorded)}.")
    dates = sorted({when(s.measured_at) for s in scenarios if s.measured_at})
    if dates:
        span = dates[0] if dates[0] == dates[-1] else f"between {dates[0]} and {dates[-1]}"
        lines.append(f"Measured {span}.")
    conditions: dict[str, list[str]] = {}
    for scenario in scenarios:
        if scenario.conditions:
            conditions.setdefault(scenario.conditions, []).append(scenario.name)
    for text, names in sorted(conditions.items()):
        lines += ["", f"**Conditions** ({', '.join(names)}): {sentence(text)}"]
    busy = {s.name: load for s in scenarios if (load := busy_load(s)) is not None}
    if busy:
        worst = max(busy.values())
        lines += [
            "",
            f"**The machine was busy** when {', '.join(sorted(busy))} started (1-minute load average up to "
            f"{worst:.2f}, the previous scenario's tail included): their wall times are noisier, and likely "
            "longer, than on an idle machine.",
        ]
    return [*lines, "", LEGEND]


def scenario_lines(scenario: Scenario) -> list[str]:
    lines = [f"## {scenario.name}", ""]
    if scenario.measures:
        lines += [sentence(scenario.measures), ""]
    facts = []
    if scenario.measured_at:
        facts.append(f"measured {when(scenario.measured_at)}")
    load = _number((scenario.machine or {}).get("load_average_1m_at_start"))
    if load is not None:
        facts.append(f"load at start {load:.2f}")
    if scenario.targets_total:
        missed = scenario.targets_missed
        facts.append("targets: " + (f"missed {', '.join(missed)}" if missed else f"all {scenario.targets_total} met"))
    facts.append(f"data: [{scenario.name}.json]({scenario.name}.json)")
    lines += [sentence("; ".join(facts)), ""]
    if scenario.derived:
        lines += ["*This JSON has no `report` list: the rows are read from its own keys.*", ""]
    lines += markdown_table(scenario.rows) if scenario.rows else ["*No rows.*"]
    if scenario.notes:
        lines += ["", *(f"- {note}" for note in scenario.notes)]
    return [*lines, ""]


def render(scenarios: Sequence[Scenario], charts: Sequence[tuple[str, str]], title: str) -> str:
    """The whole page; ``charts`` are (caption, path relative to the page)."""
    lines = header_lines(scenarios, title)
    for scenario in scenarios:
        lines += scenario_lines(scenario)
    lines += ["## Charts", ""]
    for caption, path in charts:
        lines += [f"### {caption}", "", f"![{caption}]({path})", ""]
    return "\n".join(lines).rstrip() + "\n"


# -- charts ------------------------------------------------------------------------------------------

Bar = tuple[str, float, str]  # label, value, text printed at the bar's end


def _figure(count: int) -> tuple[Any, Axes]:
    figure, axes = plt.subplots(figsize=(10, 1.4 + 0.32 * max(count, 1)))
    return figure, axes


def _save(figure: Any, path: Path) -> None:
    figure.tight_layout()
    # no "Software" (matplotlib's version) or dates in the PNG: the same results give the same bytes
    figure.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(figure)


def _empty(axes: Axes, message: str) -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes)
    axes.set_axis_off()


def _bars(axes: Axes, bars: Sequence[Bar], *, log: bool = False) -> None:
    labels = [label for label, _, _ in bars]
    values = [value for _, value, _ in bars]
    positions = range(len(bars))
    axes.barh(positions, values, color="#4c72b0")
    axes.set_yticks(list(positions), labels, fontsize=8)
    axes.invert_yaxis()  # first row on top, as in the tables
    if log:
        axes.set_xscale("log")
    for position, (_, value, text) in zip(positions, bars, strict=True):
        axes.text(value, position, f" {text}", va="center", fontsize=7)
    axes.margins(x=0.15)


def chart_requests(scenarios: Sequence[Scenario], path: Path) -> None:
    bars = [
        (s.label(row), float(row["requests"]) / row["lower_bound"], f"{row['requests']:,} / {row['lower_bound']:,}")
        for s in scenarios
        for row in s.rows
        if isinstance(row.get("requests"), int) and isinstance(row.get("lower_bound"), int) and row["lower_bound"] > 0
    ]
    figure, axes = _figure(len(bars))
    if bars:
        _bars(axes, bars)
        axes.axvline(1.0, color="#c44e52", linewidth=1)
        axes.set_xlabel("requests used / lower bound (1 = the fewest the API allows)")
    else:
        _empty(axes, "no phase has a lower bound")
    axes.set_title("Requests used vs the lower bound")
    _save(figure, path)


def chart_wall(scenarios: Sequence[Scenario], path: Path) -> None:
    pairs = [
        (s.label(row), float(row["seconds"]), float(row["quota_bound_seconds"]))
        for s in scenarios
        for row in s.rows
        if _number(row.get("seconds")) is not None and (_number(row.get("quota_bound_seconds")) or 0) > 0
    ]
    figure, axes = _figure(len(pairs) * 2)
    if pairs:
        positions = range(len(pairs))
        walls = [wall for _, wall, _ in pairs]
        bounds = [bound for _, _, bound in pairs]
        axes.barh([p - 0.2 for p in positions], walls, height=0.4, color="#4c72b0", label="wall time")
        axes.barh([p + 0.2 for p in positions], bounds, height=0.4, color="#dd8452", label="quota-bound time")
        axes.set_yticks(list(positions), [label for label, _, _ in pairs], fontsize=8)
        axes.invert_yaxis()
        for position, (_, wall, bound) in zip(positions, pairs, strict=True):
            axes.text(wall, position - 0.2, f" {wall:,.1f} s ({wall / bound:.2f}× the bound)", va="center", fontsize=7)
        axes.margins(x=0.25)
        axes.set_xlabel("seconds (phases whose lower bound needs more than one quota window)")
        axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, fontsize=8, frameon=False)
    else:
        _empty(axes, "no phase needs more than one quota window")
    axes.set_title("Wall time vs the quota-bound time", loc="left")
    _save(figure, path)


def chart_items(scenarios: Sequence[Scenario], path: Path) -> None:
    bars = [
        (s.label(row), rate, fmt_rate(rate))
        for s in scenarios
        for row in s.rows
        if (rate := _number(row.get("items_per_second"))) is not None and rate > 0
    ]
    figure, axes = _figure(len(bars))
    if bars:
        _bars(axes, bars, log=True)
        axes.set_xlabel("items per second (log scale; items as each scenario counts them)")
    else:
        _empty(axes, "no phase counted items")
    axes.set_title("Items per second")
    _save(figure, path)


def chart_memory(scenarios: Sequence[Scenario], path: Path) -> None:
    """Each scenario's largest peak: its phases mostly report the same process's high-water mark."""
    bars = []
    for scenario in scenarios:
        peaks = [peak for row in scenario.rows if (peak := _number(row.get("peak_memory_mb"))) is not None]
        if peaks:
            bars.append((scenario.name, max(peaks), f"{max(peaks):,.1f} MB"))
    figure, axes = _figure(len(bars))
    if bars:
        _bars(axes, bars)
        axes.set_xlabel("peak memory, MB (as each scenario measures it: see its notes in the report)")
    else:
        _empty(axes, "no scenario measured memory")
    axes.set_title("Peak memory per scenario")
    _save(figure, path)


CHARTS_DRAWN: tuple[tuple[str, str, Callable[[Sequence[Scenario], Path], None]], ...] = (
    ("requests_vs_bound.png", "Requests used vs the lower bound", chart_requests),
    ("wall_vs_quota_bound.png", "Wall time vs the quota-bound time", chart_wall),
    ("items_per_second.png", "Items per second", chart_items),
    ("peak_memory.png", "Peak memory", chart_memory),
)


def write_charts(scenarios: Sequence[Scenario], folder: Path) -> list[tuple[str, Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with plt.rc_context({"font.size": 9}):
        for file_name, caption, draw in CHARTS_DRAWN:
            draw(scenarios, folder / file_name)
            written.append((caption, folder / file_name))
    return written


# -- entry point -------------------------------------------------------------------------------------


def build_report(results: Path = RESULTS, title: str = "Benchmark report") -> Path:
    """Write ``results/REPORT.md`` and ``results/charts/*.png`` from ``results/*.json``."""
    scenarios = load_scenarios(results)
    if not scenarios:
        raise FileNotFoundError(f"no results (*.json) in {results}: run `make bench` first")
    charts = write_charts(scenarios, results / CHARTS)
    page = render(scenarios, [(caption, path.relative_to(results).as_posix()) for caption, path in charts], title)
    path = results / REPORT
    path.write_text(page)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=RESULTS, help="the folder of results JSONs")
    parser.add_argument("--title", default="Benchmark report")
    args = parser.parse_args(argv)
    print(f"wrote {build_report(args.results, args.title)}")


if __name__ == "__main__":
    main()
