"""What must be on the machine before the server can run: a Java 17+ and the Neo4j jars."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from graph_service.neo4j_local.errors import PrerequisiteMissing
from graph_service.neo4j_local.options import LaunchOptions

MIN_JAVA = 17
_JAVA_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def find_java(java: str) -> str:
    """The absolute path of a Java 17+ executable, or :class:`PrerequisiteMissing` saying what to install."""
    path = shutil.which(java)
    if path is None:
        raise PrerequisiteMissing(
            f"Java {MIN_JAVA} or 21 is needed to run Neo4j 5.26, but {java!r} was not found "
            "(install a JDK, e.g. `apt-get install openjdk-17-jre-headless`, or set GRAPH_SERVICE_NEO4J_JAVA)"
        )
    version = java_major_version(path)
    if version < MIN_JAVA:
        raise PrerequisiteMissing(f"Neo4j 5.26 needs Java {MIN_JAVA} or 21, but {path} is Java {version}")
    return path


def java_major_version(java: str) -> int:
    """The major version ``java -version`` reports (``1.8.0`` counts as 8)."""
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PrerequisiteMissing(f"could not run {java} -version: {exc}") from exc
    match = _JAVA_VERSION.search(done.stderr + done.stdout)
    if match is None:
        raise PrerequisiteMissing(
            f"could not read the Java version from {java} -version: {done.stderr.strip()!r}"
        )
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def has_jars(lib_dir: Path) -> bool:
    return lib_dir.is_dir() and any(lib_dir.glob("neo4j-*.jar"))


def ensure_jars(options: LaunchOptions, echo: Callable[[str], None]) -> None:
    """Fill ``options.lib_dir`` from Maven Central unless it already holds the jars.

    Maven writes into a sibling ``.partial`` directory that is renamed only when the copy succeeded, so
    an interrupted download is never mistaken for a complete lib dir by the next start.
    """
    if has_jars(options.lib_dir):
        return
    if not options.pom.is_file():
        raise PrerequisiteMissing(
            f"the Neo4j jars are missing from {options.lib_dir} and the Maven descriptor {options.pom} "
            "does not exist (run from the repository root or set GRAPH_SERVICE_NEO4J_POM)"
        )
    if options.lib_dir.exists() and any(options.lib_dir.iterdir()):
        # Never delete someone else's files: a non-empty directory without Neo4j jars is a mistake to report.
        raise PrerequisiteMissing(
            f"{options.lib_dir} holds files but no Neo4j jars; point GRAPH_SERVICE_NEO4J_LIB_DIR at the jars "
            "or at an empty or missing directory to download them into"
        )
    mvn = shutil.which("mvn")
    if mvn is None:
        raise PrerequisiteMissing(
            f"the Neo4j jars are missing from {options.lib_dir} and Maven (`mvn`) is not installed to fetch "
            "them (install maven, or copy the jars there)"
        )
    partial = options.lib_dir.with_name(options.lib_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    echo(f"Downloading the Neo4j jars with Maven into {options.lib_dir} (once; ~125 MB) ...")
    command = [
        mvn,
        "-q",
        "-B",
        "-f",
        str(options.pom),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={partial}",
    ]
    # Captured, and shown only on failure: Maven's quiet mode still writes terminal colour codes.
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not has_jars(partial):
        shutil.rmtree(partial, ignore_errors=True)
        output = _ANSI.sub("", done.stdout + done.stderr).strip().splitlines()[-30:]
        raise PrerequisiteMissing(
            f"Maven could not download the Neo4j jars (exit code {done.returncode}); "
            f"command: {' '.join(command)}\n" + "\n".join(output)
        )
    if options.lib_dir.exists():
        options.lib_dir.rmdir()  # checked empty above
    partial.rename(options.lib_dir)
    echo(f"Neo4j jars ready: {sum(1 for _ in options.lib_dir.glob('*.jar'))} jars in {options.lib_dir}")
