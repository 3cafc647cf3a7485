"""One ``POST /v1/checks/batch`` at the limits: items × depth, seconds and the server's peak RSS.

    python -m benchmarks.batch_bounds --orgs 10000 --work .bench-work

Generates (or reuses) the seeded registry, loads it into an embedded store, and for each case starts a
fresh ``graph-service serve`` (so each peak RSS is that batch's own), sends one batch and records the
wall time, the response size and the server's RSS before and its peak (VmHWM) after. The last case is
the batch that took 236 s and 11 GB before the bounds: it must now be refused with 422 at once.
Results go to ``benchmarks/results/batch-bounds-<orgs>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

from api.routers.checks import BATCH_WORK_BUDGET, MAX_BATCH, MAX_BATCH_DEPTH
from benchmarks.backends import memory_backend
from benchmarks.loading import upsert_load
from benchmarks.run import registry_for
from benchmarks.scales import Scale
from benchmarks.server import ApiServer
from benchmarks.stats import REPO
from benchmarks.workload import sample_subjects

AS_OF = dt.date(2026, 11, 23)
#: (items, depth, include_history): the largest batches the bounds admit, then the one they refuse.
CASES = (
    (MAX_BATCH, BATCH_WORK_BUDGET // MAX_BATCH, False),
    (BATCH_WORK_BUDGET // MAX_BATCH_DEPTH, MAX_BATCH_DEPTH, False),
    (BATCH_WORK_BUDGET // (2 * MAX_BATCH_DEPTH), MAX_BATCH_DEPTH, True),
    (MAX_BATCH, 4, True),
)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"no VmRSS for pid {pid}")


def run_case(
    env: dict[str, str], work: Path, subjects: list[str], depth: int, history: bool
) -> dict[str, Any]:
    body = {
        "items": [
            {
                "subject_id": s,
                "scenario": "bidding",
                "depth": depth,
                "as_of": AS_OF.isoformat(),
                "include_history": history,
            }
            for s in subjects
        ]
    }
    server = ApiServer(env, work / "batch-bounds-server.log", max_body_bytes=16 * 1024 * 1024)
    with server, server.client() as client:
        before = _rss_mb(server.pid)
        started = time.perf_counter()
        response = client.post("/v1/checks/batch", json=body)
        seconds = time.perf_counter() - started
        after = _rss_mb(server.pid)
    return {
        "items": len(subjects),
        "depth": depth,
        "include_history": history,
        "work": len(subjects) * depth * (2 if history else 1),
        "status": response.status_code,
        "seconds": round(seconds, 2),
        "response_mb": round(len(response.content) / 2**20, 1),
        "rss_before_mb": round(before, 1),
        "rss_after_mb": round(after, 1),
        "peak_rss_mb": round(server.peak_rss_mb or 0.0, 1),
        "detail": response.json().get("detail") if response.status_code != 200 else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=REPO / ".bench-work")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    scale = Scale(f"{args.orgs}", orgs=args.orgs, checks=0, throughput_s=0, batch=MAX_BATCH, parity_sample=0)
    registry = registry_for(scale, args.seed, args.work)
    backend = memory_backend(args.work)
    store = backend.open()
    try:
        upsert_load(store, registry, args.work / "batch-bounds-rejects.csv")
    finally:
        store.close()
    subjects = sample_subjects(registry, MAX_BATCH, args.seed + 1)
    results = []
    for items, depth, history in CASES:
        result = run_case(backend.server_env, args.work, subjects[:items], depth, history)
        print(json.dumps(result, ensure_ascii=False), flush=True)
        results.append(result)
    out = REPO / "benchmarks" / "results" / f"batch-bounds-{args.orgs}.json"
    out.write_text(
        json.dumps(
            {"orgs": args.orgs, "as_of": AS_OF.isoformat(), "cases": results}, indent=2, ensure_ascii=False
        )
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
