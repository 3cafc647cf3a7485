"""Transaction functions of the records port: commitments, complaints and issued credit reports.

Records are ``:WorkflowRecord`` nodes (as tasks and disputes are) keyed by ``(kind, key)``, the model as
JSON in ``doc`` and copies of ``subject_id``, ``department``, ``status`` and ``version`` for filtering.
One managed transaction per call; the version is read under the node's write lock before anything is
written, so a refused write leaves nothing behind (the same check the embedded store makes).
"""

from __future__ import annotations

from neo4j import ManagedTransaction

from cypher import query
from graph_service.store.neo4j import writes
from graph_service.store.records_port import RecordQuery, RecordRow, require_next_version


def save_record(tx: ManagedTransaction, row: RecordRow) -> None:
    """Write ``row`` if it is the next version of the stored record (``Conflict`` otherwise)."""
    found = tx.run(query("lock_record"), kind=row.kind.value, key=row.key).single()
    require_next_version(row, None if found is None else int(found["version"]))
    tx.run(
        query("create_record" if found is None else "put_record"),
        kind=row.kind.value,
        key=row.key,
        subject_id=row.subject_id,
        department=row.department,
        status=row.status,
        version=row.version,
        doc=row.doc,
    ).consume()
    writes.bump_data_version(tx)


def find_records(tx: ManagedTransaction, q: RecordQuery) -> list[str]:
    """Docs of the records matching ``q``, by key."""
    result = tx.run(
        query("get_records"),
        kind=q.kind.value,
        key=q.key,
        subject_id=q.subject_id,
        department=q.department,
        statuses=None if q.statuses is None else sorted(q.statuses),
    )
    return [str(record["doc"]) for record in result]
