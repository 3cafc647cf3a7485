"""``python -m benchmarks.readme_table``: the README's performance section, generated from committed runs.

Picks, for every scale and backend, the newest result under ``benchmarks/results`` that ran that backend
(the smoke scale is left out), renders the headline figures side by side and every target's verdict at the
scale the issue sets it (``benchmarks/targets.py``), and writes them between the README's
``<!-- benchmarks:start -->`` and ``<!-- benchmarks:end -->`` markers. ``--check`` fails when the README
differs from what the results say, so the table cannot drift from the files it cites.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.stats import REPO
from benchmarks.targets import Target, format_limit, format_value, targets

START, END = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"
SCALES = ("10k", "100k", "1m")
BACKENDS = {"memory": "embedded", "neo4j": "Neo4j"}
Result = dict[str, Any]


@dataclass(frozen=True)
class Column:
    """One column of the table: a backend at a scale, read from one run."""

    backend: str
    scale: str
    stem: str
    result: Result

    @property
    def figures(self) -> Result:
        figures: Result = self.result["backends"][self.backend]
        return figures

    @property
    def title(self) -> str:
        return f"{BACKENDS[self.backend]} {self.scale.upper() if self.scale == '1m' else self.scale}"


def newest_runs(results: Path) -> list[Column]:
    """The newest run per (backend, scale), in the table's column order."""
    chosen: dict[tuple[str, str], Column] = {}
    for path in sorted(results.glob("*.json")):  # names are <scale>-<UTC stamp>: sorted is oldest first
        data = json.loads(path.read_text(encoding="utf-8"))
        scale = data.get("scale", {}).get("name") if isinstance(data, dict) else None
        if scale not in SCALES:
            continue
        for backend in data.get("backends", {}):
            if backend in BACKENDS:
                chosen[(backend, scale)] = Column(backend, scale, path.stem, data)
    return [chosen[(b, s)] for b in BACKENDS for s in SCALES if (b, s) in chosen]


