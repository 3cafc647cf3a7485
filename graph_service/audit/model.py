"""Audit events, stored records and the hash chain that links them.

Each stored record carries ``seq`` (1, 2, 3 …), ``prev_hash`` (the previous record's hash, or 64 zeros for
the first) and ``hash`` = SHA-256 of the canonical JSON of the record without its own hash. Changing,
inserting or removing a record in the middle breaks the chain at that record, which :func:`verify_chain`
reports. Both backends and the verifier use the functions here, so they cannot disagree on the bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

GENESIS_HASH = "0" * 64


class AuditEvent(BaseModel):
    """Something a caller did that must be answerable later: who, when, what, about whom, with what result."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: AwareDatetime = Field(description="When it happened (stored in UTC)")
    request_id: str
    client: str = Field(description="Name of the API key that made the call")
    role: str
    action: str = Field(min_length=1, examples=["check", "graph.explore", "entry.transition"])
    subject_id: str | None = None
    scenario: str | None = None
    verdict: str | None = None
    entry_ids: list[str] = Field(default_factory=list)
    data_version: int | None = None
    detail: dict[str, Any] = Field(default_factory=dict)

    @field_validator("at")
    @classmethod
    def _in_utc(cls, value: dt.datetime) -> dt.datetime:
        return value.astimezone(dt.UTC)

    @field_validator("detail")
    @classmethod
    def _json_detail(cls, value: dict[str, Any]) -> dict[str, Any]:
        # Normalise now, in the caller's thread: the background writer must never meet an unserialisable
        # value, and the hash must be computed over exactly what a reader will get back.
        if all(type(k) is str and type(v) in _JSON_SCALARS for k, v in value.items()):
            return dict(value)  # flat and plain already (a check's detail): the round trip would copy it
        result: dict[str, Any] = json.loads(json.dumps(value, default=_json_default, ensure_ascii=False))
        return result


#: Values a JSON round trip gives back unchanged (exact types: an Enum or a str subclass is converted).
_JSON_SCALARS = frozenset({str, int, bool, type(None)})


def _json_default(value: Any) -> Any:
    """How detail values outside JSON are kept: dates as ISO text, models as their JSON, sets sorted."""
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


