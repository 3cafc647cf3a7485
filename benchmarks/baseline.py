"""PostgreSQL baseline: a throw-away cluster, the registry COPYed in, the check's walk as a recursive CTE."""

from __future__ import annotations

import datetime as dt
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from benchmarks.baseline_sql import BUILD, RAW_TABLES, RELATED_HITS, raw_table
from benchmarks.server import free_port
from benchmarks.stats import summarize_ms


def postgres_bin(name: str) -> str | None:
    """A PostgreSQL binary from Debian's versioned directory (newest first), else from PATH."""
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return shutil.which(name)


def postgres_available() -> bool:
    return all(postgres_bin(name) for name in ("initdb", "pg_ctl", "postgres"))


class PostgresCluster:
    """initdb into a temp dir, pg_ctl start on 127.0.0.1:<free port>; stopped and removed on exit.

    PostgreSQL refuses to run as root, so as root the cluster belongs to the ``postgres`` user and its
    commands run through ``runuser``.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="bench-pg-"))
        self._as_user: list[str] = []
        self.version: str | None = None

    def _run(self, *args: str) -> str:
        done = subprocess.run(
            [*self._as_user, *args], capture_output=True, text=True, check=False, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done.stdout

    def __enter__(self) -> PostgresCluster:
        initdb, pg_ctl, postgres = (postgres_bin(n) for n in ("initdb", "pg_ctl", "postgres"))
        if not (initdb and pg_ctl and postgres):
            raise RuntimeError("PostgreSQL server binaries not found: apt-get install -y postgresql")
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.directory, user.pw_uid, user.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self.version = self._run(postgres, "--version").strip()
        data = self.directory / "data"
        self._run(initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.directory} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c shared_buffers=1GB -c work_mem=64MB -c maintenance_work_mem=512MB"
        )
        try:
            self._run(
                pg_ctl, "-D", str(data), "-o", options, "-l", str(self.directory / "log"), "-w", "start"
            )
        except BaseException:
            shutil.rmtree(self.directory, ignore_errors=True)
            raise
        return self

    @property
    def conninfo(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        pg_ctl = postgres_bin("pg_ctl")
        try:
            if pg_ctl:
                self._run(pg_ctl, "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def load_registry(conninfo: str, registry: Path) -> dict[str, Any]:
    """COPY the CSVs into raw tables, build relation/edge/entry with indexes; rows and seconds."""
    import psycopg

    started = time.perf_counter()
    rows: dict[str, int] = {}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for file_name, columns in RAW_TABLES.items():
            table = raw_table(file_name)
            conn.execute(f"CREATE TABLE {table} ({', '.join(f'{c} text' for c in columns)})")
            with conn.cursor() as cur, (registry / file_name).open("rb") as source:
                with cur.copy(f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                    while chunk := source.read(1 << 20):
                        copy.write(chunk)
                rows[file_name] = cur.rowcount
        copied = time.perf_counter() - started
        conn.execute(BUILD)  # a fixed multi-statement script, no parameters
        edges = conn.execute("SELECT count(*) FROM edge").fetchone()
    seconds = time.perf_counter() - started
    total = sum(rows.values())
    return {
        "rows": rows,
        "copy_seconds": copied,
        "seconds": seconds,
        "records_per_s": total / seconds if seconds else 0.0,
        "edges": int(edges[0]) if edges else 0,
    }


def related_hits(
    conninfo: str, subjects: list[str], depth: int, as_of: dt.date, limit: int
) -> tuple[dict[str, float], dict[str, set[str]]]:
    """Run the CTE for each subject on one connection (prepared); latency summary and hit sets."""
    import psycopg

    timings: list[float] = []
    hits: dict[str, set[str]] = {}
    with psycopg.connect(conninfo, autocommit=True, prepare_threshold=0) as conn:
        for subject_id in subjects:
            params = {"subject": subject_id, "as_of": as_of, "depth": depth, "limit": limit}
            started = time.perf_counter()
            found = conn.execute(RELATED_HITS, params).fetchall()
            timings.append(time.perf_counter() - started)
            hits[subject_id] = {str(row[0]) for row in found}
    return summarize_ms(timings), hits


def compare_hits(ours: dict[str, set[str]], theirs: dict[str, set[str]]) -> dict[str, Any]:
    """Subjects whose hit sets differ, with both sets (first 20), and how many agreed."""
    mismatches = [
        {"subject_id": sid, "graph": sorted(ours[sid]), "postgres": sorted(theirs.get(sid, set()))}
        for sid in sorted(ours)
        if ours[sid] != theirs.get(sid, set())
    ]
    return {
        "compared": len(ours),
        "with_hits": sum(1 for s in ours.values() if s),
        "mismatches": len(mismatches),
        "examples": mismatches[:20],
    }
