"""FollowTheMoney (FtM) entities -> registry rows and list entries (``graph-service load DIR --format ftm``).

An investigator's export (ours, ``graph-service export --format ftm``, or a peer's) is one file of FtM
JSON lines holding every kind of entity at once, while the loader needs organisations before persons,
persons before relations, relations before entries. So each file is read once into an index (entity id
-> line, schema, properties; checked by FtM's own schema validation) and loaded seven times, once per
format v1 kind, each pass taking only its schemas and turning each entity into the row that kind reads:

==========================================  ======================  ===================================
FtM                                         loaded as               key properties
==========================================  ======================  ===================================
``Company``, ``Organization``,              organisations           ``registrationNumber``/``uscCode``
``PublicBody``, ``LegalEntity`` with a USCC                         (the USCC)
``Person``                                  persons                 ``idNumber``; without one, an
                                                                    unresolved person of the organisation
                                                                    it is linked to
``Directorship``                            roles                   ``role``: our relation kind, or
                                                                    法定代表人, director, 监事 …
``Ownership``                               shareholdings           ``percentage`` (÷ 100), ``sharesValue``
``Employment``                              practitioners           ``role`` = qualification
``UnknownLink`` with ``role`` branch_of     branches
``Sanction``                                list entries            ``program`` = ``<list>/<domain>``,
                                                                    ``recordId`` = entry id
==========================================  ======================  ===================================

(:mod:`graph_service.services.explore.ftm` writes the same mapping.) From there on every row goes through
the format v1 validation, reference checks and writes. A reject names the entity: its ``column`` is the
FtM property, its ``value`` the property's value, its ``reason`` starts with ``<schema> <entity id>:``.
Entities of other schemas are counted in a warning, never loaded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Literal, cast

from followthemoney import model
from followthemoney.exc import InvalidData
from followthemoney.schema import Schema, ValidationData

from graph_service.domain.identifiers import is_uscc_shaped
from graph_service.domain.model import (
    ROLE_KINDS,
    OrgKind,
    OrgStatus,
    RelationKind,
    unresolved_person_key,
)
from graph_service.services.explore.ftm import BRANCH_ROLE
from loaders.cells import Cells, Problem, RowRejected
from loaders.csvio import BadRecord, Header, ProgressFn, Row, SourceError
from loaders.formats.v1_entries import ListEntries
from loaders.formats.v1_relations import Branches, Practitioners, Roles
from loaders.formats.v1_shareholdings import Shareholdings
from loaders.formats.v1_subjects import Organizations, Persons
from loaders.report import FileReport, is_issue_file
from loaders.run import FileKind, Parsed, RowSource, Run

SUFFIXES = (".json", ".jsonl", ".ndjson", ".ftm")
WITHHELD = "非公示项"  # what a row gives for a person without ID number (see loaders.cells.is_withheld)

_ORG_SCHEMAS = ("Company", "Organization", "PublicBody", "LegalEntity")
_DEFAULT_KIND = {
    "Company": OrgKind.ENTERPRISE,
    "Organization": OrgKind.SOCIAL_ORG,
    "PublicBody": OrgKind.INSTITUTION,
}
_ROLE_WORDS: dict[str, RelationKind] = {
    **{k.value: k for k in ROLE_KINDS},
    "legal representative": RelationKind.LEGAL_REPRESENTATIVE,
    "法定代表人": RelationKind.LEGAL_REPRESENTATIVE,
    "principal": RelationKind.PRINCIPAL,
    "负责人": RelationKind.PRINCIPAL,
    "主要负责人": RelationKind.PRINCIPAL,
    "director": RelationKind.DIRECTOR,
    "董事": RelationKind.DIRECTOR,
    "执行董事": RelationKind.DIRECTOR,
    "supervisor": RelationKind.SUPERVISOR,
    "监事": RelationKind.SUPERVISOR,
    "senior manager": RelationKind.SENIOR_MANAGER,
    "manager": RelationKind.SENIOR_MANAGER,
    "经理": RelationKind.SENIOR_MANAGER,
    "高级管理人员": RelationKind.SENIOR_MANAGER,
    "actual controller": RelationKind.ACTUAL_CONTROLLER,
    "实际控制人": RelationKind.ACTUAL_CONTROLLER,
}


@dataclass(frozen=True)
class Entity:
    """One FtM entity of the file: where it is, what it is, its properties (lists of strings)."""

    line: int
    id: str
    schema: Schema
    properties: Mapping[str, list[str]]
    problems: tuple[Problem, ...] = ()

    def first(self, prop: str) -> str | None:
        """The property's first value, stripped, if any."""
        values = [v.strip() for v in self.properties.get(prop, []) if isinstance(v, str) and v.strip()]
        return values[0] if values else None

    def values(self, prop: str) -> list[str]:
        return [v for v in self.properties.get(prop, []) if isinstance(v, str) and v.strip()]


