"""Every Cypher statement the Neo4j backend runs, one ``verb_noun.cypher`` file each.

``query("get_subjects")`` returns the text of ``get_subjects.cypher`` as it is sent: comments removed and
whitespace runs folded to one space (:func:`compact`), once per process. The files keep their comments
for the reader; the server gets only the statement. That is less to send and to hash on every run (the
check's statement is 7.5 KB as written, 5.3 KB sent), and the server's plan cache, keyed on the text,
still sees one text per statement. ``source`` is the file as written.

A statement that walks a graph level by level (Cypher has no loop) writes every level out; ``name@n``
names its text with the first ``n`` levels only (:func:`unrolled`), one plan per depth.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

#: Characters that open a quoted token: string literals and escaped names, copied as they are.
_QUOTES = frozenset("'\"`")


#: The lines that open each level of an unrolled statement and close the last one (see :func:`unrolled`).
_LEVEL = re.compile(r"^[ \t]*// level (\d+)[ \t]*$", re.MULTILINE)
_LEVELS_END = re.compile(r"^[ \t]*// end of levels[ \t]*$", re.MULTILINE)


@cache
def query(name: str) -> str:
    """The Cypher text of ``cypher/<name>.cypher`` as sent (raises FileNotFoundError for an unknown name).

    ``<name>@<n>``: the file's statement unrolled to ``n`` levels (:func:`unrolled`).
    """
    stem, at, levels = name.partition("@")
    text = source(stem)
    return compact(unrolled(text, int(levels)) if at else text)


def unrolled(text: str, levels: int) -> str:
    """``text`` with its first ``levels`` levels and without the others.

    Each level is a block opened by a line ``// level <k>`` (k = 1, 2, ... in order), the last block
    closed by a line ``// end of levels``; the blocks past ``levels`` are cut. A level left out costs the
    server nothing, where a level skipped at run time (a guard emptying its frontier) still runs all of
    its operators: about 0.1 ms a check at depth 2 of the check view's four.
    """
    starts = list(_LEVEL.finditer(text))
    end = _LEVELS_END.search(text)
    numbered = [int(found.group(1)) for found in starts] == list(range(1, len(starts) + 1))
    if not starts or not numbered or end is None or end.start() < starts[-1].end():
        raise ValueError("not an unrolled statement: '// level 1', '// level 2', ... then '// end of levels'")
    if not 0 <= levels <= len(starts):
        raise ValueError(f"the statement unrolls 0 to {len(starts)} levels, not {levels}")
    if levels == len(starts):
        return text
    return text[: starts[levels].start()] + text[end.start() :]


@cache
def source(name: str) -> str:
    """``cypher/<name>.cypher`` as written, comments and layout included."""
    return files(__package__).joinpath(f"{name}.cypher").read_text(encoding="utf-8")


def statements(name: str) -> list[str]:
    """A multi-statement file (like ``schema.cypher``) split on ``;`` into single statements."""
    return [s.strip() for s in query(name).split(";") if s.strip()]


def compact(text: str) -> str:
    """``text`` without ``//`` and ``/* */`` comments, each run of whitespace one space, trimmed.

    Quoted tokens (``'...'``, ``"..."``, ```...```, backslash escapes inside) are copied unchanged, so a
    ``//`` or a double space inside a string literal stays; a comment still separates the tokens around it.
    """
    out: list[str] = []
    pending_space = False
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            pending_space = True
            i += 1
            continue
        if text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            pending_space = True
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise ValueError("unterminated /* comment in a Cypher statement")
            i = end + 2
            pending_space = True
            continue
        if pending_space and out:
            out.append(" ")
        pending_space = False
        if char in _QUOTES:
            end = _quoted_end(text, i)
            out.append(text[i:end])
            i = end
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _quoted_end(text: str, start: int) -> int:
    """The index just past the quoted token opening at ``start`` (a backslash escapes the next character)."""
    quote = text[start]
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i + 1
        i += 1
    raise ValueError(f"unterminated {quote} in a Cypher statement")
