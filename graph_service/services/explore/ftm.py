"""FollowTheMoney (FtM) entities from the credit graph, for Aleph/OpenAleph and the OpenSanctions tooling.

One mapping, used by the subject export (``/v1/graph/subjects/{id}/export?format=ftm``), the whole-store
export (``graph-service export --format ftm``) and, read backwards, the FtM loader
(``loaders/formats/ftm.py``):

=====================================  =================================================================
ours                                   FtM
=====================================  =================================================================
organisation (enterprise)              ``Company``; other kinds ``Organization``. ``registrationNumber``
                                       (and ``uscCode`` where FtM accepts it) = USCC, ``legalForm`` = kind,
                                       ``status``, ``incorporationDate``, ``sector`` = industry
person                                 ``Person``: ``idNumber`` (absent for an unresolved person),
                                       ``nationality`` cn
legal representative, principal,       ``Directorship`` (``director`` → ``organization``), ``role`` = our
director, supervisor, senior manager,  relation kind, ``summary`` = the registered title
actual controller
shareholder                            ``Ownership`` (``owner`` → ``asset``), ``percentage`` = ratio × 100,
                                       ``sharesValue`` = subscribed amount
practitioner                           ``Employment``: ``role`` = qualification, ``recordId`` = certificate
branch                                 ``UnknownLink`` (``subject`` = branch, ``object`` = parent),
                                       ``role`` = ``branch_of``
list entry                             ``Sanction``: ``entity`` = the subject, then the directly responsible
                                       persons; ``recordId`` = entry id, ``program`` = ``<list>/<domain>``,
                                       ``status``, ``reason``, ``authority`` = initiating department,
                                       ``authorityId`` = decision document, ``date`` = act date,
                                       ``listingDate`` = decision date, ``startDate``/``endDate`` = validity,
                                       ``programId`` = the deciding region when it is a peer's entry
=====================================  =================================================================

Relations carry ``startDate``/``endDate``. Entity ids are stable, derived from our keys:
``cn-uscc-<USCC>`` for organisations, and a SHA-1 of the key for persons, relations and entries (so an ID
number never appears in an id, and masking the text of an export never breaks a reference).
Every entity is built with FtM's own model; a value FtM would silently drop raises instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from followthemoney import EntityProxy, model

from graph_service.domain.identifiers import is_uscc_shaped
from graph_service.domain.model import (
    ROLE_KINDS,
    ListEntry,
    Organization,
    OrgKind,
    Person,
    Relation,
    RelationKind,
    Subject,
)
from graph_service.errors import InvalidInput
from graph_service.services.explore.picture import MAX_DEPTH
from graph_service.services.explore.subgraph import extract, require_subjects
from graph_service.store.base import GraphStore

MEDIA_TYPE = "application/x-ndjson"
BRANCH_ROLE = RelationKind.BRANCH_OF.value
PAGE_SIZE = 1_000
_NAMESPACE = "graph-service"


def org_entity_id(uscc: str) -> str:
    """The FtM id of an organisation: its USCC, readable."""
    return f"cn-uscc-{uscc}"


def person_entity_id(key: str) -> str:
    """The FtM id of a person: a hash of its key (an ID number or an unresolved-person key)."""
    return f"gs-person-{_hash('person', key)}"


def subject_entity_id(key: str) -> str:
    """The FtM id of any subject key."""
    return person_entity_id(key) if _is_person(key) else org_entity_id(key)


def program_of(entry: ListEntry) -> str:
    """The FtM ``program`` of a list entry: ``<list>/<domain>``, e.g. ``black/tax``."""
    return f"{entry.list.value}/{entry.domain.value}"


def _hash(kind: str, key: str) -> str:
    return hashlib.sha1(f"{_NAMESPACE}.{kind}.{key}".encode()).hexdigest()


def _is_person(key: str) -> bool:
    return not is_uscc_shaped(key)


def _put(entity: EntityProxy, name: str, value: object, *, optional: bool = False) -> None:
    """Add ``value`` to property ``name``; raise if FtM refuses it (``add`` would drop it silently).

    ``optional``: a value FtM may refuse without loss (a second copy of what another property holds).
    """
    if value is None or value == "":
        return
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    before = len(entity.get(name))
    entity.add(name, text)
    if len(entity.get(name)) == before and not optional:
        raise ValueError(f"FtM refused {entity.schema.name}.{name} = {text!r} of {entity.id}")


def _entity(schema: str, entity_id: str) -> EntityProxy:
    entity = model.make_entity(schema)
    entity.id = entity_id
    return entity


def organisation_entity(org: Organization) -> EntityProxy:
    """An organisation as an FtM ``Company`` (enterprises) or ``Organization``."""
    schema = "Company" if org.kind is OrgKind.ENTERPRISE else "Organization"
    entity = _entity(schema, org_entity_id(org.uscc))
    _put(entity, "name", org.name)
    _put(entity, "registrationNumber", org.uscc)
    # FtM's own USCC check knows fewer registration authorities than GB 32100 (not 农民专业合作社 "N…").
    _put(entity, "uscCode", org.uscc, optional=True)
    _put(entity, "legalForm", org.kind.value)
    _put(entity, "status", org.status.value)
    _put(entity, "incorporationDate", org.established_on)
    _put(entity, "sector", org.industry)
    _put(entity, "jurisdiction", "cn")
    return entity


def person_entity(person: Person) -> EntityProxy:
    """A person as an FtM ``Person``; an unresolved person (known by name in one organisation) has no ID."""
    entity = _entity("Person", person_entity_id(person.key))
    _put(entity, "name", person.name)
    _put(entity, "idNumber", person.id_number)
    _put(entity, "nationality", "cn")
    return entity


def subject_entity(subject: Subject) -> EntityProxy:
    """A subject as its FtM entity."""
    return organisation_entity(subject) if isinstance(subject, Organization) else person_entity(subject)


def relation_entity(relation: Relation) -> EntityProxy:
    """A relation as ``Directorship``, ``Ownership``, ``Employment`` or (a branch) ``UnknownLink``."""
    source, target = subject_entity_id(relation.source_id), org_entity_id(relation.target_id)
    rid = f"gs-rel-{_hash('relation', relation.key)}"
    if relation.kind in ROLE_KINDS:
        entity = _entity("Directorship", rid)
        _put(entity, "director", source)
        _put(entity, "organization", target)
        _put(entity, "role", relation.kind.value)
        _put(entity, "summary", relation.title)
    elif relation.kind is RelationKind.SHAREHOLDER:
        entity = _entity("Ownership", rid)
        _put(entity, "owner", source)
        _put(entity, "asset", target)
        if relation.ratio is not None:
            _put(entity, "percentage", _percent(relation.ratio))
        if relation.subscribed_amount is not None:
            _put(entity, "sharesValue", _number(relation.subscribed_amount))
    elif relation.kind is RelationKind.PRACTITIONER:
        entity = _entity("Employment", rid)
        _put(entity, "employee", source)
        _put(entity, "employer", target)
        _put(entity, "role", relation.qualification)
        _put(entity, "recordId", relation.certificate_no)
    else:
        entity = _entity("UnknownLink", rid)
        _put(entity, "subject", source)
        _put(entity, "object", target)
        _put(entity, "role", BRANCH_ROLE)
    _put(entity, "startDate", relation.start_on)
    _put(entity, "endDate", relation.end_on)
    return entity


def sanction_entity(entry: ListEntry, known: Iterable[str]) -> EntityProxy:
    """A list entry as an FtM ``Sanction``; responsible persons not in ``known`` are left out."""
    entity = _entity("Sanction", f"gs-entry-{_hash('entry', entry.entry_id)}")
    present = set(known)
    _put(entity, "entity", subject_entity_id(entry.subject_id))
    for person in entry.responsible_person_ids:
        if person in present and person != entry.subject_id:
            _put(entity, "entity", person_entity_id(person))
    _put(entity, "recordId", entry.entry_id)
    _put(entity, "program", program_of(entry))
    _put(entity, "status", entry.status.value)
    _put(entity, "reason", entry.reason)
    _put(entity, "authority", entry.initiating_dept)
    _put(entity, "authorityId", entry.basis)
    _put(entity, "date", entry.act_on)
    _put(entity, "listingDate", entry.decided_on)
    _put(entity, "startDate", entry.valid_from)
    _put(entity, "endDate", entry.valid_until)
    _put(entity, "programId", entry.source_region)
    _put(entity, "country", "cn")
    return entity


def _percent(ratio: float) -> str:
    return _number(round(ratio * 100, 6))


def _number(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


@dataclass
class FtmExport:
    """The FtM entities of an export, and the data version they were read at."""

    data_version: int
    entities: list[EntityProxy] = field(default_factory=list)

    @property
    def subjects(self) -> int:
        """How many of the entities are subjects (persons and organisations)."""
        return sum(1 for e in self.entities if e.schema.is_a("LegalEntity"))


def entities(
    subjects: Sequence[Subject], relations: Iterable[Relation], entries: Iterable[ListEntry]
) -> Iterator[EntityProxy]:
    """Subjects, then the relations among them, then their entries, as FtM entities.

    A relation whose other end is not among ``subjects`` is left out, so every reference resolves.
    """
    keys = {s.key for s in subjects}
    for subject in subjects:
        yield subject_entity(subject)
    for relation in relations:
        if relation.source_id in keys and relation.target_id in keys:
            yield relation_entity(relation)
    for entry in entries:
        if entry.subject_id in keys:
            yield sanction_entity(entry, keys)


def subject_export(
    store: GraphStore, subject_id: str, *, depth: int, as_of: dt.date, include_history: bool, limit: int
) -> FtmExport:
    """The picture's graph around ``subject_id`` (same extraction and bounds) as FtM entities.

    Besides the subjects reached, the entries of every subject reached and the responsible persons
    those entries name (so each ``Sanction`` resolves).
    """
    if not 1 <= depth <= MAX_DEPTH:
        raise InvalidInput.for_field("depth", depth, f"must be between 1 and {MAX_DEPTH}")
    require_subjects(store, [("subject_id", subject_id)])
    with store.reading():
        version = store.data_version()
        sub = extract(store, [subject_id], depth=depth, as_of=None if include_history else as_of, limit=limit)
        found = store.get_subjects(sub.depth_of)
        entries = store.entries_for(found)
        named = {p for e in entries for p in e.responsible_person_ids} - found.keys()
        found.update(store.get_subjects(named))
    subjects = [found[k] for k in sorted(found)]
    export = FtmExport(version)
    export.entities.extend(entities(subjects, sub.sorted_relations(), entries))
    return export


def store_entities(store: GraphStore, *, page_size: int = PAGE_SIZE) -> Iterator[EntityProxy]:
    """Every subject, relation and entry of the store as FtM entities, a page of subjects at a time.

    Each relation is emitted with the page of its source subject and each entry with its subject's, so
    each appears once; a reference may point to an entity of a later page (FtM readers index first).
    """
    after: str | None = None
    while page := store.subjects_after(after, page_size):
        after = page[-1].key
        keys = [s.key for s in page]
        for subject in page:
            yield subject_entity(subject)
        for key in keys:
            for relation in store.relations_of(key, as_of=None, direction="out"):
                yield relation_entity(relation)
        for entry in store.entries_for(keys):
            named = [p for p in entry.responsible_person_ids if _is_person(p)]
            yield sanction_entity(entry, store.get_subjects(named).keys() if named else ())


def json_line(entity: EntityProxy) -> str:
    """One entity as a line of FtM JSON (``id``, ``schema``, ``properties``), UTF-8 text kept as is."""
    return json.dumps(entity.to_dict(), ensure_ascii=False, sort_keys=True)


def serialise(found: Iterable[EntityProxy]) -> bytes:
    """Entities as FtM JSON lines."""
    return "".join(json_line(e) + "\n" for e in found).encode("utf-8")
