"""Loads are a door into the lifecycle: tasks, history, feed events and refusals as through the API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph_service.domain.feed import FeedEventKind
from graph_service.domain.lifecycle import TaskStatus
from graph_service.domain.model import CreditDomain, EntryStatus, ListEntry, ListKind
from graph_service.domain.workflow import TaskFilter
from graph_service.errors import Conflict
from graph_service.services.checks.catalog import default_catalog
from graph_service.services.workflow import intake
from graph_service.services.workflow.entries import create_entry, revoke_entry
from graph_service.services.workflow.intake import LoadDoor
from graph_service.services.workflow.links import links_for_entry
from graph_service.services.workflow.state import Policy
from graph_service.services.workflow.steps import enforceable_tasks
from graph_service.services.workflow.tasks import expire
from graph_service.store.base import GraphStore
from tests.unit.loader_support import ORG_A, Loaded, base_dir, run_load, write

HOME = "430923"
NOW = dt.datetime(2025, 6, 1, 9, 0, tzinfo=dt.UTC)
HEADER = (
    "entry_id,subject_id,list,domain,reason,act_on,decided_on,valid_from,valid_until,initiating_dept,basis,"
    "source_region,status,responsible_person_ids\n"
)
BLACK_ID = "430923-B-2025-0001"
RED_ID = "430923-R-2025-0001"


def black_row(status: str = "", valid_until: str = "2028-01-14") -> str:
    dates = f"2024-11-05,2025-01-15,,{valid_until}"
    return f"{BLACK_ID},{ORG_A},black,tax,逃避追缴欠税,{dates},安化县税务局,,,{status},\n"


def red_row() -> str:
    return f"{RED_ID},{ORG_A},red,tax,纳税信用A级,,2025-02-01,,2027-01-31,安化县税务局,,,,\n"


def door(now: dt.datetime = NOW) -> LoadDoor:
    return LoadDoor(default_catalog(), Policy(home_region=HOME), "operator-li", now)


def load_entries(store: GraphStore, tmp_path: Path, rows: str, name: str = "src") -> Loaded:
    src = base_dir(tmp_path / name)
    write(src, "list_entries.csv", HEADER + rows)
    return run_load(store, src, tmp_path, door=door())


@pytest.fixture
def loaded(store: GraphStore, tmp_path: Path) -> Loaded:
    result = load_entries(store, tmp_path, black_row())
    assert result.rejects == [], result.rejects
    return result


def test_a_loaded_black_entry_has_a_task_for_every_implementing_department(
    store: GraphStore, loaded: Loaded
) -> None:
    entry = store.get_entries([BLACK_ID])[BLACK_ID]
    expected = enforceable_tasks(
        entry, links_for_entry(store, entry), default_catalog(), NOW.date(), Policy()
    )
    tasks = store.get_tasks(TaskFilter(entry_id=BLACK_ID))
    assert expected, "the catalog has measures for black tax entries"
    assert sorted((t.department, t.measure_id) for t in tasks) == sorted(
        (t.department, t.measure_id) for t in expected
    ), tasks
    assert {t.status for t in tasks} == {TaskStatus.PENDING}, tasks


def test_a_loaded_entry_is_recorded_as_created_by_the_load_and_announced_in_the_feed(
    store: GraphStore, loaded: Loaded
) -> None:
    history = store.entry_history(BLACK_ID)
    assert len(history) == 1, history
    assert history[0].reason == "created by load list_entries.csv:2", history
    assert history[0].actor == "operator-li / 安化县税务局", history
    events = [e for e in store.feed_events(0, 100).events if e.entry.entry_id == BLACK_ID]
    assert [e.event for e in events] == [FeedEventKind.CREATED], events
    assert store.get_entries([BLACK_ID])[BLACK_ID].source_region == HOME, "the loading county decided it"


def test_reloading_the_same_file_creates_nothing(store: GraphStore, loaded: Loaded, tmp_path: Path) -> None:
    tasks = store.get_tasks(TaskFilter(entry_id=BLACK_ID))
    again = load_entries(store, tmp_path, black_row(), name="again")
    report = again.file("list_entries.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1), report
    assert store.get_tasks(TaskFilter(entry_id=BLACK_ID)) == tasks
    assert len(store.entry_history(BLACK_ID)) == 1
    assert len([e for e in store.feed_events(0, 100).events if e.entry.entry_id == BLACK_ID]) == 1


def test_a_loaded_revocation_is_a_transition_that_lifts_the_tasks(
    store: GraphStore, loaded: Loaded, tmp_path: Path
) -> None:
    again = load_entries(store, tmp_path, black_row("revoked"), name="revoked")
    assert again.rejects == [], again.rejects
    entry = store.get_entries([BLACK_ID])[BLACK_ID]
    assert (entry.status, entry.version, entry.source_region) == (EntryStatus.REVOKED, 2, HOME), entry
    tasks = store.get_tasks(TaskFilter(entry_id=BLACK_ID))
    assert tasks and {t.status for t in tasks} == {TaskStatus.LIFTED}, tasks
    history = store.entry_history(BLACK_ID)
    assert [h.to_status for h in history] == [EntryStatus.ACTIVE, EntryStatus.REVOKED], history
    assert history[1].reason == "revoke by load list_entries.csv:2", history
    events = [e.event for e in store.feed_events(0, 100).events if e.entry.entry_id == BLACK_ID]
    assert events == [FeedEventKind.CREATED, FeedEventKind.REVOKED], events


def test_a_loaded_change_of_validity_is_a_new_version_with_history(
    store: GraphStore, loaded: Loaded, tmp_path: Path
) -> None:
    again = load_entries(store, tmp_path, black_row(valid_until="2029-01-14"), name="longer")
    assert again.rejects == [], again.rejects
    entry = store.get_entries([BLACK_ID])[BLACK_ID]
    assert (entry.valid_until, entry.version) == (dt.date(2029, 1, 14), 2), entry
    assert len(store.entry_history(BLACK_ID)) == 2


def test_an_illegal_loaded_transition_is_a_reject_naming_what_is_allowed(
    store: GraphStore, loaded: Loaded, tmp_path: Path
) -> None:
    load_entries(store, tmp_path, black_row("revoked"), name="revoked")
    back = load_entries(store, tmp_path, black_row("repaired"), name="back")
    assert len(back.rejects) == 1, back.rejects
    assert "allowed: none (final state)" in back.rejects[0]["reason"], back.rejects
    assert store.get_entries([BLACK_ID])[BLACK_ID].status is EntryStatus.REVOKED


def test_a_loaded_red_entry_for_a_blacklisted_subject_is_a_reject_naming_the_black_entry(
    store: GraphStore, loaded: Loaded, tmp_path: Path
) -> None:
    red = load_entries(store, tmp_path, red_row(), name="red")
    assert [r["column"] for r in red.rejects] == ["entry_id"], red.rejects
    assert BLACK_ID in red.rejects[0]["reason"], red.rejects
    assert store.get_entries([RED_ID]) == {}


def _entry(entry_id: str, kind: ListKind) -> ListEntry:
    return ListEntry(
        entry_id=entry_id,
        subject_id=ORG_A,
        list=kind,
        domain=CreditDomain.TAX,
        decided_on=dt.date(2025, 2, 1),
        initiating_dept="安化县税务局",
        source_region=HOME,
    )


def test_the_api_refuses_a_red_entry_for_a_subject_with_a_black_entry_in_force(
    store: GraphStore, loaded: Loaded
) -> None:
    policy = Policy(home_region=HOME)
    with pytest.raises(Conflict, match=BLACK_ID) as caught:
        create_entry(store, default_catalog(), _entry(RED_ID, ListKind.RED), today=NOW.date(), policy=policy)
    assert caught.value.errors[0]["black_entry_id"] == BLACK_ID, caught.value.errors


def test_a_black_entry_suspends_the_subjects_red_entries_until_it_ends(
    store: GraphStore, tmp_path: Path
) -> None:
    policy = Policy(home_region=HOME)
    loaded = load_entries(store, tmp_path, red_row())
    assert loaded.rejects == [], loaded.rejects
    black = load_entries(store, tmp_path, black_row(), name="black")
    assert black.rejects == [], black.rejects
    red = store.get_entries([RED_ID])[RED_ID]
    assert (red.status, red.version) == (EntryStatus.SUSPENDED, 2), red
    assert (
        store.entry_history(RED_ID)[-1].reason
        == f"suspended: black entry {BLACK_ID} of the subject is in force"
    )
    assert {t.status for t in store.get_tasks(TaskFilter(entry_id=RED_ID))} <= {TaskStatus.SUSPENDED}
    revoke_entry(store, BLACK_ID, reason="撤销", actor="安化县税务局", now=NOW, policy=policy)
    red = store.get_entries([RED_ID])[RED_ID]
    assert (red.status, red.version) == (EntryStatus.ACTIVE, 3), red
    assert store.entry_history(RED_ID)[-1].reason == f"reinstated: black entry {BLACK_ID} is revoked"


def test_a_black_entry_that_expires_reinstates_the_red_entries_it_suspended_on_the_expiry_run(
    store: GraphStore, tmp_path: Path
) -> None:
    # 武汉市实施方案: red and black exclude each other only while the black entry is in force.
    assert load_entries(store, tmp_path, red_row()).rejects == []
    black = load_entries(store, tmp_path, black_row(valid_until="2025-12-31"), name="black")
    assert black.rejects == [], black.rejects
    assert store.get_entries([RED_ID])[RED_ID].status is EntryStatus.SUSPENDED

    still = expire(store, dt.date(2025, 12, 31), policy=Policy(home_region=HOME))
    after = expire(store, dt.date(2026, 1, 1), policy=Policy(home_region=HOME))
    again = expire(store, dt.date(2026, 1, 2), policy=Policy(home_region=HOME))

    assert (still.reinstated, after.reinstated, again.reinstated) == (0, 1, 0)
    red = store.get_entries([RED_ID])[RED_ID]
    assert (red.status, red.version) == (EntryStatus.ACTIVE, 3), red
    assert (
        store.entry_history(RED_ID)[-1].reason == f"reinstated: black entry {BLACK_ID} expired on 2025-12-31"
    )


# One file, one batch: a row reads what an earlier row of the same batch wrote (read ahead for the whole
# batch, read again once the earlier row's steps are written).


def test_a_red_row_after_a_black_row_of_the_same_subject_in_one_file_is_refused(
    store: GraphStore, tmp_path: Path
) -> None:
    both = load_entries(store, tmp_path, black_row() + red_row())

    assert [r["column"] for r in both.rejects] == ["entry_id"], both.rejects
    assert BLACK_ID in both.rejects[0]["reason"], both.rejects
    assert list(store.get_entries([BLACK_ID, RED_ID])) == [BLACK_ID]


def test_a_black_row_after_a_red_row_of_the_same_subject_in_one_file_suspends_it(
    store: GraphStore, tmp_path: Path
) -> None:
    both = load_entries(store, tmp_path, red_row() + black_row())

    assert both.rejects == [], both.rejects
    red = store.get_entries([RED_ID])[RED_ID]
    assert (red.status, red.version) == (EntryStatus.SUSPENDED, 2), red


def test_a_row_after_a_written_chunk_reads_what_the_chunk_wrote(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A chunk of one step: the black row's steps are written before the red row, which no held step
    # touches any more, so only reading again what the written chunk touched shows it the black entry.
    monkeypatch.setattr(intake, "STEPS_PER_WRITE", 1)

    both = load_entries(store, tmp_path, black_row() + red_row())

    assert [r["column"] for r in both.rejects] == ["entry_id"], both.rejects
    assert BLACK_ID in both.rejects[0]["reason"], both.rejects
