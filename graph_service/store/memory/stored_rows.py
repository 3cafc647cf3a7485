"""Subjects and relations read back from the journal or a snapshot, without pydantic's validation.

A restart decodes every row the store ever wrote; ``model_validate`` (even with :data:`STORED`, which skips
the identifier checksums) was most of it: ~10 µs a row, 75k rows at 10k organisations. These rows were
validated in full when written and are protected by the journal's checksums, so a row in exactly the
shape the store writes (``model_dump(mode="json")``: every field present, no other, each of its JSON type)
is rebuilt by converting its values (enums, ISO dates, floats) — the conversions still reject a bad value.
Anything else (an older shape, a missing region) returns None, and the caller validates it as before.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from graph_service.domain.model import Organization, OrgKind, OrgStatus, Person, Relation, RelationKind
from graph_service.store.memory.compact import built

_ORG_KEYS = frozenset(Organization.model_fields)
_PERSON_KEYS = frozenset(Person.model_fields)
_RELATION_KEYS = frozenset(Relation.model_fields)


@lru_cache(maxsize=65536)
def _date(text: str) -> dt.date:
    """A date from ISO text; cached, so equal dates of many rows are one object."""
    return dt.date.fromisoformat(text)


def _opt_date(value: Any) -> dt.date | None:
    return None if value is None else _date(value)


def _opt_str(value: Any) -> str | None:
    if value is None or type(value) is str:
        return value
    raise TypeError(f"expected a string, got {value!r}")


def _str(value: Any) -> str:
    if type(value) is str:
        return value
    raise TypeError(f"expected a string, got {value!r}")


def _opt_float(value: Any) -> float | None:
    if value is None:
        return None
    if type(value) is float or type(value) is int:
        return float(value)
    raise TypeError(f"expected a number, got {value!r}")


def organization(row: dict[str, Any]) -> Organization | None:
    """The organisation of a stored row, or None if the row is not in the shape the store writes."""
    if row.keys() != _ORG_KEYS or row["region"] is None:
        return None
    values = {
        "uscc": _str(row["uscc"]),
        "name": _str(row["name"]),
        "kind": OrgKind(row["kind"]),
        "region": _str(row["region"]),
        "status": OrgStatus(row["status"]),
        "established_on": _opt_date(row["established_on"]),
        "industry": _opt_str(row["industry"]),
    }
    return built(Organization, values)


def person(row: dict[str, Any]) -> Person | None:
    """The person of a stored row, or None if the row is not in the shape the store writes."""
    if row.keys() != _PERSON_KEYS:
        return None
    key, region = _str(row["key"]), _opt_str(row["region"])
    if region is None and not key.startswith("~"):
        return None  # the model fills a resolved person's region in: let it
    return built(Person, {"key": key, "name": _str(row["name"]), "region": region})


def relation(row: dict[str, Any]) -> Relation | None:
    """The relation of a stored row, or None if the row is not in the shape the store writes."""
    if row.keys() != _RELATION_KEYS:
        return None
    values = {
        "kind": RelationKind(row["kind"]),
        "source_id": _str(row["source_id"]),
        "target_id": _str(row["target_id"]),
        "start_on": _opt_date(row["start_on"]),
        "end_on": _opt_date(row["end_on"]),
        "source": _opt_str(row["source"]),
        "title": _opt_str(row["title"]),
        "ratio": _opt_float(row["ratio"]),
        "subscribed_amount": _opt_float(row["subscribed_amount"]),
        "qualification": _opt_str(row["qualification"]),
        "certificate_no": _opt_str(row["certificate_no"]),
    }
    return built(Relation, values)
