"""Choose the backend from settings: Neo4j when a URI is set, else the embedded store under data_dir."""

from __future__ import annotations

from graph_service.config import Settings
from graph_service.store.base import GraphStore


def open_store(settings: Settings, *, read_only: bool = False) -> GraphStore:
    """Open the configured store. ``read_only`` opens the embedded store without taking the writer lock."""
    if settings.neo4j_uri:
        from graph_service.store.neo4j import Neo4jStore

        assert settings.neo4j_password is not None  # enforced by Settings
        return Neo4jStore(
            uri=settings.neo4j_uri,
            user=settings.neo4j_user,
            password=settings.neo4j_password.get_secret_value(),
            database=settings.neo4j_database,
            timeout_s=settings.neo4j_timeout_s,
        )
    from graph_service.store.memory import MemoryStore

    return MemoryStore(settings.data_dir, read_only=read_only)
