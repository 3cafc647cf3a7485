"""A load's reads made ahead for a batch answer what the store answers, and again after a write."""

from __future__ import annotations

import datetime as dt

from graph_service.domain.model import CreditDomain, ListEntry, ListKind
from graph_service.services.workflow.batch_reads import BatchReads
from graph_service.store.base import GraphStore
from tests.contract.builders import DIRECTOR, LEGAL_REP, rel, seed
from tests.factories import make_org, make_person

START = dt.date(2020, 3, 1)


def _entry(entry_id: str, org: int, kind: ListKind = ListKind.BLACK, decided: int = 2025) -> ListEntry:
    return ListEntry(
        entry_id=entry_id,
        subject_id=make_org(org).uscc,
        list=kind,
        domain=CreditDomain.TAX,
        decided_on=dt.date(decided, 2, 1),
        initiating_dept="安化县税务局",
        source_region="430923",
    )


def _seeded(store: GraphStore) -> list[ListEntry]:
    """Organisations 1-3 (1 and 2 with role holders), two stored entries on 1; returns a batch of four
    entries: one stored, two new on 1 and 2 (one decided before its director's term), one on 3."""
    seed(
        store,
        org_numbers=[1, 2, 3],
        person_numbers=[1, 2],
        relations=[
            rel(LEGAL_REP, make_person(1), make_org(1), START),
            rel(DIRECTOR, make_person(2), make_org(2), dt.date(2022, 1, 1)),
        ],
    )
    store.upsert_entries([_entry("E-1", 1), _entry("E-2", 1, ListKind.RED)])
    return [_entry("E-1", 1), _entry("N-1", 1), _entry("N-2", 2, decided=2021), _entry("N-3", 3)]


def _answers(reads: BatchReads | GraphStore, batch: list[ListEntry]) -> list[object]:
    return [
        (
            reads.get_entries([e.entry_id]),
            reads.entries_for([e.subject_id]),
            reads.role_holders(e.subject_id, as_of=e.act_date),
        )
        for e in batch
    ]


def test_reads_made_ahead_answer_what_the_store_answers(store: GraphStore) -> None:
    batch = _seeded(store)
    reads = BatchReads(store)
    reads.read_ahead(batch)

    assert all(reads.knows(e) for e in batch)
    assert _answers(reads, batch) == _answers(store, batch)
    assert reads.get_entries(["E-1", "N-1", "E-2"]) == store.get_entries(["E-1", "N-1", "E-2"])
    assert reads.entries_for([make_org(1).uscc, make_org(2).uscc]) == store.entries_for(
        [make_org(1).uscc, make_org(2).uscc]
    )
    org = make_org(2).uscc
    assert reads.role_holders(org, as_of=None) == store.role_holders(org, as_of=None)


def test_what_a_write_touched_is_read_again_once_forgotten(store: GraphStore) -> None:
    batch = _seeded(store)
    reads = BatchReads(store)
    reads.read_ahead(batch)
    store.upsert_entries([_entry("N-1", 1)])

    reads.forget(["N-1", make_org(1).uscc])
    assert not reads.knows(batch[1]) and reads.knows(batch[2])
    reads.read_ahead(batch[1:])

    assert _answers(reads, batch) == _answers(store, batch)
    assert [e.entry_id for e in reads.entries_for([make_org(1).uscc])] == ["E-1", "E-2", "N-1"]
