"""The performance issue's targets, each read from one run's result beside the floor measured in that run.

One place states every target (the figure, its limit, the scale it is set at, and the floor it is judged
against), so the run's Markdown, the README table and the closing notes cannot drift apart. A target set at
another scale is still shown (marked), because the trend across scales is what tells whether it will hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Result = dict[str, Any]


@dataclass(frozen=True)
class Target:
    """One target of the issue: ``ours`` must be ≤ ``limit`` (or ≥ when ``at_least``)."""

    backend: str
    name: str
    unit: str
    limit: float
    ours: float | None
    floor: str  # the floor it is judged against, as measured in the same run ("–" when none)
    at_scale: str | None = None  # the scale the issue sets it at; None: every scale
    at_least: bool = False

    @property
    def met(self) -> bool | None:
        if self.ours is None:
            return None
        return self.ours >= self.limit if self.at_least else self.ours <= self.limit

    def verdict(self, scale: str) -> str:
        """``met`` / ``missed ×r`` (how far from the limit), with the scale the target is set at."""
        if self.met is None:
            return "not measured"
        if self.met:
            said = "met"
        else:
            assert self.ours is not None
            ratio = self.limit / self.ours if self.at_least else self.ours / self.limit
            said = f"missed ×{ratio:.2f}"
        if self.at_scale and self.at_scale != scale:
            said += f" (target set at {self.at_scale})"
        return said


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _ms(value: Any) -> str:
    return f"{value:.2f} ms" if isinstance(value, int | float) else "–"


def _ratio(a: Any, b: Any) -> float | None:
    if isinstance(a, int | float) and isinstance(b, int | float) and b:
        return float(a) / float(b)
    return None


def _minus(a: Any, b: Any) -> float | None:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) - float(b)
    return None


def _memory(result: Result) -> Iterator[Target]:
    m = result["backends"]["memory"]
    baseline = result.get("baseline") or {}
    endpoint = _get(m, "http_overhead", "floor")
    endpoint_p50 = _get(endpoint, "p50_ms")
    direct = _get(m, "direct", "depth_2", "p50_ms")
    measured = isinstance(endpoint_p50, int | float)
    yield Target(
        "memory",
        "HTTP overhead: /v1/checks p50 − run_check p50 (http.client) ≤ 2× minimal endpoint",
        "ms",
        2 * endpoint_p50 if measured else 0.0,
        _minus(_get(m, "http_overhead", "check", "p50_ms"), direct) if measured else None,
        f"minimal endpoint p50 {_ms(endpoint_p50)}",
    )
    walk = _get(m, "floors", "raw_walk_depth_2", "p50_ms")
    yield Target("memory", "run_check p50, depth 2", "ms", 0.15, direct, f"dict walk p50 {_ms(walk)}")
    for depth in (2, 3):
        cte = _get(baseline, f"depth_{depth}", "p50_ms")
        if cte is not None:
            yield Target(
                "memory",
                f"run_check p50 ÷ PostgreSQL CTE p50 (ids only), depth {depth}",
                "×",
                0.5,
                _ratio(_get(m, "direct", f"depth_{depth}", "p50_ms"), cte),
                f"CTE p50 {_ms(cte)}",
            )
    http = _get(m, "http", "depth_2")
    client = m.get("http_client", "httpx")  # runs before 2 Dec 2026 measured through httpx
    endpoint_text = (
        f"minimal endpoint p50 {_ms(endpoint_p50)}, p99 {_ms(_get(endpoint, 'p99_ms'))}; client {client}"
    )
    yield Target("memory", "HTTP p50, depth 2", "ms", 1.0, _get(http, "p50_ms"), endpoint_text, "100k")
    yield Target("memory", "HTTP p99, depth 2", "ms", 3.0, _get(http, "p99_ms"), endpoint_text, "100k")
    fsync = f"fdatasync p50 {_ms(_get(m, 'floors', 'fsync', 'p50_ms'))}"
    audit = _get(m, "floors", "audit")
    # Runs since the route records a lone check on the loop measure that path (record_durably); older
    # runs measured record + wait_durable through the writer thread, which the route no longer uses.
    lone = _get(audit, "route_lone", "p50_ms")
    if lone is not None:
        via_writer = _ms(_get(audit, "record_and_durable", "p50_ms"))
        fsync += f"; the route's record_durably (record + wait via the writer thread: {via_writer})"
    else:
        lone = _get(audit, "record_and_durable", "p50_ms")
    yield Target(
        "memory", "audit record p50 (CPU on the check path)", "ms", 0.1, _get(audit, "record", "p50_ms"), "–"
    )
    yield Target(
        "memory",
        "audit record + durable wait p50 (lone request)",
        "ms",
        0.1,
        lone,
        fsync,
    )
    yield _throughput(m, "memory", 1200)
    yield _batch(m, "memory", 3.0)
    yield Target(
        "memory",
        "load, records/s",
        "records/s",
        100_000,
        _get(m, "load", "records_per_s"),
        _pg_load(baseline),
        "100k",
        at_least=True,
    )
    footprint = m.get("footprint") or {}
    yield Target(
        "memory",
        "memory added per organisation (fresh process opening the data dir)",
        "KB",
        4.0,
        footprint.get("kb_per_org_delta"),
        f"interpreter before opening {footprint['rss_before_mb']} MB" if footprint else "–",
    )
    if result["scale"]["name"] == "1m":
        total = footprint.get("rss_after_mb")
        yield Target("memory", "RSS with 1M organisations open", "MB", 4096, total, "–", "1m")
    yield Target("memory", "restart (open the data dir)", "s", 5.0, footprint.get("open_s"), "–", "100k")


def _pg_load(baseline: Result) -> str:
    rate = _get(baseline, "load", "records_per_s")
    return f"PostgreSQL COPY {rate:,.0f} records/s" if isinstance(rate, int | float) else "–"


def _throughput(figures: Result, backend: str, limit: float) -> Target:
    rate = _get(figures, "throughput", "checks_per_s")
    floor = _get(figures, "throughput_floor", "checks_per_s")
    said = f"minimal endpoint, 8 clients: {floor:,.0f}/s" if isinstance(floor, int | float) else "–"
    return Target(backend, "8 clients, checks/s, depth 2", "checks/s", limit, rate, said, at_least=True)


def _batch(figures: Result, backend: str, limit: float) -> Target:
    seconds = _get(figures, "batch", "seconds")
    subjects = _get(figures, "batch", "subjects") or 0
    return Target(backend, f"batch of {subjects:,} at depth 2", "s", limit, seconds, "–")


def _neo4j(result: Result) -> Iterator[Target]:
    n = result["backends"]["neo4j"]
    floors = n.get("floors") or {}
    one = _get(floors, "one_statement", "p50_ms")
    yield Target(
        "neo4j",
        "run_check p50 ÷ hand-written one-statement p50, depth 2",
        "×",
        floors.get("target_ratio", 1.5),
        floors.get("check_p50_over_one_statement_p50"),
        f"one statement p50 {_ms(one)}, RETURN 1 p50 {_ms(_get(floors, 'return_1', 'p50_ms'))}",
    )
    http = _get(n, "http", "depth_2")
    http_floor = f"one statement {_ms(one)}"
    if "audit_append" in floors:  # the lone check's durable audit record comes before the answer
        http_floor += (
            f"; durable write {_ms(_get(floors, 'durable_write', 'p50_ms'))}; our run_check + audit append "
            f"{_ms(floors.get('check_and_audit_p50_ms'))}"
        )
    yield Target("neo4j", "HTTP p50, depth 2", "ms", 3.0, _get(http, "p50_ms"), http_floor, "1m")
    yield Target("neo4j", "HTTP p99, depth 2", "ms", 15.0, _get(http, "p99_ms"), "–", "1m")
    yield _throughput(n, "neo4j", 450)
    yield _batch(n, "neo4j", 10.0)
    loads = n.get("loads") or {}
    # Runs before the incremental load was measured judged the first load by upserts instead.
    upserts = loads.get("incremental") or loads.get("upsert")
    if upserts is not None:
        first = loads.get("upsert") if "incremental" in loads else None
        floor = f"first load by upserts {first['records_per_s']:,.0f} records/s" if first else "–"
        rate = upserts.get("records_per_s")
        yield Target(
            "neo4j", "incremental upserts, records/s", "records/s", 20_000, rate, floor, at_least=True
        )
    if "bulk" in loads:
        bulk = loads["bulk"]
        importer = _get(bulk, "phases_s", "import")
        records = bulk.get("records")
        floor = (
            f"neo4j-admin import phase alone {records / importer:,.0f} records/s"
            if isinstance(importer, int | float) and importer and records
            else "–"
        )
        yield Target(
            "neo4j",
            "bulk first load overall, records/s",
            "records/s",
            40_000,
            bulk.get("records_per_s"),
            floor,
            "1m",
            at_least=True,
        )


BACKENDS: dict[str, Callable[[Result], Iterator[Target]]] = {"memory": _memory, "neo4j": _neo4j}


def targets(result: Result) -> list[Target]:
    """Every target of the issue that this run measured, per backend it ran."""
    out: list[Target] = []
    for backend, read in BACKENDS.items():
        if backend in result["backends"]:
            out.extend(read(result))
    return out


def parity(result: Result) -> list[str]:
    """The hit-set parity lines (0 mismatches of 200 at depth 2 and 3 is the bar)."""
    lines = []
    for name, per_depth in (_get(result, "baseline", "parity") or {}).items():
        for depth_key, p in per_depth.items():
            lines.append(
                f"Hit-set parity, {name} vs PostgreSQL, {depth_key.replace('_', ' ')}: {p['mismatches']} "
                f"mismatches of {p['compared']} subjects ({p['with_hits']} with hits)."
            )
    return lines


def format_value(target: Target) -> str:
    """The measured figure in the target's unit."""
    if target.ours is None:
        return "–"
    if target.unit in ("records/s", "checks/s"):
        return f"{target.ours:,.0f}"
    if target.unit == "×":
        return f"{target.ours:.2f}×"
    return f"{target.ours:.2f}"


def format_limit(target: Target) -> str:
    sign = "≥" if target.at_least else "≤"
    if target.unit in ("records/s", "checks/s"):
        return f"{sign} {target.limit:,.0f} {target.unit}"
    if target.unit == "×":
        return f"{sign} {target.limit:.2f}×"
    return f"{sign} {target.limit:.2f} {target.unit}"


def markdown_table(result: Result) -> list[str]:
    """The run's targets as a Markdown table: target, floor of the same run, ours, limit, verdict."""
    scale = result["scale"]["name"]
    lines = [
        "| backend | target | floor (same run) | ours | limit | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for t in targets(result):
        cells = [t.backend, t.name, t.floor, format_value(t), format_limit(t), t.verdict(scale)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines
