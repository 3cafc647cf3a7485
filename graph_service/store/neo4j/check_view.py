"""A check's reads in one Cypher statement (``cypher/get_check_view.cypher``), one Bolt round trip.

The statement walks every level of the neighbourhood server-side and returns each level's adjacency
(as ``adjacent_subjects.cypher`` does) plus the node, entries and personal links of every subject
reached, the masked court debtors of the checked person's name (:func:`namesakes_of`, the same rule
as the default read) and the data version. The paths are then chosen by the port's own walk
(:func:`graph_service.store.graph_port.breadth_first`) over those levels, and the rest goes through the
same :mod:`.mapping` functions and :meth:`CheckView.of` as the default read: so the answer is the one the
walk and the reads give one by one, which the contract suite checks on varied graphs.

A batch of checks reads many views at once (:func:`views_of`): ``cypher/get_check_views.cypher`` is the
same statement wrapped in an ``UNWIND`` over a chunk of keys, one record per key in their order.

Both files write out :data:`MAX_DEPTH` levels; a check sends the text cut to its depth (:func:`statement`,
``cypher.unrolled``): one plan per depth, and no operators run for levels a check does not walk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from neo4j import ManagedTransaction

from cypher import query
from graph_service.domain.model import ListEntry, Relation, Subject
from graph_service.domain.propagation import PersonalLink
from graph_service.store.check_view import CheckView, namesakes_of
from graph_service.store.graph_port import Adjacency, breadth_first, relation_order
from graph_service.store.neo4j import mapping
from graph_service.store.neo4j.decoded import Decoded

#: The levels ``get_check_view.cypher`` unrolls; a deeper walk is read the port's default way.
MAX_DEPTH = 4
#: The depth most checks ask for (the API's default): its plan is the one a store's start waits for.
USUAL_DEPTH = 2

STATEMENT = "get_check_view"
#: Many subjects' views in one statement (``cypher/get_check_views.cypher``), :data:`CHUNK` keys at a time.
BATCH_STATEMENT = "get_check_views"
#: Keys per ``get_check_views`` statement, one read transaction each: well inside the read timeout on a
#: loaded server (about 20 ms a key at depth 2 on the shared benchmark box), and a bounded answer.
CHUNK = 50
#: ``get_check_views`` statements a batch keeps running at once. One at a time, the server waited while
#: the client decoded each chunk's records, and the client while the server answered: on the 1M graph a
#: batch of 10,000 took 16.6 s so, 12.4 s with two (three: 12.3 s; benchmarks/results/
#: profile-neo4j-1m-batch-decode.txt). Each is a read transaction of its own, as one at a time were.
READS_IN_FLIGHT = 2


#: A masked court debtor of a view's namesakes as the statement sends it: its labels and subject row.
DebtorRow = tuple[list[str], list[Any]]


def _debtor_from(raw: DebtorRow) -> Subject:
    return mapping.subject_from_row(*raw)


@dataclass(frozen=True)
class Decoders:
    """What a store's views decode their repeated parts through (:mod:`.decoded`): entries by id (the
    namesakes' and the reached subjects'), the namesakes' debtors by key. One per store."""

    entries: Decoded[Mapping[str, Any], ListEntry] = field(
        default_factory=lambda: Decoded(mapping.entry_from_view)
    )
    debtors: Decoded[DebtorRow, Subject] = field(default_factory=lambda: Decoded(_debtor_from))


def statement(depth: int) -> str:
    """The name of ``get_check_view`` cut to ``depth`` levels (0 to :data:`MAX_DEPTH`)."""
    return f"{STATEMENT}@{depth}"


def batch_statement(depth: int) -> str:
    """The name of ``get_check_views`` cut to ``depth`` levels (0 to :data:`MAX_DEPTH`)."""
    return f"{BATCH_STATEMENT}@{depth}"


def parameters(subject_id: str, as_of: dt.date | None, limit: int) -> dict[str, Any]:
    """The parameters of :func:`statement` (the depth is in the text)."""
    return {"key": subject_id, "as_of": as_of, "limit": limit}


def warm_up_runs() -> list[tuple[str, dict[str, Any]]]:
    """A run of each check statement per depth and parameter type a check sends, to plan them first.

    The server caches one plan per statement text and parameter types: ``as_of`` is a date for a check
    on a day and null for one over the whole history. The usual dated check comes first (a store's
    start waits for it), then the other dated single checks, the dated batches, then the whole history.
    The key is one no subject has (keys are never empty), so the runs read nothing.
    """
    depths = [USUAL_DEPTH, *(d for d in range(1, MAX_DEPTH + 1) if d != USUAL_DEPTH)]
    runs: list[tuple[str, dict[str, Any]]] = []
    for as_of in (dt.date(2000, 1, 1), None):
        runs.extend((statement(depth), parameters("", as_of, 1)) for depth in depths)
        batch = {"keys": [""], "as_of": as_of, "limit": 1}
        runs.extend((batch_statement(depth), batch) for depth in depths)
    return runs


