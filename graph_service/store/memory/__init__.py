"""The embedded backend: a networkx graph in memory, persisted as a journal plus snapshot in a data dir."""

from graph_service.store.memory.store import CompactResult, MemoryStore

__all__ = ["CompactResult", "MemoryStore"]