@dataclass
class EntityIndex:
    """Every entity of one FtM file by id, read and schema-checked once for all the passes."""

    path: Path
    by_id: dict[str, Entity] = field(default_factory=dict)
    by_line: list[Entity] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)
    # Persons without an ID number -> the organisation (USCC) of their first relation in the file.
    org_of_person: dict[str, str] = field(default_factory=dict)

    def read(self) -> None:
        """Read the file (UTF-8, as FtM JSON is); malformed lines and repeated ids become bad records."""
        try:
            with self.path.open(encoding="utf-8-sig") as handle:
                for line, text in enumerate(handle, start=1):
                    if text.strip():
                        self._add(line, text)
        except UnicodeDecodeError as exc:
            raise SourceError(self.path, f"FtM JSON must be UTF-8: {exc.reason} at byte {exc.start}") from exc
        for entity in self.by_line:
            self._note_org(entity)

    def _add(self, line: int, text: str) -> None:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            self.bad.append((line, f"not a JSON object: {exc.msg} at column {exc.colno}"))
            return
        if not isinstance(data, dict) or not isinstance(data.get("properties", {}), dict):
            self.bad.append((line, "expected an FtM entity: an object with id, schema and properties"))
            return
        entity_id, schema = data.get("id"), model.get(str(data.get("schema", "")))
        if not isinstance(entity_id, str) or not entity_id:
            self.bad.append((line, "the entity has no id"))
            return
        if schema is None:
            self.bad.append((line, f"entity {entity_id}: {data.get('schema')!r} is not an FtM schema"))
            return
        if entity_id in self.by_id:
            earlier = self.by_id[entity_id].line
            self.bad.append((line, f"entity {entity_id} was already given on line {earlier}"))
            return
        properties = {str(k): [str(x) for x in v] if isinstance(v, list) else [str(v)]
                      for k, v in data.get("properties", {}).items()}  # fmt: skip
        entity = Entity(line, entity_id, schema, properties, _schema_problems(schema, entity_id, properties))
        self.by_id[entity_id] = entity
        self.by_line.append(entity)

    def _note_org(self, entity: Entity) -> None:
        ends = {"Directorship": ("director", "organization"), "Ownership": ("owner", "asset"),
                "Employment": ("employee", "employer")}.get(entity.schema.name)  # fmt: skip
        if ends is None:
            return
        person, org = (self.by_id.get(entity.first(e) or "") for e in ends)
        if person is None or org is None or person.schema.name != "Person" or person.first("idNumber"):
            return
        uscc = org_key(org)
        if uscc is not None:
            self.org_of_person.setdefault(person.id, uscc)

    def key_of(self, entity_id: str, org: str | None = None) -> str | None:
        """Our subject key for an entity id: a USCC, an ID number or an unresolved person's key."""
        entity = self.by_id.get(entity_id)
        if entity is None:
            return None
        if entity.schema.name != "Person":
            return org_key(entity)
        number = entity.first("idNumber")
        if number is not None:
            return number
        scope = org or self.org_of_person.get(entity_id)
        name = entity.first("name")
        return unresolved_person_key(scope, name) if scope and name else None


def org_key(entity: Entity) -> str | None:
    """An organisation entity's USCC: ``registrationNumber`` or ``uscCode``, the first USCC-shaped one."""
    for prop in ("uscCode", "registrationNumber", "idNumber"):
        for value in entity.values(prop):
            if is_uscc_shaped(value.strip()):
                return value.strip()
    return entity.first("registrationNumber")


