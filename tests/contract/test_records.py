"""The records port on both backends: commitments, complaints and issued reports, versioned alike."""

from __future__ import annotations

import datetime as dt

import pytest

from graph_service.domain.commitments import Commitment, CommitmentKind, CommitmentStatus, confirm
from graph_service.domain.complaints import Complaint, ComplaintKind, ComplaintStatus
from graph_service.domain.reports import CreditReportRecord, ReportFormat
from graph_service.errors import Conflict
from graph_service.store.base import GraphStore
from tests.factories import make_org

ORG = make_org(1)
OTHER = make_org(2)


def _deferred(commitment_id: str, subject_id: str = ORG.uscc) -> Commitment:
    return Commitment(
        commitment_id=commitment_id,
        subject_id=subject_id,
        kind=CommitmentKind.DEFERRED_MATERIALS,
        text="承诺在规定期限内补齐消防验收意见书",
        department="县行政审批服务局",
        materials=("消防验收意见书",),
        signed_on=dt.date(2026, 3, 1),
        due_on=dt.date(2026, 3, 31),
    )


def test_a_commitment_is_stored_and_found_by_subject_id_and_status(store: GraphStore) -> None:
    store.save_commitment(_deferred("CM-2"))
    store.save_commitment(_deferred("CM-1"))
    store.save_commitment(_deferred("CM-3", subject_id=OTHER.uscc))
    assert [c.commitment_id for c in store.get_commitments(subject_id=ORG.uscc)] == ["CM-1", "CM-2"]
    assert store.get_commitments(commitment_id="CM-3")[0].subject_id == OTHER.uscc
    assert store.get_commitments(statuses=[CommitmentStatus.MET]) == []
    assert len(store.get_commitments(statuses=[CommitmentStatus.PENDING])) == 3


def test_a_commitment_changes_only_at_its_next_version(store: GraphStore) -> None:
    first = _deferred("CM-1")
    store.save_commitment(first)
    with pytest.raises(Conflict):
        store.save_commitment(first)  # version 1 again: taken
    met = confirm(first, day=dt.date(2026, 3, 20), by="县行政审批服务局")
    store.save_commitment(met)
    with pytest.raises(Conflict):
        store.save_commitment(met)  # a stale writer of the same version loses
    assert store.get_commitments(commitment_id="CM-1") == [met]
    assert store.get_commitments(statuses=[CommitmentStatus.MET]) == [met]


def test_a_complaint_is_found_by_department_and_status(store: GraphStore) -> None:
    received = Complaint(
        complaint_id="C-1",
        kind=ComplaintKind.REPORT,
        text="该企业无证经营",
        subject_id=ORG.uscc,
        received_at=dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC),
    )
    store.save_complaint(received)
    routed = received.model_copy(
        update={"status": ComplaintStatus.ROUTED, "department": "县市场监管局", "version": 2}
    )
    store.save_complaint(routed)
    assert store.get_complaints(department="县市场监管局") == [routed]
    assert store.get_complaints(statuses=[ComplaintStatus.RECEIVED]) == []
    assert store.get_complaints(complaint_id="C-1") == [routed]


def test_a_report_record_is_never_replaced(store: GraphStore) -> None:
    record = CreditReportRecord(
        report_no="CR-20260401-0001",
        subject_id=ORG.uscc,
        subject_name=ORG.name,
        as_of=dt.date(2026, 4, 1),
        data_version=7,
        digest="0" * 64,
        issued_by="county-approvals",
        issued_at=dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC),
        masked=True,
        format=ReportFormat.PDF,
    )
    store.save_report(record)
    with pytest.raises(Conflict):
        store.save_report(record.model_copy(update={"digest": "1" * 64}))
    assert store.get_report("CR-20260401-0001") == record
    assert store.get_report("CR-missing") is None


def test_records_are_gone_after_clear(store: GraphStore) -> None:
    store.save_commitment(_deferred("CM-1"))
    store.clear()
    assert store.get_commitments() == []