class AuditRecord(AuditEvent):
    """An audit event as stored: its place in the chain and the hashes that link it."""

    seq: int = Field(ge=1)
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a chain check: ``count`` records were intact up to the first broken one, if any."""

    ok: bool
    count: int
    first_broken_seq: int | None = None
    reason: str | None = None


def canonical_json(fields: dict[str, Any]) -> str:
    """The one byte form that is hashed: sorted keys, no spaces, UTF-8 text kept as is.

    The form is ``json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``, the one
    every stored chain was hashed with. orjson writes exactly those bytes for plain JSON values (strings,
    64-bit integers, booleans, null, lists, string-keyed objects: tests/unit/test_audit_canonical.py
    compares the two on every code point and on generated values) in a fifth of the time, and the writer
    thread computes the form twice per record, beside the checks it competes with for the interpreter.
    Anything else takes ``json.dumps`` itself: a float (orjson writes some differently, ``1e16`` for
    ``1e+16``), a value of another type, or what orjson refuses (an integer past 64 bits, a non-string
    key, a subclass: the passthrough options make it refuse those rather than convert them).
    """
    if _without_floats_or_others(fields):
        try:
            return orjson.dumps(fields, option=_ORJSON_CANONICAL).decode("utf-8")
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            pass
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_ORJSON_CANONICAL = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
)
_PLAIN_SCALARS = frozenset({str, int, bool, type(None)})


def _without_floats_or_others(values: Any) -> bool:
    """Whether ``values`` (a dict's values or a list's items, nested) are all of the plain JSON types.

    Exact types, inlined for the scalars (an event has a dozen fields; a call per value cost more than
    orjson's whole encoding).
    """
    for value in values.values() if type(values) is dict else values:
        kind = type(value)
        if kind in _PLAIN_SCALARS:
            continue
        if (kind is dict or kind is list) and _without_floats_or_others(value):
            continue
        return False
    return True


def chain_fields(event: AuditEvent, seq: int, prev_hash: str) -> dict[str, Any]:
    """The fields of the record that will follow ``prev_hash`` as number ``seq`` (everything but ``hash``)."""
    fields = event.model_dump(mode="json")
    fields["seq"] = seq
    fields["prev_hash"] = prev_hash
    return fields


def chain_hash(fields: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of a record's fields, ``prev_hash`` included (so it is chained)."""
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


def link(events: Iterable[AuditEvent], seq: int, prev_hash: str) -> list[AuditRecord]:
    """Chain ``events`` after the record ``(seq, prev_hash)``: the records to store, in order."""
    records: list[AuditRecord] = []
    for event in events:
        seq += 1
        fields = chain_fields(event, seq, prev_hash)
        prev_hash = chain_hash(fields)
        records.append(AuditRecord.model_validate({**fields, "hash": prev_hash}))
    return records


def chain_lines(events: Iterable[AuditEvent], seq: int, prev_hash: str) -> tuple[list[str], int, str]:
    """Chain ``events`` after ``(seq, prev_hash)`` as the canonical JSON lines to store, and the new head.

    The lines are exactly ``canonical_json`` of the records :func:`link` gives, built without making the
    records (no second validation and dump per event: this runs on the writer thread, beside requests).
    """
    lines: list[str] = []
    for event in events:
        seq += 1
        fields = chain_fields(event, seq, prev_hash)
        prev_hash = chain_hash(fields)
        fields["hash"] = prev_hash
        lines.append(canonical_json(fields))
    return lines, seq, prev_hash


def verify_chain(records: Iterable[dict[str, Any] | None]) -> VerifyResult:
    """Check stored records (as their JSON dicts, in storage order; None = unreadable) link up from seq 1.

    Stops at the first record whose seq is not the next number, whose ``prev_hash`` is not the previous
    record's hash, or whose hash does not match its content.
    """
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    for raw in records:
        if raw is None:
            return VerifyResult(False, count, expected_seq, f"record {expected_seq} is not readable JSON")
        reason = _broken(raw, expected_seq, prev_hash)
        if reason is not None:
            return VerifyResult(False, count, expected_seq, reason)
        prev_hash = raw["hash"]
        expected_seq += 1
        count += 1
    return VerifyResult(True, count)


def _broken(raw: dict[str, Any], expected_seq: int, prev_hash: str) -> str | None:
    fields = {k: v for k, v in raw.items() if k != "hash"}
    if raw.get("seq") != expected_seq:
        return f"expected seq {expected_seq}, found {raw.get('seq')!r} (a record was removed or inserted)"
    if raw.get("prev_hash") != prev_hash:
        return f"seq {expected_seq}: prev_hash does not match the hash of seq {expected_seq - 1}"
    if chain_hash(fields) != raw.get("hash"):
        return f"seq {expected_seq}: content does not match its hash (the record was changed)"
    try:
        AuditRecord.model_validate(raw)
    except ValidationError as exc:
        return f"seq {expected_seq}: not a valid audit record ({exc.error_count()} errors)"
    return None


@dataclass(frozen=True)
class AuditFilter:
    """What :meth:`AuditLog.query` selects; the in-process backends apply it with :meth:`matches`."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    subject_id: str | None = None
    client: str | None = None
    action: str | None = None
    after: int | None = None

    def matches(self, record: AuditRecord) -> bool:
        return (
            (self.after is None or record.seq > self.after)
            and (self.since is None or record.at >= self.since)
            and (self.until is None or record.at < self.until)
            and (self.subject_id is None or record.subject_id == self.subject_id)
            and (self.client is None or record.client == self.client)
            and (self.action is None or record.action == self.action)
        )