def _schema_problems(
    schema: Schema, entity_id: str, properties: Mapping[str, list[str]]
) -> tuple[Problem, ...]:
    """FtM's own verdict on an entity: one problem per property it refuses."""
    data = {"id": entity_id, "schema": schema.name, "properties": dict(properties)}
    try:
        schema.validate(cast(ValidationData, data))
    except InvalidData as exc:
        errors = exc.errors.get("properties", {}) if isinstance(exc.errors, dict) else {}
        found = [
            Problem(prop, ", ".join(properties.get(prop, [])), f"{schema.name} {entity_id}: {reason}")
            for prop, reason in sorted(errors.items())
        ]
        return tuple(found) or (Problem("", "", f"{schema.name} {entity_id}: {exc}"),)
    return ()


class EntityRows:
    """The entities of one pass as flat rows (:class:`loaders.run.RowSource`), in file order."""

    format: Literal["csv", "jsonl"] = "jsonl"
    header = Header(())

    def __init__(self, kind: FtmKind, on_bytes: ProgressFn | None) -> None:
        self._kind, self._on_bytes = kind, on_bytes

    def __enter__(self) -> EntityRows:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def __iter__(self) -> Iterator[tuple[int, Row | BadRecord]]:
        kind, index = self._kind, self._kind.index
        if kind.reports_bad_lines:
            yield from ((line, BadRecord(reason)) for line, reason in index.bad)
        for entity in index.by_line:
            if kind.takes(entity):
                yield entity.line, ({} if entity.problems else kind.row(entity))
        if self._on_bytes is not None:
            self._on_bytes(index.path.stat().st_size)


class FtmKind:
    """What every FtM pass adds to its format v1 kind: which entities it takes and how each becomes a row.

    Mixed into a v1 :class:`FileKind` (first in the bases): ``open`` streams the index instead of the
    file, ``parse`` turns the v1 columns of a reject back into FtM properties, ``write`` does the same for
    the rejects its reference checks make.
    """

    schemas: ClassVar[tuple[str, ...]]
    # v1 column -> the FtM property it came from (for rejects).
    properties: ClassVar[Mapping[str, str]]
    reports_bad_lines: ClassVar[bool] = False
    index: EntityIndex

    def takes(self, entity: Entity) -> bool:
        """Whether this pass loads ``entity``."""
        return entity.schema.name in self.schemas

    def row(self, entity: Entity) -> Row:
        """The v1 row ``entity`` becomes (absent values left out, like empty cells)."""
        raise NotImplementedError

    def open(self, path: Path, encoding: str, *, on_bytes: ProgressFn | None = None) -> RowSource:
        """The entities of this pass as rows, from the index :func:`plan` read."""
        return EntityRows(self, on_bytes)

    def parse(self, cells: Cells) -> Any:
        """The v1 kind's parse, its problems named by FtM property and entity."""
        entity = self._entity_at(cells.line)
        if entity is not None and entity.problems:
            raise RowRejected(list(entity.problems))
        try:
            value = super().parse(cells)  # type: ignore[misc]
        except RowRejected as exc:
            raise RowRejected([self.renamed(cells.line, p) for p in exc.problems]) from exc
        finally:
            cells.warnings[:] = [self.renamed(cells.line, p) for p in cells.warnings]
        return value

    def write(self, batch: list[Parsed[Any]], run: Run, report: FileReport) -> None:
        """The v1 kind's write, its rejects and warnings named by FtM property and entity."""
        rejects, warnings = run.rejects, run.warnings
        run.rejects, run.warnings = _Renaming(rejects, self), _Renaming(warnings, self)  # type: ignore[assignment]
        try:
            super().write(batch, run, report)  # type: ignore[misc]
        finally:
            run.rejects, run.warnings = rejects, warnings

    def renamed(self, line: int, problem: Problem) -> Problem:
        """``problem`` of the row on ``line`` with the FtM property and the entity named."""
        entity = self._entity_at(line)
        if entity is None:
            return problem
        column = self.properties.get(problem.column, problem.column)
        prefix = f"{entity.schema.name} {entity.id}: "
        reason = problem.reason if problem.reason.startswith(prefix) else prefix + problem.reason
        return Problem(column, problem.value, reason)

    def _entity_at(self, line: int) -> Entity | None:
        lines = self.index.by_line
        low, high = 0, len(lines)
        while low < high:
            mid = (low + high) // 2
            if lines[mid].line < line:
                low = mid + 1
            else:
                high = mid
        return lines[low] if low < len(lines) and lines[low].line == line else None


