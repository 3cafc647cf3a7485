"""The in-memory state of the embedded store: a networkx digraph plus plain dicts and indexes.

Subjects are nodes (node key = subject key; the subject itself, packed, in :attr:`GraphState.packed`);
relations are edges ``source -> target``, whose attribute dict maps each relation's identity between the
two (:data:`~.compact.EdgeKey`) to the packed relation (:mod:`.compact`: tuples, not models; reads build
the models). List entries, status history, penalties, personal
links and merge records are kept in dicts, with indexes (entries by subject and by responsible person,
penalties by subject, links by person and by entry) so every read is proportional to its answer, never to
the graph. Not thread-safe by itself: :class:`~graph_service.store.memory.store.MemoryStore`
holds the lock.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from graph_service.domain.model import ListEntry, Organization, Relation, RelationKind, StatusChange, Subject
from graph_service.domain.penalty import PenaltyRecord
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.regions import region_chain
from graph_service.domain.webhooks import Delivery
from graph_service.domain.workflow import Dispute, RepairApplication, Task
from graph_service.store.memory.compact import (
    EdgeKey,
    ModelPacker,
    PackedModels,
    PackedRelation,
    PackedSubject,
    Shared,
    SubjectGraph,
    edge_key,
    pack_relation,
    pack_subject,
    subject_name,
    unpack_relation,
    unpack_subject,
)
from graph_service.store.memory.feed_state import (
    AppendFeed,
    FeedFloor,
    FeedLog,
    PutCursor,
    PutPushPosition,
)
from graph_service.store.memory.ops import (
    AddStatus,
    DropLink,
    DropPenalty,
    DropRelation,
    DropSubject,
    Op,
    PutDelivery,
    PutDispute,
    PutEntry,
    PutLink,
    PutPenalty,
    PutRelation,
    PutRepair,
    PutSubject,
    PutTask,
    RecordMerge,
)
from graph_service.store.memory.records import PutRecord
from graph_service.store.memory.search import SearchIndex
from graph_service.store.records_port import RecordKind, RecordRow

_NO_EDGES: dict[str, dict[EdgeKey, PackedRelation]] = {}  # read only: "no edges from here"


@dataclass(frozen=True, slots=True)
class Merge:
    """A record that the unresolved person ``from_key`` became ``into_key`` at ``at``."""

    from_key: str
    into_key: str
    at: dt.datetime


class GraphState:
    """Subjects, relations, entries and history, changed only through :meth:`apply`."""

    def __init__(self) -> None:
        # One edge per (source, target) whose attribute dict maps each relation's identity there
        # (EdgeKey) to the packed relation: a MultiDiGraph's extra dict per relation was ~220 B.
        self._shared = Shared()  # one object per repeated value of the packed payloads
        self.graph = SubjectGraph()
        # Node key -> packed subject: beside the graph, as a node attribute dict per subject cost ~120 B.
        self.packed: dict[str, PackedSubject] = {}
        self.entries: dict[str, ListEntry] = {}
        self.history: dict[str, list[StatusChange]] = {}
        self.entries_by_subject: dict[str, set[str]] = {}
        self.entries_by_responsible: dict[str, set[str]] = {}
        self.penalties: dict[str, PenaltyRecord] = {}  # by PenaltyRecord.key
        self.penalties_by_subject: dict[str, set[str]] = {}
        # Tasks and links packed (:class:`PackedModels`): a pydantic instance each was ~1.3 KB.
        self.links: PackedModels[tuple[str, str], PersonalLink] = PackedModels(
            ModelPacker(PersonalLink, self._shared, frozenset(PersonalLink.model_fields))
        )  # by (entry_id, person_id)
        self.links_by_person: dict[str, set[str]] = {}  # person id -> entry ids
        self.links_by_entry: dict[str, set[str]] = {}  # entry id -> person ids
        self.merges: dict[str, Merge] = {}
        self.tasks: PackedModels[str, Task] = PackedModels(
            ModelPacker(Task, self._shared, frozenset(Task.model_fields) - {"task_id", "feedback"})
        )  # workflow records by id
        self.disputes: dict[str, Dispute] = {}
        self.repairs: dict[str, RepairApplication] = {}
        self.deliveries: dict[str, Delivery] = {}  # the webhook outbox, by id
        self.records: dict[tuple[RecordKind, str], RecordRow] = {}  # commitments, complaints, reports
        self.feed = FeedLog()  # the change feed and peers' cursors
        # pseudonym -> person key: derived from the persons under the federation's keys, not journaled
        # (the store rebuilds it when given the keys: GraphPort.use_pseudonymiser).
        self.pseudonyms: dict[str, str] = {}
        self.version = 0
        # Kept up to date by apply(), so counts() never walks the whole graph; search rebuilds lazily.
        self._search = SearchIndex(self._names)
        self._tally: Counter[str] = Counter()  # subject kinds, relation kinds, entries:<list>:<status>
        self._region_refs: Counter[str] = Counter()  # region code -> subjects registered there

    # ---- lookups ------------------------------------------------------------------------------------

    def subject(self, key: str) -> Subject | None:
        packed = self.packed.get(key)
        return None if packed is None else unpack_subject(key, packed)

    def has_subject(self, key: str) -> bool:
        return key in self.graph

    def subjects(self) -> Iterator[Subject]:
        for key, packed in self.packed.items():
            yield unpack_subject(key, packed)

    def relation(self, source_id: str, target_id: str, key: str) -> Relation | None:
        """The stored relation with :attr:`Relation.key` ``key`` between these ends, if any."""
        kind, start = key.split("|", 1)[0], key.rsplit("|", 1)[-1]
        return self._relation(source_id, target_id, (RelationKind(kind), _date_or_none(start)))

    def stored_relation(self, relation: Relation) -> Relation | None:
        """The stored relation of the same identity as ``relation``, if any."""
        return self._relation(relation.source_id, relation.target_id, edge_key(relation))

    def _relation(self, source_id: str, target_id: str, key: EdgeKey) -> Relation | None:
        # networkx's raw adjacency dict, as its own algorithms read it: the ``succ`` view's Mapping.get
        # builds a view per call, a microsecond a relation of a load (planning looks each one up).
        edges = self.graph._succ.get(source_id, _NO_EDGES).get(target_id)
        if edges is None or key not in edges:
            return None
        return unpack_relation(source_id, target_id, edges[key])

    def relations(self) -> Iterator[Relation]:
        for source, target, edges in self.graph.edges(data=True):
            for packed in edges.values():
                yield unpack_relation(source, target, packed)

    def outgoing(self, key: str) -> Iterator[tuple[Relation, str]]:
        """Relations whose source is ``key``, with the target: O(out-degree)."""
        for target, edges in self.graph.succ[key].items():
            for packed in edges.values():
                yield unpack_relation(key, target, packed), target

    def incoming(self, key: str) -> Iterator[tuple[Relation, str]]:
        """Relations whose target is ``key``, with the source: O(in-degree)."""
        for source, edges in self.graph.pred[key].items():
            for packed in edges.values():
                yield unpack_relation(source, key, packed), source

    def touching(self, key: str) -> Iterator[tuple[Relation, str]]:
        """Relations in both directions, each once (a self-loop is both outgoing and incoming)."""
        yield from self.outgoing(key)
        for relation, source in self.incoming(key):
            if source != key:
                yield relation, source

    def search(self, text: str, limit: int) -> list[str]:
        """The ``limit`` smallest keys whose key starts with, or name contains, ``text`` (casefolded)."""
        return self._search.smallest(text, limit)

    def masked_debtors_named(self, name: str) -> list[str]:
        """The masked court debtors' keys holding ``name`` (:meth:`SearchIndex.masked_debtors_named`)."""
        return self._search.masked_debtors_named(name)

    def _names(self) -> Iterator[tuple[str, str]]:
        for key, packed in self.packed.items():
            yield key, subject_name(packed)

    def entry_ids_of_subjects(self, keys: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for key in keys:
            found |= self.entries_by_subject.get(key, set())
        return found

    def entry_ids_naming(self, person_keys: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for key in person_keys:
            found |= self.entries_by_responsible.get(key, set())
        return found

    def penalty_keys_of(self, subject_ids: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for key in subject_ids:
            found |= self.penalties_by_subject.get(key, set())
        return found

    def links_of_person(self, person_id: str) -> list[PersonalLink]:
        return [self.links[(entry_id, person_id)] for entry_id in self.links_by_person.get(person_id, ())]

    def links_of_entry(self, entry_id: str) -> list[PersonalLink]:
        return [self.links[(entry_id, person_id)] for person_id in self.links_by_entry.get(entry_id, ())]

    def counts(self) -> dict[str, int]:
        """Subjects by kind, regions (with ancestors), relations by kind, penalties, links, entries."""
        counts = {key: self._tally[key] for key in ("organizations", "persons", "unresolved_persons")}
        counts["regions"] = len({code for region in self._region_refs for code in region_chain(region)})
        counts.update({kind.value: self._tally[kind.value] for kind in RelationKind})
        counts["penalties"] = len(self.penalties)
        counts["personal_links"] = len(self.links)
        counts["entries"] = len(self.entries)
        counts.update({key: n for key, n in sorted(self._tally.items()) if key.startswith("entries:") and n})
        return counts

    # ---- changes ------------------------------------------------------------------------------------

    def apply_batch(self, ops: Iterable[Op]) -> None:
        """Apply one committed batch: every operation, then advance the version by one."""
        # The two operations nearly every batch of a load consists of go straight to their method.
        put_relation, put_subject, apply = self._put_relation, self._put_subject, self.apply
        for op in ops:
            kind = type(op)
            if kind is PutRelation:
                put_relation(op.relation)  # type: ignore[union-attr]  # the type was just checked
            elif kind is PutSubject:
                put_subject(op.subject)  # type: ignore[union-attr]
            else:
                apply(op)
        self.version += 1

    def _put_subject(self, subject: Subject) -> None:
        old = self.subject(subject.key)
        if old is not None:
            self._count_subject(old, -1)
        # Interned: the edges' ends are then this very string, not copies of it.
        node = sys.intern(subject.key)
        if node not in self.graph._succ:  # a stored subject's node stays as it is (no attributes)
            self.graph.add_node(node)
        self.packed[node] = pack_subject(subject, self._shared)
        self._count_subject(subject, +1)

    def _put_relation(self, rel: Relation) -> None:
        source, target = sys.intern(rel.source_id), sys.intern(rel.target_id)
        key = self._shared.get(edge_key(rel))  # few distinct (kind, start date) pairs
        succ = self.graph._succ  # the raw dict: see _relation
        edges = succ[source].get(target)
        if edges is None:
            self.graph.add_edge(source, target)
            edges = succ[source][target]
        if key not in edges:
            self._tally[rel.kind.value] += 1
        edges[key] = pack_relation(rel, self._shared)

    def apply(self, op: Op) -> None:
        """Apply one operation. Operations come validated from the planner or the journal decoder."""
        match op:
            case PutSubject(subject=subject):
                self._put_subject(subject)
            case PutRelation(relation=rel):
                self._put_relation(rel)
            case DropRelation(relation=rel):
                edges = self.graph[rel.source_id][rel.target_id]
                del edges[edge_key(rel)]
                if not edges:
                    self.graph.remove_edge(rel.source_id, rel.target_id)
                self._count(rel.kind.value, -1)
            case PutEntry(entry=entry):
                self._put_entry(entry)
            case AddStatus(change=change):
                self.history.setdefault(change.entry_id, []).append(change)
            case PutPenalty(penalty=penalty):
                self.penalties[penalty.key] = penalty
                self.penalties_by_subject.setdefault(penalty.subject_id, set()).add(penalty.key)
            case DropPenalty(penalty=penalty):
                del self.penalties[penalty.key]
                _unindex(self.penalties_by_subject, penalty.subject_id, penalty.key)
            case PutLink(link=link):
                self.links[(link.entry_id, link.person_id)] = link
                self.links_by_person.setdefault(link.person_id, set()).add(link.entry_id)
                self.links_by_entry.setdefault(link.entry_id, set()).add(link.person_id)
            case DropLink(link=link):
                del self.links[(link.entry_id, link.person_id)]
                _unindex(self.links_by_person, link.person_id, link.entry_id)
                _unindex(self.links_by_entry, link.entry_id, link.person_id)
            case DropSubject(key=key):
                dropped = self.subject(key)
                if dropped is not None:
                    self._count_subject(dropped, -1)
                self.graph.remove_node(key)
                del self.packed[key]
                self._search.invalidate()
            case RecordMerge(from_key=from_key, into_key=into_key, at=at):
                self.merges[from_key] = Merge(from_key, into_key, at)
            case PutTask(task=task):
                self.tasks[task.task_id] = task
            case PutDispute(dispute=dispute):
                self.disputes[dispute.dispute_id] = dispute
            case PutRepair(repair=repair):
                self.repairs[repair.repair_id] = repair
            case PutDelivery(delivery=delivery):
                self.deliveries[delivery.delivery_id] = delivery
            case PutRecord(row=row):
                self.records[(row.kind, row.key)] = row
            case AppendFeed() | PutCursor() | FeedFloor() | PutPushPosition():
                self.feed.apply(op)

    def _put_entry(self, entry: ListEntry) -> None:
        old = self.entries.get(entry.entry_id)
        if old is not None:
            self._count(_entry_tally_key(old), -1)
            _unindex(self.entries_by_subject, old.subject_id, old.entry_id)
            for person in old.responsible_person_ids:
                _unindex(self.entries_by_responsible, person, old.entry_id)
        self.entries[entry.entry_id] = entry
        self._count(_entry_tally_key(entry), +1)
        self.entries_by_subject.setdefault(entry.subject_id, set()).add(entry.entry_id)
        for person in entry.responsible_person_ids:
            self.entries_by_responsible.setdefault(person, set()).add(entry.entry_id)

    def _count(self, key: str, step: int) -> None:
        self._tally[key] += step

    def _count_subject(self, subject: Subject, step: int) -> None:
        if isinstance(subject, Organization):
            self._count("organizations", step)
        else:
            self._count("unresolved_persons" if subject.unresolved else "persons", step)
        if subject.region is not None:
            self._region_refs[subject.region] += step
            if self._region_refs[subject.region] <= 0:
                del self._region_refs[subject.region]
        self._search.invalidate()

    def dump(self) -> Iterator[Op]:
        """Operations that rebuild this state from empty (the body of a snapshot), in dependency order."""
        for subject in self.subjects():
            yield PutSubject(subject)
        for relation in self.relations():
            yield PutRelation(relation)
        for entry in self.entries.values():
            yield PutEntry(entry)
        for changes in self.history.values():
            for change in changes:
                yield AddStatus(change)
        for penalty in self.penalties.values():
            yield PutPenalty(penalty)
        for link in self.links.values():
            yield PutLink(link)
        for merge in self.merges.values():
            yield RecordMerge(merge.from_key, merge.into_key, merge.at)
        yield from (PutTask(task) for task in self.tasks.values())
        yield from (PutDispute(dispute) for dispute in self.disputes.values())
        yield from (PutRepair(repair) for repair in self.repairs.values())
        yield from (PutDelivery(delivery) for delivery in self.deliveries.values())
        yield from (PutRecord(row) for row in self.records.values())
        yield from self.feed.dump()

    def is_empty(self) -> bool:
        return not (
            self.graph.number_of_nodes()
            or self.entries
            or self.history
            or self.penalties
            or self.links
            or self.merges
            or self.tasks
            or self.disputes
            or self.repairs
            or self.deliveries
            or self.records
            or self.feed.has_events()
            or self.feed.cursors
        )


def _date_or_none(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _entry_tally_key(entry: ListEntry) -> str:
    return f"entries:{entry.list.value}:{entry.status.value}"


def _unindex(index: dict[str, set[str]], key: str, entry_id: str) -> None:
    ids = index.get(key)
    if ids is not None:
        ids.discard(entry_id)
        if not ids:
            del index[key]
