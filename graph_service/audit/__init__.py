"""The audit log: who asked what about whom, and what they were told, in a tamper-evident hash chain.

``open_audit_log(settings, store)`` picks the implementation that lives next to the store: Neo4j records
beside a Neo4j store, ``<data_dir>/audit.jsonl`` beside an embedded store with a data dir, and a list in
memory beside an embedded store without one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from graph_service.audit.base import AuditLog, BatchingAuditLog
from graph_service.audit.file import FileAuditLog, MemoryAuditLog
from graph_service.audit.model import AuditEvent, AuditFilter, AuditRecord, VerifyResult
from graph_service.config import Settings
from graph_service.store.base import GraphStore

if TYPE_CHECKING:
    import neo4j

AUDIT_FILE_NAME = "audit.jsonl"

__all__ = [
    "AUDIT_FILE_NAME",
    "AuditEvent",
    "AuditFilter",
    "AuditLog",
    "AuditRecord",
    "BatchingAuditLog",
    "FileAuditLog",
    "MemoryAuditLog",
    "VerifyResult",
    "open_audit_log",
]

_UNKNOWN = object()


def open_audit_log(
    settings: Settings, store: GraphStore | None = None, *, read_only: bool = False
) -> AuditLog:
    """The audit log that belongs with ``store`` (or, without a store, with the configured backend).

    A Neo4j store lends its driver and database (attributes ``driver`` and ``database``); without one,
    Neo4j settings get a driver of the log's own, closed with it. ``read_only`` opens for query/verify
    only: no writer thread, no file lock, no schema changes.
    """
    driver = getattr(store, "driver", None)
    if driver is not None or (store is None and settings.uses_neo4j):
        from graph_service.audit.neo4j import Neo4jAuditLog

        if driver is not None:
            database = str(getattr(store, "database", settings.neo4j_database))
            return Neo4jAuditLog(driver, database, read_only=read_only)
        own = _own_driver(settings)
        return Neo4jAuditLog(own, settings.neo4j_database, owns_driver=True, read_only=read_only)
    data_dir = _data_dir_of(store, settings)
    if data_dir is None:
        return MemoryAuditLog()
    return FileAuditLog(data_dir / AUDIT_FILE_NAME, read_only=read_only)


def _data_dir_of(store: GraphStore | None, settings: Settings) -> Path | None:
    """The embedded store's data dir (None = it keeps nothing on disk); the configured one if unknown."""
    if store is None:
        return settings.data_dir
    # A public ``data_dir`` wins; MemoryStore currently keeps its directory as ``_dir`` (None in tests).
    for attr in ("data_dir", "_dir"):
        found = getattr(store, attr, _UNKNOWN)
        if found is not _UNKNOWN:
            return None if found is None else Path(str(found))
    return settings.data_dir


def _own_driver(settings: Settings) -> neo4j.Driver:
    import neo4j

    assert settings.neo4j_uri is not None and settings.neo4j_password is not None  # enforced by Settings
    return neo4j.GraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
        connection_timeout=settings.neo4j_timeout_s,
    )
