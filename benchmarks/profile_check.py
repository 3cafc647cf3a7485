"""Where a check's time goes: pyinstrument over direct ``run_check`` calls and in-process API calls.

``python -m benchmarks.profile_check --scale 10k --backend memory`` loads the cached registry into a
temporary embedded store; ``--backend neo4j`` profiles a Neo4j that already holds the registry (as a
benchmark run leaves it in its home; start it with ``graph-service neo4j start`` and the same settings).
Writes ``profile-<backend>-<scale>-{direct,api}.txt`` under ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from fastapi.testclient import TestClient
from pyinstrument import Profiler

from api.app import create_app
from benchmarks.backends import DEFAULT_NEO4J_PASSWORD
from benchmarks.run import WORK, registry_for
from benchmarks.scales import SCALES, SEED
from benchmarks.workload import direct_checks, request_body, sample_subjects
from graph_service.config import ApiKeyInfo, Settings
from graph_service.services.checks.catalog import default_catalog
from graph_service.store.base import GraphStore
from graph_service.store.memory import MemoryStore
from graph_service.store.neo4j import Neo4jStore
from graph_service.synth import REFERENCE_DATE
from loaders.pipeline import load


def _profile_store(store: GraphStore, subjects: list[str], depth: int, out: Path, label: str) -> None:
    catalog = default_catalog()
    fan_out = Settings().fan_out_limit
    direct_checks(store, catalog, subjects[:20], depth, REFERENCE_DATE, fan_out)  # warm-up
    # Latency first, without the profiler's overhead; then the same checks under the profiler.
    timed = direct_checks(store, catalog, subjects, depth, REFERENCE_DATE, fan_out).latency
    figures = {"label": label, "depth": depth, "load_average": list(os.getloadavg()), **timed}
    (out / f"profile-{label}-latency.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"{label}: p50 {timed['p50_ms']:.2f} ms, p99 {timed['p99_ms']:.2f} ms over {len(subjects)} checks")
    profiler = Profiler(interval=0.0005)
    with profiler:
        direct_checks(store, catalog, subjects, depth, REFERENCE_DATE, fan_out)
    (out / f"profile-{label}-direct.txt").write_text(profiler.output_text(show_all=False), encoding="utf-8")

    key = "profile-key-0123456789abcdef"
    keys = {key: ApiKeyInfo(role="approval", name="profile")}
    settings = Settings(api_keys=keys, rate_limit_per_minute=0)
    with TestClient(create_app(settings, store)) as client:
        client.headers["X-API-Key"] = key
        for subject_id in subjects[:20]:
            client.post("/v1/checks", json=request_body(subject_id, depth, REFERENCE_DATE))
        profiler = Profiler(interval=0.0005)
        with profiler:
            for subject_id in subjects:
                response = client.post("/v1/checks", json=request_body(subject_id, depth, REFERENCE_DATE))
                assert response.status_code == 200, response.text
    (out / f"profile-{label}-api.txt").write_text(profiler.output_text(show_all=False), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_check", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), required=True)
    parser.add_argument("--backend", choices=["memory", "neo4j"], default="memory")
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--checks", type=int, default=300)
    parser.add_argument("--neo4j-uri", default="bolt://127.0.0.1:7720")
    parser.add_argument(
        "--no-read-ahead",
        action="store_true",
        help="Neo4j: answer every read from the server, as before read_ahead.py (the 'before' profile)",
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    registry = registry_for(scale, SEED, WORK)
    subjects = sample_subjects(registry, args.checks, SEED)
    args.out.mkdir(parents=True, exist_ok=True)
    label = f"{args.backend}-{scale.name}-depth{args.depth}" + (
        "-no-read-ahead" if args.no_read_ahead else ""
    )
    if args.backend == "memory":
        with tempfile.TemporaryDirectory(prefix="bench-profile-") as data_dir:
            store = MemoryStore(Path(data_dir))
            try:
                load(store, registry)
                _profile_store(store, subjects, args.depth, args.out, label)
            finally:
                store.close()
    else:
        password = os.environ.get("GRAPH_SERVICE_NEO4J_PASSWORD") or DEFAULT_NEO4J_PASSWORD
        neo4j = Neo4jStore(args.neo4j_uri, "neo4j", password)
        if args.no_read_ahead:
            neo4j._read_ahead = lambda: None  # type: ignore[method-assign]  # benchmark-only switch
        try:
            _profile_store(neo4j, subjects, args.depth, args.out, label)
        finally:
            neo4j.close()
    print(args.out / f"profile-{label}-direct.txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
