"""Result files: the run's JSON, a Markdown table of the headline figures, and latency-vs-scale plots."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from benchmarks import targets


def _ms(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) else "–"


def markdown(result: dict[str, Any]) -> str:
    """The headline table of one run, with the machine it ran on."""
    m = result["machine"]
    lines = [
        f"# Benchmark: scale {result['scale']['name']} ({result['scale']['orgs']:,} organisations)",
        "",
        f"{m['date_utc']} · commit {str(m['git_commit'])[:12]}{' (dirty tree)' if m['git_dirty'] else ''} · "
        f"{m['nproc']} cores, {m['ram_gib']} GiB · Python {m['python']} · "
        f"Neo4j {result.get('neo4j_version') or '–'}"
        f" · {m.get('postgres') or 'PostgreSQL –'} · seed {result['seed']} · as_of {result['as_of']}",
        "",
        "Shared, noisy machine (other jobs running): compare medians, not single runs.",
        f"Load average at start: {', '.join(f'{x:.2f}' for x in m['load_average_at_start'])}.",
        "",
        "| figure | " + " | ".join(result["backends"]) + (" | postgres |" if result.get("baseline") else ""),
        "|---|" + "---|" * (len(result["backends"]) + (1 if result.get("baseline") else 0)),
    ]
    baseline = result.get("baseline") or {}

    def row(label: str, values: list[str], pg: str = "–") -> None:
        lines.append(f"| {label} | " + " | ".join(values) + (f" | {pg} |" if baseline else " |"))

    backends = list(result["backends"].values())
    row(
        "load, records/s",
        [f"{b['load']['records_per_s']:,.0f}" for b in backends],
        f"{baseline['load']['records_per_s']:,.0f}" if baseline else "–",
    )
    row(
        "load, seconds",
        [f"{b['load']['seconds']:.1f}" for b in backends],
        f"{baseline['load']['seconds']:.1f}" if baseline else "–",
    )
    for depth in (2, 3):
        key = f"depth_{depth}"
        for q in ("p50", "p95", "p99"):
            row(f"depth {depth} HTTP {q}, ms", [_ms(b["http"][key][f"{q}_ms"]) for b in backends])
        for q in ("p50", "p99"):
            pg = _ms(baseline[key][f"{q}_ms"]) if baseline else "–"
            row(f"depth {depth} direct {q}, ms", [_ms(b["direct"][key][f"{q}_ms"]) for b in backends], pg)
        if baseline:
            row(
                f"depth {depth} PostgreSQL p50 / direct p50",
                [f"{baseline[key]['p50_ms'] / b['direct'][key]['p50_ms']:.3g}×" for b in backends],
            )
        row(
            f"depth {depth} truncated results",
            [f"{b['direct'][key]['truncated_fraction']:.2%}" for b in backends],
        )
    row("8 clients, checks/s (depth 2)", [f"{b['throughput']['checks_per_s']:.0f}" for b in backends])
    row(
        f"batch of {backends[0]['batch']['subjects']:,}, s",
        [f"{b['batch']['seconds']:.1f}" for b in backends],
    )
    row("service peak RSS, MiB", [_ms(b["service_peak_rss_mb"]) for b in backends])
    if baseline:
        lines += ["", *targets.parity(result)]
    if "neo4j" in result["backends"]:
        neo4j = result["backends"]["neo4j"]
        s = neo4j["settings"]
        lines += ["", f"Neo4j heap {s['heap']}, page cache {s['pagecache']}."]
        lines += load_path_lines(neo4j.get("loads", {}))
        lines += _floors(neo4j)
    lines += ["", "Every target of the performance issue beside the floor measured in this run:", ""]
    lines += targets.markdown_table(result)
    lines += _load_averages(result)
    lines += ["", *[f"- {note}" for note in result.get("notes", [])]]
    return "\n".join(lines) + "\n"


def load_path_lines(loads: dict[str, dict[str, Any]]) -> list[str]:
    """One line per Neo4j load path: rate, time, and for the bulk import where the time went."""
    lines = []
    for path, figures in loads.items():
        what = {
            "upsert": "pipeline upserts (`graph-service load`) into the empty database",
            "incremental": "pipeline upserts of another registry into the loaded graph (incremental)",
        }.get(path, "bulk import (`neo4j import`)")
        line = (
            f"Neo4j load by {what}: {figures['records']:,} records in {figures['seconds']:.1f} s, "
            f"{figures['records_per_s']:,.0f} records/s"
        )
        if "phases_s" in figures:
            phases = ", ".join(f"{name} {sec:.1f} s" for name, sec in figures["phases_s"].items())
            line += f" ({phases})"
        if figures.get("staging_peak_rss_mb"):
            line += f"; staging process peak RSS {figures['staging_peak_rss_mb']:,.0f} MB"
        lines.append(line + ".")
    return lines


def _floors(neo4j: dict[str, Any]) -> list[str]:
    """The Neo4j check beside its floors (``benchmarks/neo4j_floor.py``), and the target's verdict."""
    f = neo4j.get("floors")
    if not f:
        return []
    http = neo4j.get("http", {}).get(f"depth_{f['depth']}", {})
    ratio, target = f["check_p50_over_one_statement_p50"], f["target_ratio"]
    verdict = "met" if f["met"] else f"missed by ×{ratio / target:.2f}"
    return [
        "",
        f"Neo4j check vs its floors, depth {f['depth']}, {f['subjects']} subjects × {f['rounds']} "
        "interleaved rounds (medians of the rounds):",
        "",
        "| figure | p50, ms | p99, ms |",
        "|---|---|---|",
        f"| floor: `RETURN 1` auto-commit | {_ms(f['return_1']['p50_ms'])} | "
        f"{_ms(f['return_1']['p99_ms'])} |",
        f"| floor: hand-written one-statement depth 2 | {_ms(f['one_statement']['p50_ms'])} | "
        f"{_ms(f['one_statement']['p99_ms'])} |",
        f"| ours: `check_view` alone (statement + decoding) | {_ms(f.get('view', {}).get('p50_ms'))} | "
        f"{_ms(f.get('view', {}).get('p99_ms'))} |",
        f"| ours: `run_check` in process | {_ms(f['check']['p50_ms'])} | {_ms(f['check']['p99_ms'])} |",
        *_audit_rows(f),
        f"| ours: `POST /v1/checks` | {_ms(http.get('p50_ms'))} | {_ms(http.get('p99_ms'))} |",
        "",
        f"Target in-process p50 ≤ {target}× the one-statement floor: {ratio:.2f}× — {verdict}.",
        *_audit_note(f),
    ]


