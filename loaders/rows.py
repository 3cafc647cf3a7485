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
from typing import Any, TypeVar, cast

from pydantic import BaseModel

from graph_service.domain.identifiers import region_of_uscc
from graph_service.domain.model import (
    ROLE_KINDS,
    Organization,
    OrgKind,
    OrgStatus,
    Person,
    Relation,
    RelationKind,
    is_unresolved_key,
    unvalidated,
)
from loaders.memo import DOMAIN_IDENTIFIERS, Identifiers

M = TypeVar("M", bound=BaseModel)

_ORG_FIELDS = frozenset(Organization.model_fields)
_PERSON_FIELDS = frozenset(Person.model_fields)
_RELATION_FIELDS = frozenset(Relation.model_fields)
_PERSON_SOURCED = frozenset(ROLE_KINDS | {RelationKind.PRACTITIONER})


# Written for speed (this runs once per loaded row): lookups in dicts, few calls, no exceptions on the
# common path. Enum members by value or by member (a StrEnum member hashes and compares as its value).
_ORG_KINDS: dict[object, OrgKind] = {k.value: k for k in OrgKind}
_ORG_STATUSES: dict[object, OrgStatus] = {s.value: s for s in OrgStatus}
_RELATION_KINDS: dict[object, RelationKind] = {k.value: k for k in RelationKind}


def _bad_text(value: object, max_length: int = 1 << 62, min_length: int = 0) -> bool:
    """Whether pydantic might not keep ``value`` as it is (for a ``str`` field of these lengths).

    Exactly ``str`` (a subclass may be coerced), already stripped: Python's whitespace is a superset of
    what pydantic's ``str_strip_whitespace`` trims, so an unchanged ``strip()`` means pydantic's too.
    """
    return type(value) is not str or not min_length <= len(value) <= max_length or value.strip() != value


def _bad_region(value: object) -> bool:
    # RegionCode (^\d{6}$), ASCII digits only: other digits are the model's to judge.
    return type(value) is not str or len(value) != 6 or not (value.isascii() and value.isdigit())


def _bad_date(value: object) -> bool:
    return value is not None and type(value) is not dt.date


def _bad_number(value: object, upper: float) -> bool:
    return value is not None and (type(value) is not float or not 0 <= value <= upper)  # nan fails too


def _instance(cls: type[M], values: dict[str, Any], given: Mapping[str, Any]) -> M:
    # What model_validate leaves behind: the fields' values in field order, the given keys as fields set.
    return unvalidated(cls, values, given)


def organization(data: Mapping[str, Any], ids: Identifiers = DOMAIN_IDENTIFIERS) -> Organization | None:
    """``Organization.model_validate(data)`` when ``data`` is valid, else None (let the model say why).

    ``ids`` answers the identifier checks (a load passes its :class:`~loaders.memo.IdentifierMemo`)."""
    get = data.get
    uscc, name, region = get("uscc"), get("name"), get("region")
    kind, status, established_on, industry = (
        get("kind", OrgKind.ENTERPRISE),
        get("status", OrgStatus.ACTIVE),
        get("established_on"),
        get("industry"),
    )
    if (
        not _ORG_FIELDS.issuperset(data)
        or _bad_text(uscc)
        or _bad_text(name, 200, 1)
        or (region is not None and _bad_region(region))
        or _bad_date(established_on)
        or (industry is not None and _bad_text(industry, 100))
    ):
        return None
    kind, status = _ORG_KINDS.get(kind), _ORG_STATUSES.get(status)
    if kind is None or status is None:
        return None
    code = ids.uscc_code(cast(str, uscc))  # Organization's own check: a USCC, not any subject key
    if code is None:
        return None
    values = {
        "uscc": code,
        "name": name,
        "kind": kind,
        "region": region if region is not None else region_of_uscc(code),
        "status": status,
        "established_on": established_on,
        "industry": industry,
    }
    return _instance(Organization, values, data)


def person(data: Mapping[str, Any], ids: Identifiers = DOMAIN_IDENTIFIERS) -> Person | None:
    """``Person.model_validate(data)`` when ``data`` is valid, else None (let the model say why)."""
    get = data.get
    key, name, region = get("key"), get("name"), get("region")
    if (
        not _PERSON_FIELDS.issuperset(data)
        or _bad_text(key)
        or _bad_text(name, 100, 1)
        or (region is not None and _bad_region(region))
    ):
        return None
    key = ids.key(cast(str, key))
    if key is None or ids.shaped(key):
        return None
    if region is None and not is_unresolved_key(key):
        region = key[:6]
    return _instance(Person, {"key": key, "name": name, "region": region}, data)


def relation(data: Mapping[str, Any], ids: Identifiers = DOMAIN_IDENTIFIERS) -> Relation | None:
    """``Relation.model_validate(data)`` when ``data`` is valid, else None (let the model say why)."""
    get = data.get
    kind, source_id, target_id = _RELATION_KINDS.get(get("kind")), get("source_id"), get("target_id")
    start_on, end_on, source, title = get("start_on"), get("end_on"), get("source"), get("title")
    ratio, amount = get("ratio"), get("subscribed_amount")
    qualification, certificate_no = get("qualification"), get("certificate_no")
    if (
        kind is None
        or not _RELATION_FIELDS.issuperset(data)
        or _bad_text(source_id)
        or _bad_text(target_id)
        or _bad_date(start_on)
        or _bad_date(end_on)
        or (source is not None and _bad_text(source))
        or (title is not None and _bad_text(title, 100))
        or _bad_number(ratio, 1.0)
        or _bad_number(amount, math.inf)
        or (qualification is not None and _bad_text(qualification, 100))
        or (certificate_no is not None and _bad_text(certificate_no, 100))
    ):
        return None
    source_id, target_id = ids.key(cast(str, source_id)), ids.key(cast(str, target_id))
    if source_id is None or target_id is None:
        return None
    # Relation._consistent; any failure is the model's to word.
    shaped = ids.shaped
    if (
        not shaped(target_id)
        or (kind is RelationKind.BRANCH_OF and not shaped(source_id))
        or (kind in _PERSON_SOURCED and shaped(source_id))
        or (start_on and end_on and end_on < start_on)
        or (kind is RelationKind.PRACTITIONER and not qualification)
    ):
        return None
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
        "certificate_no": certificate_no,
    }
    return _instance(Relation, values, data)


#: The models :func:`loaders.cells.build` builds through a function of this module first.
FAST: Mapping[type[BaseModel], Callable[[Mapping[str, Any]], BaseModel | None]] = {
    Organization: organization,
    Person: person,
    Relation: relation,
}
