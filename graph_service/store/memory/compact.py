"""Compact payloads of the embedded graph: subjects and relations held as tuples, built into models on read.

A pydantic instance costs about 1.2 KB (its ``__dict__``, its ``__pydantic_fields_set__`` — 35 % of the
store's heap when each node and edge held one — and the object); a tuple of the same values costs ~100 B.
So a node holds its subject's fields but the key (the node key), an edge its relation's fields but the
endpoints (the edge's ends, which are the nodes' own key strings), and values that repeat across rows
(regions, dates, titles, data sources) are shared. Reads build the domain object again, without
validation: every value was validated when the row was written. Hand-written for the three hot models (a
generic ``model_construct`` costs several times as much per read); the field lists are checked against the
models at import, so a new field cannot be dropped silently.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from pydantic import BaseModel

from graph_service.domain.model import Organization, Person, Relation, RelationKind

_ORG_FIELDS = ("uscc", "name", "kind", "region", "status", "established_on", "industry")
_PERSON_FIELDS = ("key", "name", "region")
_RELATION_FIELDS = (
    "kind",
    "source_id",
    "target_id",
    "start_on",
    "end_on",
    "source",
    "title",
    "ratio",
    "subscribed_amount",
    "qualification",
    "certificate_no",
)
for _model, _fields in ((Organization, _ORG_FIELDS), (Person, _PERSON_FIELDS), (Relation, _RELATION_FIELDS)):
    if tuple(_model.model_fields) != _fields:  # pragma: no cover - a guard for whoever changes the model
        raise AssertionError(f"{_model.__name__} fields changed: update graph_service.store.memory.compact")

PackedSubject = tuple[Any, ...]  # (Organization | Person class, values but the key...)
PackedRelation = tuple[Any, ...]  # (kind, start_on, end_on, source, title, ...) trailing Nones dropped
EdgeKey = tuple[RelationKind, dt.date | None]  # a relation's identity between its two ends

_RELATION_TAIL = len(_RELATION_FIELDS) - 2  # every field but the endpoints
_PAD = tuple((None,) * (_RELATION_TAIL - n) for n in range(_RELATION_TAIL + 1))

_M = TypeVar("_M", bound=BaseModel)
_V = TypeVar("_V")


class Shared:
    """One object per distinct repeated value (region codes, dates, titles, sources): ``get`` returns it."""

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}

    def get(self, value: _V) -> _V:
        if value is None:
            return value
        return self._values.setdefault(value, value)  # type: ignore[no-any-return]


def edge_key(relation: Relation) -> EdgeKey:
    """The key of a relation's edge: its identity but the endpoints (kind, start date)."""
    return (relation.kind, relation.start_on)


def pack_subject(subject: Organization | Person, shared: Shared) -> PackedSubject:
    if isinstance(subject, Organization):
        d = subject.__dict__
        return (
            Organization,
            d["name"],
            d["kind"],
            shared.get(d["region"]),
            d["status"],
            shared.get(d["established_on"]),
            shared.get(d["industry"]),
        )
    return (Person, subject.name, shared.get(subject.region))


def unpack_subject(key: str, packed: PackedSubject) -> Organization | Person:
    cls = packed[0]
    if cls is Organization:
        _, name, kind, region, status, established_on, industry = packed
        values = {
            "uscc": key,
            "name": name,
            "kind": kind,
            "region": region,
            "status": status,
            "established_on": established_on,
            "industry": industry,
        }
        return built(Organization, values)
    return built(Person, {"key": key, "name": packed[1], "region": packed[2]})


def subject_name(packed: PackedSubject) -> str:
    return packed[1]  # type: ignore[no-any-return]


def pack_relation(relation: Relation, shared: Shared) -> PackedRelation:
    d = relation.__dict__
    values = [
        d["kind"],
        shared.get(d["start_on"]),
        shared.get(d["end_on"]),
        shared.get(d["source"]),
        shared.get(d["title"]),
        d["ratio"],
        d["subscribed_amount"],
        shared.get(d["qualification"]),
        d["certificate_no"],
    ]
    while values[-1] is None:  # the kind is never None
        values.pop()
    return tuple(values)


def unpack_relation(source_id: str, target_id: str, packed: PackedRelation) -> Relation:
    kind, start_on, end_on, source, title, ratio, amount, qualification, certificate = (
        packed + _PAD[len(packed)]
    )
    values = {
        "kind": kind,
        "source_id": source_id,
        "target_id": target_id,
        "start_on": start_on,
        "end_on": end_on,
        "source": source,
        "title": title,
        "ratio": ratio,
        "subscribed_amount": amount,
        "qualification": qualification,
        "certificate_no": certificate,
    }
    return built(Relation, values)


def packed_valid_on(packed: PackedRelation, day: dt.date) -> bool:
    """:meth:`Relation.valid_on` of a packed relation."""
    start_on = packed[1] if len(packed) > 1 else None
    end_on = packed[2] if len(packed) > 2 else None
    return (start_on is None or start_on <= day) and (end_on is None or day < end_on)


def packed_key(source_id: str, target_id: str, packed: PackedRelation) -> str:
    """:attr:`Relation.key` of a packed relation."""
    start_on = packed[1] if len(packed) > 1 else None
    return f"{packed[0].value}|{source_id}|{target_id}|{start_on.isoformat() if start_on else ''}"


def built(cls: type[_M], values: dict[str, Any]) -> _M:
    """A model from values that were validated when stored and name every field (no validation again).

    What ``model_construct`` ends with, without its per-field default handling.
    """
    instance = cls.__new__(cls)
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance
