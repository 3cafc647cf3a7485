"""The benchmark runner at its smoke scale: it must keep working, whatever its numbers are.

No timing assertions (performance claims live in benchmarks/results); these check the run completes and
its JSON carries every figure with sane values, and — with PostgreSQL installed — that the recursive-CTE
baseline finds exactly the hit sets the graph check finds.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.baseline import postgres_available

REPO = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, *args: str) -> dict[str, Any]:
    out = tmp_path / "results"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--scale",
            "smoke",
            "--backend",
            "memory",
            "--out",
            str(out),
            "--work",
            str(tmp_path / "work"),
            *args,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    [json_file] = sorted(out.glob("smoke-*.json"))
    assert json_file.with_suffix(".md").is_file(), sorted(out.iterdir())
    result: dict[str, Any] = json.loads(json_file.read_text(encoding="utf-8"))
    return result


@pytest.mark.memory
def test_smoke_run_reports_every_figure_for_the_embedded_store(tmp_path: Path) -> None:
    result = _run(tmp_path, "--no-baseline")

    assert result["scale"]["orgs"] == 300, result["scale"]
    assert result["baseline"] is None, result["baseline"]
    memory = result["backends"]["memory"]
    assert memory["load"]["records"] > 300 and memory["load"]["rejected"] == 0, memory["load"]
    assert memory["load"]["files"]["organizations.csv"]["records_per_s"] > 0, memory["load"]["files"]
    for mode in ("direct", "http"):
        for depth in ("depth_2", "depth_3"):
            figures = memory[mode][depth]
            assert figures["count"] == result["scale"]["checks"], (mode, depth, figures)
            assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"], (mode, depth, figures)
            assert 0.0 <= figures["truncated_fraction"] <= 1.0, (mode, depth, figures)
    assert memory["throughput"]["clients"] == 8 and memory["throughput"]["checks"] > 0, memory["throughput"]
    assert memory["batch"]["subjects"] == 100 and memory["batch"]["seconds"] > 0, memory["batch"]
    assert memory["service_peak_rss_mb"] > 10, memory
    footprint = memory["footprint"]  # a fresh process reopened the run's data dir
    assert footprint["organizations"] == 300 and footprint["open_s"] > 0, footprint
    assert footprint["kb_per_org_delta"] > 0, footprint
    md = sorted((tmp_path / "results").glob("smoke-*.md"))[0].read_text(encoding="utf-8")
    assert "| memory | restart (open the data dir) |" in md, md
    assert "not measured" not in md.split("Every target")[1].split("Load average")[0], md
    assert result["machine"]["nproc"] >= 1 and result["machine"]["python"], result["machine"]


@pytest.mark.memory
def test_smoke_baseline_finds_the_same_hits_as_the_graph_check(tmp_path: Path) -> None:
    if not postgres_available():
        pytest.skip("PostgreSQL server binaries absent (apt-get install -y postgresql): baseline NOT tested")
    if importlib.util.find_spec("psycopg") is None:
        pytest.skip("psycopg absent (pip install -e '.[bench]'): baseline NOT tested")

    result = _run(tmp_path, "--baseline")

    baseline = result["baseline"]
    assert baseline["depth_3"]["p50_ms"] > 0, baseline
    for depth, parity in baseline["parity"]["memory"].items():
        assert parity["compared"] == result["scale"]["parity_sample"], (depth, parity)
        assert parity["mismatches"] == 0, (depth, parity["examples"])
    assert baseline["parity"]["memory"]["depth_3"]["with_hits"] > 0, baseline["parity"]
