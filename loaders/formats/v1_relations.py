"""Format v1 relations: ``roles.csv``, ``practitioners.csv``, ``branches.csv`` (and the shared write path
that ``shareholdings.csv`` uses too).

Every relation names subjects that must exist — loaded earlier in this run or already stored — except an
unresolved person, which the row itself defines (organisation + name). Writing a batch:
1. reject rows whose organisations are unknown (naming the id),
2. point rows at persons resolved earlier in this run,
3. create the unresolved persons the rows imply,
4. resolve unresolved persons that rows now identify with a full ID (same organisation + name),
5. reject rows whose identified persons are unknown,
6. drop repeats within the batch, and upsert.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from graph_service.domain.model import (
    ROLE_KINDS,
    Person,
    Relation,
    RelationKind,
    is_unresolved_key,
    unresolved_person_key,
)
from loaders import clean
from loaders.cells import Cells, Problem, build, person_ref, present
from loaders.csvio import Row
from loaders.formats.v1_headers import aliases_zh
from loaders.memo import IdentifierMemo
from loaders.report import FileReport
from loaders.resolution import resolve_candidates
from loaders.run import FileKind, FirstSeen, Parsed, Run

_ROLE_VALUES = frozenset(k.value for k in ROLE_KINDS)


@dataclass(frozen=True, slots=True)
class RelationRow:
    """A parsed relation row: the relation, which columns name its ends, and the persons it implies."""

    relation: Relation
    source_column: str
    target_column: str
    new_person: Person | None = None  # the unresolved person this row defines
    candidate: tuple[str, Person] | None = None  # (unresolved key, person) this row identifies


def person_source(
    cells: Cells, id_column: str, name_column: str, org: str | None
) -> tuple[str | None, Person | None, tuple[str, Person] | None]:
    """A person-sourced relation's source key, the unresolved person it defines, and what it resolves."""
    ref = person_ref(cells, id_column, name_column, org)
    if ref is None:
        return None, None, None
    if ref.name is None or (org is None and not ref.unresolved):
        return ref.key, None, None
    person = build(Person, {"key": ref.key, "name": ref.name}, cells, {"key": id_column, "name": name_column})
    if ref.unresolved or person is None or org is None:
        return ref.key, person, None
    return ref.key, None, (unresolved_person_key(org, ref.name), person)


def dated_relation(cells: Cells, fields: dict[str, Any], columns: dict[str, str]) -> Relation | None:
    """Build a relation with the common ``start_on``/``end_on`` columns; problems go to ``cells``."""
    fields = {**fields, "start_on": cells.date("start_on"), "end_on": cells.date("end_on")}
    # A withheld or malformed id already has its own problem; the model's would repeat it.
    skip = {p.column for p in cells.problems} & set(columns.values()) if cells.problems else ()
    return build(Relation, present(fields), cells, columns, skip=skip)


