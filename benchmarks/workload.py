"""What the benchmark asks: seeded subjects, checked directly, over HTTP, concurrently and in one batch."""

from __future__ import annotations

import csv
import datetime as dt
import http.client
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from benchmarks.stats import summarize_ms
from graph_service.domain.measures import Catalog, Scenario
from graph_service.services.checks.models import CheckRequest, CheckResult
from graph_service.services.checks.related_party import run_check
from graph_service.store.base import GraphStore

SCENARIO = Scenario.BIDDING
DEPTHS = (2, 3)


def sample_subjects(registry: Path, count: int, seed: int) -> list[str]:
    """``count`` subject ids, half organisations and half persons, drawn by ``seed`` (stable per registry)."""
    orgs = _first_column(registry / "organizations.csv")
    persons = _first_column(registry / "persons.csv")
    rng = random.Random(seed)
    n_orgs = min(len(orgs), (count + 1) // 2)
    n_persons = min(len(persons), count - n_orgs)
    chosen = rng.sample(orgs, n_orgs) + rng.sample(persons, n_persons)
    rng.shuffle(chosen)
    return chosen


def _first_column(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        return [row[0] for row in rows if row and row[0]]


def request_body(subject_id: str, depth: int, as_of: dt.date) -> dict[str, Any]:
    return {"subject_id": subject_id, "scenario": SCENARIO.value, "depth": depth, "as_of": as_of.isoformat()}


@dataclass
class DirectRun:
    """Latencies of direct service calls, and the results (for the truncation rate and hit parity)."""

    latency: dict[str, float]
    truncated_fraction: float
    results: dict[str, CheckResult]


def direct_checks(
    store: GraphStore, catalog: Catalog, subjects: list[str], depth: int, as_of: dt.date, fan_out_limit: int
) -> DirectRun:
    """``run_check`` in-process for each subject, one after another (no HTTP, no JSON)."""
    timings: list[float] = []
    results: dict[str, CheckResult] = {}
    for subject_id in subjects:
        request = CheckRequest(subject_id=subject_id, scenario=SCENARIO, depth=depth, as_of=as_of)
        started = time.perf_counter()
        result = run_check(store, catalog, request, as_of=as_of, fan_out_limit=fan_out_limit)
        timings.append(time.perf_counter() - started)
        results[subject_id] = result
    truncated = sum(1 for r in results.values() if r.truncated)
    return DirectRun(summarize_ms(timings), truncated / len(results), results)


class Connection:
    """One keep-alive ``http.client`` connection to a server, with the headers every request carries.

    The client the performance issue measures with: its own cost per request is a fraction of httpx's
    (~0.1 ms against ~1 ms of Python on this box), so the latency and the throughput it reports are the
    server's, not the client library's; with 8 client threads sharing the 2 cores this matters most.
    """

    def __init__(self, port: int, headers: dict[str, str] | None = None, timeout: float = 600.0) -> None:
        self._conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self._headers = {"Content-Type": "application/json", **(headers or {})}

    def post(self, path: str, body: Any) -> tuple[int, bytes]:
        """POST ``body`` as JSON; the status and the whole response body."""
        self._conn.request("POST", path, body=orjson.dumps(body), headers=self._headers)
        response = self._conn.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def http_checks(conn: Connection, subjects: list[str], depth: int, as_of: dt.date) -> dict[str, Any]:
    """POST /v1/checks for each subject on one keep-alive connection; latency as the client sees it."""
    timings: list[float] = []
    truncated = 0
    for subject_id in subjects:
        started = time.perf_counter()
        status, data = conn.post("/v1/checks", request_body(subject_id, depth, as_of))
        timings.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"POST /v1/checks {subject_id}: {status} {data[:500]!r}")
        truncated += bool(orjson.loads(data)["truncated"])
    return {**summarize_ms(timings), "truncated_fraction": truncated / len(subjects)}


def throughput(
    connect: Any,
    subjects: list[str],
    depth: int,
    as_of: dt.date,
    clients: int,
    seconds: float,
    path: str = "/v1/checks",
) -> dict[str, Any]:
    """Requests per second with ``clients`` threads, each its own keep-alive connection, for ``seconds``.

    ``connect()`` opens one :class:`Connection`; ``path`` is ``/v1/checks`` for ours and the minimal
    endpoint's for its floor (the same bodies either way). Each thread cycles through the sample from its
    own offset and stops at the deadline (bounded by time and by a hard cap on requests), so the run
    always ends by itself.
    """
    deadline = time.monotonic() + seconds
    cap = 1_000_000
    lock = threading.Lock()
    timings: list[float] = []
    errors: list[str] = []

    def worker(offset: int) -> None:
        mine: list[float] = []
        with connect() as conn:
            index = offset
            while time.monotonic() < deadline and len(mine) < cap:
                subject_id = subjects[index % len(subjects)]
                index += 1
                started = time.perf_counter()
                status, data = conn.post(path, request_body(subject_id, depth, as_of))
                mine.append(time.perf_counter() - started)
                if status != 200:
                    with lock:
                        errors.append(f"{status} {data[:200]!r}")
                    break
        with lock:
            timings.extend(mine)

    began = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i * len(subjects) // clients,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    if errors:
        raise RuntimeError(f"throughput run failed: {errors[0]}")
    return {
        "clients": clients,
        "depth": depth,
        "seconds": elapsed,
        "checks": len(timings),
        "checks_per_s": len(timings) / elapsed,
        **summarize_ms(timings),
    }


def batch(client: httpx.Client, subjects: list[str], depth: int, as_of: dt.date) -> dict[str, Any]:
    """One POST /v1/checks/batch of every subject given; wall time and request size."""
    body = {"items": [request_body(s, depth, as_of) for s in subjects]}
    started = time.perf_counter()
    response = client.post("/v1/checks/batch", json=body)
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"POST /v1/checks/batch: {response.status_code} {response.text[:500]}")
    results = response.json()["results"]
    if len(results) != len(subjects):
        raise RuntimeError(f"batch answered {len(results)} results for {len(subjects)} subjects")
    return {
        "subjects": len(subjects),
        "depth": depth,
        "seconds": seconds,
        "checks_per_s": len(subjects) / seconds,
        "response_bytes": len(response.content),
        "truncated_fraction": sum(bool(r["truncated"]) for r in results) / len(results),
    }


def hit_sets(results: dict[str, CheckResult]) -> dict[str, set[str]]:
    """Per subject: the related subjects (not itself) the check found with effective black/watch entries."""
    return {sid: {h.subject_id for h in r.hits if h.entries} for sid, r in results.items()}
