"""The floors the embedded check and its HTTP layer are measured against, in the same run as them.

* **Minimal endpoint**: a FastAPI app with one ``async def`` POST answering ~3 KB of JSON (orjson),
  served by uvicorn exactly as ``graph-service serve`` serves the API (:data:`SERVE_OPTIONS`).
* **Raw in-process walk**: breadth-first over a plain ``dict`` of id sets built from the store's dump
  (ids only, relations valid on the date, no paths, entries or verdict): what a bare walk costs here.
* **fsync**: ``fdatasync`` of a 300-byte append in the data directory's file system: the least an
  acknowledged-after-durable audit record can cost.

:func:`http_overhead` interleaves the minimal endpoint and ``POST /v1/checks`` on keep-alive
``http.client`` connections (the client's own cost is far below httpx's), round by round.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from api.auth import Caller
from api.responses import OrjsonResponse
from benchmarks.server import free_port
from benchmarks.stats import REPO, summarize_ms
from benchmarks.workload import Connection, request_body, throughput
from graph_service.audit import AuditEvent
from graph_service.cli.serve_cmd import SERVE_OPTIONS
from graph_service.domain.model import Relation
from graph_service.store.memory import MemoryStore

_FLOOR_BODY = {
    "items": [{"id": f"{i:018d}", "name": "某某有限公司", "kind": "organization"} for i in range(48)]
}


def floor_app() -> FastAPI:
    """The minimal endpoint: parse a small JSON body, answer ~3 KB of JSON."""
    app = FastAPI()

    @app.post("/floor")
    async def floor(body: dict[str, Any]) -> OrjsonResponse:
        return OrjsonResponse(_FLOOR_BODY)

    return app


class FloorServer:
    """:func:`floor_app` under uvicorn with :data:`SERVE_OPTIONS`, on a free loopback port."""

    def __init__(self) -> None:
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> FloorServer:
        options = [f"--{name}={value}" for name, value in SERVE_OPTIONS.items()]
        self._process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "benchmarks.http_floor:floor_app", "--factory", *options]
            + ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning", "--no-access-log"],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                _post(http.client.HTTPConnection("127.0.0.1", self.port, timeout=5), "/floor", b"{}", {})
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the floor server did not start within 60 s")

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=30)


def _post(conn: http.client.HTTPConnection, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json", **headers})
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"POST {path}: {response.status} {data[:300]!r}")
    return data


def http_overhead(
    api_port: int, api_key: str, subjects: list[str], depth: int, as_of: dt.date, rounds: int = 3
) -> dict[str, Any]:
    """The minimal endpoint and ``POST /v1/checks``, interleaved request by request, ``rounds`` times."""
    with FloorServer() as floor:
        api = http.client.HTTPConnection("127.0.0.1", api_port, timeout=60)
        bare = http.client.HTTPConnection("127.0.0.1", floor.port, timeout=60)
        floor_body = json.dumps(request_body(subjects[0], depth, as_of)).encode()
        bodies = [json.dumps(request_body(s, depth, as_of)).encode() for s in subjects]
        key = {"X-API-Key": api_key}
        for body in bodies[:50]:  # warm-up
            _post(api, "/v1/checks", body, key)
            _post(bare, "/floor", floor_body, {})
        per_round: list[dict[str, dict[str, float]]] = []
        for _ in range(rounds):
            ours, floors = [], []
            for body in bodies:
                started = time.perf_counter()
                _post(bare, "/floor", floor_body, {})
                floors.append(time.perf_counter() - started)
                started = time.perf_counter()
                _post(api, "/v1/checks", body, key)
                ours.append(time.perf_counter() - started)
            per_round.append({"floor": summarize_ms(floors), "check": summarize_ms(ours)})
        api.close()
        bare.close()
    return {
        "rounds": rounds,
        "subjects": len(subjects),
        "floor": _median_of(per_round, "floor"),
        "check": _median_of(per_round, "check"),
        "load_average": list(os.getloadavg()),
    }


def throughput_floor(
    subjects: list[str], depth: int, as_of: dt.date, clients: int, seconds: float
) -> dict[str, Any]:
    """The minimal endpoint under the load our throughput figure puts on the API: the same bodies, the
    same number of keep-alive ``http.client`` connections, one thread each, for ``seconds``."""
    with FloorServer() as floor:
        return throughput(
            lambda: Connection(floor.port), subjects, depth, as_of, clients, seconds, path="/floor"
        )


def _median_of(rounds: list[dict[str, dict[str, float]]], name: str) -> dict[str, float]:
    keys = rounds[0][name].keys()
    return {k: sorted(r[name][k] for r in rounds)[len(rounds) // 2] for k in keys}


def raw_walk_floor(store: MemoryStore, subjects: list[str], depth: int, as_of: dt.date) -> dict[str, float]:
    """p50 etc. of a bare ids-only breadth-first walk over a dict of the store's relations."""
    adjacency: dict[str, list[tuple[str, Relation]]] = defaultdict(list)
    for record in store.dump():
        if isinstance(record, Relation):
            adjacency[record.source_id].append((record.target_id, record))
            adjacency[record.target_id].append((record.source_id, record))
    timings = []
    for subject_id in subjects:
        started = time.perf_counter()
        seen = {subject_id}
        frontier = [subject_id]
        for _ in range(depth):
            nxt = []
            for node in frontier:
                for other, relation in adjacency.get(node, ()):
                    if other not in seen and relation.valid_on(as_of):
                        seen.add(other)
                        nxt.append(other)
            frontier = nxt
        timings.append(time.perf_counter() - started)
    return summarize_ms(timings)


