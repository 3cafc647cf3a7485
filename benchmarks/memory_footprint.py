"""The embedded store's footprint: memory per organisation, restart time, and ``run_check`` p50.

``python -m benchmarks.memory_footprint --scale 10k`` loads the cached registry once into a data dir under
the work dir (``footprint-<scale>``, kept for later runs), then, in a fresh process each time so nothing of
the load is counted, opens that data dir and reports: the seconds to open it (journal replay; with
``--snapshot``, after a compaction, the binary snapshot's load — :mod:`graph_service.store.memory.snapshot`,
which ``compact()`` writes beside ``snapshot.log``), the RSS it added and the peak (VmHWM) over the
organisations, and ``run_check`` p50 at depths 2 and 3 over the benchmark's sampled subjects. A quick loop
for the store's memory work; the full figures come from ``python -m benchmarks.run``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.run import WORK, registry_for
from benchmarks.scales import SCALES, SEED


def _status_kb(field: str) -> int:
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def _prepare(scale: str, snapshot: bool, work: Path) -> Path:
    from graph_service.store.memory import MemoryStore
    from loaders.pipeline import load

    registry = registry_for(SCALES[scale], SEED, work)
    data_dir = work / f"footprint-{scale}"
    done = data_dir / ".loaded"
    if not done.exists():
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)
        with MemoryStore(data_dir) as store:
            report = load(store, registry, rejects=work / f"footprint-{scale}-rejects.csv")
            if not report.ok:
                raise RuntimeError(f"load failed: {report.failure}")
        done.write_text(str(report.read), encoding="utf-8")
    if not snapshot:
        return data_dir
    compacted = work / f"footprint-{scale}-snapshot"
    if not (compacted / "snapshot.log").exists():
        import shutil

        shutil.rmtree(compacted, ignore_errors=True)
        shutil.copytree(data_dir, compacted, ignore=shutil.ignore_patterns("LOCK"))
        with MemoryStore(compacted) as store:
            store.compact()
    with MemoryStore(compacted):
        pass  # a writer's clean close rewrites the binary snapshot if this build cannot read it
    return compacted


def _measure(scale: str, data_dir: Path, checks: int, work: Path) -> dict[str, object]:
    import datetime as dt

    from benchmarks.workload import direct_checks, sample_subjects
    from graph_service.config import Settings
    from graph_service.services.checks.catalog import default_catalog
    from graph_service.store.memory import MemoryStore
    from graph_service.synth import REFERENCE_DATE

    registry = registry_for(SCALES[scale], SEED, work)
    subjects = sample_subjects(registry, checks, SEED)
    catalog = default_catalog()
    gc.collect()
    rss_before = _status_kb("VmRSS")
    started = time.perf_counter()
    store = MemoryStore(data_dir, read_only=True)
    open_s = time.perf_counter() - started
    gc.collect()
    rss_after, hwm = _status_kb("VmRSS"), _status_kb("VmHWM")
    orgs = store.counts()["organizations"]
    as_of: dt.date = REFERENCE_DATE
    fan_out = Settings().fan_out_limit
    out: dict[str, object] = {
        "scale": scale,
        "organizations": orgs,
        "open_s": round(open_s, 3),
        "rss_before_mb": round(rss_before / 1024, 1),
        "rss_after_mb": round(rss_after / 1024, 1),
        "hwm_mb": round(hwm / 1024, 1),
        "kb_per_org_delta": round((rss_after - rss_before) / orgs, 2),
        "kb_per_org_total": round(rss_after / orgs, 2),
        "kb_per_org_hwm": round(hwm / orgs, 2),
    }
    for depth in (2, 3):
        direct_checks(store, catalog, subjects[:100], depth, as_of, fan_out)
        p50s = []
        for _ in range(3):
            run = direct_checks(store, catalog, subjects, depth, as_of, fan_out)
            p50s.append(run.latency["p50_ms"])
        out[f"run_check_p50_ms_depth_{depth}"] = round(statistics.median(p50s), 4)
    out["load_average"] = list(os.getloadavg())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory_footprint", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="10k")
    parser.add_argument("--snapshot", action="store_true", help="compact first: measure a snapshot load")
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=WORK, help="cache dir (registries, data dirs)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child: measure this dir
    args = parser.parse_args(argv)
    if args.measure is not None:
        print(json.dumps(_measure(args.scale, args.measure, args.checks, args.work)))
        return 0
    data_dir = _prepare(args.scale, args.snapshot, args.work)
    child = [sys.executable, "-m", "benchmarks.memory_footprint", "--scale", args.scale]
    child += ["--checks", str(args.checks), "--work", str(args.work), "--measure", str(data_dir)]
    done = subprocess.run(child, check=True, capture_output=True, text=True)
    print(done.stdout.strip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
