"""``check_views`` answers, for each subject, exactly the single-subject ``check_view``.

A batch of checks reads its views many at a time (on Neo4j one ``UNWIND`` statement per chunk of
subjects). Each view must equal the one :meth:`GraphStore.check_view` gives for that subject alone, on
the varied graphs of :mod:`tests.contract.test_check_view`, in the order asked, duplicates and unknown
subjects included, across chunk boundaries.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cypher import query, source
from graph_service.domain.model import Organization, Person, Relation
from graph_service.store.base import GraphStore
from graph_service.store.neo4j import check_view as neo4j_check_view
from graph_service.store.neo4j.mapping import ENTRY_DATES, RELATION_COLUMNS, SUBJECT_COLUMNS
from tests.contract.test_check_view import LIMITS, TODAY, _random_graph
from tests.factories import make_org


@pytest.mark.parametrize("graph_seed", [1, 2, 3])
def test_each_of_check_views_equals_the_single_subject_check_view(store: GraphStore, graph_seed: int) -> None:
    origins = _random_graph(store, graph_seed)
    keys = [*origins, make_org(99).key, origins[0]]  # an unknown subject and a repeated one

    differing = []
    for depth in (0, 1, 2, 3, 4, 5):
        for as_of in (TODAY, None):
            for limit in LIMITS:
                views = store.check_views(keys, depth=depth, as_of=as_of, limit_per_node=limit)
                single = [store.check_view(k, depth=depth, as_of=as_of, limit_per_node=limit) for k in keys]
                if views != single:
                    differing.append((depth, as_of, limit))

    assert differing == [], differing[:3]


def test_check_views_across_chunks_keep_the_order_asked(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    origins = _random_graph(store, 1)
    monkeypatch.setattr(neo4j_check_view, "CHUNK", 2)  # several statements on Neo4j
    keys = [*reversed(origins), *origins, make_org(98).key]

    views = store.check_views(keys, depth=2, as_of=TODAY, limit_per_node=3)

    assert [v.neighbourhood.origin_id for v in views] == keys
    assert views == [store.check_view(k, depth=2, as_of=TODAY, limit_per_node=3) for k in keys]


def test_check_views_of_no_subjects_is_empty(store: GraphStore) -> None:
    assert store.check_views([], depth=2, as_of=dt.date(2024, 1, 1), limit_per_node=200) == []


def test_the_batch_statement_is_the_single_statement_with_the_key_carried_through() -> None:
    single = source("get_check_view")
    body = single[single.index("OPTIONAL MATCH (origin:Subject") :]
    batch = source("get_check_views")
    inner = batch[batch.index("CALL (key) {") :]
    carried = (
        body.replace("{key: $key}", "{key: key}")
        .replace("WITH namesakes, CASE WHEN origin", "WITH key, namesakes, CASE WHEN origin")
        .replace(
            "WITH namesakes, frontier, frontier AS seen", "WITH key, namesakes, frontier, frontier AS seen"
        )
        .replace("WITH namesakes, next AS frontier", "WITH key, namesakes, next AS frontier")
        .replace("CALL () {\n  OPTIONAL MATCH (:Subject", "CALL (key) {\n  OPTIONAL MATCH (:Subject")
    )
    carried = (
        carried[: carried.index("CALL () {\n  OPTIONAL MATCH (m:Meta")]
        + "RETURN levels, details, penalties, namesakes\n"
    )
    indented = "".join(f"  {line}" if line.strip() else line for line in carried.splitlines(keepends=True))

    assert (
        inner
        == "CALL (key) {\n"
        + indented
        + "}\nRETURN position, key, levels, details, penalties, namesakes, data_version\nORDER BY position\n"
    )


def test_the_link_rows_carry_every_stored_relation_property_in_the_decoders_order() -> None:
    dates = {"start_on", "end_on"}
    columns = [f"toString(x[0].{c})" if c in dates else f"x[0].{c}" for c in RELATION_COLUMNS]
    row = ", ".join(["type(x[0])", "startNode(x[0]) = s", "x[1].key", *columns])

    counts = {
        name: " ".join(query(name).split()).count(f"[ {row} ]")
        for name in ("get_check_view", "get_check_views")
    }

    assert counts == {"get_check_view": 4, "get_check_views": 4}, counts
    assert set(RELATION_COLUMNS) == set(Relation.model_fields) - {"kind", "source_id", "target_id"}


def test_the_subject_rows_and_entry_maps_carry_what_the_decoders_read_with_dates_as_text() -> None:
    subject_fields = (set(Organization.model_fields) - {"kind"}) | set(Person.model_fields)  # kind: a label
    assert set(SUBJECT_COLUMNS) == subject_fields, SUBJECT_COLUMNS
    dates = {"established_on"}
    subject = (
        "[" + ", ".join(f"toString(VAR.{c})" if c in dates else f"VAR.{c}" for c in SUBJECT_COLUMNS) + "]"
    )
    entry = "e {.*, " + ", ".join(f"{d}: toString(e.{d})" for d in ENTRY_DATES) + "}"

    counts = {
        name: (
            query(name).count(subject.replace("VAR", "node")),
            query(name).count(subject.replace("VAR", "d")),
            query(name).count(entry),
        )
        for name in ("get_check_view", "get_check_views")
    }

    # Entries: those on and linked to a subject reached (one expansion), those on a namesake.
    assert counts == {"get_check_view": (1, 1, 2), "get_check_views": (1, 1, 2)}, counts
