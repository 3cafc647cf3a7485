"""The input files of ``neo4j-admin database import full``, written from domain models.

A first load of a large registry is much faster through Neo4j's offline importer than through ``UNWIND``
upserts. The graph it builds must be exactly the one :class:`~.store.Neo4jStore` writes, so every property
map comes from :mod:`.mapping` (the same functions the upsert statements are fed from) and every label
and relationship type from its allow-lists; this module only decides the CSV layout:

* one node file per node shape (organisations, persons, regions, entries, status changes, the data-version
  node) with a typed header (``established_on:date``, ``ratio:double``, ``roles:string[]`` ...);
* one relationship file per shape, endpoints given by the identity keys in separate ID spaces
  (``Subject`` = subject key, ``Entry`` = entry id, ``Region`` = code, ``Change`` = a running number that
  is not stored).

A property the mapping produces that no header declares, or a value of another type than declared, stops
the export (:class:`ImportFileError`): the mapping changed and this layout must follow it. Two things the
importer cannot express are restored by ``cypher/restore_empty_lists.cypher`` once the server runs: a
list property that is empty (the importer stores no property for an empty array) — entries'
``responsible_person_ids`` and links' ``roles``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from graph_service.domain.feed import FeedEvent
from graph_service.domain.model import ListEntry, Organization, Person, Relation, StatusChange, Subject
from graph_service.domain.propagation import PersonalLink
from graph_service.store.neo4j import mapping

#: Separates labels and array elements inside one CSV field (``--array-delimiter``). A control character
#: no validated value contains; a value that does contain it stops the export.
ARRAY_DELIMITER = "\x1f"

# Header of each file: (property name, importer type). The first column is the ID / START_ID.
_ORG = ("uscc", "name", "region", "status", "established_on:date", "industry", "key_folded", "name_folded")
_PERSON = ("id_number", "name", "region", "key_folded", "name_folded")
_RELATION = (
    "key",
    "start_on:date",
    "end_on:date",
    "source",
    "title",
    "ratio:double",
    "subscribed_amount:double",
    "qualification",
    "certificate_no",
)
_ENTRY = (
    "subject_id",
    "list",
    "domain",
    "reason",
    "act_on:date",
    "decided_on:date",
    "valid_from:date",
    "valid_until:date",
    "initiating_dept",
    "basis",
    "behaviour_code",
    "source_region",
    "status",
    "responsible_person_ids:string[]",
    "version:long",
)
_CHANGE = ("from_status", "to_status", "at:datetime", "actor", "reason", "seq:long")
_LINK = ("org_id", "roles:string[]", "responsible:boolean")
_FEED = ("seq:long", "origin_seq:long", "entry_id", "version:long", "doc")
_WORKFLOW = ("kind", "key", "entry_id", "department", "status", "version:long", "doc")
#: Lines a file collects before writing them in one call.
_CHUNK_LINES = 4096


class ImportFileError(ValueError):
    """A model the import layout cannot represent exactly (the mapping and this module disagree)."""


def _plain(text: str) -> str:
    if ARRAY_DELIMITER in text:
        raise ImportFileError(f"value {text[:80]!r} contains the import's array delimiter U+001F")
    return text


def _quote(text: str) -> str:
    """A quoted field: the importer keeps a quoted empty string (an unquoted empty field is null)."""
    return '"' + text.replace('"', '""') + '"'


def _cell(value: object, kind: str, name: str) -> str:
    """One CSV field: absent (None) is an empty unquoted field, which the importer stores as no property."""
    if value is None:
        return ""
    if kind == "string" and isinstance(value, str):
        return _quote(_plain(value))
    if kind == "date" and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if kind == "datetime" and isinstance(value, dt.datetime) and value.utcoffset() is not None:
        # A naive time would be a LocalDateTime in Neo4j (a column has one type), hence the offset test.
        # The driver stores an aware UTC datetime in zone UTC, which the importer reads from a "Z".
        text = value.isoformat()
        return text.removesuffix("+00:00") + "Z" if value.utcoffset() == dt.timedelta(0) else text
    if kind == "double" and isinstance(value, float | int) and not isinstance(value, bool):
        return repr(float(value))  # repr round-trips exactly through Java's Double.parseDouble
    if kind == "long" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if kind == "boolean" and isinstance(value, bool):
        return "true" if value else "false"
    if kind == "string[]" and isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        # An empty list comes out as "" and is stored as no property: restore_empty_lists.cypher puts
        # it back once the server runs.
        return _quote(ARRAY_DELIMITER.join(_plain(str(element)) for element in value))
    raise ImportFileError(f"property {name!r} = {value!r} is not of the declared import type {kind}")


class _CsvFile:
    """One import file: a typed header, then rows of property maps checked against it.

    ``id_property`` names the property the ID column stores (``key:ID(Subject)`` stores ``key``); the
    property map's value for it must be the ID given.

    Hand-written rather than :mod:`csv`: the importer tells a null (an unquoted empty field) from an
    empty string (``""``), which Python 3.11's writer cannot express (``QUOTE_NOTNULL`` is 3.12). Lines
    are joined and written in chunks of :data:`_CHUNK_LINES`, and the two commonest cells (a string, a
    date) are formatted inline; every other value goes through :func:`_cell`.
    """

    def __init__(
        self,
        path: Path,
        id_columns: tuple[str, ...],
        properties: tuple[str, ...],
        id_property: str | None = None,
    ) -> None:
        self.path = path
        self.rows = 0
        self.multiline = False
        self._id_property = id_property
        self._columns = [(p.split(":")[0], p.split(":")[1] if ":" in p else "string") for p in properties]
        self._names = {name for name, _ in self._columns}
        self._allowed = self._names | ({id_property} if id_property is not None else set())
        self._pending: list[str] = []
        self._handle: IO[str] = path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
        self._handle.write(",".join((*id_columns, *properties)) + "\n")

    def write(self, ids: tuple[str, ...], props: dict[str, Any]) -> None:
        if self._id_property is not None:
            stored = props.get(self._id_property)
            if stored != ids[0]:
                raise ImportFileError(
                    f"{self.path.name}: {self._id_property} {stored!r} is not the ID {ids[0]!r}"
                )
        unknown = props.keys() - self._allowed
        if unknown:
            raise ImportFileError(f"{self.path.name}: properties {sorted(unknown)} have no import column")
        cells = [_quote(i) for i in ids]
        for name, kind in self._columns:
            value = props.get(name)
            if value is None:
                cells.append("")
            elif kind == "string" and type(value) is str:
                if ARRAY_DELIMITER in value:
                    _plain(value)  # raises
                cells.append('"' + value.replace('"', '""') + '"')
            elif kind == "date" and type(value) is dt.date:
                cells.append(value.isoformat())
            else:
                cells.append(_cell(value, kind, name))
        line = ",".join(cells)
        if "\n" in line or "\r" in line:
            self.multiline = True
        self._pending.append(line)
        self.rows += 1
        if len(self._pending) >= _CHUNK_LINES:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._pending.append("")  # the last line's end
            self._handle.write("\n".join(self._pending))
            self._pending = []

    def close(self) -> None:
        self._flush()
        self._handle.close()


@dataclass
class ImportFiles:
    """Writes the import files of one graph into ``directory``; :meth:`close` returns the importer's
    ``--nodes`` / ``--relationships`` arguments.

    Feed it subjects first, then relations, entries, status changes (oldest first per entry) and links,
    as :meth:`GraphState.dump` yields them. ``data_version`` becomes the ``:Meta`` node's value.
    """

    directory: Path
    counts: dict[str, int] = field(default_factory=dict)
    multiline: bool = False  # some value holds a line break: the importer needs --multiline-fields

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        d = self.directory
        self._open_graph_files()
        self._entries = _CsvFile(d / "entries.csv", ("entry_id:ID(Entry)", ":LABEL"), _ENTRY, "entry_id")
        self._changes = _CsvFile(d / "status_changes.csv", (":ID(Change)", ":LABEL"), _CHANGE)
        self._on = _CsvFile(d / "entry_subjects.csv", (":START_ID(Entry)", ":END_ID(Subject)", ":TYPE"), ())
        self._has_change = _CsvFile(d / "has_change.csv", (":START_ID(Entry)", ":END_ID(Change)"), ())
        self._links = _CsvFile(d / "personal_links.csv", (":START_ID(Subject)", ":END_ID(Entry)"), _LINK)
        self._feed = _CsvFile(d / "feed_events.csv", (":LABEL",), _FEED)
        self._workflow = _CsvFile(d / "workflow_records.csv", (":LABEL",), _WORKFLOW)
        self._feed_head = 0
        self._history_length: dict[str, int] = {}

    def _open_graph_files(self) -> None:
        d = self.directory
        subject_id = ("key:ID(Subject)", ":LABEL")
        self._orgs = _CsvFile(d / "organizations.csv", subject_id, _ORG, "key")
        self._persons = _CsvFile(d / "persons.csv", subject_id, _PERSON, "key")
        rel = (":START_ID(Subject)", ":END_ID(Subject)", ":TYPE")
        self._relations = _CsvFile(d / "relations.csv", rel, _RELATION)
        self._registered = _CsvFile(d / "registered_in.csv", (":START_ID(Subject)", ":END_ID(Region)"), ())
        self._regions: set[str] = set()

    def restart_graph(self) -> None:
        """Empty the subject and relation files (and the regions they name), to write them again.

        For a staging store that wrote subjects or relations a later batch replaced or removed.
        """
        for f in (self._orgs, self._persons, self._relations, self._registered):
            f.close()
        self._open_graph_files()

    # ---- nodes and relationships, in dependency order ---------------------------------------------

    def add_subject(self, subject: Subject) -> None:
        if isinstance(subject, Organization):
            labels = ["Subject", "Organization", mapping.organization_label(subject)]
            self._orgs.write((subject.key, _labels(labels)), mapping.organization_props(subject))
        elif isinstance(subject, Person):
            labels = ["Subject", *mapping.person_labels(subject)]
            self._persons.write((subject.key, _labels(labels)), mapping.person_props(subject))
        else:  # pragma: no cover - Subject is exactly these two
            raise ImportFileError(f"unknown subject type {type(subject).__name__}")
        if subject.region:
            self._regions.add(subject.region)
            self._registered.write((subject.key, subject.region), {})

    def add_relation(self, relation: Relation) -> None:
        row = mapping.relation_row(relation)
        self._relations.write((relation.source_id, relation.target_id, row["type"]), row["props"])

    def add_entry(self, entry: ListEntry) -> None:
        self._entries.write((entry.entry_id, "ListEntry"), mapping.entry_props(entry))
        self._on.write((entry.entry_id, entry.subject_id, "ON"), {})
        # The upsert statement MERGEs one RESPONSIBLE link per distinct person.
        for person_id in dict.fromkeys(entry.responsible_person_ids):
            self._on.write((entry.entry_id, person_id, "RESPONSIBLE"), {})

    def add_change(self, change: StatusChange) -> None:
        """The next status change of its entry (call in history order: ``seq`` counts from 1)."""
        seq = self._history_length.get(change.entry_id, 0) + 1
        self._history_length[change.entry_id] = seq
        change_id = str(self._changes.rows + 1)
        # Same properties as append_status_change / upsert_entries (null values are simply absent).
        props = {k: v for k, v in mapping.change_props(change).items() if v is not None} | {"seq": seq}
        self._changes.write((change_id, "StatusChange"), props)
        self._has_change.write((change.entry_id, change_id), {})

    def add_link(self, link: PersonalLink) -> None:
        self._links.write((link.person_id, link.entry_id), mapping.link_props(link))

    def add_feed_event(self, event: FeedEvent, seq_offset: int) -> None:
        """One change-feed event, renumbered after the ``seq_offset`` events the database had before.

        The node is the one ``feed_record.append`` writes: ``doc`` is the event as JSON without its
        numbers (``PendingEvent.model_dump_json(exclude={"origin_seq"})`` has the same fields in the same
        order). Only own events (``origin_seq == seq``) come from a load.
        """
        if event.origin_seq != event.seq:
            raise ImportFileError(f"feed event {event.seq} is a peer's (origin {event.origin_seq})")
        seq = event.seq + seq_offset
        props = {
            "seq": seq,
            "origin_seq": seq,
            "entry_id": event.entry.entry_id,
            "version": event.entry.version,
            "doc": event.model_dump_json(exclude={"seq", "origin_seq"}),
        }
        self._feed.write(("FeedEvent",), props)
        self._feed_head = max(self._feed_head, seq)

    def add_workflow_record(self, row: dict[str, Any]) -> None:
        """One task, dispute, repair application or delivery, as :func:`.workflow_rows.record_row` maps it
        (the entries a load initiates bring their implementation tasks)."""
        self._workflow.write(("WorkflowRecord",), row)

    # ---- finishing ------------------------------------------------------------------------------------

    def close(self, data_version: int, feed_seq: int) -> list[str]:
        """Write the regions and the counters, close every file; the importer's file arguments.

        ``feed_seq`` is the feed's counter before the import (0 = none): the ``feed_seq`` node is written
        when there was one or events were added, as ``append_feed_events`` would have merged it.
        """
        d = self.directory
        regions = _CsvFile(d / "regions.csv", ("code:ID(Region)", ":LABEL"), ("level",), "code")
        part_of = _CsvFile(d / "part_of.csv", (":START_ID(Region)", ":END_ID(Region)"), ())
        for row in mapping.region_rows(self._regions):
            regions.write((row["code"], "Region"), {"code": row["code"], "level": row["level"]})
            if row["parent"] is not None:
                part_of.write((row["code"], row["parent"]), {})
        meta = _CsvFile(d / "meta.csv", ("name:ID(Meta)", ":LABEL"), ("value:long",), "name")
        meta.write(("data_version", "Meta"), {"name": "data_version", "value": data_version})
        if feed_seq or self._feed_head:
            head = max(feed_seq, self._feed_head)
            meta.write(("feed_seq", "Meta"), {"name": "feed_seq", "value": head})
        nodes = [
            self._orgs,
            self._persons,
            self._entries,
            self._changes,
            self._feed,
            self._workflow,
            regions,
            meta,
        ]
        typed = [self._relations, self._on]
        fixed = [
            (self._registered, "REGISTERED_IN"),
            (self._has_change, "HAS_CHANGE"),
            (self._links, "PERSONAL_LINK"),
            (part_of, "PART_OF"),
        ]
        for f in (*nodes, *typed, *(f for f, _ in fixed)):
            f.close()
            self.counts[f.path.stem] = f.rows
        self.multiline = any(f.multiline for f in (*nodes, *typed, *(f for f, _ in fixed)))
        args = [f"--nodes={f.path}" for f in nodes if f.rows]
        args += [f"--relationships={f.path}" for f in typed if f.rows]
        args += [f"--relationships={rel_type}={f.path}" for f, rel_type in fixed if f.rows]
        return args


def _labels(labels: Iterable[str]) -> str:
    return ARRAY_DELIMITER.join(labels)
