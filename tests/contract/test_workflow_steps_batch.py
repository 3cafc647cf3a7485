"""Many workflow steps in one transaction (``write_steps``), on both backends: the same as writing them
one by one, except that a refused step leaves none of them written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from graph_service.domain.model import EntryStatus, ListEntry, StatusChange
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.workflow import Dispute, Task, TaskFilter, follow_entry, task_id_for
from graph_service.errors import Conflict, NotFound
from graph_service.store.base import GraphStore
from graph_service.store.workflow_port import EntryStep
from tests.factories import make_entry, make_org, make_person

AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
ORG = make_org(1)
REP = make_person(1)
OTHER = make_person(2)


def _task(entry_id: str, subject_id: str, department: str = "市场监管部门") -> Task:
    return Task(
        task_id=task_id_for(entry_id, "market_ban", subject_id, department),
        entry_id=entry_id,
        measure_id="market_ban",
        subject_id=subject_id,
        via="self" if subject_id == ORG.uscc else "legal_representative",
        department=department,
        created_on=AT.date(),
        due_on=dt.date(2026, 12, 22),
    )


def _link(entry_id: str, person_id: str) -> PersonalLink:
    return PersonalLink(
        person_id=person_id, entry_id=entry_id, org_id=ORG.uscc, roles=("legal_representative",)
    )


def _first(entry: ListEntry) -> StatusChange:
    return StatusChange(
        entry_id=entry.entry_id,
        from_status=None,
        to_status=entry.status,
        at=AT,
        actor="load",
        reason="created",
    )


def _next(entry: ListEntry, to: EntryStatus) -> tuple[ListEntry, StatusChange]:
    after = entry.model_copy(update={"status": to, "version": entry.version + 1})
    change = StatusChange(
        entry_id=entry.entry_id, from_status=entry.status, to_status=to, at=AT, actor="县税务局", reason="r"
    )
    return after, change


def _steps() -> list[EntryStep]:
    """Two new entries, then steps that read what the earlier ones of the list wrote."""
    one, two = make_entry("E-1", ORG.uscc), make_entry("E-2", ORG.uscc)
    tasks_one = [_task("E-1", ORG.uscc), _task("E-1", REP.key)]
    disputed, change = _next(one, EntryStatus.DISPUTED)
    dispute = Dispute(
        dispute_id="d1",
        entry_id="E-1",
        grounds="已缴清",
        filed_by="企业",
        filed_on=AT.date(),
        due_on=AT.date(),
    )
    revoked, revocation = _next(two, EntryStatus.REVOKED)
    return [
        EntryStep.create(one, [_link("E-1", REP.key)], tasks_one, first=_first(one)),
        EntryStep.create(two, [_link("E-2", REP.key)], [_task("E-2", ORG.uscc)], first=_first(two)),
        EntryStep(disputed, change, tasks=follow_entry(tasks_one, EntryStatus.DISPUTED), dispute=dispute),
        # The links the first step of the list wrote are replaced: REP's dropped, OTHER's added.
        EntryStep(revoked, revocation, links=[_link("E-2", OTHER.key)]),
    ]


def _seen(store: GraphStore, head: int) -> dict[str, Any]:
    events = store.feed_events(head, 1_000).events
    return {
        "entries": store.get_entries(["E-1", "E-2"]),
        # Without the time: Neo4j stamps a first record with its clock, the embedded store with the step's.
        "history": [
            [(c.from_status, c.to_status, c.actor, c.reason) for c in store.entry_history(e)]
            for e in ("E-1", "E-2")
        ],
        "tasks": store.get_tasks(TaskFilter()),
        "disputes": store.get_disputes(),
        "links": sorted((link.entry_id, link.person_id) for link in store.links_of_entries(["E-1", "E-2"])),
        "feed": [(e.seq - head, e.event, e.entry.entry_id, e.entry.version) for e in events],
    }


def _seeded(store: GraphStore) -> int:
    store.upsert_organizations([ORG])
    store.upsert_persons([REP, OTHER])
    return store.feed_events(0, 1).head


def test_steps_written_together_leave_what_they_leave_written_one_by_one(store: GraphStore) -> None:
    head = _seeded(store)
    for step in _steps():
        store.write_step(step)
    one_by_one = _seen(store, head)
    store.clear()
    head = _seeded(store)
    store.write_steps(_steps())
    assert _seen(store, head) == one_by_one
    assert one_by_one["links"] == [("E-1", REP.key), ("E-2", OTHER.key)], one_by_one
    assert [e[1] for e in one_by_one["feed"]] == ["created", "created", "disputed", "revoked"], one_by_one


def test_a_refused_step_leaves_none_of_the_steps_written(store: GraphStore) -> None:
    head = _seeded(store)
    version = store.data_version()
    steps = _steps()
    one = steps[0].entry
    assert one is not None
    again = EntryStep.create(one.model_copy(update={"reason": "again"}), [], [_task("E-1", OTHER.key)])
    with pytest.raises(Conflict, match="E-1"):
        store.write_steps([*steps[:2], again])
    assert store.get_entries(["E-1", "E-2"]) == {}
    assert store.get_tasks(TaskFilter()) == []
    assert store.links_of_entries(["E-1", "E-2"]) == []
    assert store.feed_events(head, 10).events == []
    assert store.data_version() == version


def test_a_step_on_an_entry_no_earlier_step_created_is_not_found_and_writes_nothing(
    store: GraphStore,
) -> None:
    _seeded(store)
    steps = _steps()
    with pytest.raises((NotFound, Conflict), match="E-2"):
        store.write_steps([steps[0], steps[3]])  # E-2 is revoked, but no step created it
    assert store.get_entries(["E-1", "E-2"]) == {}


def test_no_steps_write_nothing(store: GraphStore) -> None:
    _seeded(store)
    version = store.data_version()
    store.write_steps([])
    assert store.data_version() == version


def test_the_first_refused_step_of_a_batch_is_the_one_the_error_names(store: GraphStore) -> None:
    _seeded(store)
    steps = _steps()
    one = steps[0].entry
    assert one is not None
    stray = make_entry("E-3", make_org(9).uscc)  # its subject is not stored
    again = EntryStep.create(one.model_copy(update={"reason": "again"}))
    with pytest.raises(NotFound, match=make_org(9).uscc):
        store.write_steps([steps[0], EntryStep.create(stray), again])
    with pytest.raises(Conflict, match="E-1"):
        store.write_steps([steps[0], again, EntryStep.create(stray)])
    assert store.get_entries(["E-1", "E-3"]) == {}


def test_a_link_to_an_organisation_in_a_batch_is_refused_naming_it(store: GraphStore) -> None:
    head = _seeded(store)
    steps = _steps()
    entry = make_entry("E-4", ORG.uscc)
    to_org = PersonalLink(
        person_id=ORG.uscc, entry_id="E-4", org_id=ORG.uscc, roles=("legal_representative",)
    )
    with pytest.raises(NotFound, match=rf"{ORG.uscc} \(person_id\)"):
        store.write_steps([steps[0], EntryStep.create(entry, [to_org])])
    assert store.feed_events(head, 10).events == []
    assert store.links_of_entries(["E-1", "E-4"]) == []


def test_steps_on_different_entries_and_steps_on_the_same_entry_end_alike(store: GraphStore) -> None:
    """Steps that follow one another on one entry, between steps on others, keep their order."""
    head = _seeded(store)
    entries = [make_entry(f"E-{n}", ORG.uscc) for n in range(10, 14)]
    created = [EntryStep.create(e, [_link(e.entry_id, REP.key)], first=_first(e)) for e in entries]
    revoked, revocation = _next(entries[1], EntryStatus.REVOKED)
    restored, restoration = _next(revoked, EntryStatus.ACTIVE)
    store.write_steps(
        [
            *created[:2],
            EntryStep(revoked, revocation, links=[]),
            *created[2:],
            EntryStep(restored, restoration),
        ]
    )
    stored = store.get_entries(["E-11"])["E-11"]
    assert (stored.status, stored.version) == (EntryStatus.ACTIVE, 3), stored
    history = [(c.from_status, c.to_status) for c in store.entry_history("E-11")]
    assert history == [
        (None, EntryStatus.ACTIVE),
        (EntryStatus.ACTIVE, EntryStatus.REVOKED),
        (EntryStatus.REVOKED, EntryStatus.ACTIVE),
    ], history
    feed = [(e.entry.entry_id, e.entry.version) for e in store.feed_events(head, 100).events]
    assert feed == [("E-10", 1), ("E-11", 1), ("E-11", 2), ("E-12", 1), ("E-13", 1), ("E-11", 3)], feed
    links = sorted(
        (link.entry_id, link.person_id) for link in store.links_of_entries([e.entry_id for e in entries])
    )
    assert links == [("E-10", REP.key), ("E-12", REP.key), ("E-13", REP.key)], links