class RelationFile(FileKind[RelationRow]):
    """A file of relations; subclasses say how a row becomes a :class:`RelationRow`."""

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._seen = FirstSeen()  # for the whole file: a repeat in a later batch is still a repeat

    def written(self, items: list[Parsed[RelationRow]], run: Run, report: FileReport) -> None:  # noqa: B027
        """Optional: look at the rows of a batch once written (or validated, in a dry run)."""

    def write(self, batch: list[Parsed[RelationRow]], run: Run, report: FileReport) -> None:
        items = self._known_only(batch, run, report, organisations=True)
        if run.resolved:  # nothing to point elsewhere before this run resolves a person
            items = [_rewrite(run, item) for item in items]
        run.create_missing(report, (i.value.new_person for i in items if i.value.new_person is not None))
        resolve_candidates(run, report, (i.value.candidate for i in items if i.value.candidate is not None))
        if run.resolved:
            items = [_rewrite(run, item) for item in items]
        items = self._known_only(items, run, report, organisations=False)
        items = _first_of_each_identity(self._seen, items, run, report)
        column = items[0].value.target_column if items else ""
        written = run.upsert(
            report, items, lambda rows: run.store.upsert_relations([r.relation for r in rows]), column
        )
        run.touched_orgs.update(p.value.relation.target_id for p in written)
        self.written(written, run, report)

    @staticmethod
    def _refs(row: RelationRow, organisations: bool, run: Run) -> Iterable[tuple[str, str]]:
        relation = row.relation
        if organisations:
            yield row.target_column, relation.target_id
        source = relation.source_id
        if run.ids.shaped(source) == organisations and not is_unresolved_key(source):
            yield row.source_column, source

    def _known_only(
        self, items: list[Parsed[RelationRow]], run: Run, report: FileReport, *, organisations: bool
    ) -> list[Parsed[RelationRow]]:
        # What _refs yields, gathered in one loop (this runs twice for every relation a load writes).
        shaped = run.ids.shaped
        named: set[str] = set()
        for item in items:
            relation = item.value.relation
            source = relation.source_id
            if organisations:
                named.add(relation.target_id)
            if shaped(source) == organisations and not is_unresolved_key(source):
                named.add(source)
        missing = run.unknown(named)
        if not missing:
            return items
        what = "an organisation" if organisations else "a person"
        kept: list[Parsed[RelationRow]] = []
        for item in items:
            problems = [
                Problem(
                    column,
                    item.row.get(column, key),
                    f"{column} {key} is not {what} of this load or the store",
                )
                for column, key in self._refs(item.value, organisations, run)
                if key in missing
            ]
            if problems:
                run.reject(report, item.line, problems)
            else:
                kept.append(item)
        return kept


def _rewrite(run: Run, item: Parsed[RelationRow]) -> Parsed[RelationRow]:
    """Point a row that names an unresolved person at the person it was resolved to in this run."""
    source = item.value.relation.source_id
    resolved = run.resolved.get(source) if is_unresolved_key(source) else None
    if resolved is None:
        return item
    relation = item.value.relation.model_copy(update={"source_id": resolved})
    return replace(item, value=replace(item.value, relation=relation, new_person=None))


def _first_of_each_identity(
    seen: FirstSeen, items: list[Parsed[RelationRow]], run: Run, report: FileReport
) -> list[Parsed[RelationRow]]:
    """The first row of each relation identity in the file: identical repeats skipped, others rejected."""
    kept: list[Parsed[RelationRow]] = []
    for item in items:
        relation = item.value.relation
        # The identity as a tuple (Relation.identity without its string forms): the same pairs are equal.
        identity = (relation.kind, relation.source_id, relation.target_id, relation.start_on)
        earlier = seen.check(identity, relation, item.line)
        if earlier is None:
            kept.append(item)
            continue
        same, line = earlier
        if same:
            report.skipped += 1
            run.warn(report, item.line, [Problem("", relation.key, f"repeats line {line}; skipped")])
        else:
            reason = f"the same relation (kind, source, target, start_on) as line {line} with other data"
            column = item.value.source_column
            run.reject(report, item.line, [Problem(column, item.row.get(column, ""), reason)])
    return kept


class Roles(RelationFile):
    """``roles.csv``: a person's role in an organisation (法定代表人, 董事, 监事 …), dated."""

    kind = "roles"
    required = ("person_id", "org_id", "role")
    optional = ("title", "start_on", "end_on", "person_name")
    aliases: ClassVar[Mapping[str, str]] = aliases_zh(required + optional)
    _columns: ClassVar[dict[str, str]] = {"source_id": "person_id", "target_id": "org_id", "kind": "role"}

    def parse_clean(self, row: Row, line: int, ids: IdentifierMemo, today: dt.date) -> RelationRow | None:
        get = row.get
        org, role = get("org_id"), get("role")
        if org is None or role not in _ROLE_VALUES or (org := ids.clean_uscc(org)) is None:
            return None
        found = clean.person_source(row, ids, today, "person_id", "person_name", org)
        if found is None:
            return None
        source, new_person, candidate = found
        fields = {
            "kind": role,
            "source_id": source,
            "target_id": org,
            "title": get("title"),
            "source": self.source,
        }
        relation = clean.dated_relation(row, ids, fields)
        return (
            None if relation is None else RelationRow(relation, "person_id", "org_id", new_person, candidate)
        )

    def parse(self, cells: Cells) -> RelationRow:
        org = cells.uscc("org_id")
        source, new_person, candidate = person_source(cells, "person_id", "person_name", org)
        role = cells.required("role")
        if role is not None and role not in _ROLE_VALUES:
            cells.problem("role", f"role must be one of {', '.join(sorted(_ROLE_VALUES))}")
        fields = {"kind": role, "source_id": source, "target_id": org, "title": cells.text("title")}
        relation = dated_relation(cells, {**fields, "source": self.source}, self._columns)
        cells.reject_if_problems()
        assert relation is not None
        return RelationRow(relation, "person_id", "org_id", new_person, candidate)


