"""The operations a committed batch consists of, and their JSON form in the journal and the snapshot.

A write call is planned into a list of these operations (after full validation), written to the journal,
then applied to the in-memory graph. Replaying the journal applies the very same operations, so the state
after a restart is the state before it. Each operation is a JSON object with an ``op`` tag:

=================  =========================================================================================
``op``             fields
=================  =========================================================================================
``organization``   ``row``: ``Organization.model_dump(mode="json")`` — create or replace by USCC
``person``         ``row``: ``Person`` — create or replace by key
``relation``       ``row``: ``Relation`` — create or replace by ``Relation.key``
``drop_relation``  ``row``: ``Relation`` — remove the stored relation with this key
``entry``          ``row``: ``ListEntry`` — create or replace by ``entry_id`` (re-indexes subject/responsible)
``status``         ``row``: ``StatusChange`` — append to the entry's history
``penalty``        ``row``: ``PenaltyRecord`` — create or replace by ``PenaltyRecord.key``
``drop_penalty``   ``row``: ``PenaltyRecord`` — remove the stored penalty with this key
``link``           ``row``: ``PersonalLink`` — create or replace by ``(entry_id, person_id)``
``drop_link``      ``row``: ``PersonalLink`` — remove the stored link of ``(entry_id, person_id)``
``drop_subject``   ``key`` — remove a subject that nothing refers to any more
``merge``          ``from``, ``into``, ``at`` (ISO datetime) — record that an unresolved person was resolved
``task``           ``row``: ``Task`` — create or replace by ``task_id`` (workflow)
``dispute``        ``row``: ``Dispute`` — create or replace by ``dispute_id`` (workflow)
``repair``         ``row``: ``RepairApplication`` — create or replace by ``repair_id`` (workflow)
``delivery``       ``row``: ``Delivery`` — create or replace by ``delivery_id`` (webhook outbox)
``record``         ``row``: ``RecordRow`` — create or replace by ``(kind, key)`` (:mod:`.records`)
=================  =========================================================================================

The change feed's operations (``feed``, ``peer_cursor``, ``feed_floor``) are in :mod:`.feed_state`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ValidationError

from graph_service.domain.model import (
    STORED,
    ListEntry,
    Organization,
    Person,
    Relation,
    StatusChange,
    Subject,
)
from graph_service.domain.penalty import PenaltyRecord
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.webhooks import Delivery
from graph_service.domain.workflow import Dispute, RepairApplication, Task
from graph_service.store.memory import stored_rows
from graph_service.store.memory.feed_state import (
    FEED_TAGS,
    AppendFeed,
    FeedFloor,
    FeedOp,
    PutCursor,
    PutPushPosition,
    decode_feed,
    encode_feed,
)
from graph_service.store.memory.records import RECORD_TAG, PutRecord, decode_record, encode_record


@dataclass(frozen=True, slots=True)
class PutSubject:
    subject: Subject


@dataclass(frozen=True, slots=True)
class PutRelation:
    relation: Relation


@dataclass(frozen=True, slots=True)
class DropRelation:
    relation: Relation


@dataclass(frozen=True, slots=True)
class PutEntry:
    entry: ListEntry


@dataclass(frozen=True, slots=True)
class AddStatus:
    change: StatusChange


@dataclass(frozen=True, slots=True)
class PutPenalty:
    penalty: PenaltyRecord


@dataclass(frozen=True, slots=True)
class DropPenalty:
    penalty: PenaltyRecord


@dataclass(frozen=True, slots=True)
class PutLink:
    link: PersonalLink


@dataclass(frozen=True, slots=True)
class DropLink:
    link: PersonalLink


@dataclass(frozen=True, slots=True)
class DropSubject:
    key: str


@dataclass(frozen=True, slots=True)
class RecordMerge:
    """An unresolved person (``from_key``) was merged into a resolved one (``into_key``) at ``at``."""

    from_key: str
    into_key: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class PutTask:
    task: Task


@dataclass(frozen=True, slots=True)
class PutDispute:
    dispute: Dispute


@dataclass(frozen=True, slots=True)
class PutRepair:
    repair: RepairApplication


@dataclass(frozen=True, slots=True)
class PutDelivery:
    delivery: Delivery


Op = (
    PutSubject
    | PutRelation
    | DropRelation
    | PutEntry
    | AddStatus
    | PutPenalty
    | DropPenalty
    | PutLink
    | DropLink
    | DropSubject
    | RecordMerge
    | PutTask
    | PutDispute
    | PutRepair
    | PutDelivery
    | PutRecord
    | FeedOp
)


class OpDecodeError(ValueError):
    """A journal or snapshot operation that does not decode to a valid domain row."""


def encode(op: Op) -> dict[str, Any]:
    """The form of one operation the journal's orjson writes (see the module docstring for the tags).

    Subjects and relations — nearly every operation of a load — hand over their field values as they
    are: flat strings, enums, dates, floats and None, which orjson writes exactly as
    ``model_dump(mode="json")`` spells them (a unit test holds the bytes equal), at a fraction of
    pydantic's serialiser's cost. The other rows, with datetimes and nested models, are dumped by pydantic.
    """
    if type(op) is PutRelation:  # most operations of a load: before the match's class patterns
        return {"op": "relation", "row": dict(op.relation.__dict__)}
    match op:
        case PutSubject(subject=Organization() as org):
            return {"op": "organization", "row": dict(org.__dict__)}
        case PutSubject(subject=person):
            return {"op": "person", "row": dict(person.__dict__)}
        case PutRelation(relation=rel):
            return {"op": "relation", "row": dict(rel.__dict__)}
        case DropRelation(relation=rel):
            return {"op": "drop_relation", "row": rel.model_dump(mode="json")}
        case PutEntry(entry=entry):
            return {"op": "entry", "row": entry.model_dump(mode="json")}
        case AddStatus(change=change):
            return {"op": "status", "row": change.model_dump(mode="json")}
        case PutPenalty(penalty=penalty):
            return {"op": "penalty", "row": penalty.model_dump(mode="json")}
        case DropPenalty(penalty=penalty):
            return {"op": "drop_penalty", "row": penalty.model_dump(mode="json")}
        case PutLink(link=link):
            return {"op": "link", "row": link.model_dump(mode="json")}
        case DropLink(link=link):
            return {"op": "drop_link", "row": link.model_dump(mode="json")}
        case DropSubject(key=key):
            return {"op": "drop_subject", "key": key}
        case RecordMerge(from_key=from_key, into_key=into_key, at=at):
            return {"op": "merge", "from": from_key, "into": into_key, "at": at.isoformat()}
        case PutTask(task=task):
            return {"op": "task", "row": task.model_dump(mode="json")}
        case PutDispute(dispute=dispute):
            return {"op": "dispute", "row": dispute.model_dump(mode="json")}
        case PutRepair(repair=repair):
            return {"op": "repair", "row": repair.model_dump(mode="json")}
        case PutDelivery(delivery=delivery):
            return {"op": "delivery", "row": delivery.model_dump(mode="json")}
        case PutRecord():
            return encode_record(op)
        case AppendFeed() | PutCursor() | FeedFloor() | PutPushPosition():
            return encode_feed(op)
    raise TypeError(f"not a store operation: {op!r}")  # pragma: no cover - exhaustive match above


_Row = TypeVar("_Row", Organization, Person, Relation)


def _stored(fast: Callable[[dict[str, Any]], _Row | None], model: type[_Row], row: Any) -> _Row:
    """A row the store wrote: rebuilt directly when in the shape it writes (:mod:`.stored_rows`, the
    bulk of a restart), else validated by the model (which also words any error)."""
    try:
        found = fast(row) if isinstance(row, dict) else None
    except (TypeError, ValueError):
        found = None
    return found if found is not None else model.model_validate(row, context=STORED)


def decode(data: Any) -> Op:
    """Rebuild one operation from its JSON form, validating every row again; ``OpDecodeError`` if bad."""
    try:
        tag = data["op"]
        if tag == "organization":
            return PutSubject(_stored(stored_rows.organization, Organization, data["row"]))
        if tag == "person":
            return PutSubject(_stored(stored_rows.person, Person, data["row"]))
        if tag == "relation":
            return PutRelation(_stored(stored_rows.relation, Relation, data["row"]))
        if tag == "drop_relation":
            return DropRelation(Relation.model_validate(data["row"], context=STORED))
        if tag == "entry":
            return PutEntry(ListEntry.model_validate(data["row"], context=STORED))
        if tag == "status":
            return AddStatus(StatusChange.model_validate(data["row"], context=STORED))
        if tag == "penalty":
            return PutPenalty(PenaltyRecord.model_validate(data["row"], context=STORED))
        if tag == "drop_penalty":
            return DropPenalty(PenaltyRecord.model_validate(data["row"], context=STORED))
        if tag == "link":
            return PutLink(PersonalLink.model_validate(data["row"], context=STORED))
        if tag == "drop_link":
            return DropLink(PersonalLink.model_validate(data["row"], context=STORED))
        if tag == "drop_subject":
            return DropSubject(str(data["key"]))
        if tag == "merge":
            return RecordMerge(str(data["from"]), str(data["into"]), dt.datetime.fromisoformat(data["at"]))
        if tag == "task":
            return PutTask(Task.model_validate(data["row"], context=STORED))
        if tag == "dispute":
            return PutDispute(Dispute.model_validate(data["row"], context=STORED))
        if tag == "repair":
            return PutRepair(RepairApplication.model_validate(data["row"], context=STORED))
        if tag == "delivery":
            return PutDelivery(Delivery.model_validate(data["row"], context=STORED))
        if tag == RECORD_TAG:
            return decode_record(data)
        if tag in FEED_TAGS:
            return decode_feed(data)
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise OpDecodeError(f"cannot decode operation {str(data)[:200]}: {exc}") from exc
    raise OpDecodeError(f"unknown operation tag {str(data.get('op'))[:50]!r}")
