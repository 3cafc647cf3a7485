"""The audit log: who asked what about whom, and what they were told, in a tamper-evident hash chain.

Each store backend opens the log that lives beside its data (:meth:`GraphStore.audit_log`): Neo4j records
in the same database, ``<data_dir>/audit.jsonl`` beside an embedded store with a data dir, and a list in
memory beside one without. The composition root (:mod:`graph_service.bootstrap`) asks the store for it.
"""

from __future__ import annotations

from graph_service.audit.base import AuditLog, BatchingAuditLog
from graph_service.audit.file import AUDIT_FILE_NAME, FileAuditLog, MemoryAuditLog
from graph_service.audit.model import AuditEvent, AuditFilter, AuditRecord, VerifyResult

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
]
