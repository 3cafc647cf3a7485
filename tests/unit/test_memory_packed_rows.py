"""The embedded store's packed rows (tasks, personal links, feed events): read back equal to what was
written, values of different types never merged by the sharing, and the graph's nodes sharing one empty
attribute dict."""

from __future__ import annotations

import datetime as dt
import sys

from graph_service.domain.feed import FeedEvent, FeedEventKind, Revision
from graph_service.domain.model import EntryStatus, RelationKind, StatusChange
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.workflow import Task, TaskFilter
from graph_service.store.memory.compact import ModelPacker, PackedModels, Shared
from graph_service.store.memory.feed_state import AppendFeed, FeedLog
from graph_service.store.memory.graph import GraphState
from graph_service.store.memory.ops import PutLink, PutSubject, PutTask
from graph_service.store.memory.workflow_reads import tasks
from tests.factories import make_entry, make_org, make_person

AT = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


def a_task(n: int, *, department: str = "market", entry_id: str = "E-1") -> Task:
    return Task(
        task_id=f"task-{n}",
        entry_id=entry_id,
        measure_id="M-01",
        subject_id=make_org(1).uscc,
        via="self",
        department=department,
        created_on=dt.date(2026, 1, 5),
        due_on=dt.date(2026, 2, 5),
    )


def test_a_packed_task_reads_back_equal_and_its_ids_are_interned() -> None:
    table: PackedModels[str, Task] = PackedModels(
        ModelPacker(Task, Shared(), frozenset(Task.model_fields) - {"task_id", "feedback"})
    )
    task = a_task(1)
    table[task.task_id] = task

    back = table["task-1"]
    assert back == task and isinstance(back, Task), back
    assert table.find("nope") is None and "task-1" in table and len(table) == 1
    row = next(iter(table.rows()))
    assert row[table.packer.index("entry_id")] is sys.intern("E-1"), "an id held as its own copy"


def test_sharing_never_turns_a_value_into_an_equal_one_of_another_type() -> None:
    # True == 1 and a StrEnum member == its text: a dict shared by value would hand back the other one.
    shared = Shared()
    for value in ("legal_representative", ("legal_representative",), 1, 0):
        shared.get(value)  # values equal to the link's (an enum's text, True, False) already held
    links: PackedModels[tuple[str, str], PersonalLink] = PackedModels(
        ModelPacker(PersonalLink, shared, frozenset(PersonalLink.model_fields))
    )
    one = PersonalLink(person_id="P1", entry_id="E1", org_id=None, roles=(RelationKind.LEGAL_REPRESENTATIVE,))
    other = PersonalLink(person_id="P2", entry_id="E1", org_id="O1", responsible=True)
    links[("E1", "P1")], links[("E1", "P2")] = one, other

    back, back_other = links[("E1", "P1")], links[("E1", "P2")]
    assert back == one and back_other == other
    assert type(back.roles[0]) is RelationKind, back.roles
    assert back_other.responsible is True and back.responsible is False


def test_tasks_are_narrowed_on_their_packed_fields_then_filtered_by_the_domain_rule() -> None:
    state = GraphState()
    for op in (
        PutTask(a_task(1)),
        PutTask(a_task(2, department="tax")),
        PutTask(a_task(3, entry_id="E-2")),
    ):
        state.apply(op)

    assert [t.task_id for t in tasks(state, TaskFilter(entry_id="E-1"))] == ["task-1", "task-2"]
    assert [t.task_id for t in tasks(state, TaskFilter(department="tax"))] == ["task-2"]
    assert [t.task_id for t in tasks(state, TaskFilter())] == ["task-1", "task-2", "task-3"]


def test_the_feed_reads_its_packed_events_back_whole_and_knows_each_entrys_revision() -> None:
    feed = FeedLog()
    entry = make_entry("E-1", make_org(1).uscc)
    change = StatusChange(
        entry_id=entry.entry_id, from_status=None, to_status=EntryStatus.ACTIVE, at=AT, actor="loader"
    )
    events = [
        FeedEvent(seq=1, event=FeedEventKind.CREATED, entry=entry, origin_seq=1, at=AT, change=change),
        FeedEvent(
            seq=2,
            event=FeedEventKind.CORRECTED,
            entry=entry.model_copy(update={"version": 2}),
            origin_seq=2,
            at=AT,
        ),
    ]
    for event in events:
        feed.apply(AppendFeed(event))

    assert feed.after(0, 10) == events and feed.after(1, 10) == events[1:]
    assert feed.revision(entry.entry_id) == Revision(2, 2) and feed.revision("none") is None
    assert [op.event for op in feed.dump() if isinstance(op, AppendFeed)] == events


def test_every_node_shares_one_empty_attribute_dict() -> None:
    state = GraphState()
    state.apply(PutSubject(make_org(1)))
    state.apply(PutSubject(make_person(1)))
    state.apply(PutLink(PersonalLink(person_id=make_person(1).key, entry_id="E1", org_id=None)))

    first, second = (state.graph.nodes[key] for key in state.packed)
    assert first is second and first == {}
