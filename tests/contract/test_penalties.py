"""Administrative penalty records: identity, idempotence, refusal, order, and moves on resolve."""

from __future__ import annotations

import datetime as dt

import pytest

from graph_service.domain.penalty import PenaltySubjectCategory
from graph_service.errors import NotFound
from graph_service.store.base import GraphStore
from tests.contract.builders import make_penalty, seed
from tests.factories import make_org, make_person, make_unresolved_person


def test_penalties_are_created_then_unchanged_then_updated_by_decision_and_subject(store: GraphStore) -> None:
    seed(store, org_numbers=[1])
    penalty = make_penalty("测市监罚〔2023〕7号", make_org(1))

    first = store.upsert_penalties([penalty])
    same = store.upsert_penalties([penalty])
    raised = store.upsert_penalties([penalty.model_copy(update={"fine_amount": 5.0})])

    assert (first.created, first.updated, first.unchanged) == (1, 0, 0), first
    assert (same.created, same.updated, same.unchanged) == (0, 0, 1), same
    assert (raised.created, raised.updated, raised.unchanged) == (0, 1, 0), raised
    stored = store.penalties_for([make_org(1).uscc])
    assert [(p.key, p.fine_amount) for p in stored] == [(penalty.key, 5.0)], stored


def test_a_stored_penalty_reads_back_equal_in_every_field(store: GraphStore) -> None:
    seed(store, person_numbers=[1])
    penalty = make_penalty(
        "测应急罚〔2023〕3号",
        make_person(1),
        subject_category=PenaltySubjectCategory.NATURAL_PERSON,
        violation_type="未按规定佩戴安全帽",
        penalty_categories=("警告", "罚款"),
        confiscated_amount=0.3,
        valid_until=dt.date(2024, 6, 1),
        publish_until=dt.date(2023, 12, 1),
    )
    store.upsert_penalties([penalty])

    assert store.penalties_for([make_person(1).key]) == [penalty]


def test_one_decision_on_two_subjects_is_two_records_sorted_by_decision_then_subject(
    store: GraphStore,
) -> None:
    seed(store, org_numbers=[1, 2])
    rows = [
        make_penalty("B-2", make_org(1)),
        make_penalty("A-1", make_org(2)),
        make_penalty("A-1", make_org(1)),
    ]
    store.upsert_penalties(rows)

    stored = store.penalties_for([make_org(2).uscc, make_org(1).uscc, make_org(9).uscc])

    assert [(p.decision_number, p.subject_id) for p in stored] == [
        ("A-1", make_org(1).uscc),
        ("A-1", make_org(2).uscc),
        ("B-2", make_org(1).uscc),
    ], stored


def test_penalties_on_unknown_subjects_raise_not_found_and_write_nothing(store: GraphStore) -> None:
    seed(store, org_numbers=[1])
    version = store.data_version()

    with pytest.raises(NotFound) as caught:
        store.upsert_penalties(
            [
                make_penalty("A-1", make_org(1)),
                make_penalty("A-2", make_org(8)),
                make_penalty("A-3", make_person(8)),
            ]
        )

    assert make_org(8).uscc in str(caught.value) and make_person(8).key in str(caught.value), caught.value
    assert store.penalties_for([make_org(1).uscc]) == []
    assert store.data_version() == version


def test_resolving_a_person_moves_their_penalties(store: GraphStore) -> None:
    ghost = make_unresolved_person(make_org(1), "钱七")
    seed(store, org_numbers=[1])
    store.upsert_persons([ghost])
    store.upsert_penalties(
        [make_penalty("A-1", ghost, subject_category=PenaltySubjectCategory.NATURAL_PERSON)]
    )
    real = make_person(1, name="钱七")

    store.resolve_person(ghost.key, real)

    assert [p.subject_id for p in store.penalties_for([real.key])] == [real.key]
    assert store.penalties_for([ghost.key]) == []


def test_clear_deletes_penalties(store: GraphStore) -> None:
    seed(store, org_numbers=[1])
    store.upsert_penalties([make_penalty("A-1", make_org(1))])
    assert store.counts()["penalties"] == 1, store.counts()

    store.clear()

    assert store.penalties_for([make_org(1).uscc]) == []
    assert store.counts().get("penalties", 0) == 0, store.counts()
