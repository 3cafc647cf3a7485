"""The domain rows a load builds most (organisations, persons, relations), without pydantic per row.

``Model.model_validate`` was the largest single cost of a bulk load (~10 µs a row; ``model_construct``
is slower still). A row a loader hands over is almost always valid, so each function here checks the
data against exactly the model's rules — the same identifier functions, lengths, patterns, bounds and
model-level checks — and builds the instance directly when every one holds. When any rule fails, or the
input is of a shape these functions do not reason about (a type other than the loader's own, an unknown
key, a value pydantic would coerce), they return None and the caller validates with the model as before:
the model alone words the problems, so rejects stay exactly what they were. The instances are the
model's own, equal to a validated one (same ``__dict__`` in field order, same fields set).

A unit test holds each function equal to ``model_validate`` on valid and invalid rows.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from graph_service.domain.identifiers import IdentifierError, check_uscc, is_uscc_shaped, region_of_uscc
from graph_service.domain.model import (
    ROLE_KINDS,
    Organization,
    OrgKind,
    OrgStatus,
    Person,
    Relation,
    RelationKind,
    is_unresolved_key,
    subject_key,
)

M = TypeVar("M", bound=BaseModel)

_ORG_FIELDS = frozenset(Organization.model_fields)
_PERSON_FIELDS = frozenset(Person.model_fields)
_RELATION_FIELDS = frozenset(Relation.model_fields)
_PERSON_SOURCED = frozenset(ROLE_KINDS | {RelationKind.PRACTITIONER})


class _Doubt(Exception):
    """A value these functions leave to the model (it is invalid, or of a shape not handled here)."""


def _text(value: Any, *, min_length: int = 0, max_length: int | None = None) -> str:
    # Exactly str (a subclass may be coerced), already stripped: Python's whitespace is a superset of
    # what pydantic's ``str_strip_whitespace`` trims, so an unchanged ``strip()`` means pydantic's too.
    if type(value) is not str or value.strip() != value:
        raise _Doubt
    if len(value) < min_length or (max_length is not None and len(value) > max_length):
        raise _Doubt
    return value


def _opt_text(value: Any, max_length: int) -> str | None:
    return None if value is None else _text(value, max_length=max_length)


def _opt_plain(value: Any) -> str | None:
    return None if value is None else _text(value)


def _region(value: Any) -> str | None:
    if value is None:
        return None
    text = _text(value)
    if len(text) != 6 or not (text.isascii() and text.isdigit()):  # RegionCode: ^\d{6}$
        raise _Doubt
    return text


def _key(value: Any) -> str:
    try:
        return subject_key(_text(value))
    except ValueError as exc:
        raise _Doubt from exc


def _opt_date(value: Any) -> dt.date | None:
    if value is None or type(value) is dt.date:
        return value
    raise _Doubt


def _opt_number(value: Any, *, upper: float | None = None) -> float | None:
    if value is None:
        return None
    if (
        type(value) is not float
        or not math.isfinite(value)
        or value < 0
        or (upper is not None and value > upper)
    ):
        raise _Doubt
    return value


def _member(enum: type[Any], value: Any, default: Any) -> Any:
    if value is None:
        return default
    if isinstance(value, enum):
        return value
    if type(value) is not str:
        raise _Doubt
    try:
        return enum(value)
    except ValueError as exc:
        raise _Doubt from exc


def _instance(cls: type[M], values: dict[str, Any], given: Mapping[str, Any]) -> M:
    # What model_validate leaves behind: the fields' values in field order, the given keys as fields set.
    instance = cls.__new__(cls)
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(given))
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance


def organization(data: Mapping[str, Any]) -> Organization | None:
    """``Organization.model_validate(data)`` when ``data`` is valid, else None (let the model say why)."""
    if not data.keys() <= _ORG_FIELDS or "uscc" not in data or "name" not in data:
        return None
    try:
        uscc = check_uscc(_text(data["uscc"]))[0]  # Organization's own check: a USCC, not any key
        get = data.get
        region = _region(get("region"))
        values = {
            "uscc": uscc,
            "name": _text(data["name"], min_length=1, max_length=200),
            "kind": _member(OrgKind, get("kind"), OrgKind.ENTERPRISE),
            "region": region if region is not None else region_of_uscc(uscc),
            "status": _member(OrgStatus, get("status"), OrgStatus.ACTIVE),
            "established_on": _opt_date(get("established_on")),
            "industry": _opt_text(get("industry"), 100),
        }
    except (_Doubt, IdentifierError):
        return None
    return _instance(Organization, values, data)


def person(data: Mapping[str, Any]) -> Person | None:
    """``Person.model_validate(data)`` when ``data`` is valid, else None (let the model say why)."""
    if not data.keys() <= _PERSON_FIELDS or "key" not in data or "name" not in data:
        return None
    try:
        key = _key(data["key"])
        if is_uscc_shaped(key):
            return None
        region = _region(data.get("region"))
        if region is None and not is_unresolved_key(key):
            region = key[:6]
        values = {"key": key, "name": _text(data["name"], min_length=1, max_length=100), "region": region}
    except _Doubt:
        return None
    return _instance(Person, values, data)


def relation(data: Mapping[str, Any]) -> Relation | None:
    """``Relation.model_validate(data)`` when ``data`` is valid, else None (let the model say why)."""
    if not data.keys() <= _RELATION_FIELDS or not {"kind", "source_id", "target_id"} <= data.keys():
        return None
    try:
        get = data.get
        kind = _member(RelationKind, data["kind"], None)
        if kind is None:
            return None
        source_id, target_id = _key(data["source_id"]), _key(data["target_id"])
        start_on, end_on = _opt_date(get("start_on")), _opt_date(get("end_on"))
        values = {
            "kind": kind,
            "source_id": source_id,
            "target_id": target_id,
            "start_on": start_on,
            "end_on": end_on,
            "source": _opt_plain(get("source")),
            "title": _opt_text(get("title"), 100),
            "ratio": _opt_number(get("ratio"), upper=1),
            "subscribed_amount": _opt_number(get("subscribed_amount")),
            "qualification": _opt_text(get("qualification"), 100),
            "certificate_no": _opt_text(get("certificate_no"), 100),
        }
    except _Doubt:
        return None
    # Relation._consistent, in its order; any failure is the model's to word.
    if not is_uscc_shaped(target_id):
        return None
    if kind is RelationKind.BRANCH_OF and not is_uscc_shaped(source_id):
        return None
    if kind in _PERSON_SOURCED and is_uscc_shaped(source_id):
        return None
    if start_on and end_on and end_on < start_on:
        return None
    if kind is RelationKind.PRACTITIONER and not values["qualification"]:
        return None
    return _instance(Relation, values, data)


#: The models :func:`loaders.cells.build` builds through a function of this module first.
FAST: Mapping[type[BaseModel], Callable[[Mapping[str, Any]], BaseModel | None]] = {
    Organization: organization,
    Person: person,
    Relation: relation,
}