class _Renaming:
    """An issue writer that names FtM properties and entities, then writes to the real one."""

    def __init__(self, inner: Any, kind: FtmKind) -> None:
        self._inner, self._kind = inner, kind

    def write(self, file: str, line: int, column: str, value: str, reason: str) -> None:
        p = self._kind.renamed(line, Problem(column, value, reason))
        self._inner.write(file, line, p.column, p.value, p.reason)


def _dates(entity: Entity, row: dict[str, str]) -> dict[str, str]:
    for prop, column in (("startDate", "start_on"), ("endDate", "end_on")):
        if (value := entity.first(prop)) is not None:
            row[column] = value
    return row


def _present(row: Mapping[str, str | None]) -> Row:
    return {k: v for k, v in row.items() if v is not None and v != ""}


def _number(value: str | None, divide: float = 1.0) -> str | None:
    if value is None:
        return None
    try:
        return f"{float(value.replace(',', '')) / divide:.8f}".rstrip("0").rstrip(".")
    except ValueError:
        return value  # the v1 parse rejects it, naming the property


class FtmOrganizations(FtmKind, Organizations):
    """Pass 1: ``Company``/``Organization``/``PublicBody`` (and any legal entity with a USCC)."""

    kind = "ftm:organizations"
    schemas = _ORG_SCHEMAS
    reports_bad_lines = True
    properties: ClassVar[Mapping[str, str]] = {
        "uscc": "registrationNumber", "name": "name", "kind": "legalForm", "status": "status",
        "established_on": "incorporationDate", "industry": "sector",
    }  # fmt: skip

    def takes(self, entity: Entity) -> bool:
        if entity.schema.name == "LegalEntity":
            return org_key(entity) is not None and is_uscc_shaped(org_key(entity) or "")
        return entity.schema.name in self.schemas

    def row(self, entity: Entity) -> Row:
        kind = entity.first("legalForm")
        if kind not in {k.value for k in OrgKind}:
            kind = _DEFAULT_KIND.get(entity.schema.name, OrgKind.ENTERPRISE).value
        status = entity.first("status")
        return _present({
            "uscc": org_key(entity), "name": entity.first("name"), "kind": kind,
            "status": status if status in {s.value for s in OrgStatus} else None,
            "established_on": entity.first("incorporationDate"), "industry": entity.first("sector"),
        })  # fmt: skip


class FtmPersons(FtmKind, Persons):
    """Pass 2: ``Person``; one without ``idNumber`` is an unresolved person of the organisation it is in."""

    kind = "ftm:persons"
    schemas = ("Person",)
    properties: ClassVar[Mapping[str, str]] = {"id_number": "idNumber", "name": "name", "org_id": "idNumber"}

    def row(self, entity: Entity) -> Row:
        number = entity.first("idNumber")
        org = None if number else self.index.org_of_person.get(entity.id)
        return _present({"id_number": number or WITHHELD, "name": entity.first("name"), "org_id": org})

    def parse(self, cells: Cells) -> Any:
        if cells.row.get("id_number") == WITHHELD and "org_id" not in cells.row:
            reason = (
                "no idNumber, and no Directorship, Ownership or Employment ties the person to an "
                "organisation to load it as that organisation's unresolved person"
            )
            raise RowRejected([self.renamed(cells.line, Problem("id_number", "", reason))])
        return super().parse(cells)


class _Link(FtmKind):
    """A relation entity: its two ends as our keys."""

    ends: ClassVar[tuple[str, str]]

    def sides(self, entity: Entity, person_column: str, name_column: str) -> dict[str, str | None]:
        source_prop, target_prop = self.ends
        source = self.index.by_id.get(entity.first(source_prop) or "")
        target = self.index.by_id.get(entity.first(target_prop) or "")
        org = org_key(target) if target is not None else entity.first(target_prop)
        row: dict[str, str | None] = {"org_id": org}
        if source is None:
            row[person_column] = entity.first(source_prop)
        elif source.schema.name == "Person":
            row[person_column] = source.first("idNumber") or WITHHELD
            row[name_column] = source.first("name")
        else:
            row[person_column] = org_key(source)
        return row


