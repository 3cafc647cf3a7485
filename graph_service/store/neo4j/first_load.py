"""The Neo4j side of a bulk first load: is the database empty before, and the finishing touches after.

The import files are written by :mod:`.import_files` and imported offline by
:mod:`graph_service.neo4j_local.admin_import`; :mod:`.bulk_import` runs the whole sequence.
"""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import ManagedTransaction

from cypher import query, statements
from graph_service.store.neo4j.connection import Connection


@dataclass(frozen=True)
class ImportTarget:
    """What the database holds before an import: nodes besides ``:Meta``, and its counters."""

    nodes: int
    data_version: int
    feed_seq: int

    @property
    def empty(self) -> bool:
        return self.nodes == 0


def import_target(connection: Connection) -> ImportTarget:
    """The state of the database a bulk import would replace."""
    return connection.read(_import_target)


def _import_target(tx: ManagedTransaction) -> ImportTarget:
    record = tx.run(query("get_import_target")).single(strict=True)
    return ImportTarget(int(record["nodes"]), int(record["data_version"]), int(record["feed_seq"]))


def restore_empty_lists(connection: Connection) -> int:
    """Put back the empty list properties the importer could not store; how many it restored."""
    return sum(connection.write(_run_count, statement) for statement in statements("restore_empty_lists"))


def _run_count(tx: ManagedTransaction, statement: str) -> int:
    return int(tx.run(statement).single(strict=True)["restored"])
