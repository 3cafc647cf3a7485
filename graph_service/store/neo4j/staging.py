"""The bulk import's staging store: organisations, persons and relations stream to the import files.

The validating load needs a whole :class:`GraphStore` to write into and check references against, but a
first load of a registry is mostly subjects and relations that nothing reads back in full: the reference
checks ask only whether a key is stored, and the lifecycle reads only what a list entry touches (its
subject and responsible persons, the roles held in its organisation). So :class:`StreamingStaging` keeps
two parts:

* the *graph side* — every subject and relation, planned by the embedded store's own planner
  (:mod:`graph_service.store.memory.plan`: same identities, counts and refusals) against plain dicts,
  and written to the import files as the batch passes;
* the *entry side* — an embedded store (this class is one) holding the entries, their history, personal
  links, workflow records and feed events, plus a copy of the subjects and relations an entry-side write
  or read touches, *placed* there just before it.

Its dump (:meth:`entry_records`) is the entry side without the placed copies, which the graph side has
already written. When a later batch replaces or removes something already written (a subject updated, an
unresolved person merged), the graph files are rewritten from the dicts at :meth:`finish`; a first load
of a registry rarely does either. The dicts hold the models, not the networkx graph, its indexes, journal
and search keys of a full embedded store.

Registry format v1 only: the public feeds search subjects by name while loading, which this store does
not answer (:class:`InvalidInput`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Generic, TypeVar, cast

from pydantic import BaseModel

from graph_service.domain.model import (
    Direction,
    ListEntry,
    Organization,
    Person,
    Relation,
    Subject,
    UpsertCounts,
)
from graph_service.domain.penalty import PenaltyRecord
from graph_service.domain.propagation import PersonalLink
from graph_service.errors import InvalidInput
from graph_service.store.dump import StoredRecord
from graph_service.store.graph_port import Adjacency
from graph_service.store.memory import MemoryStore, plan
from graph_service.store.memory.graph import GraphState
from graph_service.store.memory.ops import PutRelation, PutSubject
from graph_service.store.neo4j.import_files import ImportFiles
from graph_service.store.workflow_port import EntryStep

RelationId = tuple[str, str, str]
K = TypeVar("K")
M = TypeVar("M", bound=BaseModel)


class _Packer:
    """Models kept as tuples of their field values, rebuilt when read.

    A pydantic instance costs about 1.3 KB beyond its values (its ``__dict__`` and its set of fields set);
    a tuple of the same values about 150 bytes. The values are the validated ones, so the model rebuilt
    equals the one packed (same fields, same fields set). It is rebuilt the way pydantic's own
    ``__copy__`` makes an instance (``__new__``, then its ``__dict__`` and fields set): ``model_construct``
    took 2.5 times as long, and the load reads a subject for every relation endpoint it checks. A model
    with anything else to restore (extra or private attributes, a post-init hook, a ``__dict__`` holding
    more than its fields) is kept as it is.
    """

    def __init__(self) -> None:
        self._layouts: dict[tuple[type[BaseModel], frozenset[str]], _Layout] = {}

    def pack(self, model: BaseModel) -> tuple[object, ...]:
        cls = type(model)
        fields_set = frozenset(model.model_fields_set)
        layout = self._layouts.get((cls, fields_set))
        if layout is None:
            layout = self._layouts[(cls, fields_set)] = _Layout(cls, tuple(cls.model_fields), fields_set)
        if (
            tuple(model.__dict__) != layout.names
            or model.__pydantic_extra__
            or model.__pydantic_private__
            or cls.__pydantic_post_init__ is not None
        ):
            return (model,)
        return (layout, *model.__dict__.values())

    @staticmethod
    def unpack(packed: tuple[object, ...]) -> BaseModel:
        head = packed[0]
        if not isinstance(head, _Layout):
            assert isinstance(head, BaseModel)  # kept as it is
            return head
        model = head.cls.__new__(head.cls)
        object.__setattr__(model, "__dict__", dict(zip(head.names, packed[1:], strict=True)))
        object.__setattr__(model, "__pydantic_fields_set__", set(head.fields_set))
        object.__setattr__(model, "__pydantic_extra__", None)
        object.__setattr__(model, "__pydantic_private__", None)
        return model


class _Packed(Generic[K, M]):
    """A dict of models kept packed (:class:`_Packer`): the few mapping operations the staging uses."""

    def __init__(self, packer: _Packer) -> None:
        self._packer = packer
        self._items: dict[K, tuple[object, ...]] = {}

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __getitem__(self, key: K) -> M:
        return cast(M, self._packer.unpack(self._items[key]))

    def __setitem__(self, key: K, model: M) -> None:
        self._items[key] = self._packer.pack(model)

    def get(self, key: K) -> M | None:
        packed = self._items.get(key)
        return None if packed is None else cast(M, self._packer.unpack(packed))

    def pop(self, key: K, default: None = None) -> M | None:
        packed = self._items.pop(key, None)
        return None if packed is None else cast(M, self._packer.unpack(packed))

    def values(self) -> Iterator[M]:
        for packed in self._items.values():
            yield cast(M, self._packer.unpack(packed))


class _Layout:
    """One packed model's class, field names and fields set (shared by every model of that shape)."""

    __slots__ = ("cls", "names", "fields_set")

    def __init__(self, cls: type[BaseModel], names: tuple[str, ...], fields_set: frozenset[str]) -> None:
        self.cls = cls
        self.names = names
        self.fields_set = fields_set


