"""Graph stores: the ports (graph, workflow, feed), :class:`GraphStore` combining them, and its backends."""

from graph_service.store.base import GraphStore
from graph_service.store.graph_port import Adjacency

__all__ = ["Adjacency", "GraphStore"]
