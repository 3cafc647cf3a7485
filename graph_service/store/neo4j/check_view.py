"""A check's reads in one Cypher statement (``cypher/get_check_view.cypher``), one Bolt round trip.

The statement walks every level of the neighbourhood server-side and returns each level's adjacency
(as ``adjacent_subjects.cypher`` does) plus the node, entries and personal links of every subject
reached and the data version. The paths are then chosen by the port's own walk
(:func:`graph_service.store.graph_port.breadth_first`) over those levels, and the rest goes through the
same :mod:`.mapping` functions and :meth:`CheckView.of` as the default read: so the answer is the one the
walk and the reads give one by one, which the contract suite checks on varied graphs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from graph_service.domain.model import ListEntry, Subject
from graph_service.domain.penalty import PenaltyRecord
from graph_service.domain.propagation import PersonalLink
from graph_service.store.check_view import CheckView
from graph_service.store.graph_port import Adjacency, breadth_first, relation_order
from graph_service.store.neo4j import mapping

#: The levels ``get_check_view.cypher`` unrolls; a deeper walk is read the port's default way.
MAX_DEPTH = 4

STATEMENT = "get_check_view"


def parameters(subject_id: str, depth: int, as_of: dt.date | None, limit: int) -> dict[str, Any]:
    return {"key": subject_id, "depth": depth, "as_of": as_of, "limit": limit}


def view_from(record: Mapping[str, Any], subject_id: str, depth: int) -> CheckView:
    """The :class:`CheckView` of one ``get_check_view`` record."""
    adjacency: dict[str, Adjacency] = {}
    for level in record["levels"]:
        for row in level:
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
            adjacency[key] = Adjacency(links=links, total=int(row["total"]))
    walk = breadth_first(subject_id, depth, lambda _frontier: adjacency)
    subjects: dict[str, Subject] = {}
    on: list[ListEntry] = []
    links_found: list[PersonalLink] = []
    linked: list[ListEntry] = []
    penalties: list[PenaltyRecord] = []
    for detail in record["details"]:
        key = detail["key"]
        subjects[key] = mapping.subject_from(detail["labels"], detail["props"])
        on.extend(mapping.entry_from(props) for props in detail["entries"])
        for item in detail["links"]:
            entry = mapping.entry_from(item["entry"])
            linked.append(entry)
            links_found.append(mapping.link_from(key, entry.entry_id, item["props"]))
        penalties.extend(mapping.penalty_from(props) for props in detail["penalties"])
    return CheckView.of(walk, int(record["data_version"]), subjects, on, links_found, linked, penalties)
