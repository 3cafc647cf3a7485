"""Every Cypher statement the Neo4j backend runs, one ``verb_noun.cypher`` file each.

``query("get_subjects")`` returns the text of ``get_subjects.cypher``; files are package data, read once.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def query(name: str) -> str:
    """The Cypher text of ``cypher/<name>.cypher`` (raises FileNotFoundError for an unknown name)."""
    return files(__package__).joinpath(f"{name}.cypher").read_text(encoding="utf-8")


def statements(name: str) -> list[str]:
    """A multi-statement file (like ``schema.cypher``) split on ``;`` into single statements."""
    return [s.strip() for s in query(name).split(";") if s.strip() and not _only_comments(s)]


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("//") for line in text.splitlines())
