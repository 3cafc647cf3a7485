"""The embedded store's records (commitments, complaints, issued reports): one operation and its plan.

``record`` operation: ``row`` holds a :class:`~graph_service.store.records_port.RecordRow` (the model as
JSON in ``doc``) — create or replace by ``(kind, key)``. Planned like every other write: the version is
checked against the state first, then the operation is journaled and applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from graph_service.store.records_port import RecordKind, RecordQuery, RecordRow, require_next_version

RECORD_TAG = "record"


@dataclass(frozen=True, slots=True)
class PutRecord:
    row: RecordRow


def encode_record(op: PutRecord) -> dict[str, Any]:
    return {"op": RECORD_TAG, "row": asdict(op.row) | {"kind": op.row.kind.value}}


def decode_record(data: Mapping[str, Any]) -> PutRecord:
    row = dict(data["row"])
    return PutRecord(
        RecordRow(
            kind=RecordKind(row["kind"]),
            key=str(row["key"]),
            version=int(row["version"]),
            doc=str(row["doc"]),
            subject_id=row.get("subject_id"),
            department=row.get("department"),
            status=row.get("status"),
        )
    )


def plan_record(records: Mapping[tuple[RecordKind, str], RecordRow], row: RecordRow) -> list[PutRecord]:
    """The operation writing ``row``; ``Conflict`` unless it is the next version of what is stored."""
    stored = records.get((row.kind, row.key))
    require_next_version(row, None if stored is None else stored.version)
    return [PutRecord(row)]


def find_records(records: Mapping[tuple[RecordKind, str], RecordRow], query: RecordQuery) -> list[str]:
    """Docs of the records matching ``query``, by key."""
    if query.key is not None:
        one = records.get((query.kind, query.key))
        candidates = [one] if one is not None else []
    else:
        candidates = [row for (kind, _), row in records.items() if kind is query.kind]
    found = [
        row
        for row in candidates
        if (query.subject_id is None or row.subject_id == query.subject_id)
        and (query.department is None or row.department == query.department)
        and (query.statuses is None or row.status in query.statuses)
    ]
    return [row.doc for row in sorted(found, key=lambda row: row.key)]
