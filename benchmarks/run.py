"""``python -m benchmarks.run --scale 10k --backend all --baseline``: one benchmark run, results to files.

Steps: generate (or reuse) the seeded registry; optionally the PostgreSQL baseline (load, CTE latency, hit
sets); per backend: load (timed), direct service calls at depth 2 and 3, then the HTTP API under uvicorn
(single checks, 8-client throughput, one batch, peak RSS); finally JSON + Markdown + plot.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks import baseline as pg
from benchmarks.backends import Backend, memory_backend, neo4j_backend, neo4j_version
from benchmarks.http_floor import audit_costs, fsync_floor, http_overhead, raw_walk_floor, throughput_floor
from benchmarks.loading import INCREMENTAL, LOAD_PATHS, incremental_load, load_neo4j, upsert_load
from benchmarks.neo4j_floor import floors_and_check
from benchmarks.report import write
from benchmarks.scales import SCALES, SEED, Scale
from benchmarks.server import ApiServer
from benchmarks.stats import REPO, machine_info, peak_rss_mb
from benchmarks.workload import (
    DEPTHS,
    batch,
    direct_checks,
    hit_sets,
    http_checks,
    sample_subjects,
    throughput,
)
from graph_service.config import Settings
from graph_service.services.checks.catalog import default_catalog
from graph_service.synth import REFERENCE_DATE, generate

WORK = REPO / "benchmarks" / "work"
CLIENTS = 8
WARMUP = 50


#: The increment's seed is the run's plus this: a registry of its own (other keys), never a re-upsert.
INCREMENT_SEED_OFFSET = 7


def registry_for(scale: Scale, seed: int, work: Path) -> Path:
    """The synthetic registry of this scale and seed, generated once and cached under ``work``."""
    return _generated(work / f"registry-{scale.name}-{seed}", scale.orgs, seed)


def increment_for(scale: Scale, seed: int, work: Path) -> Path:
    """The registry a run loads into its loaded Neo4j graph at the end (``scale.increment`` organisations,
    another seed), generated once and cached under ``work``."""
    offset = seed + INCREMENT_SEED_OFFSET
    return _generated(work / f"increment-{scale.increment}-{offset}", scale.increment, offset)


def _generated(target: Path, orgs: int, seed: int) -> Path:
    done = target / ".complete.json"
    if not done.exists():
        shutil.rmtree(target, ignore_errors=True)
        counts = generate(target, orgs=orgs, seed=seed)
        done.write_text(json.dumps(counts, indent=2), encoding="utf-8")
    return target


def bench_backend(
    backend: Backend,
    scale: Scale,
    registry: Path,
    work: Path,
    subjects: dict[str, list[str]],
    fan_out_limit: int,
    as_of: dt.date,
    log: Any,
    load_paths: list[str],
    increment: Path | None = None,
) -> tuple[dict[str, Any], dict[str, dict[str, set[str]]]]:
    """Load, direct checks, then the API: every figure for one backend, and its hit sets for parity.

    With ``increment`` (Neo4j), that registry is upserted into the loaded graph last (the incremental
    upserts figure: ``loads["incremental"]``), after every check, so no check reads it.
    """
    catalog = default_catalog()
    result: dict[str, Any] = {"settings": backend.settings}
    parity_sets: dict[str, dict[str, set[str]]] = {}
    store = backend.open()
    try:
        if backend.name == "neo4j":
            result["loads"], store = load_neo4j(backend, store, load_paths, registry, work, log)
            result["load"] = result["loads"][load_paths[-1]]  # the graph the checks below run on
        else:
            log(f"[{backend.name}] loading {registry.name}")
            result["load"] = upsert_load(store, registry, work / f"{backend.name}-rejects.csv")
            log(f"[{backend.name}] loaded {result['load']['records']:,} in {result['load']['seconds']:.1f} s")
        result["load_average_after_load"] = list(os.getloadavg())
        result["direct"] = {}
        for depth in DEPTHS:
            direct_checks(store, catalog, subjects["warmup"], depth, as_of, fan_out_limit)
            run = direct_checks(store, catalog, subjects["checks"], depth, as_of, fan_out_limit)
            result["direct"][f"depth_{depth}"] = {**run.latency, "truncated_fraction": run.truncated_fraction}
            sample = subjects["checks"][: scale.parity_sample]
            found = hit_sets({s: run.results[s] for s in sample})
            parity_sets[f"depth_{depth}"] = found
            log(f"[{backend.name}] direct depth {depth}: p50 {run.latency['p50_ms']:.2f} ms")
        if backend.name == "memory":
            result["floors"] = {
                "raw_walk_depth_2": raw_walk_floor(store, subjects["checks"], 2, as_of),  # type: ignore[arg-type]
                "fsync": fsync_floor(work),
                "audit": audit_costs(work),
            }
        if backend.name == "neo4j":
            env = backend.server_env
            result["floors"] = floors_and_check(
                env["GRAPH_SERVICE_NEO4J_URI"],
                env["GRAPH_SERVICE_NEO4J_PASSWORD"],
                store,
                catalog,
                subjects["checks"],
                as_of,
                fan_out_limit,
            )
            floors = result["floors"]
            log(
                f"[neo4j] floors: RETURN 1 p50 {floors['return_1']['p50_ms']:.2f} ms, one statement "
                f"{floors['one_statement']['p50_ms']:.2f} ms, our check {floors['check']['p50_ms']:.2f} ms; "
                f"durable write {floors['durable_write']['p50_ms']:.2f} ms, "
                f"audit append {floors['audit_append']['p50_ms']:.2f} ms"
            )
    finally:
        store.close()
    result["bench_process_peak_rss_mb"] = peak_rss_mb_self()

    max_body = 64 * 1024 * 1024  # a batch of 10,000 requests is ~1.2 MB; leave room for larger batches
    with ApiServer(backend.server_env, work / f"serve-{backend.name}.log", max_body) as server:
        with server.client() as client, server.connection() as conn:
            result["http_client"] = "http.client"
            result["http"] = {}
            for depth in DEPTHS:
                http_checks(conn, subjects["warmup"], depth, as_of)
                result["http"][f"depth_{depth}"] = http_checks(conn, subjects["checks"], depth, as_of)
                p50 = result["http"][f"depth_{depth}"]["p50_ms"]
                log(f"[{backend.name}] HTTP depth {depth}: p50 {p50:.2f} ms")
            overhead = http_overhead(server.port, server.api_key, subjects["checks"][:300], 2, as_of)
            result["http_overhead"] = overhead
            log(
                f"[{backend.name}] http.client: minimal endpoint p50 {overhead['floor']['p50_ms']:.2f} ms, "
                f"/v1/checks p50 {overhead['check']['p50_ms']:.2f} ms"
            )
            result["throughput"] = throughput(
                server.connection, subjects["checks"], 2, as_of, CLIENTS, scale.throughput_s
            )
            floor_s = min(scale.throughput_s, 10.0)
            result["throughput_floor"] = throughput_floor(subjects["checks"], 2, as_of, CLIENTS, floor_s)
            log(
                f"[{backend.name}] throughput {result['throughput']['checks_per_s']:.0f} checks/s "
                f"(minimal endpoint {result['throughput_floor']['checks_per_s']:.0f}/s)"
            )
            result["batch"] = batch(client, subjects["batch"], 2, as_of)
            log(f"[{backend.name}] batch of {scale.batch}: {result['batch']['seconds']:.1f} s")
        result["service_peak_rss_mb"] = peak_rss_mb(server.pid)
    if increment is not None:
        store = backend.open()
        try:
            log(f"[{backend.name}] upserting {increment.name} into the loaded graph")
            result["loads"][INCREMENTAL] = incremental_load(store, increment, work / "increment-rejects.csv")
            figures = result["loads"][INCREMENTAL]
            log(f"[{backend.name}] incremental: {figures['records']:,} records in {figures['seconds']:.1f} s")
        finally:
            store.close()
    if backend.name == "memory":
        data_dir = Path(backend.server_env["GRAPH_SERVICE_DATA_DIR"])
        result["footprint"] = footprint(scale, work, data_dir)
        log(
            f"[memory] restart {result['footprint']['open_s']:.1f} s, "
            f"{result['footprint']['kb_per_org_delta']:.2f} KB added per organisation"
        )
    result["load_average_at_end"] = list(os.getloadavg())
    return result, parity_sets


def footprint(scale: Scale, work: Path, data_dir: Path) -> dict[str, Any]:
    """Restart time and memory per organisation: a fresh process opens the run's data dir read-only
    (``benchmarks.memory_footprint``), so nothing of the load or of the API is counted."""
    child = [sys.executable, "-m", "benchmarks.memory_footprint", "--scale", scale.name, "--work", str(work)]
    child += ["--checks", str(min(scale.checks, 200)), "--measure", str(data_dir)]
    done = subprocess.run(child, check=True, capture_output=True, text=True)
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def peak_rss_mb_self() -> float | None:
    return peak_rss_mb(os.getpid())


def run_baseline(
    registry: Path, subjects: dict[str, list[str]], scale: Scale, fan_out_limit: int, as_of: dt.date, log: Any
) -> tuple[dict[str, Any], dict[str, dict[str, set[str]]]]:
    """The PostgreSQL figures (load, CTE latency per depth) and its hit sets on the parity sample."""
    out: dict[str, Any] = {"fan_out_limit": fan_out_limit}
    sets: dict[str, dict[str, set[str]]] = {}
    with pg.PostgresCluster() as cluster:
        out["postgres_version"] = cluster.version
        log(f"[postgres] {cluster.version} on port {cluster.port}: loading")
        out["load"] = pg.load_registry(cluster.conninfo, registry)
        for depth in DEPTHS:
            pg.related_hits(cluster.conninfo, subjects["warmup"], depth, as_of, fan_out_limit)
            latency, hits = pg.related_hits(cluster.conninfo, subjects["checks"], depth, as_of, fan_out_limit)
            out[f"depth_{depth}"] = latency
            sets[f"depth_{depth}"] = {s: hits[s] for s in subjects["checks"][: scale.parity_sample]}
            log(f"[postgres] depth {depth}: p50 {latency['p50_ms']:.2f} ms")
    return out, sets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), required=True)
    parser.add_argument("--backend", choices=["memory", "neo4j", "all"], default="all")
    parser.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="also run the PostgreSQL recursive-CTE baseline and compare hit sets",
    )
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument(
        "--work", type=Path, default=WORK, help="cache of registries and stores (git-ignored)"
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--neo4j-home", type=Path, default=Path("/tmp/bench-neo4j"))
    parser.add_argument("--neo4j-port", type=int, default=7720)
    parser.add_argument("--neo4j-heap", default="2g")
    parser.add_argument("--neo4j-pagecache", default="2g")
    parser.add_argument(
        "--neo4j-load",
        help="comma-separated load paths for Neo4j, timed in turn (the last one's graph is checked): "
        f"{', '.join(LOAD_PATHS)}; default upsert,bulk (bulk only at 1m)",
    )
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(f"{dt.datetime.now(dt.UTC):%H:%M:%S} {message}", file=sys.stderr, flush=True)

    scale = SCALES[args.scale]
    load_paths = (args.neo4j_load or ("bulk" if scale.name == "1m" else "upsert,bulk")).split(",")
    as_of = REFERENCE_DATE
    fan_out_limit = Settings().fan_out_limit
    args.work.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    log(f"registry {scale.name} ({scale.orgs:,} organisations, seed {args.seed})")
    registry = registry_for(scale, args.seed, args.work)
    subjects = {
        "checks": sample_subjects(registry, scale.checks, args.seed),
        "warmup": sample_subjects(registry, min(WARMUP, scale.checks), args.seed + 2),
        "batch": sample_subjects(registry, scale.batch, args.seed + 1),
    }
    result: dict[str, Any] = {
        "scale": {
            "name": scale.name,
            "orgs": scale.orgs,
            "checks": len(subjects["checks"]),
            "throughput_s": scale.throughput_s,
            "batch": scale.batch,
            "parity_sample": scale.parity_sample,
        },
        "registry_rows": json.loads((registry / ".complete.json").read_text(encoding="utf-8")),
        "seed": args.seed,
        "as_of": as_of.isoformat(),
        "fan_out_limit": fan_out_limit,
        "machine": machine,
        "backends": {},
        "baseline": None,
        "notes": [
            "Single checks: 1 client, keep-alive, sequential; subjects are half organisations, half persons.",
            "HTTP latency and throughput are measured by keep-alive http.client connections (the issue's "
            "client; httpx alone costs ~1 ms a request here) and include JSON, auth, audit and masking.",
            "PostgreSQL times only the recursive CTE returning hit ids; our check also builds paths, "
            "measures, verdict and the full response.",
        ],
    }
    pg_sets: dict[str, dict[str, set[str]]] | None = None
    if args.baseline:
        result["baseline"], pg_sets = run_baseline(registry, subjects, scale, fan_out_limit, as_of, log)
        result["baseline"]["parity"] = {}

    names = ["memory", "neo4j"] if args.backend == "all" else [args.backend]
    for name in names:
        if name == "memory":
            figures, ours = bench_backend(
                memory_backend(args.work), scale, registry, args.work, subjects, fan_out_limit, as_of, log, []
            )
        else:
            with neo4j_backend(args.neo4j_home, args.neo4j_port, args.neo4j_heap, args.neo4j_pagecache) as b:
                result["neo4j_version"] = neo4j_version(b)
                increment = increment_for(scale, args.seed, args.work)
                figures, ours = bench_backend(
                    b, scale, registry, args.work, subjects, fan_out_limit, as_of, log, load_paths, increment
                )
        result["backends"][name] = figures
        if pg_sets is not None:
            result["baseline"]["parity"][name] = {
                depth: pg.compare_hits(ours[depth], pg_sets[depth]) for depth in ours
            }
    path = write(result, args.out)
    log(f"results: {path} and {path.with_suffix('.md')}")
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