class _GraphView:
    """The lookups the embedded planner makes for subjects and relations, answered from the dicts.

    Duck-typed as a :class:`GraphState` so the planner (one copy of the rules) plans the graph side too;
    it must answer every lookup ``plan.plan_subjects`` and ``plan.plan_relations`` make of the state.
    """

    def __init__(self, subjects: _Packed[str, Subject], relations: _Packed[RelationId, Relation]) -> None:
        self._subjects = subjects
        self._relations = relations

    def subject(self, key: str) -> Subject | None:
        return self._subjects.get(key)

    def has_subject(self, key: str) -> bool:
        return key in self._subjects

    def relation(self, source_id: str, target_id: str, key: str) -> Relation | None:
        return self._relations.get((source_id, target_id, key))

    def stored_relation(self, relation: Relation) -> Relation | None:
        return self._relations.get((relation.source_id, relation.target_id, relation.key))


class StreamingStaging(MemoryStore):
    """A :class:`GraphStore` for one validating load whose subjects and relations go to ``files``."""

    def __init__(self, files: ImportFiles) -> None:
        super().__init__(None)
        self._files = files
        packer = _Packer()
        self._subjects: _Packed[str, Subject] = _Packed(packer)
        self._relations: _Packed[RelationId, Relation] = _Packed(packer)
        self._into: dict[str, list[RelationId]] = {}
        self._out_of: dict[str, list[RelationId]] = {}
        self._view = cast(GraphState, _GraphView(self._subjects, self._relations))
        self._placed: set[str] = set()
        self._placed_relations: set[RelationId] = set()
        self._graph_commits = 0  # graph-side batches that changed something (one data version each)
        self._placing_commits = 0  # entry-side commits that only placed copies (no data version)
        self._stale = False  # something already written was replaced or removed

    # ---- the graph side -------------------------------------------------------------------------------

    def _upsert_organizations(self, rows: Sequence[Organization]) -> UpsertCounts:
        return self._put_subjects(rows)

    def _upsert_persons(self, rows: Sequence[Person]) -> UpsertCounts:
        return self._put_subjects(rows)

    def _put_subjects(self, rows: Sequence[Subject]) -> UpsertCounts:
        ops, counts = plan.plan_subjects(self._view, rows)
        placed: list[Subject] = []
        for op in ops:
            assert isinstance(op, PutSubject)  # what plan_subjects plans
            subject = op.subject
            if subject.key in self._subjects:
                self._stale = True
            self._subjects[subject.key] = subject
            self._files.add_subject(subject)
            if subject.key in self._placed:
                placed.append(subject)
        if ops:
            self._graph_commits += 1
        if placed:
            self._placing(lambda: self._place_subjects(placed))
        return counts

    def upsert_relations(self, rows: Sequence[Relation]) -> UpsertCounts:
        ops, counts = plan.plan_relations(self._view, rows)
        placed: list[Relation] = []
        for op in ops:
            assert isinstance(op, PutRelation)  # what plan_relations plans
            relation = op.relation
            rid = (relation.source_id, relation.target_id, relation.key)
            if rid in self._relations:
                self._stale = True
            else:
                self._into.setdefault(relation.target_id, []).append(rid)
                self._out_of.setdefault(relation.source_id, []).append(rid)
            self._relations[rid] = relation
            self._files.add_relation(relation)
            if rid in self._placed_relations:
                placed.append(relation)
        if ops:
            self._graph_commits += 1
        if placed:
            self._placing(lambda: super(StreamingStaging, self).upsert_relations(placed))
        return counts

    def get_subjects(self, ids: Iterable[str]) -> dict[str, Subject]:
        return {key: subject for key in ids if (subject := self._subjects.get(key)) is not None}

    def _resolve_person(self, unresolved_key: str, person: Person) -> None:
        """The embedded store's merge, on copies of both persons' neighbourhoods; the result is taken
        back into the graph side (whose files are then rewritten)."""
        if unresolved_key not in self._subjects:
            return
        self._placing(lambda: self._place_around([unresolved_key, person.key]))
        before = self.data_version()
        super()._resolve_person(unresolved_key, person)
        if self.data_version() == before:
            return
        self._stale = True
        for rid in self._out_of.pop(unresolved_key, []):
            moved = self._relations.pop(rid, None)
            if moved is not None:
                self._into[moved.target_id].remove(rid)
        self._subjects.pop(unresolved_key, None)
        self._placed.discard(unresolved_key)
        stored = super().get_subjects([person.key])[person.key]
        self._subjects[person.key] = stored
        for relation in super()._relations_of(person.key, "out"):
            rid = (relation.source_id, relation.target_id, relation.key)
            if rid not in self._relations:
                self._into.setdefault(relation.target_id, []).append(rid)
                self._out_of.setdefault(relation.source_id, []).append(rid)
            self._relations[rid] = relation
            self._placed_relations.add(rid)

    # ---- the entry side: place what a write or read touches, then the embedded store's own --------

    def write_step(self, step: EntryStep) -> None:
        keys = _step_subjects(step)
        self._placing(lambda: self._place_subjects(self._subjects[k] for k in keys if k in self._subjects))
        super().write_step(step)

    def write_steps(self, steps: Sequence[EntryStep]) -> None:
        keys = [k for step in steps for k in _step_subjects(step)]
        self._placing(lambda: self._place_subjects(self._subjects[k] for k in keys if k in self._subjects))
        super().write_steps(steps)

    def upsert_entries(self, rows: Sequence[ListEntry]) -> UpsertCounts:
        keys = [k for row in rows for k in (row.subject_id, *row.responsible_person_ids)]
        self._placing(lambda: self._place_subjects(self._subjects[k] for k in keys if k in self._subjects))
        return super().upsert_entries(rows)

    def upsert_penalties(self, rows: Sequence[PenaltyRecord]) -> UpsertCounts:
        keys = [row.subject_id for row in rows]
        self._placing(lambda: self._place_subjects(self._subjects[k] for k in keys if k in self._subjects))
        return super().upsert_penalties(rows)

    def _replace_links(self, links_by_entry: Mapping[str, Sequence[PersonalLink]]) -> UpsertCounts:
        keys = [link.person_id for links in links_by_entry.values() for link in links]
        self._placing(lambda: self._place_subjects(self._subjects[k] for k in keys if k in self._subjects))
        return super()._replace_links(links_by_entry)

    def _relations_of(self, subject_id: str, direction: Direction) -> list[Relation]:
        self._placing(lambda: self._place_around([subject_id]))
        return super()._relations_of(subject_id, direction)

    def _relations_into(self, subject_ids: Sequence[str]) -> dict[str, list[Relation]]:
        self._placing(lambda: self._place_around(subject_ids))
        return super()._relations_into(subject_ids)

    def _adjacent(
        self, subject_ids: Sequence[str], as_of: dt.date | None, limit_per_node: int
    ) -> dict[str, Adjacency]:
        self._placing(lambda: self._place_around(subject_ids))
        return super()._adjacent(subject_ids, as_of, limit_per_node)

    def _search_subjects(self, text: str, limit: int) -> list[Subject]:
        raise InvalidInput("the bulk import stages registry format v1 only: it does not search subjects")

    def _subjects_after(self, after: str | None, limit: int) -> list[Subject]:
        raise InvalidInput("the bulk import stages registry format v1 only: it does not list subjects")

    def data_version(self) -> int:
        """The embedded store's count of commits, as if the graph side had been committed there too."""
        return super().data_version() - self._placing_commits + self._graph_commits

    def _placing(self, place: Callable[[], object]) -> None:
        """Run ``place`` (which commits copies into the entry side) without counting data versions."""
        before = super().data_version()
        place()
        self._placing_commits += super().data_version() - before

    def _place_subjects(self, subjects: Iterable[Subject]) -> None:
        fresh = {s.key: s for s in subjects if s.key not in self._placed}
        if not fresh:
            return
        self._placed.update(fresh)
        orgs = [s for s in fresh.values() if isinstance(s, Organization)]
        persons = [s for s in fresh.values() if isinstance(s, Person)]
        if orgs:
            super()._upsert_organizations(orgs)
        if persons:
            super()._upsert_persons(persons)

    def _place_around(self, keys: Iterable[str]) -> None:
        """Place subjects with every relation touching them and the subjects at the other ends."""
        relations: list[Relation] = []
        ends: list[Subject] = []
        for key in keys:
            if key not in self._subjects:
                continue
            ends.append(self._subjects[key])
            for rid in (*self._into.get(key, ()), *self._out_of.get(key, ())):
                if rid in self._placed_relations:
                    continue
                self._placed_relations.add(rid)
                relation = self._relations[rid]
                relations.append(relation)
                ends += (self._subjects[relation.source_id], self._subjects[relation.target_id])
        self._place_subjects(ends)
        if relations:
            super().upsert_relations(relations)

    # ---- finishing ------------------------------------------------------------------------------------

    def entry_records(self) -> Iterator[StoredRecord]:
        """The entry side's records for the import files: the placed copies of subjects and relations
        are left out (the graph side wrote them)."""
        for record in self.dump():
            if not isinstance(record, Organization | Person | Relation):
                yield record

    def finish(self) -> None:
        """Rewrite the graph files from the dicts if a later batch replaced or removed what they hold."""
        if not self._stale:
            return
        self._files.restart_graph()
        for subject in self._subjects.values():
            self._files.add_subject(subject)
        for relation in self._relations.values():
            self._files.add_relation(relation)


def _step_subjects(step: EntryStep) -> list[str]:
    """The subjects a workflow step's entry and links name."""
    keys: list[str] = []
    if step.entry is not None:
        keys += [step.entry.subject_id, *step.entry.responsible_person_ids]
    keys += [link.person_id for link in step.links or ()]
    return keys
