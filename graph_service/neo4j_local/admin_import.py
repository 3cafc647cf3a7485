"""``neo4j-admin database import full`` for a local home, run from the jars like the server itself.

The importer writes a new store for one database offline, so the server must be stopped; it replaces
whatever that database held (``--overwrite-destination``). Whether replacing is allowed (the database is
empty) is for the caller to decide: :mod:`graph_service.store.neo4j.bulk_import` checks it before it gets
here.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from graph_service.neo4j_local.conf import ADMIN_MAIN, JVM_FLAGS, admin_environment
from graph_service.neo4j_local.errors import LauncherError
from graph_service.neo4j_local.options import LaunchOptions
from graph_service.neo4j_local.prereqs import find_java
from graph_service.store.neo4j.import_files import ARRAY_DELIMITER

DATABASE = "neo4j"
_TAIL_LINES = 30


@dataclass(frozen=True)
class AdminImportResult:
    """How long the importer ran and the summary it printed (counts, peak memory)."""

    seconds: float
    summary: str


def import_command(
    options: LaunchOptions, java: str, file_args: list[str], *, multiline: bool, report_file: Path
) -> list[str]:
    """The java command line of ``neo4j-admin database import full`` into :data:`DATABASE`.

    Strict: a relationship to a missing node or a duplicate ID fails the import (``--bad-tolerance=0``,
    ``--strict``) — the files come from validated rows, so a bad entry means a bug, not bad input. The
    importer's off-heap memory is capped at the page-cache setting, as the server would use.
    """
    return [
        java,
        f"-Xmx{options.heap}",
        *(flag for flag in JVM_FLAGS if flag.startswith("--add-opens")),
        "-cp",
        f"{options.lib_dir}/*",
        ADMIN_MAIN,
        "database",
        "import",
        "full",
        DATABASE,  # before the file options: they take several values each
        "--overwrite-destination=true",
        "--bad-tolerance=0",
        "--strict=true",
        "--skip-duplicate-nodes=false",
        "--skip-bad-relationships=false",
        f"--array-delimiter=U+{ord(ARRAY_DELIMITER):04X}",
        f"--multiline-fields={'true' if multiline else 'false'}",
        f"--max-off-heap-memory={options.pagecache}",
        f"--report-file={report_file}",
        *file_args,
    ]


def run_import(
    options: LaunchOptions, file_args: list[str], *, multiline: bool, report_file: Path
) -> AdminImportResult:
    """Run the importer (the server must be stopped); ``LauncherError`` with its output if it fails."""
    if not options.conf_file.is_file():
        raise LauncherError(f"no {options.conf_file}: start the server once so the home is initialised")
    command = import_command(
        options, find_java(options.java), file_args, multiline=multiline, report_file=report_file
    )
    began = time.monotonic()
    done = subprocess.run(
        command, env=admin_environment(options), capture_output=True, text=True, timeout=6 * 3600, check=False
    )
    seconds = time.monotonic() - began
    output = (done.stdout + done.stderr).strip().splitlines()
    if done.returncode != 0:
        tail = "\n".join(output[-_TAIL_LINES:])
        raise LauncherError(f"neo4j-admin database import failed (exit code {done.returncode}):\n{tail}")
    start = next((i for i, line in enumerate(output) if line.startswith("IMPORT DONE")), len(output))
    return AdminImportResult(seconds, "\n".join(output[start:]))