def _audit_rows(f: dict[str, Any]) -> list[str]:
    """The durable-write floor and our audit append (runs before they were measured have neither)."""
    if "audit_append" not in f:
        return []
    write, audit = f["durable_write"], f["audit_append"]
    return [
        f"| floor: smallest durable write (auto-commit `CREATE`) | {_ms(write['p50_ms'])} | "
        f"{_ms(write['p99_ms'])} |",
        f"| ours: the check's audit record made durable (Neo4j chain) | {_ms(audit['p50_ms'])} | "
        f"{_ms(audit['p99_ms'])} |",
    ]


def _audit_note(f: dict[str, Any]) -> list[str]:
    if "audit_append" not in f:
        return []
    return [
        "",
        "A check is answered once its audit record is durable in the Neo4j chain: before HTTP, a lone check "
        f"costs `run_check` + the audit append, {_ms(f['check_and_audit_p50_ms'])} ms at p50 here (the "
        f"durable write alone: {_ms(f['durable_write']['p50_ms'])} ms).",
    ]


def _load_averages(result: dict[str, Any]) -> list[str]:
    lines = []
    for name, figures in result["backends"].items():
        marks = [(k, figures.get(k)) for k in ("load_average_after_load", "load_average_at_end")]
        said = "; ".join(
            f"{k.removeprefix('load_average_').replace('_', ' ')} {v[0]:.2f}" for k, v in marks if v
        )
        if said:
            lines.append(f"Load average (1 min) during {name}: {said}.")
    return ["", *lines] if lines else []


def write(result: dict[str, Any], out: Path) -> Path:
    """Write ``<scale>-<stamp>.json`` and ``.md`` under ``out`` (and refresh the plot); the JSON path."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = result["machine"]["date_utc"].replace(":", "").replace("-", "")
    base = out / f"{result['scale']['name']}-{stamp}"
    json_path = base.with_suffix(".json")
    json_path.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    base.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    try:
        plot(out)
    except ImportError as exc:
        # The figures are the product; the picture is a convenience of the `bench` extra.
        print(f"plot skipped: {exc} (pip install -e '.[bench]')", file=sys.stderr)
    return json_path


def plot(out: Path) -> Path | None:
    """``latency_vs_scale.png``: HTTP p50 and p99 per backend and depth against organisations (newest run
    per scale; the smoke scale is left out)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    newest: dict[str, dict[str, Any]] = {}
    for path in sorted(out.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if "scale" in data and data["scale"]["name"] != "smoke":
            newest[data["scale"]["name"]] = data
    if not newest:
        return None
    runs = sorted(newest.values(), key=lambda d: d["scale"]["orgs"])
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    for axis, depth in zip(axes, (2, 3), strict=True):
        for backend in ("neo4j", "memory"):
            points = [
                (r["scale"]["orgs"], r["backends"][backend]["http"][f"depth_{depth}"])
                for r in runs
                if backend in r["backends"]
            ]
            if points:
                xs = [p[0] for p in points]
                axis.plot(xs, [p[1]["p50_ms"] for p in points], marker="o", label=f"{backend} p50")
                axis.plot(
                    xs, [p[1]["p99_ms"] for p in points], marker="x", linestyle="--", label=f"{backend} p99"
                )
        pg = [(r["scale"]["orgs"], r["baseline"][f"depth_{depth}"]) for r in runs if r.get("baseline")]
        if pg:
            axis.plot([p[0] for p in pg], [p[1]["p50_ms"] for p in pg], marker="s", label="postgres CTE p50")
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("organisations")
        axis.set_title(f"single check, depth {depth} (HTTP; postgres: query only)")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    axes[0].set_ylabel("latency, ms")
    figure.tight_layout()
    target = out / "latency_vs_scale.png"
    figure.savefig(target, dpi=110)
    plt.close(figure)
    return target