def chunks(keys: Sequence[str]) -> Iterator[list[str]]:
    """``keys`` in order, :data:`CHUNK` at a time (one ``get_check_views`` statement each)."""
    size = CHUNK
    for start in range(0, len(keys), size):
        yield list(keys[start : start + size])


def views_of(
    tx: ManagedTransaction,
    keys: list[str],
    depth: int,
    as_of: dt.date | None,
    limit: int,
    decoders: Decoders | None = None,
) -> list[CheckView]:
    """The views of ``keys`` (in order) from one ``get_check_views`` statement."""
    result = tx.run(query(batch_statement(depth)), keys=keys, as_of=as_of, limit=limit)
    views = [view_from(record, record["key"], depth, limit, decoders) for record in result]
    if len(views) != len(keys):  # one record per key, by the statement's UNWIND; anything else is a bug
        raise RuntimeError(f"{BATCH_STATEMENT} answered {len(views)} views for {len(keys)} keys")
    return views


def _orders_agree(key: str, links: list[tuple[Relation, str]]) -> bool:
    """Whether the statement's order of ``key``'s links is :func:`relation_order` already.

    The statement sorts by (neighbour key, relation key) as Cypher compares strings, by UTF-16 unit;
    Python compares code points (as in :func:`.reads.adjacent`). The two differ only between a character
    past U+FFFF and one in U+E000..U+FFFF, and a relation key is made of its kind, its two ends' keys and
    a date: when neither key nor any neighbour's has a character from U+E000 on, re-sorting (a relation
    key built per link) would give the same list.
    """
    return _below_e000(key) and all(_below_e000(other) for _, other in links)


def _below_e000(text: str) -> bool:
    return text.isascii() or not text or max(text) < "\ue000"


def view_from(
    record: Mapping[str, Any], subject_id: str, depth: int, limit: int, decoders: Decoders | None = None
) -> CheckView:
    """The :class:`CheckView` of one ``get_check_view`` (or ``get_check_views``) record.

    The record's rows are lists: a level's ``[key, total, links]`` per subject expanded, each link a row
    of :func:`.mapping.link_from_row`; ``details`` ``[labels, subject, around]`` per subject reached
    (``subject`` a row of :data:`.mapping.SUBJECT_COLUMNS`, ``around`` its entries as ``[null, entry]``
    and its personal links as ``[link properties, entry]``); ``penalties`` the subject checked's;
    ``namesakes`` ``[labels, subject, entries]``.

    Each level's rows hold the links of the first ``limit`` that reach a subject not reached before (the
    walk never takes the others, so the statement leaves them out), and ``total``, the subject's relations
    counted up to ``limit + 1`` (a top-k sort: the walk needs only whether it was cut): ``total`` less
    those left out still says whether the subject's relations were cut at the limit. So a view's
    :class:`Adjacency` totals stop at ``limit + 1``; the views carry only the cut (``truncated_at``).

    Entries and the namesakes' debtors go through ``decoders`` (a fresh set without): an equal property
    map gives the object decoded from it before, so the view is the one decoding the record would give.
    """
    decoders = decoders or Decoders()
    entry_from = decoders.entries.get
    adjacency: dict[str, Adjacency] = {}
    for level in record["levels"]:
        for key, found, rows in level:
            links = [mapping.link_from_row(key, row) for row in rows]
            if not _orders_agree(key, links):
                links.sort(key=lambda link: relation_order(*link))
            total = int(found)
            left_out = min(total, limit) - len(links)
            adjacency[key] = Adjacency(links=links, total=total - left_out)
    walk = breadth_first(subject_id, depth, lambda _frontier: adjacency)
    subjects: dict[str, Subject] = {}
    on: list[ListEntry] = []
    links_found: list[PersonalLink] = []
    linked: list[ListEntry] = []
    on_namesakes: list[ListEntry] = []
    for labels, row, around in record["details"]:
        key = row[0]  # SUBJECT_COLUMNS starts with the node's key
        subjects[key] = mapping.subject_from_row(labels, row)
        for link_props, entry_props in around:
            entry = entry_from(entry_props["entry_id"], entry_props)
            if link_props is None:  # an entry on the subject
                on.append(entry)
            else:  # a personal link of the subject's, to the entry
                linked.append(entry)
                links_found.append(mapping.link_from_view(key, entry.entry_id, link_props))
    penalties = [mapping.penalty_from(props) for props in record["penalties"]]
    candidates: list[Subject] = []
    for labels, subject, entries in record["namesakes"]:
        candidates.append(decoders.debtors.get(subject[0], (labels, subject)))
        on_namesakes.extend(entry_from(props["entry_id"], props) for props in entries)
    namesakes = namesakes_of(subjects.get(subject_id), candidates, on_namesakes)
    version = int(record["data_version"])
    return CheckView.of(walk, version, subjects, on, links_found, linked, penalties, namesakes)