def fsync_floor(directory: Path, count: int = 200) -> dict[str, float]:
    """``fdatasync`` of a 300-byte append, ``count`` times, in ``directory``'s file system."""
    directory.mkdir(parents=True, exist_ok=True)
    timings = []
    with tempfile.NamedTemporaryFile(dir=directory) as handle:
        for _ in range(count):
            os.write(handle.fileno(), b"x" * 299 + b"\n")
            started = time.perf_counter()
            os.fdatasync(handle.fileno())
            timings.append(time.perf_counter() - started)
    return summarize_ms(timings)


def check_event(
    n: int, subject_id: str = "91430923MA4L2B3C1J", as_of: dt.date = dt.date(2026, 1, 1)
) -> AuditEvent:
    """The ``n``-th benchmark check's audit event, shaped as the route records a check (its own request id
    and check id)."""
    return Caller(name="bench", role="approval", request_id=f"bench-{n}").event(
        "check",
        subject_id=subject_id,
        scenario="bidding",
        verdict="pass",
        entry_ids=[f"430923-E-{n:06d}"],
        data_version=1,
        detail={"check_id": f"{n:032x}", "as_of": as_of.isoformat(), "hits": 0},
    )


def audit_costs(directory: Path, count: int = 300, clients: int = 8) -> dict[str, Any]:
    """What a check's audit costs it, enqueue and wait measured apart.

    * ``record``: building the check's event and queueing it (CPU on the check path; the route's own
      event builder, so the figure includes what a check really records);
    * ``record_and_durable``: that plus waiting until it is durable, one caller at a time (every wait is
      a whole flush: the latency a lone request pays);
    * ``concurrent``: ``clients`` threads recording and waiting at once, as the 8-client throughput run
      does: the flushes are shared (``events_per_flush``), so the wait overlaps other requests' work;
    * ``route_lone``: what a lone embedded check pays as ``/v1/checks`` records it, one coroutine at a
      time on an event loop through :meth:`~graph_service.audit.base.AuditLog.record_durably` (the
      record written on the loop, no writer-thread wake-ups).
    """
    import asyncio
    import threading

    from graph_service.audit import FileAuditLog

    event = check_event

    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        log = FileAuditLog(Path(tmp) / "audit.jsonl")
        try:
            record, durable = [], []
            for n in range(count):
                started = time.perf_counter()
                ticket = log.record(event(n))
                recorded = time.perf_counter()
                log.wait_durable(ticket)
                record.append(recorded - started)
                durable.append(time.perf_counter() - started)

            async def lone_requests() -> list[float]:
                spent = []
                for n in range(count):
                    started = time.perf_counter()
                    await log.record_durably(event(count + n))
                    spent.append(time.perf_counter() - started)
                return spent

            route_lone = asyncio.run(lone_requests())
            flushes = _Flushes(log)
            waits: list[float] = []
            lock = threading.Lock()

            def client(offset: int) -> None:
                mine = []
                for n in range(offset + 2 * count, offset + 3 * count):
                    started = time.perf_counter()
                    log.wait_durable(log.record(event(n)))
                    mine.append(time.perf_counter() - started)
                with lock:
                    waits.extend(mine)

            threads = [threading.Thread(target=client, args=(c * count,)) for c in range(clients)]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.perf_counter() - began
            concurrent = {
                "clients": clients,
                **summarize_ms(waits),
                "events_per_s": len(waits) / seconds,
                "events_per_flush": len(waits) / max(1, flushes.count),
            }
        finally:
            log.close()
    return {
        "record": summarize_ms(record),
        "record_and_durable": summarize_ms(durable),
        "route_lone": summarize_ms(route_lone),
        "concurrent": concurrent,
    }


class _Flushes:
    """Counts the batches a log writes from now on (one fdatasync each)."""

    def __init__(self, log: Any) -> None:
        self.count = 0
        write = log._write_batch  # benchmark-only instrumentation of the writer

        def counted(events: Any) -> None:
            write(events)
            self.count += 1

        log._write_batch = counted