class FtmRoles(_Link, Roles):
    """Pass 3: ``Directorship`` -> roles (法定代表人, 董事, 监事 …)."""

    kind = "ftm:directorships"
    schemas = ("Directorship",)
    ends = ("director", "organization")
    properties: ClassVar[Mapping[str, str]] = {
        "person_id": "director", "person_name": "director", "org_id": "organization", "role": "role",
        "title": "summary", "start_on": "startDate", "end_on": "endDate",
    }  # fmt: skip

    def row(self, entity: Entity) -> Row:
        row = self.sides(entity, "person_id", "person_name")
        role = entity.first("role")
        known = _ROLE_WORDS.get(role.casefold()) if role else None
        row["role"] = known.value if known is not None else role
        row["title"] = entity.first("summary")
        return _dates(entity, _present(row))


class FtmShareholdings(_Link, Shareholdings):
    """Pass 4: ``Ownership`` -> shareholdings (``percentage`` ÷ 100 is the ratio)."""

    kind = "ftm:ownerships"
    schemas = ("Ownership",)
    ends = ("owner", "asset")
    properties: ClassVar[Mapping[str, str]] = {
        "holder_id": "owner", "holder_name": "owner", "holder_type": "owner", "org_id": "asset",
        "ratio": "percentage", "subscribed_amount": "sharesValue", "start_on": "startDate",
        "end_on": "endDate",
    }  # fmt: skip

    def row(self, entity: Entity) -> Row:
        row = self.sides(entity, "holder_id", "holder_name")
        owner = self.index.by_id.get(entity.first("owner") or "")
        if owner is not None:
            row["holder_type"] = "person" if owner.schema.name == "Person" else "organization"
        row["ratio"] = _number(entity.first("percentage"), 100)
        row["subscribed_amount"] = _number(entity.first("sharesValue"))
        return _dates(entity, _present(row))


class FtmPractitioners(_Link, Practitioners):
    """Pass 5: ``Employment`` -> practitioners (``role`` is the qualification)."""

    kind = "ftm:employments"
    schemas = ("Employment",)
    ends = ("employee", "employer")
    properties: ClassVar[Mapping[str, str]] = {
        "person_id": "employee", "person_name": "employee", "org_id": "employer", "qualification": "role",
        "certificate_no": "recordId", "start_on": "startDate", "end_on": "endDate",
    }  # fmt: skip

    def row(self, entity: Entity) -> Row:
        row = self.sides(entity, "person_id", "person_name")
        row["qualification"] = entity.first("role")
        row["certificate_no"] = entity.first("recordId")
        return _dates(entity, _present(row))


class FtmBranches(_Link, Branches):
    """Pass 6: ``UnknownLink`` with role ``branch_of`` -> branches."""

    kind = "ftm:branches"
    schemas = ("UnknownLink",)
    ends = ("subject", "object")
    properties: ClassVar[Mapping[str, str]] = {
        "branch_id": "subject",
        "parent_id": "object",
        "start_on": "startDate",
        "end_on": "endDate",
    }

    def takes(self, entity: Entity) -> bool:
        return entity.schema.name == "UnknownLink" and entity.first("role") == BRANCH_ROLE

    def row(self, entity: Entity) -> Row:
        sides = self.sides(entity, "branch_id", "branch_name")
        row = {"branch_id": sides["branch_id"], "parent_id": sides["org_id"]}
        return _dates(entity, _present(row))


