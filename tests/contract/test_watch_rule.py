"""Repeated minor violations put a subject on the watch list (武汉市 四(六)), through the one lifecycle.

The default catalog's rule: 3 or more administrative penalties decided within 12 months. It is applied
when penalties are loaded, and a re-load derives nothing new.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from graph_service.domain.feed import FeedEventKind
from graph_service.domain.lifecycle import TaskStatus
from graph_service.domain.model import ListEntry, ListKind
from graph_service.domain.workflow import TaskFilter
from graph_service.services.checks.catalog import default_catalog
from graph_service.services.workflow.intake import LoadDoor
from graph_service.services.workflow.state import Policy
from graph_service.store.base import GraphStore
from tests.factories import make_org
from tests.unit.loader_support import Loaded, run_load, write

HOME = "430923"
NOW = dt.datetime(2025, 6, 1, 9, 0, tzinfo=dt.UTC)
ORG = make_org(1)
HEADER = "行政相对人名称,行政相对人代码_1(统一社会信用代码),行政处罚决定书文号,处罚决定日期,处罚机关\n"
DAYS = ("2024-07-01", "2024-11-15", "2025-06-30", "2025-07-01")  # the first three lie within 12 months


def penalty_rows(*days: str) -> str:
    return "".join(
        f"{ORG.name},{ORG.uscc},安市监罚〔{day[:4]}〕{n}号,{day},安化县市场监督管理局\n"
        for n, day in enumerate(days, start=1)
    )


def load_penalties(
    store: GraphStore, tmp_path: Path, rows: str, name: str = "src", door: LoadDoor | None = None
) -> Loaded:
    source = write(tmp_path / name, "行政处罚.csv", HEADER + rows)
    loaded = run_load(
        store,
        source.parent,
        tmp_path,
        fmt="penalty",
        door=door or LoadDoor(default_catalog(), Policy(home_region=HOME), "operator-li", NOW),
    )
    assert loaded.rejects == [], loaded.rejects
    return loaded


def watch_entries(store: GraphStore) -> list[ListEntry]:
    return [e for e in store.entries_for([ORG.uscc]) if e.list is ListKind.WATCH]


def test_three_penalties_within_twelve_months_create_a_watch_entry_with_tasks_history_and_feed(
    store: GraphStore, tmp_path: Path
) -> None:
    store.upsert_organizations([ORG])
    loaded = load_penalties(store, tmp_path, penalty_rows(*DAYS[:3]))
    [entry] = watch_entries(store)
    assert entry.basis == "安市监罚〔2024〕1号；安市监罚〔2024〕2号；安市监罚〔2025〕3号", entry
    assert (entry.decided_on, entry.valid_until) == (dt.date(2025, 6, 30), dt.date(2026, 6, 29)), entry
    assert (entry.source_region, entry.initiating_dept) == (HOME, "社会信用体系建设牵头部门"), entry
    assert (
        entry.reason is not None
        and "武汉市实施方案" in entry.reason
        and "多次发生轻微失信行为" in entry.reason
    )
    tasks = store.get_tasks(TaskFilter(entry_id=entry.entry_id))
    assert tasks and {t.status for t in tasks} == {TaskStatus.PENDING}, tasks
    [first] = store.entry_history(entry.entry_id)
    assert (first.reason or "").startswith("created by rule repeated_penalties (武汉市实施方案"), first
    events = [e.event for e in store.feed_events(0, 100).events if e.entry.entry_id == entry.entry_id]
    assert events == [FeedEventKind.CREATED], events
    assert any(entry.entry_id in w["reason"] for w in loaded.warnings), loaded.warnings


def test_two_penalties_within_twelve_months_create_nothing(store: GraphStore, tmp_path: Path) -> None:
    store.upsert_organizations([ORG])
    load_penalties(store, tmp_path, penalty_rows(*DAYS[:2]))
    assert watch_entries(store) == []


def test_three_penalties_spread_over_more_than_twelve_months_create_nothing(
    store: GraphStore, tmp_path: Path
) -> None:
    store.upsert_organizations([ORG])
    load_penalties(store, tmp_path, penalty_rows(DAYS[0], DAYS[1], DAYS[3]))
    assert watch_entries(store) == []


def test_the_third_penalty_in_a_later_file_creates_it_and_a_reload_creates_nothing(
    store: GraphStore, tmp_path: Path
) -> None:
    store.upsert_organizations([ORG])
    load_penalties(store, tmp_path, penalty_rows(*DAYS[:2]), name="first")
    assert watch_entries(store) == []
    load_penalties(store, tmp_path, penalty_rows(*DAYS[:3]), name="second")
    [entry] = watch_entries(store)
    tasks = store.get_tasks(TaskFilter(entry_id=entry.entry_id))
    again = load_penalties(store, tmp_path, penalty_rows(*DAYS[:3]), name="again")
    assert watch_entries(store) == [entry], "no second watch entry, no new version"
    assert store.get_tasks(TaskFilter(entry_id=entry.entry_id)) == tasks
    assert len(store.entry_history(entry.entry_id)) == 1
    assert not any("watch entry" in w["reason"] for w in again.warnings), again.warnings


def test_a_county_sets_its_own_threshold_in_the_catalog(store: GraphStore, tmp_path: Path) -> None:
    catalog = default_catalog()
    assert catalog.repeated_penalties is not None
    rule = catalog.repeated_penalties.model_copy(update={"min_penalties": 2})
    door = LoadDoor(
        catalog.model_copy(update={"repeated_penalties": rule}), Policy(home_region=HOME), "li", NOW
    )
    store.upsert_organizations([ORG])
    load_penalties(store, tmp_path, penalty_rows(*DAYS[:2]), door=door)
    assert len(watch_entries(store)) == 1
