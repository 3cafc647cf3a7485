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
import sys
from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any, Generic, TypeVar

import networkx as nx
from pydantic import BaseModel

from graph_service.domain.model import Organization, Person, Relation, RelationKind, unvalidated

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


class SubjectGraph(nx.DiGraph):  # type: ignore[misc]  # networkx ships no types
    """networkx's DiGraph whose nodes share one empty attribute dict.

    The store keeps each subject beside the graph (:attr:`GraphState.packed`), never as node attributes,
    so a dict per node held nothing at ~64 B a node (three nodes an organisation). Shared, it must stay
    empty: nothing in the store sets node attributes.
    """

    @staticmethod
    def node_attr_dict_factory() -> dict[str, Any]:
        return _NO_NODE_ATTRIBUTES


_NO_NODE_ATTRIBUTES: dict[str, Any] = {}

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
    # Shared.get without a call per field (this runs once per relation a load writes). Looked up here, not
    # kept on the Shared: its fields are pickled into the binary snapshot as they are.
    one = shared._values.setdefault
    start_on, end_on, source, title, qualification = (
        d["start_on"],
        d["end_on"],
        d["source"],
        d["title"],
        d["qualification"],
    )
    values = [
        d["kind"],
        start_on if start_on is None else one(start_on, start_on),
        end_on if end_on is None else one(end_on, end_on),
        source if source is None else one(source, source),
        title if title is None else one(title, title),
        d["ratio"],
        d["subscribed_amount"],
        qualification if qualification is None else one(qualification, qualification),
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
    """:meth:`Relation.valid_on` of a packed relation (trailing Nones dropped: start, end at 1, 2).

    Asked of every link a check's walk expands: index tests, no padding.
    """
    n = len(packed)
    if n < 2:
        return True
    start_on = packed[1]
    if start_on is not None and day < start_on:
        return False
    return n < 3 or packed[2] is None or day < packed[2]


def packed_key(source_id: str, target_id: str, packed: PackedRelation) -> str:
    """:attr:`Relation.key` of a packed relation."""
    start_on = packed[1] if len(packed) > 1 else None
    return f"{packed[0].value}|{source_id}|{target_id}|{start_on.isoformat() if start_on else ''}"


#: A model from values validated when stored (the domain's one unvalidated constructor).
built = unvalidated


_K = TypeVar("_K")


class ModelPacker(Generic[_M]):
    """A model as the tuple of its field values (``model_fields`` order), and back without validation.

    For the rows kept by the thousand beside the graph (tasks, personal links, feed events): a pydantic
    instance was ~1.3 KB of them (a feed event with its entry ~3.7 KB), its tuple ~150 B. ``repeated``
    names the fields whose values repeat across rows (entry and subject ids, departments, dates), held
    once; the others (unique ids) as they are. ``nested`` packs a field holding a model (or None) with
    its own packer. :meth:`unpack` builds the model as :func:`built` does (it was validated when
    written). Generic over the model's fields, so a new field is packed too.
    """

    def __init__(
        self,
        cls: type[_M],
        shared: Shared,
        repeated: frozenset[str],
        nested: dict[str, ModelPacker[Any]] | None = None,
    ) -> None:
        self._cls = cls
        self._fields = tuple(cls.model_fields)
        self._repeated = tuple(name in repeated for name in self._fields)
        self._nested = tuple((nested or {}).get(name) for name in self._fields)
        # The nested fields alone, for unpack (most models have none: a loop over every field per row
        # was a third of building one)
        self._nested_fields = tuple(
            (name, packer)
            for name, packer in zip(self._fields, self._nested, strict=True)
            if packer is not None
        )
        self._shared = shared
        self._tuples: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def pack(self, model: _M) -> tuple[Any, ...]:
        d = model.__dict__
        values = []
        for name, repeated, nested in zip(self._fields, self._repeated, self._nested, strict=True):
            value = d[name]
            if nested is not None and value is not None:
                value = nested.pack(value)
            elif repeated:
                value = self._share(value)
            values.append(value)
        return tuple(values)

    def unpack(self, row: tuple[Any, ...]) -> _M:
        values = dict(zip(self._fields, row, strict=True))
        for name, nested in self._nested_fields:
            value = values[name]
            if value is not None:
                values[name] = nested.unpack(value)
        return built(self._cls, values)

    def index(self, field: str) -> int:
        """The position of ``field`` in a packed row."""
        return self._fields.index(field)

    def _share(self, value: Any) -> Any:
        # By exact type, as equal values of other types must stay apart (True == 1, a StrEnum member ==
        # its text). Strings through sys.intern: a subject id then is its node's own key string (interned
        # at PutSubject); dates through the state's Shared (which holds strings and dates only); tuples
        # (of one field's values) in this packer's own dict; the rest (enum members, bools, small ints,
        # None) are singletons or cached already.
        kind = type(value)
        if kind is str:
            return sys.intern(value)
        if kind is dt.date:
            return self._shared.get(value)
        if kind is tuple:
            return self._tuples.setdefault(value, value)
        return value


class PackedModels(MutableMapping[_K, _M]):
    """A dict of models held packed by a :class:`ModelPacker`, built on read."""

    def __init__(self, packer: ModelPacker[_M]) -> None:
        self.packer = packer
        self._rows: dict[_K, tuple[Any, ...]] = {}

    def __getitem__(self, key: _K) -> _M:
        return self.packer.unpack(self._rows[key])

    def get(self, key: _K, default: Any = None) -> Any:
        row = self._rows.get(key)
        return default if row is None else self.packer.unpack(row)

    def find(self, key: _K) -> _M | None:
        """The model at ``key``, or None (``get`` typed for the common case)."""
        row = self._rows.get(key)
        return None if row is None else self.packer.unpack(row)

    def __setitem__(self, key: _K, model: _M) -> None:
        self._rows[key] = self.packer.pack(model)

    def __delitem__(self, key: _K) -> None:
        del self._rows[key]

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def __iter__(self) -> Iterator[_K]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def rows(self) -> Iterable[tuple[Any, ...]]:
        """The packed rows, for scans that filter before building (positions: ``packer.index``)."""
        return self._rows.values()
