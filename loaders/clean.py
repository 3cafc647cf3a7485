"""The clean-row path's shared pieces: a row's dates, its person and its relation, without :class:`Cells`.

Each function is the twin of a :mod:`loaders.cells` / :mod:`loaders.formats.v1_relations` function for a
row that has no problem and no warning there, and answers None wherever that one would record a problem
or a warning, or build through the model (its fast builder declining): the caller then parses the row the
ordinary way, which words every issue. They read the row's cells by column name, as :class:`Cells` does,
and ask the load's :class:`~loaders.memo.IdentifierMemo` for every identifier check.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from graph_service.domain.model import Person, Relation, unresolved_person_key
from loaders import rows
from loaders.cells import is_withheld, parse_date
from loaders.csvio import Row
from loaders.memo import IdentifierMemo

_UNSEEN: Any = object()

#: A person-sourced relation's source key, the unresolved person it defines, and what it resolves.
PersonSource = tuple[str, Person | None, tuple[str, Person] | None]


def date(ids: IdentifierMemo, value: str) -> dt.date | None:
    """:func:`parse_date` of ``value`` (strict ``YYYY-MM-DD``), remembered for the load."""
    found = ids.dates.get(value, _UNSEEN)
    if found is _UNSEEN:
        found = ids.dates[value] = parse_date(value)
    return found  # type: ignore[no-any-return]


def person_source(
    row: Row, ids: IdentifierMemo, today: dt.date, id_column: str, name_column: str, org: str
) -> PersonSource | None:
    """:func:`loaders.formats.v1_relations.person_source` of a clean row whose organisation is ``org``."""
    raw, name = row.get(id_column), row.get(name_column)
    if is_withheld(raw):
        if name is None:
            return None  # a problem: withheld without a name
        key, unresolved = unresolved_person_key(org, name), True
    else:
        assert raw is not None  # is_withheld(None) holds
        number = ids.clean_id_number(raw, today)
        if number is None:
            return None
        key, unresolved = number, False
    if name is None:
        return key, None, None
    person = rows.person({"key": key, "name": name}, ids)
    if person is None:
        return None  # the model words it (or accepts what the fast builder would not reason about)
    if unresolved:
        return key, person, None
    return key, None, (unresolved_person_key(org, name), person)


def dated_relation(row: Row, ids: IdentifierMemo, fields: dict[str, Any]) -> Relation | None:
    """:func:`loaders.formats.v1_relations.dated_relation` of a clean row (``fields`` is changed)."""
    start_text, end_text = row.get("start_on"), row.get("end_on")
    start = end = None
    if start_text is not None and (start := date(ids, start_text)) is None:
        return None
    if end_text is not None and (end := date(ids, end_text)) is None:
        return None
    fields["start_on"], fields["end_on"] = start, end
    return rows.relation({k: v for k, v in fields.items() if v is not None}, ids)
