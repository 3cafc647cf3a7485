"""Reading ahead inside a pinned read: a check's questions answered from what its walk already fetched.

A related-party check asks the store about a dozen small questions (the walk's levels, the entries and
personal links of everyone reached, their nodes, the green-channel record) and on Neo4j each one is a
Bolt round trip: at ~1–3 ms each on a busy two-core machine they were nearly all of a check's time.
Inside :meth:`Neo4jStore.reading` every level of the walk therefore runs ``get_frontier_ahead.cypher``,
which also returns, for each subject it reaches, the node, the entries on it and its personal links with
their entries; the store's later reads of those subjects are answered from this :class:`ReadAhead`.

The answers are the ones the ordinary statements would give in the same transaction (the same property
maps through the same :mod:`.mapping` functions, filtered and sorted by the same code in the store), so
nothing about the contract changes — only where the data comes from. Outside a pinned read nothing is
cached. A question about a subject the walk did not reach goes to the server as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from neo4j import ManagedTransaction

from cypher import query
from graph_service.domain.model import ListEntry, Subject
from graph_service.domain.propagation import PersonalLink
from graph_service.store.graph_port import Adjacency, relation_order
from graph_service.store.neo4j import mapping


@dataclass
class ReadAhead:
    """What one pinned read has fetched so far, by subject key and entry id."""

    subjects: dict[str, Subject] = field(default_factory=dict)
    entries_on: dict[str, list[ListEntry]] = field(default_factory=dict)  # subject key -> entries on it
    links_of: dict[str, list[PersonalLink]] = field(default_factory=dict)  # subject key -> its links
    entries: dict[str, ListEntry] = field(default_factory=dict)  # entry id -> entry
    data_version: int | None = None

    # Each answer is None unless every key asked about was read ahead (then the server is asked).

    def subjects_of(self, keys: Sequence[str]) -> dict[str, Subject] | None:
        if not all(key in self.subjects for key in keys):
            return None
        return {key: self.subjects[key] for key in keys}

    def entries_by_id(self, entry_ids: Sequence[str]) -> dict[str, ListEntry] | None:
        if not all(entry_id in self.entries for entry_id in entry_ids):
            return None
        return {entry_id: self.entries[entry_id] for entry_id in entry_ids}

    def entries_on_subjects(self, keys: Sequence[str]) -> list[ListEntry] | None:
        """The entries on these subjects, each once (unsorted, unfiltered: as the statement answers)."""
        if not all(key in self.entries_on for key in keys):
            return None
        return list({e.entry_id: e for key in keys for e in self.entries_on[key]}.values())

    def links_of_subjects(self, keys: Sequence[str]) -> list[PersonalLink] | None:
        """The personal links of these subjects, each once (unsorted)."""
        if not all(key in self.links_of for key in keys):
            return None
        return list({link.key: link for key in keys for link in self.links_of[key]}.values())

    def add(self, detail: dict[str, Any]) -> None:
        """Keep one subject's node, entries and links, as ``get_frontier_ahead`` returns them."""
        key: str = detail["key"]
        self.subjects[key] = mapping.subject_from(detail["labels"], detail["props"])
        on = [mapping.entry_from(props) for props in detail["entries"]]
        self.entries_on[key] = on
        links = []
        for item in detail["links"]:
            entry = mapping.entry_from(item["entry"])
            self.entries[entry.entry_id] = entry
            links.append(mapping.link_from(key, entry.entry_id, item["props"]))
        self.links_of[key] = links
        for entry in on:
            self.entries[entry.entry_id] = entry


def frontier_ahead(
    tx: ManagedTransaction, keys: Sequence[str], as_of: dt.date | None, limit: int, ahead: ReadAhead
) -> dict[str, Adjacency]:
    """The frontier's adjacency (as :func:`.reads.adjacent`), reading the reached subjects into ``ahead``.

    One statement for the whole frontier: the walk's frontiers are a check's, small enough for one
    parameter list.
    """
    record = tx.run(
        query("get_frontier_ahead"), keys=list(keys), as_of=as_of, limit=limit, known=list(ahead.subjects)
    ).single(strict=True)
    for detail in record["details"]:
        ahead.add(detail)
    ahead.data_version = int(record["data_version"])
    found: dict[str, Adjacency] = {}
    for row in record["adjacency"]:
        key: str = row["key"]
        links = [
            (relation, relation.other_end(key))
            for relation in (
                mapping.relation_from(link["type"], link["source_id"], link["target_id"], link["props"])
                for link in row["links"]
            )
        ]
        # As in reads.adjacent: Cypher orders strings by UTF-16 unit, Python by code point.
        links.sort(key=lambda link: relation_order(*link))
        found[key] = Adjacency(links=links, total=int(row["total"]))
    return found