class FtmEntries(FtmKind, ListEntries):
    """Pass 7: ``Sanction`` -> list entries; ``entity`` = the subject, then the responsible persons."""

    kind = "ftm:sanctions"
    schemas = ("Sanction",)
    properties: ClassVar[Mapping[str, str]] = {
        "entry_id": "recordId", "subject_id": "entity", "responsible_person_ids": "entity",
        "list": "program", "domain": "program", "reason": "reason", "act_on": "date",
        "decided_on": "listingDate", "valid_from": "startDate", "valid_until": "endDate",
        "initiating_dept": "authority", "basis": "authorityId", "source_region": "programId",
        "status": "status",
    }  # fmt: skip

    def row(self, entity: Entity) -> Row:
        named = [self.index.by_id.get(i) for i in entity.values("entity")]
        orgs = [e for e in named if e is not None and e.schema.name != "Person"]
        org = org_key(orgs[0]) if len(orgs) == 1 else None
        keys = [self.index.key_of(e.id, org) if e is not None else None for e in named]
        subject = org if org is not None else (keys[0] if len(keys) == 1 else None)
        responsible = [k for k in keys if k is not None and k != subject]
        program = entity.first("program") or ""
        listed, _, domain = program.partition("/")
        region = entity.first("programId")
        row = {
            "entry_id": entity.first("recordId") or entity.id,
            "subject_id": subject,
            "list": listed or None,
            "domain": domain or None,
            "reason": entity.first("reason"),
            "act_on": entity.first("date"),
            "decided_on": entity.first("listingDate") or entity.first("date"),
            "valid_from": entity.first("startDate"),
            "valid_until": entity.first("endDate"),
            "initiating_dept": entity.first("authority"),
            "basis": entity.first("authorityId"),
            "source_region": region if region and region.isdigit() and len(region) == 6 else None,
            "status": entity.first("status"),
            "responsible_person_ids": ";".join(responsible) or None,
        }
        return _present(row)

    def parse(self, cells: Cells) -> Any:
        entity = self._entity_at(cells.line)
        if entity is not None and not entity.problems and "subject_id" not in cells.row:
            named = ", ".join(entity.values("entity"))
            reason = "entity must name one organisation (then the responsible persons) or one person"
            raise RowRejected([self.renamed(cells.line, Problem("subject_id", named, reason))])
        if entity is not None and not entity.problems and "domain" not in cells.row:
            reason = "program must be <list>/<domain>, e.g. black/tax"
            value = entity.first("program") or ""
            raise RowRejected([self.renamed(cells.line, Problem("list", value, reason))])
        return super().parse(cells)


PASSES: tuple[Callable[[str], FileKind[Any]], ...] = (
    FtmOrganizations, FtmPersons, FtmRoles, FtmShareholdings, FtmPractitioners, FtmBranches, FtmEntries,
)  # fmt: skip


def plan(path: Path) -> tuple[list[tuple[Path, FileKind[Any]]], list[str]]:
    """The passes to load: seven per FtM file (one file, or every ``.json``/``.jsonl``/``.ftm`` of a dir).

    Each file is read (FtM JSON is UTF-8) and schema-checked here, once for its seven passes; entities
    of schemas no pass loads are named in a note.
    """
    if path.is_file():
        files = [path]
        notes: list[str] = []
    else:
        candidates = sorted(p for p in path.iterdir() if p.is_file())
        files = [p for p in candidates if p.suffix.lower() in SUFFIXES and not is_issue_file(p)]
        notes = [f"ignored {p.name}: not an FtM file (.json, .jsonl, .ndjson, .ftm)" for p in candidates
                 if p not in files]  # fmt: skip
    if not files:
        raise SourceError(path, "no FtM file (.json, .jsonl, .ndjson, .ftm) to load")
    planned: list[tuple[Path, FileKind[Any]]] = []
    for file in files:
        index = EntityIndex(file)
        index.read()
        kinds = [make(file.name) for make in PASSES]
        for kind in kinds:
            assert isinstance(kind, FtmKind)
            kind.index = index
            planned.append((file, kind))
        ignored: dict[str, int] = {}
        for entity in index.by_line:
            if not any(isinstance(k, FtmKind) and k.takes(entity) for k in kinds):
                ignored[entity.schema.name] = ignored.get(entity.schema.name, 0) + 1
        if ignored:
            said = ", ".join(f"{n} {schema}" for schema, n in sorted(ignored.items()))
            notes.append(f"ignored in {file.name}: {said} (no registry or list data in these schemas)")
    return planned, notes
