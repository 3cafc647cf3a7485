"""What the launcher needs to know, resolved once from :class:`~graph_service.config.Settings`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from graph_service.config import Settings
from graph_service.neo4j_local.errors import LauncherError

# Neo4j refuses shorter passwords (dbms.security.auth_minimum_password_length defaults to 8).
MIN_PASSWORD_LENGTH = 8
PASSWORD_ENV = "GRAPH_SERVICE_NEO4J_PASSWORD"
# `neo4j-admin dbms set-initial-password` sets this built-in user's password; the local server has no other.
ADMIN_USER = "neo4j"


@dataclass(frozen=True)
class LaunchOptions:
    """One local server: where it lives, which jars run it, how it listens and how big it is.

    Paths are made absolute on construction so that the pid check (which compares the server's
    ``--home-dir``) does not depend on the working directory of a later ``stop``.
    """

    home: Path
    lib_dir: Path
    bolt_port: int = 7687
    http_port: int | None = None
    heap: str = "512m"
    pagecache: str = "256m"
    password: str | None = field(default=None, repr=False)
    start_timeout_s: float = 120.0
    stop_timeout_s: float = 60.0
    java: str = "java"
    pom: Path = Path("tools/neo4j/pom.xml")

    def __post_init__(self) -> None:
        object.__setattr__(self, "home", self.home.expanduser().resolve())
        object.__setattr__(self, "lib_dir", self.lib_dir.expanduser().resolve())
        object.__setattr__(self, "pom", self.pom.expanduser().resolve())

    @classmethod
    def from_settings(cls, settings: Settings) -> LaunchOptions:
        """Options for ``graph-service neo4j``; the lib dir defaults to ``<neo4j_home>/lib``."""
        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else None
        return cls(
            home=settings.neo4j_home,
            lib_dir=settings.neo4j_lib_dir or settings.neo4j_home / "lib",
            bolt_port=settings.neo4j_bolt_port,
            http_port=settings.neo4j_http_port,
            heap=settings.neo4j_heap,
            pagecache=settings.neo4j_pagecache,
            password=password or None,
            start_timeout_s=settings.neo4j_start_timeout_s,
            java=settings.neo4j_java,
            pom=settings.neo4j_pom,
        )

    # ---- the layout under home (Neo4j's own names, so its docs apply) -------------------------------
    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def conf_file(self) -> Path:
        return self.conf_dir / "neo4j.conf"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "neo4j.pid"

    @property
    def console_log(self) -> Path:
        """The JVM's own stdout/stderr (crashes before Neo4j's logging starts end up here)."""
        return self.logs_dir / "console.log"

    @property
    def neo4j_log(self) -> Path:
        return self.logs_dir / "neo4j.log"

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    def require_password(self) -> str:
        """The initial password, or a :class:`LauncherError` naming the variable to set."""
        if not self.password:
            raise LauncherError(
                f"{PASSWORD_ENV} is not set: the local Neo4j runs with authentication on and needs a "
                f"password (at least {MIN_PASSWORD_LENGTH} characters), "
                f"e.g. `export {PASSWORD_ENV}=choose-a-password`"
            )
        if len(self.password) < MIN_PASSWORD_LENGTH:
            raise LauncherError(
                f"{PASSWORD_ENV} is too short for Neo4j: it needs at least {MIN_PASSWORD_LENGTH} characters, "
                f"got {len(self.password)}"
            )
        return self.password
