"""The records port: commitments (信用承诺), complaints (投诉、举报) and issued credit reports (信用报告).

Each record is a validated model stored whole, keyed by ``(kind, key)`` with a few copies kept for
filtering (subject, department, status). Writes are optimistic: a new record is version 1, a changed one
the stored version + 1, so two clerks acting on the same record at once cannot both win. Backends
implement two primitives, :meth:`RecordsPort._save_record` and :meth:`RecordsPort._find_records`; the typed
methods here are written once over them.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from graph_service.domain.commitments import Commitment, CommitmentStatus
from graph_service.domain.complaints import Complaint, ComplaintStatus
from graph_service.domain.reports import CreditReportRecord
from graph_service.errors import Conflict


class RecordKind(StrEnum):
    """Kinds of record this port keeps; also the allow-list of the stored ``kind`` property."""

    COMMITMENT = "commitment"
    COMPLAINT = "complaint"
    REPORT = "report"


@dataclass(frozen=True)
class RecordRow:
    """One stored record: the model as JSON in ``doc``, the rest copies for filtering and versioning."""

    kind: RecordKind
    key: str
    version: int
    doc: str
    subject_id: str | None = None
    department: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class RecordQuery:
    """Which records to find: of one kind, optionally by key, subject, department and statuses."""

    kind: RecordKind
    key: str | None = None
    subject_id: str | None = None
    department: str | None = None
    statuses: frozenset[str] | None = None


def require_next_version(row: RecordRow, stored_version: int | None) -> None:
    """``Conflict`` unless ``row`` is new at version 1 or the stored version + 1 (every backend calls it)."""
    expected = 1 if stored_version is None else stored_version + 1
    if row.version != expected:
        state = "is not stored" if stored_version is None else f"is stored at version {stored_version}"
        raise Conflict(
            f"{row.kind.value} {row.key!r} {state}; version {row.version} cannot be written "
            f"(expected {expected}): read it again and retry"
        )


class RecordsPort(abc.ABC):
    """Commitments, complaints and credit report records, in the same durable place as the graph."""

    # ---- commitments --------------------------------------------------------------------------------

    def save_commitment(self, commitment: Commitment) -> None:
        """Create (version 1) or replace (stored version + 1) a commitment; ``Conflict`` otherwise."""
        self._save_record(
            RecordRow(
                RecordKind.COMMITMENT,
                commitment.commitment_id,
                commitment.version,
                commitment.model_dump_json(),
                subject_id=commitment.subject_id,
                department=commitment.department,
                status=commitment.status.value,
            )
        )

    def get_commitments(
        self,
        *,
        subject_id: str | None = None,
        commitment_id: str | None = None,
        statuses: Iterable[CommitmentStatus] | None = None,
    ) -> list[Commitment]:
        """Commitments of one subject and/or with one id and/or in ``statuses`` (None = any), by id."""
        docs = self._find_records(
            RecordQuery(
                RecordKind.COMMITMENT,
                key=commitment_id,
                subject_id=subject_id,
                statuses=None if statuses is None else frozenset(s.value for s in statuses),
            )
        )
        return [Commitment.model_validate_json(doc) for doc in docs]

    # ---- complaints ---------------------------------------------------------------------------------

    def save_complaint(self, complaint: Complaint) -> None:
        """Create (version 1) or replace (stored version + 1) a complaint; ``Conflict`` otherwise."""
        self._save_record(
            RecordRow(
                RecordKind.COMPLAINT,
                complaint.complaint_id,
                complaint.version,
                complaint.model_dump_json(),
                subject_id=complaint.subject_id,
                department=complaint.department,
                status=complaint.status.value,
            )
        )

    def get_complaints(
        self,
        *,
        complaint_id: str | None = None,
        department: str | None = None,
        statuses: Iterable[ComplaintStatus] | None = None,
    ) -> list[Complaint]:
        """Complaints with one id and/or routed to one department and/or in ``statuses``, by id."""
        docs = self._find_records(
            RecordQuery(
                RecordKind.COMPLAINT,
                key=complaint_id,
                department=department,
                statuses=None if statuses is None else frozenset(s.value for s in statuses),
            )
        )
        return [Complaint.model_validate_json(doc) for doc in docs]

    # ---- credit reports -----------------------------------------------------------------------------

    def save_report(self, report: CreditReportRecord) -> None:
        """Record an issued report; ``Conflict`` if its number is taken (a record is never replaced)."""
        self._save_record(
            RecordRow(
                RecordKind.REPORT,
                report.report_no,
                report.version,
                report.model_dump_json(),
                subject_id=report.subject_id,
            )
        )

    def get_report(self, report_no: str) -> CreditReportRecord | None:
        """The record of one issued report, or None."""
        docs = self._find_records(RecordQuery(RecordKind.REPORT, key=report_no))
        return CreditReportRecord.model_validate_json(docs[0]) if docs else None

    # ---- the backend's primitives -------------------------------------------------------------------

    @abc.abstractmethod
    def _save_record(self, row: RecordRow) -> None:
        """Write ``row`` in one transaction after :func:`require_next_version` on the stored version
        (read under the record's write lock); nothing is written when it refuses."""

    @abc.abstractmethod
    def _find_records(self, query: RecordQuery) -> list[str]:
        """The ``doc`` of every record matching ``query`` (every given filter), by key."""
