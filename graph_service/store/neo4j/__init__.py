"""The Neo4j backend (production): :class:`Neo4jStore`.

Statements live in ``cypher/``; the graph model is described in docs/model.md.
"""

from graph_service.store.neo4j.store import Neo4jStore

__all__ = ["Neo4jStore"]