class Practitioners(RelationFile):
    """``practitioners.csv``: a registered practitioner (注册执业人员) working for an organisation."""

    kind = "practitioners"
    required = ("person_id", "org_id", "qualification")
    optional = ("certificate_no", "start_on", "end_on", "person_name")
    aliases: ClassVar[Mapping[str, str]] = aliases_zh(required + optional)
    _columns: ClassVar[dict[str, str]] = {"source_id": "person_id", "target_id": "org_id"}

    def parse_clean(self, row: Row, line: int, ids: IdentifierMemo, today: dt.date) -> RelationRow | None:
        get = row.get
        org, qualification = get("org_id"), get("qualification")
        if org is None or qualification is None or (org := ids.clean_uscc(org)) is None:
            return None
        found = clean.person_source(row, ids, today, "person_id", "person_name", org)
        if found is None:
            return None
        source, new_person, candidate = found
        fields = {
            "kind": RelationKind.PRACTITIONER,
            "source_id": source,
            "target_id": org,
            "qualification": qualification,
            "certificate_no": get("certificate_no"),
            "source": self.source,
        }
        relation = clean.dated_relation(row, ids, fields)
        return (
            None if relation is None else RelationRow(relation, "person_id", "org_id", new_person, candidate)
        )

    def parse(self, cells: Cells) -> RelationRow:
        org = cells.uscc("org_id")
        source, new_person, candidate = person_source(cells, "person_id", "person_name", org)
        cells.required("qualification")
        fields = {
            "kind": RelationKind.PRACTITIONER,
            "source_id": source,
            "target_id": org,
            "qualification": cells.text("qualification"),
            "certificate_no": cells.text("certificate_no"),
            "source": self.source,
        }
        relation = dated_relation(cells, fields, self._columns)
        cells.reject_if_problems()
        assert relation is not None
        return RelationRow(relation, "person_id", "org_id", new_person, candidate)


class Branches(RelationFile):
    """``branches.csv`` (extension): a branch (分支机构) and the organisation it belongs to."""

    kind = "branches"
    required = ("branch_id", "parent_id")
    optional = ("start_on", "end_on")
    aliases: ClassVar[Mapping[str, str]] = aliases_zh(required + optional)
    _columns: ClassVar[dict[str, str]] = {"source_id": "branch_id", "target_id": "parent_id"}

    def parse_clean(self, row: Row, line: int, ids: IdentifierMemo, today: dt.date) -> RelationRow | None:
        branch, parent = row.get("branch_id"), row.get("parent_id")
        if branch is None or parent is None:
            return None
        branch, parent = ids.clean_uscc(branch), ids.clean_uscc(parent)
        if branch is None or parent is None or branch == parent:
            return None
        fields = {
            "kind": RelationKind.BRANCH_OF,
            "source_id": branch,
            "target_id": parent,
            "source": self.source,
        }
        relation = clean.dated_relation(row, ids, fields)
        return None if relation is None else RelationRow(relation, "branch_id", "parent_id")

    def parse(self, cells: Cells) -> RelationRow:
        branch = cells.uscc("branch_id")
        parent = cells.uscc("parent_id")
        if branch is not None and branch == parent:
            cells.problem("parent_id", "an organisation cannot be its own branch")
        fields = {
            "kind": RelationKind.BRANCH_OF,
            "source_id": branch,
            "target_id": parent,
            "source": self.source,
        }
        relation = dated_relation(cells, fields, self._columns)
        cells.reject_if_problems()
        assert relation is not None
        return RelationRow(relation, "branch_id", "parent_id")