def newest_baseline(results: Path) -> Column | None:
    """The newest 10k run with the PostgreSQL baseline (its CTE is the column beside ours)."""
    found = None
    for path in sorted(results.glob("10k-*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("baseline"):
            found = Column("memory", "10k", path.stem, data)
    return found


def _num(value: Any, spec: str = ",.0f") -> str:
    return format(value, spec) if isinstance(value, int | float) else "–"


def _load(c: Column) -> str:
    if c.backend == "memory":
        return _num(c.figures["load"]["records_per_s"])
    loads = c.figures.get("loads") or {"bulk": c.figures["load"]}
    return " / ".join(f"{_num(f['records_per_s'])} ({path})" for path, f in loads.items())


def _direct_http(depth: int) -> Callable[[Column], str]:
    def cell(c: Column) -> str:
        key = f"depth_{depth}"
        direct, http = c.figures["direct"][key]["p50_ms"], c.figures["http"][key]["p50_ms"]
        return f"{_num(direct, '.2f')} / {_num(http, '.2f')}"

    return cell


ROWS: list[tuple[str, Callable[[Column], str]]] = [
    ("load, records/s", _load),
    ("depth-2 check p50 in process / HTTP, ms", _direct_http(2)),
    ("depth-3 check p50 in process / HTTP, ms", _direct_http(3)),
    ("depth-2 HTTP p99, ms", lambda c: _num(c.figures["http"]["depth_2"]["p99_ms"], ".1f")),
    ("8 clients, checks/s", lambda c: _num(c.figures["throughput"]["checks_per_s"])),
    ("batch of 10,000 at depth 2, s", lambda c: _num(c.figures["batch"]["seconds"], ".1f")),
    ("API peak RSS, MB", lambda c: _num(c.figures.get("service_peak_rss_mb"))),
    (
        "restart (reopen the data dir), s",
        lambda c: _num((c.figures.get("footprint") or {}).get("open_s"), ".1f"),
    ),
    (
        "memory added per organisation, KB",
        lambda c: _num((c.figures.get("footprint") or {}).get("kb_per_org_delta"), ".2f"),
    ),
]


def _baseline_cell(label: str, base: Column | None) -> str:
    if base is None:
        return "–"
    b = base.result["baseline"]
    cells = {
        "load, records/s": f"{_num(b['load']['records_per_s'])} (COPY)",
        "depth-2 check p50 in process / HTTP, ms": f"{_num(b['depth_2']['p50_ms'], '.2f')} (ids only)",
        "depth-3 check p50 in process / HTTP, ms": f"{_num(b['depth_3']['p50_ms'], '.2f')} (ids only)",
    }
    return cells.get(label, "–")


def _judged(columns: list[Column]) -> list[tuple[Target, Column]]:
    """Each target once: measured before not measured, then at the scale the issue sets it, else at the
    largest scale measured (the verdict then says where the target is set)."""
    best: dict[tuple[str, str], tuple[int, Target, Column]] = {}
    for c in columns:
        for t in targets(c.result):
            if t.backend != c.backend:
                continue
            measured = 100 if t.met is not None else 0
            rank = measured + (10 if t.at_scale == c.scale else 0) + SCALES.index(c.scale)
            key = (t.backend, t.name)
            if key not in best or rank > best[key][0]:
                best[key] = (rank, t, c)
    return [(t, c) for _, t, c in best.values()]


def render(results: Path) -> str:
    """The README section (without its markers) from the newest runs under ``results``."""
    columns = newest_runs(results)
    base = newest_baseline(results)
    header = [c.title for c in columns] + ["PostgreSQL CTE 10k"]
    lines = [
        "| figure | " + " | ".join(header) + " |",
        "|---|" + "---|" * len(header),
    ]
    for label, cell in ROWS:
        values = []
        for c in columns:
            try:
                values.append(cell(c))
            except (KeyError, TypeError):
                values.append("–")
        lines.append(f"| {label} | " + " | ".join(values) + f" | {_baseline_cell(label, base)} |")
    runs = sorted({c.stem for c in columns} | ({base.stem} if base else set()))
    loads = []
    for stem in runs:
        result = next(c.result for c in [*columns, *([base] if base else [])] if c.stem == stem)
        avg = result["machine"]["load_average_at_start"][0]
        loads.append(f"`{stem}` (commit {str(result['machine']['git_commit'])[:7]}, load {avg:.1f})")
    lines += ["", "Runs: " + ", ".join(loads) + "."]
    lines += [
        "",
        "Every target of the performance issue, judged at the scale the issue sets it where that run exists:",
        "",
        "| target | run | floor (same run) | ours | limit | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for t, c in _judged(columns):
        cells = [f"{BACKENDS[t.backend]}: {t.name}", c.title, t.floor, format_value(t), format_limit(t)]
        lines.append("| " + " | ".join([*cells, t.verdict(c.scale)]) + " |")
    if base:
        said = [
            f"{BACKENDS.get(name, name)} {depth.replace('_', ' ')}: {p['mismatches']} of {p['compared']}"
            for name, per_depth in base.result["baseline"].get("parity", {}).items()
            for depth, p in per_depth.items()
        ]
        lines += ["", f"Hit-set mismatches vs the PostgreSQL CTE (`{base.stem}`): {'; '.join(said)}."]
    return "\n".join(lines) + "\n"


def replace_section(readme: str, section: str) -> str:
    """``readme`` with the text between the markers replaced; a clear error when a marker is missing."""
    if START not in readme or END not in readme:
        raise ValueError(f"README has no {START} … {END} section to regenerate")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{section}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.readme_table", description=__doc__)
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument("--readme", type=Path, default=REPO / "README.md")
    parser.add_argument("--check", action="store_true", help="fail if the README is not up to date")
    args = parser.parse_args(argv)
    readme = args.readme.read_text(encoding="utf-8")
    updated = replace_section(readme, render(args.results))
    if args.check:
        if updated != readme:
            print(
                f"{args.readme}: the performance table differs from {args.results}; regenerate it",
                file=sys.stderr,
            )
            return 1
        return 0
    args.readme.write_text(updated, encoding="utf-8")
    print(args.readme)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
