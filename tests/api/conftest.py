"""Fixtures of the API tests: the contract suite's ``store`` (memory and Neo4j) and a graph API client on it.

``store`` and ``neo4j_store`` are the contract suite's own fixtures, re-exported so the graph API tests
run once per backend exactly like the contract suite.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_service.store.base import GraphStore
from tests.api.graph_support import GraphApi, open_graph_api
from tests.contract.conftest import neo4j_store, store

__all__ = ["graph_api", "neo4j_store", "store"]


@pytest.fixture
def graph_api(store: GraphStore, tmp_path: Path) -> Iterator[GraphApi]:
    """The app around the parametrized store, an in-memory audit log, and investigator/approval keys."""
    with open_graph_api(store, tmp_path) as api:
        yield api
