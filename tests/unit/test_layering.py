"""The arrows of docs/architecture.md, checked: api/cli -> bootstrap -> services -> domain <- store.

Read from the source with :mod:`ast` (imports inside functions count too), so a shortcut taken in any
module fails here rather than in review.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = ("graph_service.store.memory", "graph_service.store.neo4j")


def modules(package: str) -> Iterator[Path]:
    yield from sorted((ROOT / package.replace(".", "/")).rglob("*.py"))


def imports_of(path: Path, root: Path = ROOT) -> set[str]:
    """Every module name ``path`` imports (absolute names; relative imports resolved against ``root``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def offending(package: str, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in modules(package):
        for name in sorted(imports_of(path)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    return bad


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        pytest.param(
            "graph_service.domain",
            ("neo4j", "networkx", "fastapi", "graph_service.store", "graph_service.services", "api"),
            id="domain-is-pure",
        ),
        pytest.param("loaders", BACKENDS, id="loaders-use-the-ports-only"),
        pytest.param("api", (*BACKENDS, "neo4j", "networkx"), id="api-never-touches-a-backend"),
        pytest.param("graph_service.services", (*BACKENDS, "fastapi", "api"), id="services-via-ports"),
        pytest.param("graph_service.federation", (*BACKENDS, "fastapi", "api"), id="federation-via-ports"),
    ],
)
def test_a_layer_does_not_import_what_it_must_not(package: str, forbidden: tuple[str, ...]) -> None:
    assert offending(package, forbidden) == []


def test_the_checker_sees_a_relative_import_inside_a_function(tmp_path: Path) -> None:
    source = tmp_path / "graph_service" / "domain" / "sample.py"
    source.parent.mkdir(parents=True)
    source.write_text("def f():\n    from ..store.memory import MemoryStore\n", encoding="utf-8")

    assert "graph_service.store.memory" in imports_of(source, tmp_path)
