"""The embedded store keeps commitments, complaints and reports across a restart (journal and snapshot)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from graph_service.domain.commitments import Commitment, CommitmentKind, CommitmentStatus
from graph_service.store.memory import MemoryStore
from tests.factories import make_org

ORG = make_org(1)
PROMISE = Commitment(
    commitment_id="CM-1",
    subject_id=ORG.uscc,
    kind=CommitmentKind.GENERAL,
    status=CommitmentStatus.IN_FORCE,
    text="依法诚信经营，接受社会监督",
    department="县发改局",
    signed_on=dt.date(2026, 1, 5),
)


def test_a_commitment_survives_a_restart_from_the_journal(tmp_path: Path) -> None:
    with MemoryStore(tmp_path) as store:
        store.save_commitment(PROMISE)
    with MemoryStore(tmp_path) as store:
        assert store.get_commitments(subject_id=ORG.uscc) == [PROMISE]


def test_a_commitment_survives_compaction(tmp_path: Path) -> None:
    with MemoryStore(tmp_path) as store:
        store.save_commitment(PROMISE)
        store.compact()
    with MemoryStore(tmp_path) as store:
        assert store.get_commitments(commitment_id="CM-1") == [PROMISE]
