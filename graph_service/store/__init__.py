"""Graph stores: the port (:class:`GraphStore`) and its backends (embedded networkx, Neo4j)."""

from graph_service.store.base import Adjacency, GraphStore

__all__ = ["Adjacency", "GraphStore"]
