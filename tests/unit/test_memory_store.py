"""Specifics of the embedded store that the cross-backend contract suite does not pin down."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from graph_service.domain.model import EntryStatus, RelationKind, StatusChange
from graph_service.domain.penalty import PenaltyRecord
from graph_service.domain.propagation import PersonalLink
from graph_service.errors import BackendUnavailable, InvalidInput
from graph_service.store.memory import MemoryStore
from graph_service.store.workflow_port import EntryStep
from tests.factories import make_entry, make_org, make_person, make_relation, make_unresolved_person

AT = dt.datetime(2025, 5, 1, 8, 0, tzinfo=dt.UTC)
ORG, OTHER_ORG = make_org(1), make_org(2, region="110105")
PERSON = make_person(1)
NAMED = make_unresolved_person(ORG, "张三")
RESOLVED = make_person(9, name="张三")


def populated(data_dir: Path | None) -> MemoryStore:
    """A store exercising every kind of write, including a resolved person and personal links."""
    store = MemoryStore(data_dir, clock=lambda: AT)
    store.upsert_organizations([ORG, OTHER_ORG])
    store.upsert_persons([PERSON, NAMED, RESOLVED])
    store.upsert_relations(
        [
            make_relation(RelationKind.LEGAL_REPRESENTATIVE, PERSON.key, ORG.uscc, dt.date(2020, 1, 1)),
            make_relation(RelationKind.DIRECTOR, NAMED.key, ORG.uscc),
            make_relation(RelationKind.DIRECTOR, RESOLVED.key, ORG.uscc),  # the same identity once resolved
            make_relation(RelationKind.SUPERVISOR, NAMED.key, OTHER_ORG.uscc, title="监事"),
            make_relation(RelationKind.SHAREHOLDER, OTHER_ORG.uscc, ORG.uscc, ratio=0.4),
        ]
    )
    store.upsert_entries([make_entry("E-1", ORG.uscc, responsible_person_ids=(NAMED.key,))])
    store.upsert_penalties(
        [
            PenaltyRecord(
                decision_number="P-1",
                subject_id=NAMED.key,
                subject_name="张三",
                decided_on=AT.date(),
                authority="县市场监督管理局",
            )
        ]
    )
    store.replace_links(
        {
            "E-1": [
                PersonalLink(person_id=NAMED.key, entry_id="E-1", org_id=ORG.uscc, responsible=True),
                PersonalLink(
                    person_id=RESOLVED.key, entry_id="E-1", org_id=ORG.uscc, roles=(RelationKind.DIRECTOR,)
                ),
            ]
        }
    )
    store.write_step(
        EntryStep(
            make_entry(
                "E-1", ORG.uscc, responsible_person_ids=(NAMED.key,), status=EntryStatus.DISPUTED, version=2
            ),
            StatusChange(
                entry_id="E-1",
                from_status=EntryStatus.ACTIVE,
                to_status=EntryStatus.DISPUTED,
                at=AT,
                actor="企业",
            ),
        )
    )
    store.resolve_person(NAMED.key, RESOLVED)
    return store


def everything(store: MemoryStore) -> tuple[object, ...]:
    keys = [ORG.uscc, OTHER_ORG.uscc, PERSON.key, NAMED.key, RESOLVED.key]
    return (
        store.get_subjects(keys),
        [store.relations_of(key, as_of=None) for key in keys],
        store.get_entries(["E-1"]),
        store.entry_history("E-1"),
        store.penalties_for(keys),
        store.links_of_entries(["E-1"]),
        store.counts(),
        store.data_version(),
    )


def test_every_kind_of_write_replays_to_the_same_state_after_a_restart(tmp_path: Path) -> None:
    with populated(tmp_path) as store:
        before = everything(store)
    with MemoryStore(tmp_path) as store:
        after = everything(store)
        store.compact()
    with MemoryStore(tmp_path) as store:
        compacted = everything(store)

    assert after == before
    assert compacted == before


def test_resolving_a_person_moves_relations_entries_penalties_and_links() -> None:
    store = populated(None)

    moved = [(r.kind, r.target_id, r.title) for r in store.relations_of(RESOLVED.key, as_of=None)]
    entry = store.get_entries(["E-1"])["E-1"]
    links = store.links_for([RESOLVED.key, NAMED.key])

    assert store.get_subjects([NAMED.key]) == {}
    assert moved == [
        (RelationKind.DIRECTOR, ORG.uscc, None),
        (RelationKind.SUPERVISOR, OTHER_ORG.uscc, "监事"),
    ]
    assert (entry.responsible_person_ids, entry.version) == ((RESOLVED.key,), 2), entry
    assert [p.subject_id for p in store.penalties_for([RESOLVED.key, NAMED.key])] == [RESOLVED.key]
    assert [(link.person_id, link.roles, link.responsible) for link in links] == [
        (RESOLVED.key, (RelationKind.DIRECTOR,), True)
    ], links
    assert store.counts()["unresolved_persons"] == 0


def test_counts_split_persons_from_unresolved_ones_and_count_region_ancestors() -> None:
    store = MemoryStore(None)
    store.upsert_organizations([ORG, OTHER_ORG, make_org(3, region="430921")])
    store.upsert_persons([PERSON, NAMED])
    moved = make_org(3, region="430921").model_copy(update={"region": "430900"})
    store.upsert_organizations([moved])  # moved: 430921 no longer counts

    counts = store.counts()

    # 430923 -> 430900 -> 430000 and 110105 -> 110100 -> 110000
    assert (counts["persons"], counts["unresolved_persons"], counts["regions"]) == (1, 1, 6), counts
    assert (counts["organizations"], counts["branch_of"]) == (3, 0), counts
    assert "entries:black:active" not in counts, counts


def test_counts_kept_up_to_date_by_every_write_agree_with_a_recount() -> None:
    store = populated(None)
    subjects = store.get_subjects([ORG.uscc, OTHER_ORG.uscc, PERSON.key, NAMED.key, RESOLVED.key])
    relations = {r.key: r for org in (ORG.uscc, OTHER_ORG.uscc) for r in store.relations_of(org, as_of=None)}
    entries = store.entries_for(subjects)

    recount = {
        "organizations": sum(1 for key in subjects if key.startswith("91")),
        "persons": sum(1 for key in subjects if not key.startswith(("91", "~"))),
        "unresolved_persons": sum(1 for key in subjects if key.startswith("~")),
        **{kind.value: sum(1 for r in relations.values() if r.kind is kind) for kind in RelationKind},
        "entries": len(entries),
        **{f"entries:{e.list.value}:{e.status.value}": 1 for e in entries},
    }

    counts = store.counts()
    assert {key: counts[key] for key in recount} == recount, counts
    assert recount["unresolved_persons"] == 0 and recount["director"] == 1, recount


def test_adjacent_counts_a_self_loop_once_and_leaves_unknown_subjects_out() -> None:
    store = MemoryStore(None)
    store.upsert_organizations([ORG])
    store.upsert_relations([make_relation(RelationKind.SHAREHOLDER, ORG.uscc, ORG.uscc, ratio=0.1)])

    adjacency = store.adjacent([ORG.uscc, OTHER_ORG.uscc], as_of=None, limit_per_node=10)

    assert list(adjacency) == [ORG.uscc], adjacency
    assert (adjacency[ORG.uscc].total, [n for _, n in adjacency[ORG.uscc].links]) == (1, [ORG.uscc])


def test_a_transition_must_start_from_the_stored_status() -> None:
    store = MemoryStore(None)
    store.upsert_organizations([ORG])
    store.upsert_entries([make_entry("E-1", ORG.uscc)])
    wrong = StatusChange(
        entry_id="E-1",
        from_status=EntryStatus.DISPUTED,
        to_status=EntryStatus.REPAIRED,
        at=AT,
        actor="县发改局",
    )

    with pytest.raises(InvalidInput, match="from_status"):
        store.write_step(
            EntryStep(make_entry("E-1", ORG.uscc, status=EntryStatus.REPAIRED, version=2), wrong)
        )
    assert (store.data_version(), len(store.entry_history("E-1"))) == (2, 1)


def test_writes_from_several_threads_all_land_exactly_once() -> None:
    store = MemoryStore(None)

    def load(offset: int) -> None:
        for n in range(offset, offset + 200, 4):
            store.upsert_organizations([make_org(n)])

    threads = [threading.Thread(target=load, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert (store.counts()["organizations"], store.data_version()) == (200, 200)


def test_a_closed_store_answers_backend_unavailable() -> None:
    store = MemoryStore(None)
    store.close()

    with pytest.raises(BackendUnavailable, match="closed"):
        store.ping()
    with pytest.raises(BackendUnavailable, match="closed"):
        store.counts()
